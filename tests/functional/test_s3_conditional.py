"""Writes into S3 replace only the object that was compared.

A job decides to replace an object from a listing ("newer", "different", an
answer to "ask", a sync); its write carries ``IfMatch: <the ETag compared>``
(and a write where nothing was listed ``IfNoneMatch: "*"``). The races here are
made certain by the loopback server's ``when`` hook: another writer replaces
the key just after moto answered our listing, before our write.

What moto 5.2.x honours (checked here): ``IfMatch`` and ``IfNoneMatch`` on
``PutObject``, ``IfNoneMatch`` on ``CompleteMultipartUpload``. It ignores
``IfMatch`` on ``CompleteMultipartUpload`` and both on ``CopyObject``: for those,
these tests check that the condition is sent, not that the server keeps it.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest

from stowtui.jobs import Decision, JobState


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


def age(s3, key: str, year: int = 2000) -> str:
    """Make the object at ``key`` look written long ago (older than any source here); its ETag."""
    stored = s3.backend.get_object("bucket", key)
    stored.last_modified = datetime.datetime(year, 1, 1)
    return stored.etag


def body(s3_client, key: str) -> bytes:
    return s3_client.get_object(Bucket="bucket", Key=key)["Body"].read()


def writes(s3, op: str, key: str):
    return [r for r in s3.requests if r.op == op and r.key == key]


def another_writer(s3, key: str, data: bytes):
    """Once our listing of the destination is answered, another client replaces ``key``."""
    return s3.when("ListObjectsV2", lambda record: s3.backend.put_object("bucket", key, data))


@pytest.fixture
def source(tmp_path):
    """A local file 'k.txt' modified in 2010: newer than an aged object, older than a new one."""
    path = tmp_path / "src" / "k.txt"
    path.parent.mkdir()
    path.write_bytes(b"our bytes")
    then = datetime.datetime(2010, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(path, (then, then))
    return path


def test_a_replace_refused_because_another_writer_came_first_keeps_both(s3, s3_client, bucket, jobs, source):
    s3_client.put_object(Bucket="bucket", Key="in/k.txt", Body=b"old")
    compared = age(s3, "in/k.txt")
    race = another_writer(s3, "in/k.txt", b"their newer bytes")

    s3.clear_counts()
    job = finished(jobs.move([str(source)], "s3://bucket/in/", conflict="newer"))

    assert race.hits == 1
    assert body(s3_client, "in/k.txt") == b"their newer bytes"  # the other writer's bytes survive
    assert source.read_bytes() == b"our bytes"  # and our source is kept
    put = writes(s3, "PutObject", "in/k.txt")
    assert [(r.if_match, r.status) for r in put] == [(compared, 412)]  # refused by the server
    assert job.state is JobState.DONE and not job.failures
    assert [s.source for s in job.skipped] == [str(source)]
    assert job.skipped[0].reason == (
        f"s3://bucket/in/k.txt changed while {source} was being written, and by the policy \"newer\" "
        "it is kept; it was not replaced, and the source stays"
    )


def test_a_replace_refused_is_decided_again_and_replaces_what_is_there_now(s3, s3_client, bucket, jobs, source):
    """'different': the other writer's object differs from ours too, so it is replaced,
    on the condition of its own ETag."""
    s3_client.put_object(Bucket="bucket", Key="in/k.txt", Body=b"old")
    compared = age(s3, "in/k.txt")
    another_writer(s3, "in/k.txt", b"their bytes")

    s3.clear_counts()
    job = finished(jobs.move([str(source)], "s3://bucket/in/", conflict="different"))

    assert job.state is JobState.DONE, job.failures
    put = writes(s3, "PutObject", "in/k.txt")
    assert [(r.if_match, r.status) for r in put] == [(compared, 412), (put[1].if_match, 200)]
    assert put[1].if_match not in (None, compared)
    assert body(s3_client, "in/k.txt") == b"our bytes" and not source.exists()


def test_an_object_deleted_in_the_window_is_written_as_new(s3, s3_client, bucket, jobs, source):
    s3_client.put_object(Bucket="bucket", Key="in/k.txt", Body=b"old")
    compared = age(s3, "in/k.txt")
    s3.when("ListObjectsV2", lambda record: s3.backend.delete_object("bucket", "in/k.txt"))

    s3.clear_counts()
    job = finished(jobs.move([str(source)], "s3://bucket/in/", conflict="newer"))

    assert job.state is JobState.DONE, job.failures
    put = writes(s3, "PutObject", "in/k.txt")
    # IfMatch of a key that went: 404; looked at again, nothing there: written if none appears.
    assert [(r.if_match, r.if_none_match, r.status) for r in put] == [(compared, None, 404), (None, "*", 200)]
    assert body(s3_client, "in/k.txt") == b"our bytes" and not source.exists()


def test_a_sync_keeps_an_object_changed_after_it_compared_it(s3, s3_client, bucket, jobs, source):
    s3_client.put_object(Bucket="bucket", Key="to/k.txt", Body=b"old")
    age(s3, "to/k.txt")
    replaced = []

    def after_the_comparison_listing(record):
        if record.query.get("prefix") == "to/" and not replaced:  # the level compared (not the lookup)
            replaced.append(s3.backend.put_object("bucket", "to/k.txt", b"their bytes"))

    s3.when("ListObjectsV2", after_the_comparison_listing, times=None)

    s3.clear_counts()
    job = finished(jobs.sync(str(source.parent), "s3://bucket/to/"))

    assert replaced
    assert [r.status for r in writes(s3, "PutObject", "to/k.txt")] == [412]
    assert body(s3_client, "to/k.txt") == b"their bytes"
    assert [s.source for s in job.skipped] == [str(source)]
    assert "changed after it was compared" in job.skipped[0].reason


def test_a_copy_within_s3_sends_if_match(s3, s3_client, bucket, jobs):
    """moto ignores a CopyObject's IfMatch: this checks it is sent (S3 keeps it)."""
    s3_client.put_object(Bucket="bucket", Key="a/k.txt", Body=b"new")
    s3_client.put_object(Bucket="bucket", Key="b/k.txt", Body=b"old")
    compared = s3_client.head_object(Bucket="bucket", Key="b/k.txt")["ETag"]

    s3.clear_counts()
    job = finished(jobs.copy(["s3://bucket/a/k.txt"], "s3://bucket/b/", conflict="ask",
                             ask=lambda conflict: Decision("overwrite")))

    assert job.state is JobState.DONE, job.failures
    assert [r.if_match for r in writes(s3, "CopyObject", "b/k.txt")] == [compared]
    assert body(s3_client, "b/k.txt") == b"new"


def test_a_copy_within_s3_to_a_free_key_sends_if_none_match(s3, s3_client, bucket, jobs):
    """moto ignores a CopyObject's IfNoneMatch too: checked sent."""
    s3_client.put_object(Bucket="bucket", Key="a/k.txt", Body=b"new")

    s3.clear_counts()
    job = finished(jobs.copy(["s3://bucket/a/k.txt"], "s3://bucket/b/"))

    assert job.state is JobState.DONE, job.failures
    assert [r.if_none_match for r in writes(s3, "CopyObject", "b/k.txt")] == ["*"]


def test_a_multipart_replace_sends_if_match_on_its_completion(s3, s3_client, bucket, jobs, tmp_path):
    """moto ignores IfMatch on CompleteMultipartUpload (it honours IfNoneMatch): checked sent."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))  # above the single-request limit: multipart
    s3_client.put_object(Bucket="bucket", Key="in/big.bin", Body=b"small old")
    compared = s3_client.head_object(Bucket="bucket", Key="in/big.bin")["ETag"]

    s3.clear_counts()
    job = finished(jobs.copy([str(big)], "s3://bucket/in/", conflict="different"), timeout=120)

    assert job.state is JobState.DONE, job.failures
    complete = writes(s3, "CompleteMultipartUpload", "in/big.bin")
    assert [(r.if_match, r.status) for r in complete] == [(compared, 200)]
    assert writes(s3, "PutObject", "in/big.bin") == []
    assert body(s3_client, "in/big.bin") == big.read_bytes()


def test_a_multipart_write_where_another_appeared_is_refused(s3, s3_client, bucket, jobs, tmp_path):
    """IfNoneMatch on CompleteMultipartUpload, which moto honours: the other object stays."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    s3.when("CreateMultipartUpload", lambda record: s3.backend.put_object("bucket", "in/big.bin", b"theirs"))

    s3.clear_counts()
    job = finished(jobs.move([str(big)], "s3://bucket/in/"), timeout=120)

    complete = writes(s3, "CompleteMultipartUpload", "in/big.bin")
    assert [(r.if_none_match, r.status) for r in complete] == [("*", 412)]
    assert body(s3_client, "in/big.bin") == b"theirs" and big.exists()
    assert [s.source for s in job.skipped] == [str(big)]


RACEMOVER = os.path.join(os.path.dirname(os.path.dirname(__file__)), "racemover.py")
NAMES = [f"f{n:02d}.txt" for n in range(40)]


def content(process: int, name: str) -> bytes:
    return f"process {process} wrote {name}\n".encode() * (process + 1)


def start_movers(s3, sources, destination: str, policy: str):
    """Three real processes, each imported and waiting, then started together."""
    env = dict(os.environ, RACEMOVER_ENDPOINT=s3.endpoint_url)
    movers = [subprocess.Popen([sys.executable, RACEMOVER, policy, destination, str(source)], env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for source in sources]
    for mover in movers:
        assert mover.stdout.readline().strip() == "ready"
    for mover in movers:
        mover.stdin.write("go\n")
        mover.stdin.flush()
    outcomes = []
    for mover in movers:
        out, _ = mover.communicate(timeout=180)
        assert mover.returncode == 0, out
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    return outcomes


@pytest.mark.parametrize("round_", range(3))
def test_three_processes_moving_into_one_prefix_with_newer_lose_nothing(round_, s3, s3_client, bucket, tmp_path):
    """Three processes move folders of the same names into one prefix ("newer"). Half the keys
    hold an old object (older than every source: all three decide to replace it, on IfMatch);
    the rest are free (IfNoneMatch). Each request waits 30 ms, so the three list before
    any of them writes. For each key: exactly one process's bytes are there and its source
    is gone; the other two sources are intact (each skipped, with its sentence); the object
    there is newer than each of them ("newer" compares the source's time with the object's
    LastModified, the time of its upload: the first write wins, and later ones see it newer)."""
    for index, name in enumerate(NAMES):
        if index % 2 == 0:
            s3_client.put_object(Bucket="bucket", Key=f"into/set/{name}", Body=b"old")
            age(s3, f"into/set/{name}")
    sources = []
    for process in range(3):
        folder = tmp_path / f"p{process}" / "set"
        folder.mkdir(parents=True)
        then = datetime.datetime(2010 + process, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
        for name in NAMES:
            (folder / name).write_bytes(content(process, name))
            os.utime(folder / name, (then, then))
        sources.append(folder)
    s3.link.delay = 0.03
    s3.clear_counts()

    outcomes = start_movers(s3, sources, "s3://bucket/into/", "newer")

    s3.link.delay = 0.0
    for outcome in outcomes:
        assert outcome["ended"] and outcome["state"] == "done" and outcome["failures"] == [], outcome
    kept = set()
    for name in NAMES:
        stored = s3_client.get_object(Bucket="bucket", Key=f"into/set/{name}")
        data = stored["Body"].read()
        winners = [p for p in range(3) if data == content(p, name)]
        assert len(winners) == 1, (name, data)  # one process's bytes, whole (never the old ones)
        for process in range(3):
            at_source = sources[process] / name
            if process == winners[0]:
                assert not at_source.exists()
            else:
                assert at_source.read_bytes() == content(process, name)  # kept, whole
                assert stored["LastModified"].timestamp() > at_source.stat().st_mtime
                kept.add(str(at_source))
    # Each source kept was skipped: by the planner (its listing showed a newer object
    # already) or, refused at the write, by the task, which says why.
    said = {source for outcome in outcomes for source, reason in outcome["skipped"]}
    assert said <= kept
    assert sum(outcome["files_skipped"] for outcome in outcomes) == len(kept) == 2 * len(NAMES)
    assert sum(outcome["files_done"] for outcome in outcomes) == len(NAMES)
    for outcome in outcomes:
        for source, reason in outcome["skipped"]:
            assert reason.endswith("it was not replaced, and the source stays"), reason
    refused = [r for r in s3.requests if r.op == "PutObject" and r.status in (404, 412)]
    print(f"round {round_}: {len(refused)} writes refused, {len(said)} sources kept at the write")
    assert len(refused) == len(said) > 0  # the three raced; each refused write kept its source
