"""The transfer engine (stowtui/jobs/): what lands where, in what order.

Faults, full disks and cancels are in test_jobs_faults.py; conflicts in
test_jobs_conflicts.py; progress, bounds and request counts in test_jobs_progress.py.
"""

from __future__ import annotations

import threading

import pytest

from sides import AWKWARD, SIX, OpLog, pairs, seed
from stowtui.jobs import JobQueue, JobState
from stowtui.managers.fs import FS

# The six-file tree, awkward names at the top and inside a directory with an
# awkward name of its own, and two empty directories.
TREE = {
    **SIX,
    **{name: b"top " + name.encode() for name in AWKWARD},
    **{f"[red]x dir/#1 {i}/{name}": name.encode() * (i + 1) for i, name in enumerate(AWKWARD)},
}
EMPTY = ["empty", "sub/empty too", "[red]x dir/100% empty"]


@pairs
@pytest.mark.parametrize("verb", ["copy", "move"])
def test_sources_land_inside_the_destination_under_their_own_names(side, jobs, src_kind, dst_kind, verb):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, TREE, "data [1]", empty_dirs=EMPTY)
    src.write("single #1 100%.txt", b"one")
    src.write("ünï\nline.txt", b"two")
    sources = [src.url("data [1]"), src.url("single #1 100%.txt"), src.url("ünï\nline.txt")]

    job = getattr(jobs, verb)(sources, dst.url("into"))

    assert job.wait(30)
    assert job.state is JobState.DONE, job.failures
    assert dst.files("into/data [1]") == TREE
    assert set(EMPTY) <= dst.dirs("into/data [1]")
    assert dst.read("into/single #1 100%.txt") == b"one"
    assert dst.read("into/ünï\nline.txt") == b"two"
    assert not dst.leftovers()
    if verb == "move":
        assert not src.exists("data [1]")
        assert not src.exists("single #1 100%.txt")
        assert not src.exists("ünï\nline.txt")
    else:
        assert src.files("data [1]") == TREE
        assert set(EMPTY) <= src.dirs("data [1]")
    progress = job.progress
    assert progress.files_total == progress.files_done
    assert progress.files_failed == 0 and not job.failures


@pairs
@pytest.mark.parametrize("verb", ["copy", "move"])
def test_an_empty_directory_alone(side, jobs, src_kind, dst_kind, verb):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    src.mkdir("hollow")

    job = getattr(jobs, verb)([src.url("hollow")], dst.url())

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert dst.exists("hollow") and dst.files("hollow") == {}
    assert src.exists("hollow") is (verb == "copy")


@pairs
@pytest.mark.parametrize("workers", [1, 8])
def test_six_file_tree_moves_whole_and_sources_go_only_after_their_copies(
    side, src_kind, dst_kind, workers, monkeypatch
):
    from stowtui.managers import location

    # Same-disk moves are renames; make every move a put + verify + delete.
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, SIX, "six")
    log = OpLog(monkeypatch)
    log.expect_tree(src, dst, SIX, "six")
    log.watch(location(src.url())[0])
    queue = JobQueue(workers=workers)
    try:
        job = queue.move([src.url("six")], dst.url())
        assert job.wait(30)
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures
    assert dst.files("six") == SIX
    assert not src.exists("six")
    assert not log.violations, log.violations
    for rel in SIX:
        url = src.url(f"six/{rel}")
        assert log.index("put", url) < log.index("verified", url) < log.index("delete", url)
    deletes = [log.index("delete", src.url(f"six/{rel}")) for rel in SIX]
    rmdirs = {where: i for i, (what, where) in enumerate(log.events) if what == "rmdir"}
    for directory in ("six/sub/deeper", "six/sub", "six"):
        below = [d for rel, d in zip(SIX, deletes) if ("six/" + rel).startswith(directory + "/")]
        assert rmdirs[src.url(directory)] > max(below)
    assert rmdirs[src.url("six/sub/deeper")] < rmdirs[src.url("six/sub")] < rmdirs[src.url("six")]


def test_a_job_is_not_done_while_its_directories_are_still_being_closed(tmp_path, jobs, monkeypatch):
    """The last task must not report the job done while the planner is still
    sealing (and so removing) source directories."""
    from stowtui.jobs import Job, directories, tasks

    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f1").write_bytes(b"1")
    (src / "g").write_bytes(b"2")
    gate, g_moved, g_finished = threading.Event(), threading.Event(), threading.Event()
    seen_done_while_sealing = []
    original_transfer, original_seal = tasks.transfer, directories.seal
    original_finish = Job._finish_if_idle

    def transfer_file(request):
        source = request.source
        if source.basename == "g":
            assert gate.wait(10)
        original_transfer(request)
        if source.basename == "g":
            g_moved.set()

    def finish_if_idle(job):
        original_finish(job)
        if g_moved.is_set() and threading.current_thread().name.startswith("stowtui-job"):
            g_finished.set()

    def seal(ledger, state):
        if not gate.is_set():
            gate.set()
            assert g_finished.wait(10)
            (job,) = queue.jobs
            seen_done_while_sealing.append(job.state.finished)
        original_seal(ledger, state)

    monkeypatch.setattr(tasks, "transfer", transfer_file)
    monkeypatch.setattr(directories, "seal", seal)
    monkeypatch.setattr(Job, "_finish_if_idle", finish_if_idle)
    monkeypatch.setattr(FS, "_rename", lambda *a, **options: False)
    queue = JobQueue(workers=1)
    try:
        job = queue.move([str(src / "d"), str(src / "g")], str(tmp_path / "dst"))
        assert job.wait(20)
    finally:
        queue.shutdown()
    assert seen_done_while_sealing == [False]
    assert job.state is JobState.DONE, job.failures
    assert not (src / "d").exists() and (tmp_path / "dst" / "d" / "f1").read_bytes() == b"1"


@pairs
def test_a_walk_sees_what_is_there_now_not_a_cached_listing(side, jobs, stow, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, {"old.txt": b"o", "sub/old.txt": b"o"}, "d")
    assert len(stow.ls(src.url("d"), recursive=True)) == 3  # a view lists (and caches) it
    src.write("d/new.txt", b"n")  # then something else adds files
    src.write("d/sub/new.txt", b"n")

    job = jobs.move([src.url("d")], dst.url())

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert dst.files("d") == {"old.txt": b"o", "sub/old.txt": b"o", "new.txt": b"n", "sub/new.txt": b"n"}
    assert not src.exists("d")


@pytest.mark.parametrize("kind", ["fs", "s3"])
def test_delete_removes_files_and_directories(side, jobs, kind):
    here = side(kind, "here")
    seed(here, SIX, "six", empty_dirs=["void"])
    here.write("lone.txt", b"x")
    here.write("keep.txt", b"k")

    job = jobs.delete([here.url("six"), here.url("lone.txt")])

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert not here.exists("six") and not here.exists("lone.txt")
    assert here.read("keep.txt") == b"k"


def test_a_failed_delete_is_listed_and_retried(side, jobs, s3):
    here = side("s3", "here")
    here.write("a.txt", b"a")
    s3.fail(op="DeleteObject", key_contains="a.txt", status=500, times=100)

    job = jobs.delete([here.url("a.txt")])

    assert job.wait(30) and job.state is JobState.FAILED
    (failure,) = job.failures
    assert failure.source == here.url("a.txt") and "InternalError" in failure.reason
    assert here.read("a.txt") == b"a"
    s3.clear_faults()
    again = job.retry()
    assert again.wait(30) and again.state is JobState.DONE, again.failures
    assert not here.exists("a.txt")
