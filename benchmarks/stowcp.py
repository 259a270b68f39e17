"""A stowtui copy as a process of its own, for benchmarks/transfers.py.

    python benchmarks/stowcp.py --endpoint-url URL [--workers N] [--conflict POLICY] SOURCE DESTINATION_DIR
    python benchmarks/stowcp.py --startup    (imports and one S3 client, nothing copied)

Copies SOURCE (a file or a directory, local or s3://) into DESTINATION_DIR
under its own name with the app's engine (``JobQueue(workers=N).copy``, N by default JobQueue's),
exactly as F5 does; start-up (Python, botocore, the client) is part of its time.
The conflict policy is "overwrite" unless ``--conflict`` says otherwise: what
``aws s3 cp``, ``s5cmd cp`` and ``rclone copy`` do (none of them skips or asks),
so the same work; with it no destination is listed (``Planner._blind``).
Exits 1 with the failures if the job did not end DONE.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint-url")
    parser.add_argument("--workers", type=int, help="the queue's workers (default: JobQueue's)")
    parser.add_argument("--conflict", default="overwrite", help="the job's conflict policy (default overwrite)")
    parser.add_argument("--startup", action="store_true", help="import and make a client, copy nothing")
    parser.add_argument("source", nargs="?")
    parser.add_argument("destination_dir", nargs="?")
    args = parser.parse_args()

    from stowtui.jobs import JobQueue, JobState
    from stowtui.managers import registry
    from stowtui.managers.connections import pool_connections

    queue = JobQueue() if args.workers is None else JobQueue(workers=args.workers)
    pool = pool_connections(queue.workers)
    registry.set_defaults("s3", endpoint_url=args.endpoint_url, max_pool_connections=pool)
    if args.startup:
        queue.shutdown()
        registry.connect("s3", endpoint_url=args.endpoint_url, max_pool_connections=pool).client
        return 0
    try:
        job = queue.copy([args.source], args.destination_dir, conflict=args.conflict)
        job.wait()
    finally:
        queue.shutdown(cancel=False)
    if job.state is not JobState.DONE:
        print(f"stowcp: {job.title}: {job.state.value}: {[f.reason for f in job.failures[:3]]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
