"""A move deletes a source only while it is still what was copied.

Each test makes another writer change the source while the move copies it
(a race made certain: the loopback S3 server's ``when`` hook, or a wrapped
``stowtui.jobs.tasks.transfer``), then checks the invariant: the newest bytes
are at the source, and the job says the source changed and was kept.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from sides import LocalSide
from sshkit import ssh_home, sshd  # noqa: F401  (fixtures)
from stowtui.jobs import JobState, tasks
from stowtui.managers import registry
from stowtui.managers.fs import FS


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


def kept_because_changed(job, url: str) -> None:
    assert job.state is JobState.FAILED
    assert [f.source for f in job.failures] == [url]
    assert f"{url} changed during the copy; kept at the source" in str(job.failures[0].error)


def test_an_object_replaced_after_its_get_is_kept(s3, s3_client, bucket, jobs, tmp_path):
    s3_client.put_object(Bucket="bucket", Key="k.txt", Body=b"old bytes")
    replace = s3.when("GetObject", lambda record: s3.backend.put_object("bucket", "k.txt", b"newer bytes"),
                      key="k.txt")

    job = finished(jobs.move(["s3://bucket/k.txt"], str(tmp_path)))

    assert replace.hits == 1
    kept_because_changed(job, "s3://bucket/k.txt")
    assert s3_client.get_object(Bucket="bucket", Key="k.txt")["Body"].read() == b"newer bytes"
    assert (tmp_path / "k.txt").read_bytes() == b"old bytes"  # what was read: a complete copy of it
    delete = [r for r in s3.requests if r.op == "DeleteObject"]
    assert len(delete) == 1 and delete[0].status == 412  # the delete was conditional, and refused


def test_an_unchanged_object_is_moved_with_one_conditional_delete(s3, s3_client, bucket, jobs, tmp_path):
    s3_client.put_object(Bucket="bucket", Key="k.txt", Body=b"bytes")
    s3.clear_counts()

    job = finished(jobs.move(["s3://bucket/k.txt"], str(tmp_path)))

    assert job.state is JobState.DONE, job.failures
    assert (tmp_path / "k.txt").read_bytes() == b"bytes"
    assert "Contents" not in s3_client.list_objects_v2(Bucket="bucket")
    assert s3.counts["DeleteObject"] == 1 and s3.counts["HeadObject"] == 0


def test_a_local_file_appended_to_during_its_upload_is_kept(s3, s3_client, bucket, jobs, tmp_path, monkeypatch):
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    source = tmp_path / "log.txt"
    source.write_bytes(b"first line\n")
    s3.when("PutObject", lambda record: source.open("ab").write(b"second line\n"), key="log.txt")

    job = finished(jobs.move([str(source)], "s3://bucket/"))

    kept_because_changed(job, str(source))
    assert source.read_bytes() == b"first line\nsecond line\n"


def test_a_local_file_replaced_by_another_of_the_same_size_is_kept(tmp_path, jobs, monkeypatch):
    """Same size, other inode: a rename over it by another program (an editor's save)."""
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src, dst = LocalSide(tmp_path / "src"), LocalSide(tmp_path / "dst")
    src.write("f.txt", b"version 1")
    original = tasks.transfer

    def transfer_then_save(request):
        original(request)
        src.write("f.tmp", b"version 2")
        os.replace(src.url("f.tmp"), src.url("f.txt"))

    monkeypatch.setattr(tasks, "transfer", transfer_then_save)

    job = finished(jobs.move([src.url("f.txt")], dst.url()))

    kept_because_changed(job, src.url("f.txt"))
    assert src.read("f.txt") == b"version 2" and dst.read("f.txt") == b"version 1"


@pytest.fixture
def remote(ssh_home, tmp_path):  # noqa: F811
    registry.forget_instances()
    yield LocalSide(tmp_path / "remote")
    registry.forget_instances()


def sftp_url(side: LocalSide, rel: str) -> str:
    return "sftp://myhost" + side.url(rel)


def test_an_sftp_file_appended_to_during_its_download_is_kept(remote, tmp_path, jobs, monkeypatch):
    remote.write("big.bin", b"x" * (3 * 1024 * 1024))
    original = tasks.transfer

    def transfer(request):
        callback = request.callback
        appended = []

        def progress(amount):
            if not appended:  # the first chunk has arrived: another program appends
                appended.append(True)
                with open(remote.url("big.bin"), "ab") as handle:
                    handle.write(b"appended")
            callback(amount)

        original(dataclasses.replace(request, callback=progress))

    monkeypatch.setattr(tasks, "transfer", transfer)
    dst = LocalSide(tmp_path / "dst")

    job = finished(jobs.move([sftp_url(remote, "big.bin")], dst.url()))

    kept_because_changed(job, sftp_url(remote, "big.bin"))
    assert remote.read("big.bin") == b"x" * (3 * 1024 * 1024) + b"appended"
    # The download read to the end of the file, not to the size it had when opened.
    assert dst.read("big.bin") == remote.read("big.bin")


def test_a_move_over_a_directory_that_fails_halfway_keeps_what_it_moved(stow, tmp_path, other_device):
    """Across file systems (tmpfs to disk), one item that cannot be moved (a broken
    link): the files moved before it are kept, the old directory too."""
    src = LocalSide(other_device / "src")
    good = {f"f{i}.txt": f"good {i}".encode() for i in range(5)}
    for name, data in good.items():
        src.write(name, data)
    os.symlink("/nonexistent/target", src.url("broken"))
    dst = LocalSide(tmp_path / "dst")
    dst.write("d/old.txt", b"old")

    with pytest.raises(Exception) as raised:
        stow.mv(src.url(), dst.url("d"), overwrite=True)

    assert "broken symbolic link" in str(raised.value) and "is kept in" in str(raised.value)
    assert dst.read("d/old.txt") == b"old"  # not replaced
    found = {}
    for root, _, names in os.walk(tmp_path):
        for name in names:
            found.setdefault(name, open(os.path.join(root, name), "rb").read())
    for name, data in good.items():  # every file at its source or complete somewhere in the destination
        assert src.read(name) == data or found.get(name) == data, f"{name} is lost"
    assert os.path.islink(src.url("broken"))


@pytest.fixture
def other_device(tmp_path):
    """A fresh directory on /dev/shm (tmpfs) where that is another device than ``tmp_path``."""
    import pathlib
    import shutil
    import tempfile

    if not (os.path.isdir("/dev/shm") and os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev):
        yield tmp_path / "other"
        return
    root = tempfile.mkdtemp(dir="/dev/shm", prefix="stowtui-test-")
    yield pathlib.Path(root)
    shutil.rmtree(root, ignore_errors=True)


def test_a_folder_marker_holding_bytes_is_kept_by_a_move_to_disk(s3, s3_client, bucket, jobs, tmp_path):
    for key, body in {"p/a.txt": b"a", "p/m/": b"fourteen bytes", "p/m/b.txt": b"b"}.items():
        s3_client.put_object(Bucket="bucket", Key=key, Body=body)

    job = finished(jobs.move(["s3://bucket/p"], str(tmp_path)))

    assert job.state is JobState.DONE, job.failures
    assert (tmp_path / "p" / "a.txt").read_bytes() == b"a" and (tmp_path / "p" / "m" / "b.txt").read_bytes() == b"b"
    assert s3_client.get_object(Bucket="bucket", Key="p/m/")["Body"].read() == b"fourteen bytes"
    assert [k["Key"] for k in s3_client.list_objects_v2(Bucket="bucket")["Contents"]] == ["p/m/"]
    assert any("folder marker holding 14 bytes" in s.reason and "kept at the source" in s.reason
               for s in job.skipped), job.skipped


@pytest.mark.parametrize("verb", ["copy", "move"])
def test_a_remote_fifo_over_sftp_is_skipped_with_its_kind(remote, tmp_path, jobs, verb):
    remote.write("d/a.txt", b"a")
    os.mkfifo(remote.url("d/pipe"))
    dst = LocalSide(tmp_path / "dst")

    job = finished(getattr(jobs, verb)([sftp_url(remote, "d")], dst.url()))

    assert job.state is JobState.DONE, job.failures
    assert [s.reason for s in job.skipped] == [f"{sftp_url(remote, 'd/pipe')}: named pipe, not copied"]
    assert dst.read("d/a.txt") == b"a" and not os.path.lexists(dst.url("d/pipe"))
    assert os.path.exists(remote.url("d/pipe"))  # kept, and so is its folder
