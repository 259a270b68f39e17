"""Three stowtui processes moving same-named folders into one folder (issue 20, item 4, local side).

Each process decides from its own listing to replace a file ("newer"); the
placing compares the file with the one it decided about and renames only
under an exclusive flock on the destination directory (managers/anchored.py),
so no process renames over a file another one put there after its listing.
Sources are on a tmpfs (/dev/shm) where there is one: every move is a copy
across devices, a verify and a delete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

PROCESSES = 3
FILES = 150
ROUNDS = 5

#: One process: moves its ``data`` folder into the destination with "newer" once told to go.
MOVER = """
import sys
from stowtui.jobs import JobQueue
queue = JobQueue(workers=4)
print("ready", flush=True)
sys.stdin.readline()
job = queue.move([sys.argv[1]], sys.argv[2], conflict="newer")
job.wait()
queue.shutdown()
print(job.state.value, len(job.failures), flush=True)
for failure in job.failures[:3]:
    print(failure.reason, flush=True)
"""


def _sources(base: str, round_: int) -> list[dict[str, tuple[bytes, int]]]:
    """``PROCESSES`` folders all called ``data`` with the same names, distinct bytes and
    modification times (which one is newest differs from name to name)."""
    offered = []
    for n in range(PROCESSES):
        tree = {}
        folder = os.path.join(base, f"p{n}", "data")
        os.makedirs(folder)
        for i in range(FILES):
            name = f"f{i:03d}.txt"
            data = f"round {round_} process {n} file {i}\n".encode() * (1 + i % 4)
            mtime = 1_600_000_000 + ((i * 7 + n * 5 + round_) % (PROCESSES * 3)) * 60 + n  # distinct per name
            path = os.path.join(folder, name)
            with open(path, "wb") as handle:
                handle.write(data)
            os.utime(path, (mtime, mtime))
            tree[name] = (data, mtime)
        offered.append(tree)
    return offered


def _run_round(base: str, dest: str) -> list[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    movers = [subprocess.Popen([sys.executable, "-c", MOVER, os.path.join(base, f"p{n}", "data"), dest],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
              for n in range(PROCESSES)]
    try:
        for mover in movers:
            assert mover.stdout.readline().strip() == "ready"
        for mover in movers:  # all at once
            mover.stdin.write("go\n")
            mover.stdin.flush()
        outputs = [mover.communicate(timeout=60)[0] for mover in movers]
    finally:
        for mover in movers:
            if mover.poll() is None:
                mover.kill()
    assert all(mover.returncode == 0 for mover in movers), outputs
    return outputs


@pytest.mark.parametrize("existing", [False, True], ids=["into-empty", "over-older"])
def test_three_processes_moving_with_newer_keep_the_newest_bytes(tmp_path, existing):
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else str(tmp_path)
    for round_ in range(ROUNDS):
        base = tempfile.mkdtemp(prefix="stowtui-three-", dir=scratch)
        try:
            offered = _sources(base, round_)
            dest = tmp_path / f"dest{round_}"
            (dest / "data").mkdir(parents=True)
            if existing:  # an older copy of every name: each process decides from its listing to replace it
                for name in offered[0]:
                    (dest / "data" / name).write_bytes(b"old")
                    os.utime(dest / "data" / name, (1_500_000_000, 1_500_000_000))
            outputs = _run_round(base, str(dest))

            for name in offered[0]:
                newest = max((tree[name] for tree in offered), key=lambda offer: offer[1])
                there = (dest / "data" / name).read_bytes()
                assert there == newest[0], (round_, name, outputs)
                assert os.stat(dest / "data" / name).st_mtime == newest[1]
                for n, tree in enumerate(offered):
                    data, mtime = tree[name]
                    source = os.path.join(base, f"p{n}", "data", name)
                    if os.path.exists(source):
                        with open(source, "rb") as handle:
                            assert handle.read() == data  # kept: whole and unchanged
                    else:  # moved: its bytes are there, or a newer file's replaced them by the policy
                        assert there == data or mtime < newest[1], (round_, name, n)
            assert not [n for n in os.listdir(dest / "data") if n.startswith(".stowtui-")]
        finally:
            shutil.rmtree(base, ignore_errors=True)
