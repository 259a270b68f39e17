"""The journal's cost: a copy of 1,000 files of 4 KiB from one local directory to another
(the case where its records weigh most: each file is cheap), with and without the journal.

    .venv/bin/python benchmarks/journal.py [--files 1000] [--rounds 7]

Rounds alternate (off, on, off, on...) so that a busy machine weighs on both alike; the
medians and the overhead are printed, of wall time and of this process's CPU time (steadier
on a shared machine), and the journal's size per file. Goal (issue 21):
at most 5 % slower, about 100 bytes a file or less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from stowtui.jobs import JobQueue, journal


def one_copy(source: Path, into: Path, journaled: bool) -> tuple[float, float, int]:
    """Seconds for one copy job (wall, and CPU of this process), and the journal's size at
    its largest (bytes; 0 without)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir()
    queue = JobQueue(workers=8, journal=journaled)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        job = queue.copy([str(source)], str(into), conflict="overwrite")
        size = 0
        while not job.wait(0.01):
            record = job._ledger.journal  # the benchmark looks at the file the job writes
            if record is not None and record.path.exists():
                size = max(size, record.path.stat().st_size)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert job.state.value == "done", job.failures
    finally:
        queue.shutdown()
    return elapsed, cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stowtui-bench-") as work:
        work = Path(work)
        os.environ["XDG_STATE_HOME"] = str(work / "state")  # never the user's own journal directory
        source = work / "src" / "tree"
        source.mkdir(parents=True)
        body = os.urandom(4096)
        for number in range(args.files):
            (source / f"f{number:05}.bin").write_bytes(body)
        one_copy(source, work / "warm", False)  # imports and caches warmed, not timed
        times = {False: [], True: []}
        cpus = {False: [], True: []}
        largest = 0
        for _ in range(args.rounds):
            for journaled in (False, True):
                elapsed, cpu, size = one_copy(source, work / "dst", journaled)
                times[journaled].append(elapsed)
                cpus[journaled].append(cpu)
                largest = max(largest, size)
        print(f"{args.files} files of 4 KiB, {args.rounds} alternating rounds")
        for name, figures in (("wall", times), ("CPU", cpus)):
            off, on = statistics.median(figures[False]), statistics.median(figures[True])
            print(f"  {name} without journal: median {off:.3f} s  ({', '.join(f'{t:.3f}' for t in figures[False])})")
            print(f"  {name} with journal:    median {on:.3f} s  ({', '.join(f'{t:.3f}' for t in figures[True])})")
            print(f"  {name} overhead: {100 * (on - off) / off:+.1f} %  (goal: at most +5 %)")
        print(f"  journal at its largest: {largest:,} bytes, {largest / args.files:.1f} bytes a file "
              "(records alone: 19 bytes a file)")
        assert not list(journal.journal_dir().glob("*.journal")), "a journal was left behind"


if __name__ == "__main__":
    main()
