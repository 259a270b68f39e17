"""The transfer engine when things go wrong: S3 faults, bad disks, cancels.

After every failed or cancelled move, every file is at its source or,
complete and identical, at its destination; nothing half-written is left
under a final name (or as a temporary file); a directory with anything left
in it stays.
"""

from __future__ import annotations

import dataclasses
import os
import threading

import pytest

from faults import read_only_disk, small_disk
from sides import SIX, LocalSide, OpLog, assert_nothing_lost, seed
from stowtui.jobs import JobQueue, JobState
from stowtui.managers import location
from stowtui.managers.fs import FS

MiB = 1024 * 1024
# Faults that stay for good: more times than every retry there is (5 botocore
# attempts; s3transfer's 5 download attempts of 5 requests each).
FOR_GOOD = 100


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


def failed_sources(job) -> set[str]:
    return {failure.source for failure in job.failures}


def watched_move(monkeypatch, src, dst, tree, under):
    """An OpLog checking every delete and directory removal on the source."""
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)  # no renames: put + delete
    log = OpLog(monkeypatch)
    log.expect_tree(src, dst, tree, under)
    log.watch(location(src.url())[0])
    return log


# S3 faults during directory moves --------------------------------------------


S3_FAULTS = {
    # (source kind, destination kind): [(fail() arguments, file hit, words in its reason)]
    ("fs", "s3"): [
        (dict(op="PutObject", key_contains="sub/c.txt", status=500), "sub/c.txt", "InternalError"),
        (dict(op="PutObject", key_contains="deeper/e.txt", drop=True), "sub/deeper/e.txt", "connection"),
        (dict(op="PutObject", key_contains="b.bin", status=403), "b.bin", "access denied"),
    ],
    ("s3", "fs"): [
        (dict(op="GetObject", key_contains="sub/c.txt", after_bytes=3), "sub/c.txt", "download"),
        (dict(op="GetObject", key_contains="a.txt", status=500), "a.txt", "InternalError"),
        (dict(op="GetObject", key_contains="deeper/f.txt", drop=True), "sub/deeper/f.txt", "download"),
    ],
    ("s3", "s3"): [
        (dict(op="CopyObject", key_contains="deeper/f.txt", status=500), "sub/deeper/f.txt", "InternalError"),
        (dict(op="CopyObject", key_contains="sub/c.txt", drop=True), "sub/c.txt", "connection"),
        # The copy is made, but the source cannot be deleted: it must stay, whole.
        (dict(op="DeleteObject", key_contains="b.bin", status=500), "b.bin", "delete"),
    ],
}


@pytest.mark.parametrize("src_kind,dst_kind", list(S3_FAULTS), ids=[f"{a}-to-{b}" for a, b in S3_FAULTS])
def test_s3_faults_during_a_directory_move_lose_nothing_and_retry_finishes(
    side, s3, src_kind, dst_kind, monkeypatch
):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, SIX, "six", empty_dirs=["void"])
    log = watched_move(monkeypatch, src, dst, SIX, "six")
    for arguments, _, _ in S3_FAULTS[(src_kind, dst_kind)]:
        s3.fail(times=FOR_GOOD, **arguments)
    queue = JobQueue(workers=4)
    try:
        job = finished(queue.move([src.url("six")], dst.url()))

        assert job.state is JobState.FAILED
        hit = {rel for _, rel, _ in S3_FAULTS[(src_kind, dst_kind)]}
        assert failed_sources(job) == {src.url(f"six/{rel}") for rel in hit}
        for _, rel, words in S3_FAULTS[(src_kind, dst_kind)]:
            (failure,) = [f for f in job.failures if f.source == src.url(f"six/{rel}")]
            assert os.path.basename(rel) in failure.reason and words.lower() in failure.reason.lower()
            assert failure.destination == dst.url(f"six/{rel}")
        assert_nothing_lost(src, dst, SIX, "six", empty_dirs=["void"])
        for rel in set(SIX) - hit:  # everything else moved
            assert src.read(f"six/{rel}") is None and dst.read(f"six/{rel}") == SIX[rel]
        if dst_kind == "s3" or "b.bin" not in hit:
            assert not src.exists("six/void")  # an empty directory moves too
        assert src.exists("six") and src.exists("six/sub")
        assert not log.violations, log.violations
        assert job.progress.files_failed == len(hit)

        s3.clear_faults()
        again = finished(job.retry())

        assert again.state is JobState.DONE, again.failures
        assert again.progress.files_total == len(hit)  # just those files
        assert dst.files("six") == SIX
        assert not src.exists("six")  # and the directories the first job kept
        assert not log.violations, log.violations
    finally:
        queue.shutdown()


def test_transient_s3_errors_are_retried(side, s3, jobs):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, SIX, "six")
    s3.fail(op="PutObject", key_contains="a.txt", status=500, times=2)
    s3.fail(op="PutObject", key_contains="sub/c.txt", drop=True, times=1)

    job = finished(jobs.move([src.url("six")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("six") == SIX and not src.exists("six")
    assert s3.counts["PutObject"] == len(SIX) + 3


def test_cut_downloads_are_asked_for_again(side, s3, jobs):
    src, dst = side("s3", "src"), side("fs", "dst")
    seed(src, SIX, "six")
    s3.fail(op="GetObject", key_contains="b.bin", after_bytes=100, times=2)  # a body cut short, twice
    s3.fail(op="GetObject", key_contains="e.txt", status=500, times=2)

    job = finished(jobs.move([src.url("six")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("six") == SIX and not src.exists("six")
    assert s3.counts["GetObject"] == len(SIX) + 4
    assert job.progress.bytes_done == sum(map(len, SIX.values()))  # what was cut is not counted twice


def test_a_source_that_cannot_be_looked_up_is_a_failure_not_an_exception(side, s3, jobs):
    src, dst = side("s3", "src"), side("fs", "dst")
    seed(src, SIX, "six")
    s3.fail(op="ListObjectsV2", status=500, times=FOR_GOOD)

    job = jobs.move([src.url("six")], dst.url())  # returns at once: the lookup is the planner's

    assert finished(job).state is JobState.FAILED
    (failure,) = job.failures
    assert failure.source == src.url("six") and "InternalError" in failure.reason
    assert src.files("six") == SIX and dst.files() == {}
    s3.clear_faults()
    again = finished(job.retry())
    assert again.state is JobState.DONE, again.failures
    assert dst.files("six") == SIX and not src.exists("six")


def test_a_walk_that_stops_after_its_first_page_keeps_the_directory(side, s3, stow, monkeypatch):
    src, dst = side("s3", "src"), side("fs", "dst")
    tree = {f"k{i:02}.txt": b"k" for i in range(15)}
    seed(src, tree, "many")
    source = stow.artefact(src.url("many"))
    object_pages = type(source.manager).object_pages  # pages of 10 keys (not 1,000), so 15 files make two
    monkeypatch.setattr(type(source.manager), "object_pages", lambda self, **kw: object_pages(self, **kw, MaxKeys=10))
    original_walk = type(source.manager)._walk

    def walk(self, directory):
        for artefact in original_walk(self, directory):
            yield artefact
            if not s3.requests[-1].query.get("continuation-token") and not s3._faults:
                s3.fail(op="ListObjectsV2", status=500, times=FOR_GOOD)  # the second page fails

    monkeypatch.setattr(type(source.manager), "_walk", walk)
    log = OpLog(monkeypatch)
    log.expect_tree(src, dst, tree, "many")
    log.watch(source.manager)
    queue = JobQueue(workers=4)
    try:
        job = finished(queue.move([source], dst.url()))

        assert job.state is JobState.FAILED
        (failure,) = job.failures
        assert failure.source == src.url("many") and "list" in failure.reason
        assert_nothing_lost(src, dst, tree, "many")
        assert len(dst.files("many")) == 10  # the first page moved, the rest stayed
        assert src.exists("many")
        assert not [e for e in log.events if e[0] == "rmdir"]
        assert not log.violations

        s3.clear_faults()
        again = finished(job.retry())
        assert again.state is JobState.DONE, again.failures
        assert dst.files("many") == tree and not src.exists("many")
        assert again.progress.files_done == 5  # the first page is not moved twice
    finally:
        queue.shutdown()


def test_a_directory_that_cannot_be_removed_is_a_failure_retried(side, s3, jobs):
    src, dst = side("s3", "src"), side("s3", "dst")
    seed(src, {"x.txt": b"x"}, "d")
    src.mkdir("d")  # with its own marker "d/"
    s3.fail(op="DeleteObject", key="src/d/", status=500, times=FOR_GOOD)

    job = finished(jobs.move([src.url("d")], dst.url()))

    assert job.state is JobState.FAILED
    (failure,) = job.failures
    assert failure.source == src.url("d") and "remove" in failure.reason
    assert dst.files("d") == {"x.txt": b"x"}
    assert src.read("d/") == b""  # the marker is still there

    s3.clear_faults()
    again = finished(job.retry())

    assert again.state is JobState.DONE, again.failures
    assert not src.exists("d")


def test_retry_after_a_failed_delete_only_deletes(side, s3, jobs):
    """The copy was made and verified; only the source's delete failed. A retry
    (even with conflict="skip") finds its own copy and just deletes."""
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, {"a.txt": b"a", "b.txt": b"b"}, "d")
    original_rm = FS._rmIfUnchanged  # what a move deletes its sources with

    def failing_rm(self, artefact, state):
        if artefact.basename == "a.txt":
            raise PermissionError("simulated: cannot delete")
        return original_rm(self, artefact, state)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FS, "_rename", lambda self, source, destination, **options: False)
        mp.setattr(FS, "_rmIfUnchanged", failing_rm)
        job = finished(jobs.move([src.url("d")], dst.url(), conflict="skip"))
    assert job.state is JobState.FAILED
    assert failed_sources(job) == {src.url("d/a.txt")}
    assert src.read("d/a.txt") == b"a" and dst.read("d/a.txt") == b"a"
    s3.clear_counts()

    again = finished(job.retry())

    assert again.state is JobState.DONE, again.failures
    assert s3.counts["PutObject"] == 0  # nothing uploaded twice
    assert not src.exists("d") and dst.files("d") == {"a.txt": b"a", "b.txt": b"b"}


def test_retry_leaves_a_directory_that_still_holds_skipped_files(side, s3, jobs):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, {"keep.txt": b"mine", "go.txt": b"go"}, "d")
    seed(dst, {"keep.txt": b"theirs"}, "d")
    s3.fail(op="PutObject", key_contains="go.txt", status=500, times=FOR_GOOD)

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="skip"))
    assert job.state is JobState.FAILED
    s3.clear_faults()
    again = finished(job.retry())

    assert again.state is JobState.DONE, again.failures
    assert src.files("d") == {"keep.txt": b"mine"}
    assert dst.files("d") == {"keep.txt": b"theirs", "go.txt": b"go"}


# Local disks that refuse ----------------------------------------------------


@pytest.mark.parametrize("src_kind", ["fs", "s3"])
def test_a_read_only_destination_keeps_every_source(side, tmp_path, monkeypatch, src_kind):
    src = side(src_kind, "src")
    seed(src, SIX, "six")

    def prepare(root):  # the directories are there; the files cannot be written
        for rel in ("six/sub/deeper",):
            os.makedirs(os.path.join(root, rel))

    with read_only_disk(tmp_path / "ro", monkeypatch, prepare) as disk:
        dst = LocalSide(disk.path)
        log = watched_move(monkeypatch, src, dst, SIX, "six")
        queue = JobQueue(workers=3)
        try:
            job = finished(queue.move([src.url("six")], dst.url()))
        finally:
            queue.shutdown()

        assert job.state is JobState.FAILED
        assert failed_sources(job) == {src.url(f"six/{rel}") for rel in SIX}
        assert all("read-only" in f.reason for f in job.failures), job.failures
        assert src.files("six") == SIX
        assert dst.files() == {}
        assert not log.violations and not [e for e in log.events if e[0] in ("delete", "rmdir")]


@pytest.mark.parametrize("src_kind", ["fs", "s3"])
def test_a_full_disk_leaves_no_partial_file(side, tmp_path, monkeypatch, src_kind):
    src = side(src_kind, "src")
    tree = {"small-1.txt": b"1" * 1000, "big.bin": os.urandom(2 * MiB), "small-2.txt": b"2" * 1000}
    seed(src, tree, "d")

    with small_disk(tmp_path / "small", monkeypatch, size=MiB) as disk:
        dst = LocalSide(disk.path)
        log = watched_move(monkeypatch, src, dst, tree, "d")
        queue = JobQueue(workers=1)
        try:
            job = finished(queue.move([src.url("d")], dst.url()))
        finally:
            queue.shutdown()

        assert job.state is JobState.FAILED
        assert src.url("d/big.bin") in failed_sources(job)
        assert all("no space left" in f.reason for f in job.failures), job.failures
        assert src.read("d/big.bin") == tree["big.bin"]
        assert dst.read("d/big.bin") is None
        assert_nothing_lost(src, dst, tree, "d")
        assert disk.used() == sum(len(data) for data in dst.files("d").values())  # nothing else on it
        assert not log.violations, log.violations


# Cancel -----------------------------------------------------------------


@pytest.mark.parametrize("src_kind,dst_kind", [("fs", "s3"), ("s3", "fs"), ("s3", "s3"), ("fs", "fs")])
def test_cancel_after_some_files_drops_the_rest(side, src_kind, dst_kind, monkeypatch):
    from stowtui.jobs import tasks

    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    tree = {f"{d}f{i:02}.txt": f"{d}{i}".encode() * 50 for d in ("", "sub/") for i in range(20)}
    seed(src, tree, "d")
    log = watched_move(monkeypatch, src, dst, tree, "d")
    puts = []
    original_transfer = tasks.transfer

    def transfer_file(request):
        source, cancel = request.source, request.cancel
        original_transfer(request)
        with lock:
            puts.append(source.abspath)
            if len(puts) == 5:
                cancel.set()  # the job's own cancel event: as job.cancel()

    lock = threading.Lock()
    monkeypatch.setattr(tasks, "transfer", transfer_file)
    queue = JobQueue(workers=2, max_pending=4)
    try:
        job = finished(queue.move([src.url("d")], dst.url()))
    finally:
        queue.shutdown()

    assert job.state is JobState.CANCELLED
    assert job.failures == []
    assert 5 <= len(puts) <= 6  # the one running beside the fifth may finish
    moved = [rel for rel in tree if src.read(f"d/{rel}") is None]
    assert len(moved) <= 4  # the fifth put's source stays: cancelled before its delete
    assert_nothing_lost(src, dst, tree, "d")
    assert src.exists("d") and src.exists("d/sub")
    assert not log.violations, log.violations


@pytest.fixture
def cancel_on_first_bytes(monkeypatch):
    """Cancel the job as soon as a transfer reports its first bytes, and hold
    that transfer until s3transfer has been told (so the cancel is mid-transfer)."""
    from s3transfer.futures import TransferFuture

    from stowtui.jobs import tasks

    told = threading.Event()
    original_cancel = TransferFuture.cancel

    def cancel(self):
        original_cancel(self)
        told.set()

    monkeypatch.setattr(TransferFuture, "cancel", cancel)
    original_transfer = tasks.transfer
    calls = []

    def transfer_file(request):
        source, manager, callback, cancel = request.source, request.manager, request.callback, request.cancel
        def on_bytes(amount):
            calls.append(amount)
            callback(amount)
            if not cancel.is_set():
                cancel.set()
                if source.manager.IMPLICIT_DIRECTORIES or manager.IMPLICIT_DIRECTORIES:
                    assert told.wait(10)

        original_transfer(dataclasses.replace(request, callback=on_bytes))

    monkeypatch.setattr(tasks, "transfer", transfer_file)
    return calls


def test_cancelled_multipart_upload_leaves_no_parts(side, s3, s3_client, jobs, cancel_on_first_bytes):
    src, dst = side("fs", "src"), side("s3", "dst")
    data = os.urandom(17 * MiB)  # three parts of 8 MiB
    src.write("big.bin", data)
    s3.clear_counts()

    job = finished(jobs.move([src.url("big.bin")], dst.url()))

    assert job.state is JobState.CANCELLED and job.failures == []
    assert cancel_on_first_bytes
    counts = s3.counts
    assert counts["CreateMultipartUpload"] == 1
    assert counts["AbortMultipartUpload"] == 1 and counts["CompleteMultipartUpload"] == 0
    assert "Uploads" not in s3_client.list_multipart_uploads(Bucket="bucket")
    assert dst.read("big.bin") is None
    assert src.read("big.bin") == data
    assert job.progress.bytes_done == 0  # what was sent of it no longer counts


@pytest.mark.parametrize("src_kind", ["s3", "fs"])
def test_cancelled_download_leaves_nothing_at_the_destination(
    side, jobs, src_kind, cancel_on_first_bytes, tmp_path, monkeypatch
):
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)  # as across disks
    src, dst = side(src_kind, "src"), LocalSide(tmp_path / "dst")
    data = os.urandom(20 * MiB)
    src.write("big.bin", data)

    job = finished(jobs.move([src.url("big.bin")], dst.url()))

    assert job.state is JobState.CANCELLED and job.failures == []
    assert os.listdir(dst.root) == []  # no file, no temporary file
    assert src.read("big.bin") == data
