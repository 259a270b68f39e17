"""A resumed job aborts the multipart uploads its first run left open, and only those:
their ids are in its journal (recorded through botocore's events as s3transfer opens them)."""

from __future__ import annotations

import os
import subprocess
import sys

from stowtui.jobs import JobQueue, JobState, journal

VICTIM = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crashvictim.py")
BIG = 9 * 1024 * 1024  # above the multipart threshold (8 MiB)


def open_uploads(s3_client, bucket: str) -> dict[str, str]:
    return {u["UploadId"]: u["Key"] for u in s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}


def never_asked(conflict):
    raise AssertionError(f"asked about {conflict.destination}")


def test_a_resumed_upload_aborts_its_own_open_upload_and_not_another_writers_to_the_same_key(
        tmp_path, monkeypatch, s3, s3_client, stow):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    s3_client.create_bucket(Bucket="far")
    source = tmp_path / "src" / "tree"
    source.mkdir(parents=True)
    (source / "big.bin").write_bytes(b"b" * BIG)
    (source / "small.bin").write_bytes(b"s")
    # Another writer's upload to the very key the job sends, open before the job began.
    before = s3_client.create_multipart_upload(Bucket="far", Key="into/tree/big.bin")["UploadId"]

    # The first run opens its multipart upload of big.bin and dies (kill -9) right then.
    done = subprocess.run([sys.executable, VICTIM, "copy", str(source), "s3://far/into/", "multipart", "1"],
                          env={**os.environ, "CRASHVICTIM_ENDPOINT": s3.endpoint_url},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stdout + done.stderr
    (record,) = journal.interrupted()
    (ours,) = record.uploads
    assert record.uploads == {ours: "s3://far/into/tree/big.bin"}
    # ... and one more, opened by someone else after the crash.
    after = s3_client.create_multipart_upload(Bucket="far", Key="into/tree/big.bin")["UploadId"]
    assert set(open_uploads(s3_client, "far")) == {before, ours, after}

    queue = JobQueue(workers=2, journal=True)
    try:
        job = queue.resume(record, ask=never_asked)
        assert job.wait(60)
    finally:
        queue.shutdown()
    assert job.state is JobState.DONE, job.failures
    # Ours is gone (and the upload the resumed job made itself completed); theirs are open.
    assert open_uploads(s3_client, "far") == {before: "into/tree/big.bin", after: "into/tree/big.bin"}
    assert s3_client.get_object(Bucket="far", Key="into/tree/big.bin")["Body"].read() == b"b" * BIG
    assert s3_client.get_object(Bucket="far", Key="into/tree/small.bin")["Body"].read() == b"s"


def test_an_upload_is_recorded_open_then_closed_in_its_log(tmp_path, s3, s3_client, stow):
    """The write's log (a TransferRequest's ``uploads``) hears of the upload s3transfer opens
    and of its completion; another write's log, to another key, hears nothing."""
    from stowtui.managers.transfer import TransferRequest

    s3_client.create_bucket(Bucket="far")
    (tmp_path / "big.bin").write_bytes(b"b" * BIG)
    # Two journals of one process made in one millisecond: their tokens tell their names apart.
    written = journal.Journal(journal.Header("copy", [str(tmp_path)], "s3://far/", "overwrite", "Copy",
                                             token=journal.new_token()), tmp_path)
    other = journal.Journal(journal.Header("copy", [str(tmp_path)], "s3://far/", "overwrite", "Copy",
                                           token=journal.new_token()), tmp_path)
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url)
    source = stow.artefact(str(tmp_path / "big.bin"))
    manager.upload(str(tmp_path / "big.bin"), "/far/big.bin",
                   TransferRequest(source, manager, "/far/big.bin", uploads=written))
    manager.upload(str(tmp_path / "big.bin"), "/far/plain.bin", TransferRequest(source, manager, "/far/plain.bin"))
    written.end("done", keep=True)
    other.end("done", keep=True)

    records = written.path.read_bytes().decode().splitlines()[1:]
    (opened,) = [line.split() for line in records if line.startswith("u ")]
    assert opened[2] == manager.url("/far/big.bin")
    assert f"x {opened[1]}" in records  # completed: closed
    assert journal.read(written.path).uploads == {}
    assert journal.read(other.path).uploads == {}
    assert [line for line in other.path.read_bytes().decode().splitlines()[1:]] == ["e done"]
    assert "Uploads" not in s3_client.list_multipart_uploads(Bucket="far")
