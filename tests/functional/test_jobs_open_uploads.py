"""A resumed job aborts the multipart uploads its first run left open, and only those."""

from __future__ import annotations

from stowtui.jobs import JobQueue, JobState, journal


def test_a_resumed_upload_aborts_its_own_open_multipart_uploads_only(tmp_path, monkeypatch, s3, s3_client, stow):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    s3_client.create_bucket(Bucket="far")
    source = tmp_path / "src" / "tree"
    source.mkdir(parents=True)
    (source / "big.bin").write_bytes(b"b" * 1000)
    (source / "small.bin").write_bytes(b"s")
    header = journal.Header("copy", [str(source)], "s3://far/into/", "ask", "Copy tree", token=journal.new_token())
    cut = journal.Journal(header)
    # The first run began to send big.bin (the journal says so), then died with its upload open.
    cut.sending("s3://far/into/tree/big.bin")
    ours = s3_client.create_multipart_upload(Bucket="far", Key="into/tree/big.bin")["UploadId"]
    cut.abandon()
    # Someone else's upload: a key the journal does not name.
    theirs = s3_client.create_multipart_upload(Bucket="far", Key="into/tree/other.bin")["UploadId"]
    (record,) = journal.interrupted()
    assert record.sending == {"s3://far/into/tree/big.bin"}

    queue = JobQueue(workers=2, journal=True)
    try:
        job = queue.resume(record, ask=lambda conflict: (_ for _ in ()).throw(AssertionError(conflict)))
        assert job.wait(30)
    finally:
        queue.shutdown()
    assert job.state is JobState.DONE, job.failures
    open_uploads = {u["UploadId"] for u in s3_client.list_multipart_uploads(Bucket="far").get("Uploads", [])}
    assert ours not in open_uploads and theirs in open_uploads
    assert s3_client.get_object(Bucket="far", Key="into/tree/big.bin")["Body"].read() == b"b" * 1000


def test_a_big_upload_is_journaled_before_it_begins(tmp_path, monkeypatch, s3, s3_client, stow):
    from stowtui.jobs import tasks

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    s3_client.create_bucket(Bucket="far")
    (tmp_path / "big.bin").write_bytes(b"b" * (9 * 1024 * 1024))
    (tmp_path / "small.bin").write_bytes(b"s")
    seen, original = {}, tasks.transfer

    def looking(request):
        source = request.source
        (record,) = [journal.read(p) for p in journal.journal_dir().glob("*.journal")]
        seen[source.basename] = record.sending
        original(request)

    monkeypatch.setattr(tasks, "transfer", looking)
    queue = JobQueue(workers=1, journal=True)
    try:
        job = queue.copy([str(tmp_path / "small.bin")], "s3://far/")
        assert job.wait(30)
        job = queue.copy([str(tmp_path / "big.bin")], "s3://far/")
        assert job.wait(60) and job.state is JobState.DONE, job.failures
    finally:
        queue.shutdown()
    assert seen == {"small.bin": set(), "big.bin": {"s3://far/big.bin"}}
