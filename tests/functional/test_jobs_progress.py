"""The transfer engine: progress, bounded pending tasks, request counts, and
the stateless interface running on it.

Wall-clock figures (how fast, how close the rate is to the real average) are
measured by benchmarks/progress.py, not asserted here."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

import pytest

from sides import SIX, seed
from stowtui import jobs as engine
from stowtui.jobs import Job, JobQueue, JobState, tasks
from stowtui.jobs.planner import Planner

MiB = 1024 * 1024


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


# Progress -----------------------------------------------------------------


def test_the_total_is_known_from_the_listing_long_before_the_transfers_end(side, jobs, monkeypatch):
    """The survey lists the sources ahead of the transfers: with no file through yet the
    job knows its total (files and bytes), and says so; while it lists, it does not."""
    src, dst = side("fs", "src"), side("s3", "dst")
    src.write("first.bin", b"f" * 1000)
    seed(src, {f"n{i}.txt": b"n" * 10 for i in range(40)}, "later")
    gate, started = threading.Event(), threading.Event()
    original = tasks.transfer

    def held(request):
        started.set()
        assert gate.wait(10)
        original(request)

    monkeypatch.setattr(tasks, "transfer", held)
    job = jobs.copy([src.url("first.bin"), src.url("later")], dst.url())
    assert started.wait(10)
    deadline = time.monotonic() + 10
    while job.progress.planning:  # the listing (a local walk of 40 files) ends while every transfer waits
        assert time.monotonic() < deadline, job.progress
        time.sleep(0.01)  # the polling interval of a deadline-bounded wait on the job
    early = job.progress
    assert early.files_done == 0 and early.files_planned == 41
    assert (early.files_total, early.bytes_total) == (41, 1400)
    gate.set()
    finished(job)
    final = job.progress
    assert job.state is JobState.DONE and not final.planning
    assert (final.files_done, final.files_total) == (41, 41)
    assert (final.bytes_done, final.bytes_total) == (1400, 1400)
    assert final.fraction == 1.0 and final.eta == 0.0


def test_while_the_sources_are_listed_the_total_is_not_claimed(side, jobs, monkeypatch):
    src, dst = side("fs", "src"), side("fs", "dst")
    seed(src, {f"n{i}.txt": b"n" * 10 for i in range(5)}, "tree")
    listed, go = threading.Event(), threading.Event()
    from stowtui.managers import Manager as manager

    original_walk = manager.walk

    def slow_walk(self, path, *args, **kwargs):
        for number, artefact in enumerate(original_walk(self, path, *args, **kwargs)):
            if number == 2:
                listed.set()
                assert go.wait(10)
            yield artefact

    monkeypatch.setattr(manager, "walk", slow_walk)
    job = jobs.copy([src.url("tree")], dst.url())
    assert listed.wait(10)
    during = job.progress
    assert during.planning and during.files_planned is None and during.eta is None
    go.set()
    finished(job)
    assert job.progress.files_planned == 5 and job.progress.files_done == 5


def test_byte_progress_moves_during_a_big_upload(side, jobs, monkeypatch):
    src, dst = side("fs", "src"), side("s3", "dst")
    size = 64 * MiB
    src.write("big.bin", os.urandom(size))
    seen = []
    original_transfer = tasks.transfer

    def transfer_file(request):
        callback = request.callback
        job = jobs.jobs[-1]

        def on_bytes(amount):
            callback(amount)
            seen.append(job.progress)

        original_transfer(dataclasses.replace(request, callback=on_bytes))

    monkeypatch.setattr(tasks, "transfer", transfer_file)

    job = finished(jobs.copy([src.url("big.bin")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    assert len(seen) > 8  # many updates, not one at the end
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and done[0] < size and done[-1] == size
    assert all(p.bytes_total == size and p.files_done == 0 for p in seen)
    assert all(p.current == (src.url("big.bin"),) for p in seen)  # what is moving now
    assert sum(0 < d < size for d in done) > 4
    moving = [p for p in seen if size / 4 <= p.bytes_done < size and p.rate > 0]
    assert moving, "no rate while the upload ran"
    for p in moving:
        assert p.eta is not None and abs(p.eta - (size - p.bytes_done) / p.rate) < 1e-6
        assert p.eta >= 0
    assert all(p.eta is None for p in seen if p.rate == 0)  # no ETA before a rate
    final = job.progress
    assert final.eta == 0.0 and final.bytes_done == size and final.fraction == 1.0
    # Once done, the rate is the average since bytes began to move (after the
    # job started), and stays so.
    assert final.rate >= size / (job.ended - job.started)
    assert job.progress.rate == final.rate


def test_failures_are_sentences_naming_the_file(side, jobs):
    src, dst = side("fs", "src"), side("fs", "dst")
    src.write("d/ok.txt", b"ok")
    src.write("d/clash", b"a file where a directory is to go")
    dst.write("d/clash/inside.txt", b"in the way")

    job = finished(jobs.copy([src.url("d")], dst.url(), conflict="overwrite"))

    assert job.state is JobState.FAILED
    (failure,) = job.failures
    assert failure.source == src.url("d/clash") and failure.destination == dst.url("d/clash")
    assert failure.reason == f"Cannot write {src.url('d/clash')} to {dst.url('d/clash')}: a directory of that name is in the way"
    assert dst.read("d/ok.txt") == b"ok"
    assert job.progress.files_failed == 1


# Bounded pending ------------------------------------------------------------


def test_planning_a_big_tree_keeps_pending_tasks_bounded(side, monkeypatch):
    src, dst = side("fs", "src"), side("fs", "dst")
    tree = {f"d{i // 100:02}/f{i:04}": b"x" for i in range(2000)}
    seed(src, tree, "big")
    queue = JobQueue(workers=2)
    outstanding, high = [0], [0]
    lock = threading.Lock()
    submit = queue._executor.submit

    def counting_submit(fn, *args, **kwargs):
        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                with lock:
                    outstanding[0] -= 1

        with lock:
            outstanding[0] += 1
            high[0] = max(high[0], outstanding[0])
        return submit(run)

    monkeypatch.setattr(queue._executor, "submit", counting_submit)
    try:
        job = finished(queue.copy([src.url("big")], dst.url()))
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures[:3]
    assert queue.max_pending == 8
    assert 2 <= high[0] <= queue.max_pending
    assert job.progress.files_done == 2000
    assert dst.files("big") == tree


# Request counts -------------------------------------------------------------


def test_small_files_cost_one_request_each(side, jobs, s3):
    s3src, s3dst = side("s3", "src"), side("s3", "dst")
    local_src, local_dst = side("fs", "lsrc"), side("fs", "ldst")
    s3src.write("a.txt", b"hello")
    local_src.write("a.txt", b"hello")
    cases = [
        ("S3 to S3", s3src, s3dst, "CopyObject"),
        ("local to S3", local_src, s3dst, "PutObject"),
        ("S3 to local", s3src, local_dst, "GetObject"),
    ]
    for name, src, dst, op in cases:
        s3.clear_counts()
        job = finished(jobs.copy([src.url("a.txt")], dst.url(name)))
        assert job.state is JobState.DONE, job.failures
        assert dst.read(f"{name}/a.txt") == b"hello"
        counts = s3.counts
        assert counts.pop(op) == 1, (name, s3.counts)
        # Plus listing pages: of the source's directory and of the destination.
        assert set(counts) <= {"ListObjectsV2"} and counts["ListObjectsV2"] <= 2, (name, s3.counts)


def test_directories_cost_one_request_per_object_plus_listings(side, jobs, s3):
    src, dst, local = side("s3", "src"), side("s3", "dst"), side("fs", "local")
    tree = {f"{d}f{i}.txt": b"%d" % i for d in ("", "sub/", "sub/deeper/") for i in range(10)}
    seed(src, tree, "d")
    seed(local, tree, "d")
    for source, op in ((src, "CopyObject"), (local, "PutObject")):
        s3.clear_counts()
        job = finished(jobs.copy([source.url("d")], dst.url(op)))
        assert job.state is JobState.DONE, job.failures
        assert dst.files(f"{op}/d") == tree
        counts = s3.counts
        assert counts.pop(op) == 30
        assert set(counts) <= {"ListObjectsV2"}
        # The destination folder's listing; for an S3 source also the one listing
        # that finds it and is the first page of its walk (s3/sources.py).
        assert counts["ListObjectsV2"] == (2 if source is src else 1), s3.counts
    s3.clear_counts()
    job = finished(jobs.copy([src.url("d")], local.url("back")))
    assert job.state is JobState.DONE and local.files("back/d") == tree
    assert s3.counts == {"GetObject": 30, "ListObjectsV2": 1}


def test_an_object_above_the_copy_object_limit_is_copied_in_parts(side, jobs, s3, monkeypatch):
    from stowtui.managers.s3 import transfers as s3_manager

    monkeypatch.setattr(s3_manager, "COPY_OBJECT_LIMIT", 5 * MiB)  # not 5 GiB, for the test's sake
    src, dst = side("s3", "src"), side("s3", "dst")
    data = os.urandom(6 * MiB)
    src.write("big.bin", data)
    src.write("small.bin", b"s")
    s3.clear_counts()

    job = finished(jobs.move([src.url("big.bin"), src.url("small.bin")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    assert dst.read("big.bin") == data and dst.read("small.bin") == b"s"
    assert src.read("big.bin") is None and src.read("small.bin") is None
    counts = s3.counts
    assert counts["UploadPartCopy"] >= 1 and counts["CompleteMultipartUpload"] == 1
    assert counts["CopyObject"] == 1  # the small one


# The stateless interface -------------------------------------------------------


def test_stateless_cp_and_mv_run_on_the_job_engine(stow, side, monkeypatch):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, SIX, "six")
    ran = []
    original = tasks.copy_file

    def copy_file(ledger, target):
        ran.append((ledger.kind, target.source.basename))
        original(ledger, target)

    monkeypatch.setattr(tasks, "copy_file", copy_file)
    queue = engine.default_queue()
    before = len(queue.jobs)

    copied = stow.cp(src.url("six"), dst.url("copy"))

    assert copied.abspath == dst.url("copy") and dst.files("copy") == SIX
    assert sorted(ran) == sorted(("copy", rel.rsplit("/", 1)[-1]) for rel in SIX)
    ran.clear()

    moved = stow.mv(src.url("six"), dst.url("moved"))

    assert moved.abspath == dst.url("moved") and dst.files("moved") == SIX
    assert sorted(ran) == sorted(("move", rel.rsplit("/", 1)[-1]) for rel in SIX)
    assert not src.exists("six")
    assert [job.kind for job in queue.jobs[before:]] == ["copy", "move"]
    assert all(job.state is JobState.DONE for job in queue.jobs[before:])


def test_stateless_rm_runs_on_the_job_engine(stow, side):
    target = side("s3", "dst")
    seed(target, SIX, "six")
    queue = engine.default_queue()
    before = len(queue.jobs)

    with pytest.raises(stow.exceptions.OperationNotPermitted, match="recursive=True"):
        stow.rm(target.url("six"))
    assert target.files("six") == SIX and len(queue.jobs) == before  # refused before any job

    stow.rm(target.url("six"), recursive=True)

    assert not target.exists("six")
    assert [job.kind for job in queue.jobs[before:]] == ["delete"]
    assert queue.jobs[-1].state is JobState.DONE


def test_stateless_cp_raises_what_went_wrong(stow, side):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, {"x": b"new"}, "d")
    seed(dst, {"x": b"old"}, "d")

    with pytest.raises(stow.exceptions.ArtefactExists, match="not empty"):
        stow.cp(src.url("d"), dst.url("d"))
    with pytest.raises(stow.exceptions.ArtefactNotFound):
        stow.cp(src.url("missing"), dst.url("x"))

    stow.cp(src.url("d"), dst.url("d"), overwrite=True)
    assert dst.files("d") == {"x": b"new"}
