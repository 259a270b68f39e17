"""Progress benchmark: how true a job's rate and ETA are, against the wall clock.

Run:  .venv/bin/python benchmarks/progress.py              (one 64 MiB file, 3 runs)
      .venv/bin/python benchmarks/progress.py --mib 256 --runs 5

One file goes local -> S3 with ``JobQueue().copy`` to one loopback moto server
(tests/s3server.py) in a process of its own, while this process reads
``job.progress`` every ``--every`` seconds, as the jobs panel does. For each
run it prints the wall time (from the call to the end of ``job.wait()``) and
the average throughput it makes; the rates the job reported while the bytes
moved (smallest, median, largest) and the largest ETA; and the rate reported
once done, against the wall-clock average. These are the figures
tests/functional/test_jobs_progress.py used to assert (a rate between 1e5 and 1e11 B/s
and an ETA under 600 s while moving; a final rate within a factor of 3 of the
wall-clock average): the last columns say whether each run still meets them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, HERE)

import listing  # noqa: E402  (sets up the AWS environment for a loopback server)

from stowtui.jobs import JobQueue, JobState  # noqa: E402
from stowtui.managers import registry  # noqa: E402

MiB = 1024 * 1024
MAX_MIB = 4096
MAX_RUNS = 20


def one_run(source: str, destination_dir: str, size: int, every: float) -> dict:
    """Copy ``source`` once; what the job reported along the way, and the wall time."""
    registry.forget_instances()  # a new manager: new client, empty cache
    queue = JobQueue()
    seen = []
    try:
        start = time.perf_counter()
        job = queue.copy([source], destination_dir)
        while not job.wait(every):
            seen.append(job.progress)
        took = time.perf_counter() - start
    finally:
        queue.shutdown()
    if job.state is not JobState.DONE:
        raise SystemExit(f"{job.title}: {job.state.value} {job.failures}")
    final = job.progress
    moving = [p.rate for p in seen if p.rate > 0 and p.bytes_done < size]
    etas = [p.eta for p in seen if p.eta is not None]
    return {"took": took, "final": final.rate, "moving": moving, "eta": max(etas, default=None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=64, help="size of the file (default 64)")
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--every", type=float, default=0.05, help="seconds between progress reads (default 0.05)")
    args = parser.parse_args()
    if not 1 <= args.mib <= MAX_MIB or not 1 <= args.runs <= MAX_RUNS or not 0.001 <= args.every <= 10:
        parser.error(f"--mib 1..{MAX_MIB}, --runs 1..{MAX_RUNS}, --every 0.001..10")
    size = args.mib * MiB

    print(f"# Progress of a {args.mib} MiB local -> S3 copy\n")
    print(listing.machine() + "\n")
    print("| run | wall s | wall MB/s | moving: reads | min MB/s | median MB/s | max MB/s | max ETA s "
          "| final MB/s | final / wall | 1e5 < rate < 1e11, ETA < 600 | final within 3x |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="stowtui-bench-") as local, listing.Server() as server:
        registry.set_defaults("s3", endpoint_url=server.endpoint_url)
        source = os.path.join(local, "big.bin")
        with open(source, "wb") as out:
            out.write(os.urandom(size))
        for run in range(1, args.runs + 1):
            found = one_run(source, f"s3://{listing.BUCKET}/progress-{run}/", size, args.every)
            average = size / found["took"]
            moving, eta = found["moving"], found["eta"]
            sane = bool(moving) and all(1e5 < r < 1e11 for r in moving) and (eta is None or eta < 600)
            within = average / 3 < found["final"] < average * 3
            low, mid, high = (min(moving), statistics.median(moving), max(moving)) if moving else (0, 0, 0)
            print(
                f"| {run} | {found['took']:.2f} | {average / 1e6:.1f} | {len(moving)} | {low / 1e6:.1f} "
                f"| {mid / 1e6:.1f} | {high / 1e6:.1f} | {'-' if eta is None else f'{eta:.1f}'} "
                f"| {found['final'] / 1e6:.1f} | {found['final'] / average:.2f} "
                f"| {'yes' if sane else 'NO'} | {'yes' if within else 'NO'} |"
            )


if __name__ == "__main__":
    main()
