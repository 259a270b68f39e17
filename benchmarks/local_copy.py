"""CPU time of a local copy through the job engine: N small files, 10 folders, 4 workers.

CPU (``time.process_time``: every thread of the process), never wall time, so it
can run beside other work. To compare two versions, run it under each with
PYTHONPATH naming that checkout (the script's own folder comes first on sys.path,
not the current directory):

    .venv/bin/python benchmarks/local_copy.py --rounds 15
    git archive <commit> stowtui | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/local_copy.py --rounds 15
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def one_round(files: int, workers: int) -> float:
    from stowtui.jobs import JobQueue

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src", "tree")
        for i in range(files):
            folder = os.path.join(src, f"d{i % 10}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"f{i:05d}"), "wb") as handle:
                handle.write(b"x" * 100)
        dest = os.path.join(tmp, "dest")
        os.mkdir(dest)
        queue = JobQueue(workers=workers)
        started = time.process_time()
        job = queue.copy([src], dest, conflict="overwrite")
        assert job.wait(300), "the copy did not finish"
        cpu = time.process_time() - started
        queue.shutdown()
        assert not job.failures, job.failures[:2]
        return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    import stowtui

    results = sorted(one_round(options.files, options.workers) for _ in range(options.rounds))
    print(f"{stowtui.__file__}: CPU of a {options.files:,}-file local copy, {options.workers} workers: "
          f"median {results[len(results) // 2]:.3f} s, min {results[0]:.3f} s ({options.rounds} rounds)")


if __name__ == "__main__":
    main()
