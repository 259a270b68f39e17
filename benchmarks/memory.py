"""Memory of a big job: 100,000 files queued keep the client under 300 MB.

Run:  .venv/bin/python benchmarks/memory.py                 (100,000 files, 64 workers)
      .venv/bin/python benchmarks/memory.py --files 1000000

A copy of ``synthetic:///N`` (benchmarks/synthetic.py: N made-up files listed in pages
of 1,000, no I/O) into an empty local folder, run by the app's engine
(``JobQueue().copy``, as F5) with every file's transfer replaced by one that only
reports its bytes, so what is measured is the engine holding the job: the walk, the
claims, the tasks. The planner makes a file's task only when one of the queue's
``max_pending`` places is free (tests/test_jobs_lazy.py counts them), so the job's
size should not show in the memory. Prints the process's peak resident memory
(``ru_maxrss``) before and after the job, and the job's time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

LIMIT_MB = 300


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--workers", type=int, help="the queue's workers (default: JobQueue's)")
    args = parser.parse_args()
    if not 0 < args.files <= 10_000_000:
        raise SystemExit("--files in 1..10,000,000")

    import synthetic

    synthetic.install()
    from stowtui.jobs import JobQueue, JobState, tasks

    def transfer(request):
        if request.callback is not None:
            request.callback(request.source.size)

    tasks.transfer = transfer  # the engine alone: nothing is read or written
    before = peak_mb()
    queue = JobQueue() if args.workers is None else JobQueue(workers=args.workers)
    with tempfile.TemporaryDirectory(prefix="stowtui-memory-") as destination:
        start = time.perf_counter()
        try:
            job = queue.copy([f"synthetic:///{args.files}"], destination, conflict="overwrite")
            job.wait()
        finally:
            queue.shutdown(cancel=False)
        took = time.perf_counter() - start
    after = peak_mb()
    progress = job.progress
    print(f"{args.files:,} files, {queue.workers} workers, max_pending {queue.max_pending}: job {job.state.value}, "
          f"{progress.files_done:,} files done in {took:.1f} s; peak resident memory {before:.0f} MB before the "
          f"job, {after:.0f} MB after (limit {LIMIT_MB} MB)")
    ok = job.state is JobState.DONE and progress.files_done == args.files and after < LIMIT_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
