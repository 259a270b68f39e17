"""stow.sync between a local folder and an S3 prefix, against the loopback server.

Every request is counted: a sync decides from the two listings alone (no
GetObject, no HeadObject per file), sends only what is missing or different,
and deletes (``delete=True``) only what is at the destination alone.
"""

import dataclasses
import os
from collections import Counter

import pytest

from synctree import BEFORE, body, local_files, make_hundred, remote_files

@pytest.fixture
def hundred(tmp_path, s3, seed):
    return make_hundred(tmp_path, s3, seed)


def test_sync_sends_exactly_the_15_missing_or_different_files_and_reads_none(stow, s3, hundred):
    stow.sync(str(hundred), "s3://bucket/mirror")

    # The destination's lookup and its one level's listing; 15 uploads; no GET, HEAD or delete.
    assert s3.counts == Counter(PutObject=15, ListObjectsV2=2)
    files = remote_files(s3)
    assert {name for name in files if name.startswith("extra")} == {"extra0.txt", "extra1.txt", "extra2.txt"}
    assert files["f003.txt"] == body(3, changed=True) and files["f012.txt"] == body(12)


def test_sync_with_delete_then_removes_the_3_extra_and_sends_nothing(stow, s3, hundred):
    stow.sync(str(hundred), "s3://bucket/mirror")
    s3.clear_counts()

    stow.sync(str(hundred), "s3://bucket/mirror", delete=True)

    assert s3.counts == Counter(ListObjectsV2=2, DeleteObject=3)
    assert remote_files(s3) == local_files(hundred)


def test_sync_of_an_up_to_date_tree_sends_nothing_but_its_listings(stow, s3, seed, tmp_path):
    folder = tmp_path / "tree"
    for rel in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rel.encode())
        os.utime(path, (BEFORE, BEFORE))
    seed("bucket", {f"copy/{rel}": rel.encode() for rel in ("a.txt", "sub/b.txt", "sub/deeper/c.txt")})
    s3.clear_counts()

    stow.sync(str(folder), "s3://bucket/copy", delete=True)

    # The destination's lookup, then one listing per level (3 levels): nothing else.
    assert s3.counts == Counter(ListObjectsV2=4)


def test_a_listing_that_fails_deletes_nothing(stow, s3, hundred):
    s3.fail(op="ListObjectsV2", status=500, times=20)

    with pytest.raises(stow.exceptions.StowError):
        stow.sync(str(hundred), "s3://bucket/mirror", delete=True)

    assert s3.counts["DeleteObject"] == 0 and s3.counts["DeleteObjects"] == 0
    assert len(remote_files(s3)) == 98


def test_a_failed_copy_deletes_nothing(stow, s3, hundred):
    s3.fail(op="PutObject", key="mirror/f003.txt", status=500, times=50)

    with pytest.raises(stow.exceptions.StowError):
        stow.sync(str(hundred), "s3://bucket/mirror", delete=True)

    assert s3.counts["DeleteObject"] == 0 and s3.counts["DeleteObjects"] == 0
    assert "extra0.txt" in remote_files(s3)


def test_sync_into_a_destination_that_does_not_exist_creates_it(stow, tmp_path):
    source = tmp_path / "source"
    (source / "inner").mkdir(parents=True)
    (source / "inner" / "hello.txt").write_bytes(b"hi")

    stow.sync(str(source), str(tmp_path / "new" / "place"))

    assert (tmp_path / "new" / "place" / "inner" / "hello.txt").read_bytes() == b"hi"


def test_check_modified_times_off_compares_by_size_and_the_comparator_decides_when_given(stow, tmp_path):
    source, destination = tmp_path / "s", tmp_path / "d"
    source.mkdir(), destination.mkdir()
    (source / "a").write_bytes(b"new!")
    (destination / "a").write_bytes(b"old")  # newer, but of another size
    (source / "b").write_bytes(b"same")
    (destination / "b").write_bytes(b"SAME")
    for name in "ab":
        os.utime(source / name, (BEFORE, BEFORE))

    stow.sync(str(source), str(destination))
    assert (destination / "a").read_bytes() == b"old"  # the destination is newer: kept

    stow.sync(str(source), str(destination), check_modified_times=False)
    assert (destination / "a").read_bytes() == b"new!" and (destination / "b").read_bytes() == b"SAME"

    stow.sync(str(source), str(destination), artefact_comparator=lambda one, other: False)
    assert (destination / "b").read_bytes() == b"same"


def test_a_big_level_is_compared_from_pages_of_1000_on_both_sides(stow, s3, seed):
    keys = {f"{side}/a/k{i:05d}": b"x" for side in ("src", "dst") for i in range(2500)}
    keys.update({f"{side}/b/one.txt": b"1" for side in ("src", "dst")})
    seed("bucket", keys)
    s3.clear_counts()

    stow.sync("s3://bucket/src", "s3://bucket/dst", check_modified_times=False)

    # The two lookups (1 + 1), then each level of each side in its pages: the root 1 + 1, a/ 3 + 3, b/ 1 + 1.
    assert s3.counts == Counter(ListObjectsV2=12)
    assert all(r.query.get("delimiter") == "/" for r in s3.requests[2:])


def test_a_cancelled_sync_deletes_nothing(stow, s3, hundred):
    from stowtui.jobs import JobQueue

    queue = JobQueue(workers=2)
    try:
        job = queue.sync(str(hundred), "s3://bucket/mirror", delete=True)
        job.cancel()
        assert job.wait(10)
    finally:
        queue.shutdown()
    assert s3.counts["DeleteObject"] == 0 and s3.counts["DeleteObjects"] == 0
    assert {"extra0.txt", "extra1.txt", "extra2.txt"} <= set(remote_files(s3))


def test_a_sync_cut_short_is_resumed_from_its_journal_as_a_sync(tmp_path, monkeypatch, stow, s3, hundred):
    from stowtui.jobs import JobQueue, JobState, journal

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    queue = JobQueue(workers=2, journal=True)
    try:
        job = queue.sync(str(hundred), "s3://bucket/mirror", delete=True)
        assert job.header.kind == "sync" and job.header.options["delete"] is True
        # As a crash would leave it: the journal, its job never ended.
        cut = journal.Journal(dataclasses.replace(job.header, token=journal.new_token(), created=0.0))
        cut.abandon()
        assert job.wait(30)
        (record,) = journal.interrupted()
        assert record.header.kind == "sync"
        s3.clear_counts()

        resumed = queue.resume(record)
        assert resumed.wait(30) and resumed.state is JobState.DONE, resumed.failures
    finally:
        queue.shutdown()
    assert resumed.kind == "sync"
    assert s3.counts == Counter(ListObjectsV2=2)  # the first run did it all: the lookup and the listing, nothing sent
    assert remote_files(s3) == local_files(hundred)
    assert journal.interrupted() == []


def test_names_from_a_bucket_that_lead_out_of_a_local_destination_are_refused_and_the_rest_synced(
        tmp_path, stow, s3, seed):
    seed("bucket", {"src/ok.txt": b"ok", "src/../evil.txt": b"evil", "src/..": b"dots", "src/d/../../x": b"x"})
    destination = tmp_path / "place" / "dest"

    with pytest.raises(stow.exceptions.StowError) as raised:
        stow.sync("s3://bucket/src", str(destination), delete=True)

    assert "outside the destination" in str(raised.value)
    assert (destination / "ok.txt").read_bytes() == b"ok"
    assert sorted(p.name for p in (tmp_path / "place").iterdir()) == ["dest"]
    assert sorted(p.name for p in destination.iterdir()) == ["ok.txt"]


def test_a_fifo_in_the_source_is_skipped_with_its_reason_never_opened(tmp_path, stow):
    from stowtui.jobs import JobQueue, JobState

    source, destination = tmp_path / "s", tmp_path / "d"
    source.mkdir()
    (source / "a.txt").write_bytes(b"a")
    os.mkfifo(source / "pipe")  # opening it for reading would hang
    queue = JobQueue(workers=2)
    try:
        job = queue.sync(str(source), str(destination))
        assert job.wait(10) and job.state is JobState.DONE, job.failures
    finally:
        queue.shutdown()
    assert sorted(p.name for p in destination.iterdir()) == ["a.txt"]
    assert [s.source for s in job.skipped] == [str(source / "pipe")]
    assert "not copied" in job.skipped[0].reason


def test_a_source_gone_since_the_last_sync_is_an_error_and_nothing_is_deleted(stow, s3, seed):
    seed("bucket", {"src/a.txt": b"a", "dst/a.txt": b"a", "dst/b.txt": b"b"})
    stow.sync("s3://bucket/src", "s3://bucket/dst")
    s3.backend.delete_object("bucket", "src/a.txt")  # the source prefix is gone

    with pytest.raises(stow.exceptions.ArtefactNotFound):
        stow.sync("s3://bucket/src", "s3://bucket/dst", delete=True)

    assert sorted(remote_files(s3, "dst/")) == ["a.txt", "b.txt"]
