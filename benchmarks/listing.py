"""Listing benchmark: stowtui vs a bare boto3 paginator vs ``aws s3 ls``.

Run:  .venv/bin/pip install awscli              (once; the ``bench`` extra)
      .venv/bin/python benchmarks/listing.py    (1k and 10k keys, 5 runs each)
      .venv/bin/python benchmarks/listing.py --keys 1000 10000 --runs 5

Everything talks to one loopback moto server (tests/s3server.py) on
127.0.0.1, which counts every request it answers; it runs in a process of its
own, so that no client shares an interpreter with it. For each size, N keys are
seeded straight into moto's backend under ``s3://bench/nN/`` (one level, no
sub-prefixes), then listed

* one level (``Delimiter='/'``, what a pane does when it opens a directory) and
* recursively (no delimiter, what a copy of a directory walks),

by each client, each run from nothing: stowtui with a new manager (so a new
boto3 client and an empty cache), boto3 with a new client, aws-cli as a new
process. "stowtui, cached" is the same listing asked again of the manager
that made the cold one. Wall times and client CPU times (the server's work
excluded: it is another process) are medians of ``--runs`` runs, the clients
taking turns; request counts are what the server saw in one run (they do not
vary). The output is
Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from s3server import S3Server  # noqa: E402
from server_process import ServerProcess  # noqa: E402

from stowtui import stow  # noqa: E402
from stowtui.managers import registry  # noqa: E402

BUCKET = "bench"
MAX_KEYS = 100_000  # a bound on what this script will seed
MAX_RUNS = 20


def aws_command() -> list[str] | None:
    beside = os.path.join(os.path.dirname(sys.executable), "aws")
    found = beside if os.path.exists(beside) else shutil.which("aws")
    return [found] if found else None


def serve(connection) -> None:
    """The server process: an S3Server, driven by (command, argument) messages."""
    with S3Server() as server:
        server.backend.create_bucket(BUCKET, "us-east-1")
        connection.send(server.endpoint_url)
        while True:
            command, argument = connection.recv()
            if command == "seed":
                prefix, keys = argument
                for i in range(keys):
                    server.backend.put_object(BUCKET, f"{prefix}{i:07d}.log", b"x" * (i % 7))
                connection.send(None)
            elif command == "clear":
                server.clear_counts()
                connection.send(None)
            elif command == "counts":
                connection.send(dict(server.counts))
            else:
                connection.send(None)
                return


class Server(ServerProcess):
    """The client side of :func:`serve` (other scripts pass their own server function)."""

    def __init__(self, target=None):
        super().__init__(target or serve)

    def seed(self, keys: int) -> str:
        prefix = f"n{keys}/"
        self._ask("seed", (prefix, keys))
        return prefix


# Each client: a function (endpoint, prefix, recursive) -> number of entries found.


def with_stowtui(endpoint: str, prefix: str, recursive: bool) -> int:
    registry.forget_instances()  # a new manager: new client, empty cache
    return len(stow.ls(f"s3://{BUCKET}/{prefix}", recursive=recursive))


def with_stowtui_cached(endpoint: str, prefix: str, recursive: bool) -> int:
    return len(stow.ls(f"s3://{BUCKET}/{prefix}", recursive=recursive))


def with_boto3(endpoint: str, prefix: str, recursive: bool) -> int:
    client = boto3.client("s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}))
    options = {} if recursive else {"Delimiter": "/"}
    found = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix, **options):
        found += len(page.get("Contents", [])) + len(page.get("CommonPrefixes", []))
    return found


def with_aws(endpoint: str, prefix: str, recursive: bool) -> int:
    command = aws_command() + ["--endpoint-url", endpoint, "s3", "ls", f"s3://{BUCKET}/{prefix}"]
    if recursive:
        command.append("--recursive")
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1) or done.stderr.strip():  # 1: nothing matched
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return len(done.stdout.splitlines())


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the aws-cli runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def once(server: Server, client, prefix: str, recursive: bool, expected: int) -> tuple[float, float, Counter]:
    """One timed listing: (wall seconds, client CPU seconds, requests the server saw)."""
    if client is with_stowtui_cached:
        with_stowtui(server.endpoint_url, prefix, recursive)  # fill the cache first
    server.clear_counts()
    cpu, start = cpu_seconds(), time.perf_counter()
    found = client(server.endpoint_url, prefix, recursive)
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if found != expected:
        raise SystemExit(f"{client.__name__} found {found} entries under {prefix}, not {expected}")
    return elapsed, cpu, server.counts


def measure(server: Server, clients, prefix: str, recursive: bool, runs: int, expected: int) -> list:
    """(median wall seconds, median client CPU seconds, requests) per client. The clients
    take turns run by run, so that a busy moment of the machine falls on all of them alike."""
    walls: dict = {client: [] for client in clients}
    cpus: dict = {client: [] for client in clients}
    counts: dict = {}
    for _ in range(runs):
        for client in clients:
            wall, cpu, counts[client] = once(server, client, prefix, recursive, expected)
            walls[client].append(wall)
            cpus[client].append(cpu)
    return [(statistics.median(walls[c]), statistics.median(cpus[c]), counts[c]) for c in clients]


def versions() -> str:
    import importlib.metadata as metadata

    names = ["boto3", "botocore", "s3transfer", "moto", "awscli"]
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; {versions()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if any(k <= 0 or k > MAX_KEYS for k in args.keys) or not 0 < args.runs <= MAX_RUNS:
        raise SystemExit(f"--keys must be in 1..{MAX_KEYS} and --runs in 1..{MAX_RUNS}")

    clients = [
        ("stowtui `stow.ls` (new manager)", with_stowtui),
        ("stowtui `stow.ls` (cached)", with_stowtui_cached),
        ("boto3 paginator (new client)", with_boto3),
    ]
    if aws_command():
        clients.append(("`aws s3 ls` (new process)", with_aws))
    else:
        print("aws-cli not found: `.venv/bin/pip install awscli` to include it", file=sys.stderr)

    rows = []
    with Server() as server:
        registry.set_defaults("s3", endpoint_url=server.endpoint_url)
        if aws_command():  # the floor: process start plus one tiny listing
            ((floor, cpu, counts),) = measure(server, [with_aws], "empty/", False, args.runs, 0)
            rows.append(("`aws s3 ls` of an empty prefix (start-up floor)", "-", "-", floor, cpu, counts))
        for keys in args.keys:
            prefix = server.seed(keys)
            for recursive in (False, True):
                mode = "recursive" if recursive else "one level"
                results = measure(server, [c for _, c in clients], prefix, recursive, args.runs, keys)
                for (label, _), (wall, cpu, counts) in zip(clients, results):
                    rows.append((label, f"{keys:,}", mode, wall, cpu, counts))

    print(f"Machine: {machine()}.")
    print(f"Loopback moto server (tests/s3server.py) on 127.0.0.1 in its own process; median of {args.runs} runs.\n")
    print("| client | keys | listing | wall time | client CPU | requests seen by the server |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for label, keys, mode, wall, cpu, counts in rows:
        requests = ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) or "none"
        print(f"| {label} | {keys} | {mode} | {wall * 1000:,.0f} ms | {cpu * 1000:,.0f} ms | {requests} |")


if __name__ == "__main__":
    main()
