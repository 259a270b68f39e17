"""The journal's cost: a copy of small files (4 KiB) from one local directory to another
(the case where its records weigh most: each file is cheap), with and without the journal.

    .venv/bin/python benchmarks/journal.py [--files 2000] [--rounds 11]

What is compared is the CPU time of this process (``getrusage(RUSAGE_SELF)``: user +
system, all its threads: the job's workers, and the journal's writer with its ``fsync``
calls), which a busy shared machine changes less than wall time; wall time is printed
too. Rounds alternate (off, on, then on, off...), each a pair of whole copy jobs run back
to back; the overhead is given from the medians and as the median of the rounds' ratios
(a pair shares its load). Then the journal's own CPU is measured apart (per record, per
group commit) and added up for the job: the steadiest figure when other processes load
the machine. The journal's size is taken in one more job, untimed (the timed ones only
wait). Goal (issue 21): at most 5 % more, about 100 bytes a file or less.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from stowtui.jobs import JobQueue, journal


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_copy(source: Path, into: Path, journaled: bool) -> tuple[float, float]:
    """Seconds for one copy job: wall, and CPU of this process (queue made and shut down included)."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir()
    gc.collect()
    started, cpu = time.perf_counter(), cpu_seconds()
    queue = JobQueue(workers=8, journal=journaled)
    try:
        job = queue.copy([str(source)], str(into), conflict="overwrite")
        job.wait()
        assert job.state.value == "done", job.failures
    finally:
        queue.shutdown()
    return time.perf_counter() - started, cpu_seconds() - cpu


def journal_size(source: Path, into: Path) -> int:
    """The journal's size at its largest during one copy job (bytes), looked at every 10 ms."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir()
    queue = JobQueue(workers=8, journal=True)
    size = 0
    try:
        job = queue.copy([str(source)], str(into), conflict="overwrite")
        while not job.wait(0.01):
            path = job.journal_path
            if path is not None and os.path.exists(path):
                size = max(size, os.path.getsize(path))
    finally:
        queue.shutdown()
    return size


def parts(work: Path, records: int = 200_000, commits: int = 200) -> tuple[float, float]:
    """The journal's own CPU, apart from any job: seconds per ``done`` record (a BLAKE2b of
    the URL and a buffer append, on the job's thread; the writer's commits meanwhile
    included) and per group commit (a write of 100 records and an ``fsync``, on the
    writer's thread)."""
    written = journal.Journal(journal.Header("copy", ["/src"], "/dst", "overwrite", "bench"), work)
    urls = [f"/work/src/tree/d{n % 50}/f{n:07}.bin" for n in range(records)]
    gc.collect()
    cpu = cpu_seconds()
    for url in urls:
        written.done(url)
    per_record = (cpu_seconds() - cpu) / records
    written.end("done")
    fd = os.open(work / "commits", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        block = b"d 3f2a9c0d1e4b5a66\n" * 100
        cpu = time.thread_time()
        for _ in range(commits):
            os.write(fd, block)
            os.fsync(fd)
        per_commit = (time.thread_time() - cpu) / commits
    finally:
        os.close(fd)
    return per_record, per_commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stowtui-bench-") as work:
        work = Path(work)
        os.environ["XDG_STATE_HOME"] = str(work / "state")  # never the user's own journal directory
        source = work / "src" / "tree"
        source.mkdir(parents=True)
        body = os.urandom(4096)
        for number in range(args.files):
            (source / f"f{number:05}.bin").write_bytes(body)
        for journaled in (False, True):
            one_copy(source, work / "warm", journaled)  # imports and caches warmed, not counted
        times = {False: [], True: []}
        cpus = {False: [], True: []}
        for round_ in range(args.rounds):
            # Alternating, and which goes first alternates too.
            for journaled in ((False, True) if round_ % 2 == 0 else (True, False)):
                elapsed, cpu = one_copy(source, work / "dst", journaled)
                times[journaled].append(elapsed)
                cpus[journaled].append(cpu)
        largest = journal_size(source, work / "dst")
        print(f"{args.files:,} files of 4 KiB, {args.rounds} alternating rounds, load average "
              f"{os.getloadavg()[0]:.1f}")
        for name, figures in (("CPU", cpus), ("wall", times)):
            off, on = statistics.median(figures[False]), statistics.median(figures[True])
            print(f"  {name} without journal: median {off:.3f} s  ({', '.join(f'{t:.3f}' for t in figures[False])})")
            print(f"  {name} with journal:    median {on:.3f} s  ({', '.join(f'{t:.3f}' for t in figures[True])})")
            # Each round's two jobs ran back to back, under the same load: the median of their ratios.
            paired = statistics.median(b / a for a, b in zip(figures[False], figures[True]))
            print(f"  {name} overhead: {100 * (on - off) / off:+.1f} % of the medians, "
                  f"{100 * (paired - 1):+.1f} % the median of the rounds' ratios  (goal: at most +5 %)")
        print(f"  journal at its largest: {largest:,} bytes, {largest / args.files:.1f} bytes a file "
              "(records alone: 19 bytes a file)")
        # The journal's own CPU, measured apart (steady: no job's threads to contend with), for
        # a job like these: one record a file, one commit each GROUP_COMMIT of its wall time.
        per_record, per_commit = parts(work)
        off_cpu, on_wall = statistics.median(cpus[False]), statistics.median(times[True])
        own = args.files * per_record + (on_wall / journal.GROUP_COMMIT + 1) * per_commit
        print(f"  the journal's own CPU: {per_record * 1e6:.2f} us a record, {per_commit * 1e6:.0f} us a commit "
              f"(write + fsync); for this job {args.files:,} records + {on_wall / journal.GROUP_COMMIT + 1:.0f} "
              f"commits = {own * 1e3:.1f} ms, {100 * own / off_cpu:.1f} % of the job's CPU without it")
        assert not list(journal.journal_dir().glob("*.journal")), "a journal was left behind"


if __name__ == "__main__":
    main()
