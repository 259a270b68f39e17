"""Sync's comparison of a big tree: requests and memory (issue 24).

Run:  .venv/bin/python benchmarks/sync_compare.py                 (100,000 keys: 100 folders of 1,000)
      .venv/bin/python benchmarks/sync_compare.py --keys 100000 --folders 1   (one flat level)

A loopback moto server (tests/s3server.py) runs in a process of its own and
counts every request. ``s3://bench/src/`` and ``s3://bench/dst/`` are seeded
with the same N keys (the destination written after the source, so newer: up
to date), then, in this process:

* ``stow.sync(src, dst)`` of the up-to-date tree: it must send nothing but
  listings (one ListObjectsV2 per 1,000 keys of each side, per level);
* the same after 1% of the destination's keys were deleted: those are copied
  (CopyObject), nothing else;
* for scale, ``stow.ls(src, recursive=True)``: one side's whole listing held.

Memory is ``tracemalloc``'s peak of each step (Python allocations of this
process only; the server is another process). The comparison walks both
sides level by level from pages, so its peak stays near one level's pages,
where holding a listing grows with the tree. Output: Markdown for RESULTS.md.

moto scans the whole bucket for every ListObjectsV2, so wall times here are
the server's and grow with the square of the keys: 100,000 keys a side take
long on a shared machine; the request counts and memory are what to read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

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

from server_process import ServerProcess  # noqa: E402

from stowtui import stow  # noqa: E402
from stowtui.managers import registry  # noqa: E402

BUCKET = "bench"


def serve(connection) -> None:
    """The server process: seeds, deletes and counts on command."""
    from s3server import S3Server

    with S3Server() as server:
        server.backend.create_bucket(BUCKET, "us-east-1")
        connection.send(server.endpoint_url)
        while True:
            command, argument = connection.recv()
            if command == "seed":
                keys, folders = argument
                per = keys // folders
                for prefix in ("src/", "dst/"):
                    for i in range(keys):
                        folder = f"d{i // per:04d}/" if folders > 1 else ""
                        server.backend.put_object(BUCKET, f"{prefix}{folder}k{i:07d}", b"x" * (i % 7))
                connection.send(None)
            elif command == "drop":
                every = argument
                names = [k for k in server.backend.buckets[BUCKET].keys.keys() if k.startswith("dst/")]
                for key in names[::every]:
                    server.backend.delete_object(BUCKET, key)
                connection.send(len(names[::every]))
            elif command == "clear":
                server.clear_counts()
                connection.send(None)
            elif command == "counts":
                connection.send(dict(server.counts))
            else:
                connection.send(None)
                return


def measured(server, step):
    server.clear_counts()
    tracemalloc.start()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, dict(sorted(server.counts.items())), peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--folders", type=int, default=100)
    args = parser.parse_args()
    if not 0 < args.keys <= 1_000_000 or not 0 < args.folders <= args.keys:
        parser.error("--keys 1..1,000,000 and --folders 1..keys")
    with ServerProcess(serve) as server:
        registry.set_defaults("s3", endpoint_url=server.endpoint_url)
        server._ask("seed", (args.keys, args.folders))
        source, destination = f"s3://{BUCKET}/src", f"s3://{BUCKET}/dst"
        stow.exists(f"s3://{BUCKET}/")  # botocore's models loaded before anything is measured
        rows = []
        _, counts, peak, seconds = measured(server, lambda: stow.sync(source, destination))
        rows.append(("sync, up to date", counts, peak, seconds))
        dropped = server._ask("drop", 100)
        _, counts, peak, seconds = measured(server, lambda: stow.sync(source, destination))
        rows.append((f"sync, {dropped:,} missing", counts, peak, seconds))
        listed, counts, peak, seconds = measured(server, lambda: len(stow.ls(source, recursive=True)))
        rows.append((f"ls recursive of one side ({listed:,})", counts, peak, seconds))
    shape = f"{args.folders} folders of {args.keys // args.folders:,}" if args.folders > 1 else "one level"
    print(f"### sync_compare.py: {args.keys:,} keys on each side ({shape})\n")
    print("| step | requests | peak Python memory | wall |")
    print("|---|---|---|---|")
    for name, counts, peak, seconds in rows:
        requests = ", ".join(f"{op} {n:,}" for op, n in counts.items())
        print(f"| {name} | {requests} | {peak / 2**20:.1f} MiB | {seconds:.1f} s |")


if __name__ == "__main__":
    main()
