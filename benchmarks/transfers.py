"""Transfer benchmark: stowtui's JobQueue vs ``aws s3 cp`` on one loopback S3.

Run:  .venv/bin/pip install awscli               (once; the ``bench`` extra)
      .venv/bin/python benchmarks/transfers.py   (1,000 x 4 KiB and 1 x 200 MiB, 3 runs)
      .venv/bin/python benchmarks/transfers.py --files 1000 --file-kib 4 --big-mib 200 --runs 3

One loopback moto server (tests/s3server.py) on 127.0.0.1 runs in a process
of its own (so no client shares an interpreter, or the GIL, with it) and
counts every request it answers. Seed data is put straight into moto's
backend (not counted). Then each tool copies

* 1,000 small files (a directory) and one big file,
* local -> S3, S3 -> local and S3 -> S3,

each run into a new, empty destination, which is checked (count, sizes, and
the big file's MD5) and deleted afterwards.

stowtui: ``JobQueue().copy([source], destination_dir)`` in this process,
timed from the call to the end of ``job.wait()``, each run with a new S3
manager (a new boto3 client, an empty cache) and a new queue.
aws-cli: ``aws --endpoint-url ... s3 cp [--recursive] ...`` as a new process,
timed from start to exit; its bare start-up (``aws --version``) is shown too.
Wall times are medians of ``--runs`` runs; request counts are the server's
for the last run. The output is Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, HERE)
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    AWS_EC2_METADATA_DISABLED="true",
)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
    os.environ.pop(_name, None)

import listing  # noqa: E402
from listing import aws_command, machine  # noqa: E402
from s3server import S3Server  # noqa: E402

from stowtui.jobs import JobQueue, JobState  # noqa: E402
from stowtui.managers import registry  # noqa: E402

BUCKET = "bench"
SEED = "seed"
MAX_FILES = 20_000
MAX_BIG_MIB = 2048
MAX_RUNS = 10


def serve(connection) -> None:
    """The server process: an S3Server driven by (command, argument) messages."""
    with S3Server() as server:
        backend = server.backend
        backend.create_bucket(BUCKET, "us-east-1")
        connection.send(server.endpoint_url)
        while True:
            command, argument = connection.recv()
            if command == "seed_small":
                prefix, files, size = argument
                for i in range(files):
                    backend.put_object(BUCKET, f"{prefix}f{i:05d}.bin", os.urandom(size))
                connection.send(None)
            elif command == "seed_big":
                key, data = argument
                backend.put_object(BUCKET, key, data)
                connection.send(None)
            elif command == "objects":  # {key: (size, md5 or None)} below a prefix
                prefix, with_md5 = argument
                bucket = backend.get_bucket(BUCKET)
                found = {}
                for key in list(bucket.keys.keys()):
                    if key.startswith(prefix):
                        value = backend.get_object(BUCKET, key)
                        digest = hashlib.md5(value.value).hexdigest() if with_md5 else None
                        found[key[len(prefix):]] = (value.size, digest)
                connection.send(found)
            elif command == "delete":
                bucket = backend.get_bucket(BUCKET)
                for key in [k for k in list(bucket.keys.keys()) if k.startswith(argument)]:
                    backend.delete_object(BUCKET, key)
                connection.send(None)
            elif command == "clear":
                server.clear_counts()
                connection.send(None)
            elif command == "counts":
                connection.send(dict(server.counts))
            else:
                connection.send(None)
                return


class Server(listing.Server):
    """The client side of :func:`serve`: the listing benchmark's, with this script's commands."""

    def __init__(self):
        super().__init__(serve)

    def objects(self, prefix: str, md5: bool = False) -> dict:
        return self._ask("objects", (prefix, md5))

    def delete(self, prefix: str) -> None:
        self._ask("delete", prefix)

    def seed_small(self, prefix: str, files: int, size: int) -> None:
        self._ask("seed_small", (prefix, files, size))

    def seed_big(self, key: str, data: bytes) -> None:
        self._ask("seed_big", (key, data))


# The copies: (source, destination) for a tool, by kind. ``local`` is a local
# directory holding ``small/`` and ``big.bin``; ``out`` is where a run writes.


def stowtui_copy(endpoint: str, source: str, destination_dir: str, workers: int) -> float:
    registry.forget_instances()  # a new manager: new client, empty cache
    queue = JobQueue(workers=workers)
    try:
        start = time.perf_counter()
        job = queue.copy([source], destination_dir)
        if not job.wait(3600):
            raise SystemExit(f"stowtui: {job.title} did not finish")
        took = time.perf_counter() - start
    finally:
        queue.shutdown()
    if job.state is not JobState.DONE:
        raise SystemExit(f"stowtui: {job.title} {job.state.value}: {job.failures[:3]}")
    return took


def aws_copy(endpoint: str, source: str, destination: str, recursive: bool) -> float:
    command = aws_command() + ["--endpoint-url", endpoint, "s3", "cp", source, destination, "--only-show-errors"]
    if recursive:
        command.append("--recursive")
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return took


def aws_startup() -> float:
    start = time.perf_counter()
    subprocess.run(aws_command() + ["--version"], capture_output=True, timeout=120, check=True)
    return time.perf_counter() - start


def local_objects(root: str, md5: bool = False) -> dict:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            digest = None
            if md5:
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "md5").hexdigest()
            found[os.path.relpath(path, root).replace(os.sep, "/")] = (os.path.getsize(path), digest)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="small files (default 1000)")
    parser.add_argument("--file-kib", type=int, default=4, help="size of each small file in KiB (default 4)")
    parser.add_argument("--big-mib", type=int, default=200, help="size of the big file in MiB (default 200)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=JobQueue().workers, help="stowtui's JobQueue workers")
    parser.add_argument("--only", choices=["small", "big"], help="only one of the two sizes")
    parser.add_argument("--no-aws", action="store_true", help="stowtui alone (for profiling)")
    args = parser.parse_args()
    if not 0 < args.files <= MAX_FILES or not 0 < args.big_mib <= MAX_BIG_MIB or not 0 < args.runs <= MAX_RUNS:
        raise SystemExit(f"--files in 1..{MAX_FILES}, --big-mib in 1..{MAX_BIG_MIB}, --runs in 1..{MAX_RUNS}")
    use_aws = not args.no_aws
    if use_aws and not aws_command():
        raise SystemExit("aws-cli not found: `.venv/bin/pip install awscli` (or pass --no-aws)")

    small_size, big_size = args.file_kib * 1024, args.big_mib * 1024 * 1024
    rows = []
    workspace = tempfile.mkdtemp(prefix="stowtui-bench-")
    try:
        local = os.path.join(workspace, "local")
        os.makedirs(os.path.join(local, "small"))
        for i in range(args.files):
            with open(os.path.join(local, "small", f"f{i:05d}.bin"), "wb") as handle:
                handle.write(os.urandom(small_size))
        big_data = os.urandom(big_size)
        big_md5 = hashlib.md5(big_data).hexdigest()
        with open(os.path.join(local, "big.bin"), "wb") as handle:
            handle.write(big_data)

        with Server() as server:
            endpoint = server.endpoint_url
            registry.set_defaults("s3", endpoint_url=endpoint)
            server.seed_small(f"{SEED}/small/", args.files, small_size)
            server.seed_big(f"{SEED}/big.bin", big_data)
            del big_data
            s3 = f"s3://{BUCKET}"
            startup = aws_startup() if use_aws else None

            cases = []
            if args.only != "big":
                cases.append(("small", f"{args.files:,} x {args.file_kib} KiB"))
            if args.only != "small":
                cases.append(("big", f"1 x {args.big_mib} MiB"))
            for size, label in cases:
                name = "small" if size == "small" else "big.bin"
                expected = (
                    {f"f{i:05d}.bin": (small_size, None) for i in range(args.files)}
                    if size == "small"
                    else {"": (big_size, big_md5)}
                )
                for direction in ("local → S3", "S3 → local", "S3 → S3"):
                    results = {}
                    for tool in ["stowtui", "aws-cli"] if use_aws else ["stowtui"]:
                        times = []
                        for run in range(args.runs):
                            out = f"out/{tool}-{run}"
                            local_out = os.path.join(workspace, out)
                            source = os.path.join(local, name) if direction.startswith("local") else f"{s3}/{SEED}/{name}"
                            to_s3 = direction.endswith("S3")
                            destination_dir = f"{s3}/{out}" if to_s3 else local_out
                            os.makedirs(local_out, exist_ok=True)
                            server.clear_counts()
                            if tool == "stowtui":
                                took = stowtui_copy(endpoint, source, destination_dir, args.workers)
                            else:
                                target = (destination_dir.rstrip("/") + "/" + name) if to_s3 else os.path.join(local_out, name)
                                took = aws_copy(endpoint, source, target, recursive=size == "small")
                            counts = server.counts
                            if to_s3:
                                prefix = f"{out}/{name}" + ("/" if size == "small" else "")
                                found = server.objects(prefix, md5=size == "big")
                                server.delete(f"{out}/")
                            else:
                                where = os.path.join(local_out, name)
                                found = local_objects(where, md5=size == "big") if size == "small" else {
                                    "": next(iter(local_objects(local_out, md5=True).values()))
                                }
                            shutil.rmtree(local_out, ignore_errors=True)
                            if {k: (s, m if size == "big" else None) for k, (s, m) in found.items()} != expected:
                                raise SystemExit(f"{tool} {direction} {label}: the destination is not a complete copy")
                            times.append(took)
                        results[tool] = (statistics.median(times), times, counts)
                    rows.append((label, direction, results))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)

    print(f"Machine: {machine()}.")
    print(
        f"Loopback moto server (tests/s3server.py) on 127.0.0.1 in its own process; median of {args.runs} runs; "
        f"stowtui `JobQueue(workers={args.workers})` in-process, aws-cli a new process each run"
        + (f" (its bare start-up, `aws --version`: {startup * 1000:,.0f} ms)." if startup is not None else ".")
        + "\n"
    )
    header = "| files | direction | stowtui | requests (stowtui) |"
    rule = "| --- | --- | ---: | --- |"
    if use_aws:
        header = "| files | direction | stowtui | aws-cli | stowtui / aws-cli | requests (stowtui) | requests (aws-cli) |"
        rule = "| --- | --- | ---: | ---: | ---: | --- | --- |"
    print(header)
    print(rule)

    def requests(counts: Counter) -> str:
        return ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) or "none"

    for label, direction, results in rows:
        ours = results["stowtui"]
        line = f"| {label} | {direction} | {ours[0]:.2f} s |"
        if use_aws:
            theirs = results["aws-cli"]
            line += f" {theirs[0]:.2f} s | {ours[0] / theirs[0]:.2f}× |"
        line += f" {requests(ours[2])} |"
        if use_aws:
            line += f" {requests(results['aws-cli'][2])} |"
        print(line)
    print("\nEvery run, in seconds:", end="")
    for label, direction, results in rows:
        runs = "; ".join(f"{tool} " + " / ".join(f"{t:.2f}" for t in times) for tool, (_, times, _) in results.items())
        print(f" {label} {direction}: {runs}.", end="")
    print()


if __name__ == "__main__":
    main()
