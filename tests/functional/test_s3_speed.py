"""Issue 14: small files as one plain request each, checked whole; one pool per queue.

Counts are the loopback server's (``s3.counts``), exact; nothing here times anything
(timings are in benchmarks/transfers.py).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import threading

import pytest

from sides import LocalSide, seed
from stowtui.jobs import JobQueue, JobState
from stowtui.managers import exceptions, location
from stowtui.managers.transfer import RequestSlots

MiB = 1024 * 1024
FILES = 200
TREE = {f"f{i:03d}.bin": os.urandom(64) + b"%d" % i for i in range(FILES)}


@contextlib.contextmanager
def sending(manager, note, operations):
    """``note(url)`` in the thread that sends each request of ``operations`` of the S3
    ``manager``: through botocore (its ``before-send``) or straight (``wire.Connections``:
    a small file's GET or PUT)."""
    from stowtui.managers.s3 import wire

    exchange = wire.Connections.exchange

    def watched(self, method, target, headers, body):
        note(self.place.origin + target)
        return exchange(self, method, target, headers, body)

    def botocore_sends(request, **kwargs):
        note(request.url)

    events = manager.client.meta.events
    for operation in operations:
        events.register(f"before-send.s3.{operation}", botocore_sends)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(wire.Connections, "exchange", watched)
            yield
    finally:
        for operation in operations:
            events.unregister(f"before-send.s3.{operation}", botocore_sends)


def finished(job, timeout=120):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


# One request per file ---------------------------------------------------------------


#: ListObjectsV2 per job, by (source, destination, policy): "skip" lists the destination's
#: folder to find conflicts; an S3 source is found and walked from one listing
#: (s3/sources.py); "overwrite" into S3 lists no destination (Planner._blind).
LISTINGS = {
    ("fs", "s3", "skip"): 1, ("s3", "fs", "skip"): 1, ("s3", "s3", "skip"): 2,
    ("fs", "s3", "overwrite"): 0, ("s3", "fs", "overwrite"): 1, ("s3", "s3", "overwrite"): 1,
}


@pytest.mark.parametrize("conflict", ["skip", "overwrite"])
@pytest.mark.parametrize("src_kind,dst_kind,op", [("fs", "s3", "PutObject"), ("s3", "fs", "GetObject"),
                                                  ("s3", "s3", "CopyObject")])
def test_small_files_are_one_request_each_plus_the_listings(side, s3, jobs, src_kind, dst_kind, op, conflict):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, TREE, "d")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], dst.url(), conflict=conflict))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == TREE
    expected = {op: FILES}
    if LISTINGS[(src_kind, dst_kind, conflict)]:
        expected["ListObjectsV2"] = LISTINGS[(src_kind, dst_kind, conflict)]
    assert s3.counts == expected  # no HeadObject, nothing else
    assert job.progress.bytes_done == sum(map(len, TREE.values()))


@pytest.mark.parametrize("conflict,listings", [("skip", 1), ("overwrite", 0)])
def test_a_file_into_s3_lists_its_destination_only_to_decide_a_conflict(side, s3, jobs, conflict, listings):
    src, dst = side("fs", "src"), side("s3", "dst")
    src.write("f.bin", b"new")
    dst.write("f.bin", b"old")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("f.bin")], dst.url(), conflict=conflict))

    assert job.state is JobState.DONE, job.failures
    assert dst.read("f.bin") == (b"old" if conflict == "skip" else b"new")
    expected = {"ListObjectsV2": listings} if listings else {}
    if conflict == "overwrite":
        expected["PutObject"] = 1
    assert s3.counts == expected


def test_a_walk_longer_than_a_page_goes_on_from_the_lookup(side, s3, jobs, tmp_path):
    """1,001 keys under d/, siblings around it: one listing finds d and is the walk's first
    page, a second is its last page; nothing beside d/ is copied."""
    src = side("s3", "src")
    tree = {f"k{i:04d}": b"%d" % i for i in range(1001)}
    seed(src, tree, "d")
    seed(src, {"x": b"sibling"}, "d-old")  # sorts between "d" and "d/"
    seed(src, {"x": b"after"}, "d0")  # sorts after "d/"
    local = LocalSide(tmp_path / "out")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], local.url()), timeout=300)

    assert job.state is JobState.DONE, job.failures
    assert local.files() == {f"d/{name}": data for name, data in tree.items()}
    assert s3.counts == {"GetObject": 1001, "ListObjectsV2": 2}


def test_a_source_that_is_a_file_and_a_directory_is_the_file(side, s3, jobs, tmp_path):
    src = side("s3", "src")
    src.write("d", b"the file")
    seed(src, {"inside.txt": b"below"}, "d")
    local = LocalSide(tmp_path / "out")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.DONE, job.failures
    assert local.files() == {"d": b"the file"}  # as Manager.artefact answers: the file first
    assert s3.counts == {"GetObject": 1, "ListObjectsV2": 1}


def test_a_missing_source_costs_one_listing(side, s3, jobs, tmp_path):
    src = side("s3", "src")
    seed(src, {"x": b"1"}, "d-old")
    local = LocalSide(tmp_path / "out")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.FAILED
    assert "Nothing exists at s3://" in job.failures[0].reason
    assert s3.counts == {"ListObjectsV2": 1}
    assert local.files() == {} and not local.exists("d")


def test_a_full_page_between_the_name_and_its_directory_falls_back_to_a_lookup(side, s3, jobs, tmp_path):
    """1,000 keys of d-old/ fill the first page before d/: it proves nothing, so the
    ordinary lookup is made (one listing more), then the walk."""
    src = side("s3", "src")
    seed(src, {f"k{i:04d}": b"x" for i in range(1000)}, "d-old")
    seed(src, {"a.txt": b"a", "b.txt": b"b"}, "d")
    local = LocalSide(tmp_path / "out")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.DONE, job.failures
    assert local.files() == {"d/a.txt": b"a", "d/b.txt": b"b"}
    assert s3.counts == {"GetObject": 2, "ListObjectsV2": 3}


def test_a_source_the_view_listed_is_not_looked_up_again(side, s3, jobs, tmp_path):
    """A hit of the manager's cache names the source (the view's listing); the walk lists anew."""
    src = side("s3", "src")
    seed(src, {"a.txt": b"a"}, "d")
    manager, path = location(src.url())
    manager.ls(path)  # what a pane showing it did
    local = LocalSide(tmp_path / "out")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.DONE, job.failures
    assert local.files() == {"d/a.txt": b"a"}
    assert s3.counts == {"GetObject": 1, "ListObjectsV2": 1}


# Downloads: checked whole before they get their name ----------------------------------


@pytest.fixture
def listed(stow, s3, seed):
    """An object as a listing told of it (size and ETag), and where to save it."""
    data = os.urandom(5000)
    seed("bucket", {"d/f.bin": data})
    return stow.artefact("s3://bucket/d/f.bin"), data


def test_a_body_cut_short_is_asked_for_again(listed, s3, s3m, tmp_path):
    artefact, data = listed
    s3.clear_counts()
    rule = s3.fail(op="GetObject", after_bytes=1000, times=1)
    moved = []

    s3m._get(artefact, str(tmp_path / "f.bin"), callback=moved.append)

    assert rule.hits == 1
    assert (tmp_path / "f.bin").read_bytes() == data
    assert s3.counts == {"GetObject": 2}  # the cut one and the whole one; no HeadObject
    assert sum(moved) == len(data)  # what came of the cut body was taken back
    assert os.listdir(tmp_path) == ["f.bin"]


def test_a_body_cut_short_every_time_is_never_kept(listed, s3, s3m, tmp_path):
    artefact, _ = listed
    s3.fail(op="GetObject", after_bytes=1000, times=100)

    with pytest.raises(exceptions.BackendError, match="Cannot download s3://bucket/d/f.bin"):
        s3m._get(artefact, str(tmp_path / "f.bin"))

    assert s3.counts["GetObject"] == 3  # single.DOWNLOAD_ATTEMPTS
    assert os.listdir(tmp_path) == []  # neither the final name nor a temporary one


def test_a_wrong_length_is_caught_before_the_rename(listed, s3, s3m, tmp_path):
    artefact, _ = listed
    s3.backend.put_object("bucket", "d/f.bin", b"shorter")  # changed since the listing

    with pytest.raises(exceptions.BackendError, match="7 bytes arrived where its listing said 5,000"):
        s3m._get(artefact, str(tmp_path / "f.bin"))

    assert s3.counts["GetObject"] == 1  # a whole body of another size: not asked for again
    assert os.listdir(tmp_path) == []


def test_a_body_that_does_not_match_its_md5_etag_is_retried_then_refused(listed, s3, s3m, tmp_path):
    artefact, _ = listed
    s3.clear_counts()
    rule = s3.fail(op="GetObject", corrupt=True, times=None)  # a byte changed on the way, every time

    with pytest.raises(exceptions.BackendError, match="do not match its ETag"):
        s3m._get(artefact, str(tmp_path / "f.bin"))

    assert rule.hits == s3.counts["GetObject"] == 3
    assert os.listdir(tmp_path) == []


def test_a_body_hurt_once_on_the_way_is_asked_for_again_and_saved_whole(listed, s3, s3m, tmp_path):
    artefact, data = listed
    s3.clear_counts()
    rule = s3.fail(op="GetObject", corrupt=True, times=1)

    s3m._get(artefact, str(tmp_path / "f.bin"))

    assert rule.hits == 1 and s3.counts["GetObject"] == 2
    assert (tmp_path / "f.bin").read_bytes() == data


def test_a_multipart_etag_is_not_taken_for_an_md5(s3, s3m, s3_client, bucket, tmp_path):
    """An object uploaded in parts has an ETag that is no MD5 of its bytes ("...-1"): the
    download is not refused for it."""
    data = os.urandom(5000)
    upload = s3_client.create_multipart_upload(Bucket="bucket", Key="d/parts.bin")
    part = s3_client.upload_part(Bucket="bucket", Key="d/parts.bin", PartNumber=1,
                                 UploadId=upload["UploadId"], Body=data)
    s3_client.complete_multipart_upload(
        Bucket="bucket", Key="d/parts.bin", UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    artefact = s3m.artefact("/bucket/d/parts.bin")
    assert artefact.etag.endswith('-1"')
    s3.clear_counts()

    s3m._get(artefact, str(tmp_path / "f.bin"))

    assert (tmp_path / "f.bin").read_bytes() == data
    assert s3.counts["GetObject"] == 1


def test_a_cancelled_small_download_removes_its_temporary_file(listed, s3m, tmp_path):
    artefact, _ = listed
    cancel = threading.Event()
    cancel.set()

    with pytest.raises(exceptions.OperationCancelled):
        s3m._get(artefact, str(tmp_path / "f.bin"), cancel=cancel)

    assert os.listdir(tmp_path) == []


# Uploads: Content-MD5, no 100 Continue --------------------------------------------------


def test_uploads_carry_content_md5_and_never_wait(side, s3, jobs):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, dict(list(TREE.items())[:20]), "d")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    sent = [r for r in s3.requests if r.op == "PutObject"]
    assert len(sent) == 20
    for record in sent:
        wanted = base64.b64encode(hashlib.md5(TREE[record.key.rsplit("/", 1)[-1]]).digest()).decode()
        assert record.headers.get("content-md5") == wanted and "expect" not in record.headers


def test_an_upload_whose_md5_the_server_does_not_confirm_is_a_failure(s3m, s3, bucket, tmp_path, monkeypatch):
    from stowtui.managers.s3 import single

    local = tmp_path / "f.bin"
    local.write_bytes(b"what is on disk")
    real_md5 = hashlib.md5
    monkeypatch.setattr(single.hashlib, "md5", lambda *a, **k: real_md5(b"something else"))

    # S3 refuses a Content-MD5 that is not the body's (BadDigest); moto does not
    # check it, so the ETag it answers is checked instead.
    with pytest.raises(exceptions.BackendError, match="Cannot upload .* does not match what was sent"):
        s3m._put(str(local), "/bucket/f.bin")


# One pool per queue -------------------------------------------------------------------------


@pytest.fixture
def holders(monkeypatch):
    """Threads holding a request slot right now (RequestSlots instrumented)."""
    held = set()
    enter, leave = RequestSlots.__enter__, RequestSlots.__exit__

    def entered(self):
        result = enter(self)
        held.add(threading.get_ident())
        return result

    def left(self, *exc):
        held.discard(threading.get_ident())
        return leave(self, *exc)

    monkeypatch.setattr(RequestSlots, "__enter__", entered)
    monkeypatch.setattr(RequestSlots, "__exit__", left)
    return held


@pytest.mark.parametrize("src_kind,dst_kind", [("fs", "s3"), ("s3", "fs")])
def test_workers_bound_every_small_request_and_parts_go_on_their_own(side, s3, holders, src_kind, dst_kind, tmp_path):
    """N workers: every small file's request holds one of the queue's N slots; the parts of
    a big file are made by the queue's s3transfer threads, outside them."""
    src = side(src_kind, "src")
    dst = side(dst_kind, "dst") if dst_kind == "s3" else LocalSide(tmp_path / "out")
    tree = dict(list(TREE.items())[:30])
    tree["big.bin"] = os.urandom(20 * MiB)  # three parts of 8 MiB
    seed(src, tree, "d")
    queue = JobQueue(workers=3)
    s3_manager = location((src if src_kind == "s3" else dst).url())[0]
    outside, seen = [], []

    def check(url):
        seen.append(url)
        if threading.get_ident() not in holders:
            outside.append(url)

    with sending(s3_manager, check, ("GetObject", "PutObject", "CreateMultipartUpload", "UploadPart",
                                     "CompleteMultipartUpload")):
        try:
            job = finished(queue.copy([src.url("d")], dst.url()))
        finally:
            queue.shutdown()

    assert job.state is JobState.DONE, job.failures
    assert len([url for url in seen if "big.bin" not in url]) == 30  # every small file's request was seen
    assert dst.files("d") == tree
    # Every small file's request was made holding one of the queue's slots; only the big
    # file's (its parts, and the start and end of an upload) were not.
    assert outside and all("big.bin" in url for url in outside)
    assert 1 <= queue.slots.peak <= 3
    assert s3.counts["UploadPart" if dst_kind == "s3" else "GetObject"] >= 3  # the big one went in parts


def test_a_queues_connections_are_reused_not_discarded(side, s3, caplog):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, TREE, "d")
    queue = JobQueue(workers=16)
    try:
        with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
            job = finished(queue.copy([src.url("d")], dst.url()))
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_the_cli_sizes_the_connection_pool_to_the_workers():
    from stowtui.managers.connections import POOL_CONNECTIONS, pool_connections

    assert pool_connections(8) == POOL_CONNECTIONS >= 8
    assert pool_connections(200) >= 200


# Client CPU: nothing computed twice ------------------------------------------------------


def test_requests_carry_one_whole_body_check_each(s3m, s3, bucket, tmp_path):
    """A small PUT carries our Content-MD5 and no CRC botocore would add (client.LEAN); each
    part of a multipart upload carries a CRC32; DeleteObjects, which requires one, gets one;
    a GET still asks for the server's checksum to check (botocore's default). As the server
    received them."""
    small, big = tmp_path / "f.bin", tmp_path / "big.bin"
    small.write_bytes(b"x" * 5000)
    big.write_bytes(os.urandom(9 * MiB))
    s3.clear_counts()

    s3m._put(str(small), "/bucket/f.bin")
    s3m._put(str(big), "/bucket/big.bin")
    s3m._get(s3m.artefact("/bucket/f.bin"), str(tmp_path / "back.bin"))
    s3m.rm(s3m.artefact("/bucket"), recursive=True)

    sent = {}
    for record in s3.requests:
        sent.setdefault(record.op, []).append(set(record.headers))
    [put] = sent["PutObject"]
    assert "content-md5" in put and not [h for h in put if "checksum" in h]
    assert len(sent["UploadPart"]) == 2
    assert all("x-amz-checksum-crc32" in part for part in sent["UploadPart"])
    assert "x-amz-checksum-mode" in sent["GetObject"][0]
    assert sent["DeleteObjects"][0] & {"content-md5", "x-amz-checksum-crc32"}
    assert (tmp_path / "back.bin").read_bytes() == b"x" * 5000


# Big downloads: few large ranged GETs ------------------------------------------------------


@pytest.mark.parametrize("mib,concurrency,part_mib", [(9, 8, 8), (64, 8, 8), (65, 8, 16), (200, 8, 32),
                                                      (200, 4, 64), (2048, 8, 64), (40, 2, 32)])
def test_a_download_is_split_into_no_more_parts_than_can_run_at_once(mib, concurrency, part_mib):
    from stowtui.managers.s3.managed import download_part

    assert download_part(mib * MiB, concurrency) == part_mib * MiB


def test_a_big_download_is_as_many_gets_as_slots_with_its_progress(side, s3, tmp_path):
    """40 MiB with 2 workers: two ranged GETs of 32 and 8 MiB, every byte reported once."""
    src = side("s3", "src")
    data = os.urandom(40 * MiB)
    src.write("big.bin", data)
    queue = JobQueue(workers=2)
    s3.clear_counts()
    try:
        job = finished(queue.copy([src.url("big.bin")], str(tmp_path)))
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures
    assert (tmp_path / "big.bin").read_bytes() == data
    assert s3.counts == {"GetObject": 2, "ListObjectsV2": 1}
    assert job.progress.bytes_done == len(data)


def test_a_download_by_the_engine_is_staged_once(side, s3, jobs, tmp_path, monkeypatch):
    """The local side's temporary name is written directly: one name and one rename per
    file (S3 stages its own only for callers that give it a final name)."""
    from stowtui.managers import anchored

    src = side("s3", "src")
    tree = dict(list(TREE.items())[:5])
    seed(src, tree, "d")
    placed = []
    real_place = anchored.place
    monkeypatch.setattr(anchored, "place", lambda folder, temporary, name, *args: (
        placed.append(folder.child(name)), real_place(folder, temporary, name, *args)))
    local = LocalSide(tmp_path / "out")

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.DONE, job.failures
    assert local.files("d") == tree
    assert sorted(placed) == sorted(os.path.join(local.url(), "d", name) for name in tree)


def test_a_download_makes_its_folder_once_not_once_per_file(side, s3, jobs, tmp_path, monkeypatch):
    """Client CPU: a folder that exists is opened (one open per segment), not made again for each file."""
    src = side("s3", "src")
    tree = dict(list(TREE.items())[:5])
    seed(src, tree, "d")
    made = []
    real_mkdir = os.mkdir
    monkeypatch.setattr(os, "mkdir", lambda name, *a, **k: (made.append(os.fspath(name)),
                                                            real_mkdir(name, *a, **k)))
    local = LocalSide(tmp_path / "out")

    job = finished(jobs.copy([src.url("d")], local.url()))

    assert job.state is JobState.DONE, job.failures
    assert local.files("d") == tree
    assert made.count("d") == 1  # relative to the destination's descriptor


def test_an_unbuffered_write_that_takes_part_of_a_chunk_is_finished():
    from stowtui.managers.s3 import single

    class Trickle:
        def __init__(self):
            self.data = bytearray()

        def write(self, view):
            self.data += bytes(view[:3])
            return min(3, len(view))

    handle = Trickle()
    single._write_all(handle, b"0123456789")
    assert bytes(handle.data) == b"0123456789"


def test_a_small_upload_reads_its_file_straight_and_still_refuses_a_fifo(tmp_path):
    """fs.read_regular (the small upload's read, no buffered file object) checks the open file
    again, so a FIFO put in a file's place after the caller looked is refused, not read."""
    from stowtui.managers.fs import read_regular

    plain = tmp_path / "plain"
    plain.write_bytes(b"x" * 70_000)
    checks = []
    assert read_regular(str(plain), 32_768, lambda: checks.append(1)) == b"x" * 70_000
    assert len(checks) == 4  # before each read: three with bytes, one at the end
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(exceptions.ArtefactTypeError, match="named pipe"):
        read_regular(str(tmp_path / "pipe"), 1024)


def test_small_files_run_on_as_many_threads_as_the_slots_serve(side, s3, tmp_path, monkeypatch):
    """A queue of 32 workers on a quick (loopback) endpoint, whose window stays at
    START: the files' requests are made by about START threads, each taking the next
    file itself, not by 32 threads taking turns at the slots (a hand-over per file)."""
    monkeypatch.setattr(RequestSlots, "GROW_ABOVE", 60.0)  # quick, even on a loaded machine
    src = side("s3", "src")
    seed(src, TREE, "d")
    queue = JobQueue(workers=32)
    s3_manager = location(src.url())[0]
    threads, seen = set(), []

    def note(url):
        seen.append(url)
        threads.add(threading.get_ident())

    with sending(s3_manager, note, ("GetObject",)):
        try:
            job = finished(queue.copy([src.url("d")], str(tmp_path)))
        finally:
            queue.shutdown()
    assert len(seen) == len(TREE)

    assert job.state is JobState.DONE, job.failures[:3]
    assert LocalSide(tmp_path).files("d") == TREE
    assert queue.slots.allowed == RequestSlots.START  # a quick endpoint: the window did not grow
    assert 2 <= len(threads) <= RequestSlots.START + 4 < 32


def test_requests_that_take_no_slot_still_run_on_every_worker(side, s3):
    """Deletes take no request slot: they run on all the queue's workers at once (the
    slots' window, START, does not bound them)."""
    src = side("s3", "src")
    seed(src, TREE, "d")
    s3.link.delay = 0.05
    s3.clear_counts()
    queue = JobQueue(workers=16)
    try:
        job = finished(queue.delete([src.url(f"d/{name}") for name in TREE]))
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures[:3]
    deletes = [r for r in s3.requests if r.op == "DeleteObject"]
    assert len(deletes) == FILES
    assert RequestSlots.START < max(r.in_flight for r in deletes) <= 16 + 4  # counted out a moment late
