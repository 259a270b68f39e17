"""Client CPU of small-file jobs: what stowtui's own process spends per 1,000 requests.

Run:  .venv/bin/python benchmarks/client_cpu.py                    (up, down, S3→S3; 5 runs each)
      .venv/bin/python benchmarks/client_cpu.py --only down --runs 9
      .venv/bin/python benchmarks/client_cpu.py --bare     (also one thread of bare client calls, no engine)
      .venv/bin/py-spy record -r 250 --format raw -o /tmp/down.raw -- .venv/bin/python benchmarks/client_cpu.py --only down

One loopback moto server (tests/s3server.py, through benchmarks/transfers.py's
server) runs in a process of its own, so ``getrusage(RUSAGE_SELF)`` of this
process is the client's alone: the job's user and system CPU, from
``JobQueue(workers=8).copy`` (the "overwrite" policy, as benchmarks/stowcp.py)
to the end of ``job.wait()``, with a new S3 manager (new client, empty cache)
and a new queue each run. Start-up (imports, the first client's models) is
made before the first run and not counted. CPU time is steadier than wall time
on a shared machine, which is why this script exists beside transfers.py; the
server's requests are counted and printed per run. ``--bare``: the same
requests as plain ``get_object``/``put_object``/``copy_object`` calls on one
thread of a stowtui client (``client.new_client``), CPU from ``time.thread_time``:
botocore's share alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.update(
    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true",
)
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
    os.environ.pop(_name, None)

from server_process import TransferServer  # noqa: E402  (no moto in this process)

BUCKET = "bench"
MAX_FILES, MAX_RUNS = 20_000, 20


def serve(connection) -> None:
    """The server process: transfers.py's. Imported there only, so that this (client)
    process never imports moto, which registers a handler on every botocore client."""
    import transfers

    transfers.serve(connection)


class Server(TransferServer):
    """The client side of transfers.py's server, run by :func:`serve`."""

    def __init__(self):
        super().__init__(serve)


DIRECTIONS = {"up": "local → S3", "down": "S3 → local", "s3": "S3 → S3"}


def cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def one_run(endpoint: str, source: str, destination: str, workers: int) -> tuple[float, float, float]:
    from stowtui.jobs import JobQueue, JobState
    from stowtui.managers import registry
    from stowtui.managers.connections import pool_connections

    registry.forget_instances()
    registry.set_defaults("s3", endpoint_url=endpoint, max_pool_connections=pool_connections(workers))
    user, system = cpu()
    start = time.perf_counter()
    queue = JobQueue(workers=workers)
    try:
        job = queue.copy([source], destination, conflict="overwrite")
        job.wait()
    finally:
        queue.shutdown(cancel=False)
    wall = time.perf_counter() - start
    user_after, system_after = cpu()
    if job.state is not JobState.DONE:
        raise SystemExit(f"{job.title}: {job.state.value}: {[f.reason for f in job.failures[:3]]}")
    return user_after - user, system_after - system, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-kib", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--only", choices=list(DIRECTIONS), nargs="+", default=list(DIRECTIONS))
    parser.add_argument("--bare", action="store_true", help="also time plain client calls on one thread")
    args = parser.parse_args()
    if not 0 < args.files <= MAX_FILES or not 0 < args.runs <= MAX_RUNS:
        raise SystemExit(f"--files in 1..{MAX_FILES}, --runs in 1..{MAX_RUNS}")

    small = {f"f{i:05d}.bin": os.urandom(args.file_kib * 1024) for i in range(args.files)}
    workspace = tempfile.mkdtemp(prefix="stowtui-cpu-")
    try:
        local = os.path.join(workspace, "small")
        os.makedirs(local)
        for name, data in small.items():
            with open(os.path.join(local, name), "wb") as handle:
                handle.write(data)
        with Server() as server:
            endpoint = server.endpoint_url
            server.put({f"seed/small/{name}": data for name, data in small.items()})
            s3 = f"s3://{BUCKET}"
            warm = os.path.join(workspace, "warm")
            os.makedirs(warm)
            one_run(endpoint, f"{s3}/seed/small", warm, args.workers)  # imports and models, not counted
            for direction in args.only:
                results = []
                for number in range(args.runs):
                    out = f"out/{direction}-{number}"
                    source = local if direction == "up" else f"{s3}/seed/small"
                    if direction == "down":
                        destination = os.path.join(workspace, out)
                        os.makedirs(destination)
                    else:
                        destination = f"{s3}/{out}"
                    server.clear_counts()
                    results.append(one_run(endpoint, source, destination, args.workers))
                    counts = server.counts
                    if direction == "down":
                        found = len(os.listdir(os.path.join(destination, "small")))
                        shutil.rmtree(destination)
                    else:
                        found = len(server.objects(f"{out}/small/"))
                        server.delete(f"{out}/")
                    if found != args.files:
                        raise SystemExit(f"{direction}: {found} files arrived of {args.files}")
                per = 1000 / args.files
                users = [r[0] * per for r in results]
                systems = [r[1] * per for r in results]
                walls = [r[2] for r in results]
                print(f"{DIRECTIONS[direction]}: user CPU per 1,000 files median {statistics.median(users):.3f} s "
                      f"({' / '.join(f'{u:.3f}' for u in users)}); system {statistics.median(systems):.3f} s; "
                      f"wall median {statistics.median(walls):.2f} s; requests {dict(sorted(counts.items()))}",
                      flush=True)
                if args.bare:
                    print(f"  bare client, one thread: CPU per 1,000 {bare(endpoint, direction, small, args.runs)}",
                          flush=True)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def bare(endpoint: str, direction: str, small: dict, runs: int) -> str:
    """Thread CPU of plain client calls making this direction's requests, one thread."""
    from stowtui.managers.s3.client import new_client

    client = new_client(endpoint_url=endpoint, profile=None, region=None, path_style=None, unsigned=False,
                        credentials={}, max_pool_connections=16)
    names = list(small)

    def once(number):
        for name in names:
            if direction == "down":
                client.get_object(Bucket=BUCKET, Key=f"seed/small/{name}")["Body"].read()
            elif direction == "up":
                client.put_object(Bucket=BUCKET, Key=f"bare/{number}/{name}", Body=small[name])
            else:
                client.copy_object(Bucket=BUCKET, Key=f"bare/{number}/{name}",
                                   CopySource={"Bucket": BUCKET, "Key": f"seed/small/{name}"})

    once(-1)
    took = []
    for number in range(runs):
        start = time.thread_time()
        once(number)
        took.append((time.thread_time() - start) * 1000 / len(names))
    return f"median {statistics.median(took):.3f} s ({' / '.join(f'{t:.3f}' for t in took)})"


if __name__ == "__main__":
    main()
