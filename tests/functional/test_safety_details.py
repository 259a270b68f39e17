"""Safety piece by piece: the containment helper, no-replace writes on
local disk and S3, special files, time limits and the CLI option, the
reservations of destination paths, and cancels of work that is blocked.

The end-to-end acceptance tests are in test_safety.py.
"""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest

from sides import LocalSide, S3Side
from stowtui.jobs import JobQueue, JobState, tasks
from stowtui.jobs.reservations import Reservations
from stowtui.managers import exceptions, paths
from stowtui.managers import anchored
from stowtui.managers.fs import FS, open_regular
from stowtui.managers.transfer import TransferRequest

MiB = 1024 * 1024


def finished(job, timeout=30):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


# Containment: stowtui.managers.paths ------------------------------------------


@pytest.mark.parametrize("relative", ["..", "a/..", "../x", "a/./b", ".", "a//b", "a/", "", "a\x00b"])
def test_names_that_leave_a_destination_are_refused(tmp_path, relative):
    with pytest.raises(exceptions.UnsafePath, match="points outside the destination"):
        paths.local_destination(str(tmp_path), relative, f"pics/{relative}")


@pytest.mark.parametrize("relative", ["a", "a/b.txt", "..a", "a..", "back\\slash", "…/ü"])
def test_ordinary_names_stay_inside(tmp_path, relative):
    local = paths.local_destination(str(tmp_path), relative, relative)
    assert local == os.path.join(str(tmp_path), *relative.split("/"))


def test_a_symbolic_link_in_the_destination_is_not_followed_out(tmp_path):
    (tmp_path / "dest").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "dest" / "link")
    os.symlink("inner", tmp_path / "dest" / "fine")  # a link that stays inside is fine
    (tmp_path / "dest" / "inner").mkdir()

    with pytest.raises(exceptions.UnsafePath, match="symbolic link"):
        paths.local_destination(str(tmp_path / "dest"), "link/passwd", "link/passwd")
    assert paths.local_destination(str(tmp_path / "dest"), "fine/x", "fine/x").endswith("fine/x")


def test_temporary_names_are_short_and_recognisable():
    names = {paths.temporary_name() for _ in range(100)}
    assert len(names) == 100
    assert all(len(name.encode()) == 26 and paths.is_temporary(name) for name in names)
    assert not paths.is_temporary("report.part") and not paths.is_temporary(".stowtui-notes.txt")


def test_a_directory_download_refuses_keys_through_a_link(stow, s3, bucket, tmp_path):
    s3.backend.put_object("bucket", "tree/link/passwd", b"evil")
    s3.backend.put_object("bucket", "tree/fine.txt", b"fine")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "got").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "got" / "link")

    with pytest.raises(exceptions.UnsafePath, match='"tree/link/passwd"'):
        stow.get("s3://bucket/tree", str(tmp_path / "got"))

    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert (tmp_path / "got" / "fine.txt").read_bytes() == b"fine"


def test_a_source_named_dot_dot_is_refused_not_written_above(s3, bucket, jobs, tmp_path):
    s3.backend.put_object("bucket", "pics/..", b"evil")
    (tmp_path / "box" / "dest").mkdir(parents=True)

    job = finished(jobs.copy(["s3://bucket/pics/.."], str(tmp_path / "box" / "dest")))

    assert job.state is JobState.FAILED
    assert "outside the destination" in job.failures[0].reason
    assert sorted(os.listdir(tmp_path / "box")) == ["dest"] and os.listdir(tmp_path / "box" / "dest") == []


def test_a_refused_key_in_a_move_keeps_its_directory_and_every_other_file_moves(s3, bucket, jobs, tmp_path):
    s3.backend.put_object("bucket", "d/ok.txt", b"ok")
    s3.backend.put_object("bucket", "d/sub/../../x", b"evil")

    job = finished(jobs.move(["s3://bucket/d"], str(tmp_path)))

    assert job.state is JobState.FAILED and len(job.failures) == 1
    assert '"d/sub/../../x"' in job.failures[0].reason and job.failures[0].destination is None
    assert (tmp_path / "d" / "ok.txt").read_bytes() == b"ok"
    assert s3.backend.get_object("bucket", "d/ok.txt") is None
    assert s3.backend.get_object("bucket", "d/sub/../../x") is not None
    assert job.retry() is None  # nothing a retry could do


def test_into_a_key_store_odd_keys_are_copied_as_keys(s3, bucket, jobs):
    s3.backend.put_object("bucket", "d/a/../b", b"dots")
    s3.backend.put_object("bucket", "d/ends-with-slash/", b"content")

    job = finished(jobs.copy(["s3://bucket/d"], "s3://bucket/dst"))

    assert job.state is JobState.DONE, job.failures
    assert bytes(s3.backend.get_object("bucket", "dst/d/a/../b").value) == b"dots"
    assert bytes(s3.backend.get_object("bucket", "dst/d/ends-with-slash/").value) == b"content"


# No replace: local disk ---------------------------------------------------------


def test_placing_without_replace_keeps_a_file_that_is_there(tmp_path):
    (tmp_path / "final").write_bytes(b"theirs")

    with pytest.raises(paths.DestinationTaken):
        with anchored.staged(str(tmp_path / "final"), replace=False) as staged:
            staged.handle.write(b"mine")

    assert os.listdir(tmp_path) == ["final"]  # the temporary file is gone
    assert (tmp_path / "final").read_bytes() == b"theirs"


def test_placing_without_replace_falls_back_where_there_are_no_hard_links(tmp_path, monkeypatch):
    import errno

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "staged").write_bytes(b"mine")
    (tmp_path / "taken").write_bytes(b"theirs")

    with anchored.reach(str(tmp_path)) as folder:
        anchored.place(folder, "staged", "free", replace=False)
        with pytest.raises(paths.DestinationTaken):
            anchored.place(folder, "free", "taken", replace=False)

    assert (tmp_path / "free").read_bytes() == b"mine" and (tmp_path / "taken").read_bytes() == b"theirs"


def test_a_rename_without_replace_keeps_the_file_there(stow, tmp_path):
    (tmp_path / "a").write_bytes(b"mine")
    (tmp_path / "b").write_bytes(b"theirs")
    fs = stow.connect("fs")
    source = fs.artefact(str(tmp_path / "a"))

    with pytest.raises(paths.DestinationTaken):
        fs.rename(source, str(tmp_path / "b"), no_replace=True)
    assert fs.rename(source, str(tmp_path / "c"), no_replace=True)

    assert sorted(os.listdir(tmp_path)) == ["b", "c"]
    assert (tmp_path / "b").read_bytes() == b"theirs" and (tmp_path / "c").read_bytes() == b"mine"


# No replace: S3 -----------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 9 * MiB], ids=["one-put", "multipart"])
def test_an_upload_without_replace_keeps_the_object_there(stow, s3, s3_client, bucket, tmp_path, size):
    local = tmp_path / "mine.bin"
    local.write_bytes(b"m" * size)
    s3.backend.put_object("bucket", "k", b"theirs")
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url)

    with pytest.raises(paths.DestinationTaken, match="not replaced"):
        manager.upload(str(local), "/bucket/k", TransferRequest(stow.artefact(str(local)), manager, "/bucket/k",
                                                                no_replace=True))
    manager.upload(str(local), "/bucket/new", TransferRequest(stow.artefact(str(local)), manager, "/bucket/new",
                                                              no_replace=True))

    assert bytes(s3.backend.get_object("bucket", "k").value) == b"theirs"
    assert len(s3.backend.get_object("bucket", "new").value) == size
    assert 412 in [r.status for r in s3.requests]
    assert "Uploads" not in s3_client.list_multipart_uploads(Bucket="bucket")  # aborted


@pytest.mark.parametrize("src_kind,dst_kind", [("fs", "s3"), ("s3", "fs")])
def test_a_file_that_appears_during_a_job_is_not_replaced(side, jobs, monkeypatch, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    src.write("f.txt", b"mine")
    original = tasks.transfer

    def race_then_transfer(request):
        dst.write("f.txt", b"theirs")  # another program, after the check
        original(request)

    monkeypatch.setattr(tasks, "transfer", race_then_transfer)
    job = finished(jobs.move([src.url("f.txt")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE and job.progress.files_skipped == 1
    assert dst.read("f.txt") == b"theirs" and src.read("f.txt") == b"mine"
    assert "was not replaced" in job.skipped[0].reason


def test_a_copy_within_s3_is_conditional_unless_overwriting(stow, s3, bucket, jobs):
    # moto ignores If-None-Match on CopyObject (S3 honours it): look at what is sent.
    s3.backend.put_object("bucket", "src/new.txt", b"new")
    s3.backend.put_object("bucket", "src/old.txt", b"mine")
    s3.backend.put_object("bucket", "dst/old.txt", b"theirs")
    s3.clear_counts()

    finished(jobs.copy(["s3://bucket/src/new.txt"], "s3://bucket/dst"))
    finished(jobs.copy(["s3://bucket/src/old.txt"], "s3://bucket/dst", conflict="overwrite"))

    sent = {r.key: r.if_none_match for r in s3.requests if r.op == "CopyObject"}
    assert sent == {"dst/new.txt": "*", "dst/old.txt": None}


def test_overwrite_still_replaces(s3, bucket, jobs, tmp_path):
    src, dst = LocalSide(tmp_path / "src"), S3Side(s3, "bucket", "dst")
    src.write("f.txt", b"mine")
    dst.write("f.txt", b"old")

    job = finished(jobs.copy([src.url("f.txt")], dst.url(), conflict="overwrite"))

    assert job.state is JobState.DONE and dst.read("f.txt") == b"mine"


# Special files -------------------------------------------------------------------


def test_a_listing_marks_special_files_and_no_copy_opens_them(stow, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    os.symlink(tmp_path / "fifo", tmp_path / "to-fifo")
    (tmp_path / "plain").write_bytes(b"x")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        kinds = {a.basename: getattr(a, "special", None) for a in stow.ls(str(tmp_path))}

        assert kinds == {"fifo": "named pipe", "to-fifo": "named pipe", "sock": "socket", "plain": None}
        for name in ("fifo", "to-fifo", "sock"):
            with pytest.raises(exceptions.ArtefactTypeError, match="not a regular file"):
                open_regular(str(tmp_path / name))  # returns at once: never blocks on the pipe
        with pytest.raises(exceptions.ArtefactTypeError, match="named pipe"):
            stow.get(str(tmp_path / "fifo"), str(tmp_path / "copy"))
        with pytest.raises(exceptions.ArtefactTypeError, match="named pipe"):
            stow.put(str(tmp_path / "fifo"), "s3://bucket/fifo")
    assert not (tmp_path / "copy").exists()
    with open_regular(str(tmp_path / "plain")) as handle:
        assert handle.read() == b"x"


def test_a_directory_download_skips_special_files(stow, tmp_path):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.txt").write_bytes(b"a")
    os.mkfifo(tmp_path / "tree" / "fifo")

    stow.get(str(tmp_path / "tree"), str(tmp_path / "copy"))

    assert os.listdir(tmp_path / "copy") == ["a.txt"]


def test_a_special_file_chosen_alone_is_skipped_with_its_kind(tmp_path, jobs):
    os.mkfifo(tmp_path / "fifo")

    job = finished(jobs.copy([str(tmp_path / "fifo")], str(tmp_path / "dst")), timeout=10)

    assert job.state is JobState.DONE and job.progress.files_skipped == 1
    assert [s.reason for s in job.skipped] == [f"{tmp_path / 'fifo'}: named pipe, not copied"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)


# Time limits ----------------------------------------------------------------------


def test_the_timeout_is_configurable_and_part_of_the_config(stow, s3):
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, timeout=20)
    config = manager.client.meta.config

    assert (config.read_timeout, config.connect_timeout) == (20, 5)
    assert manager.toConfig()["timeout"] == 20
    assert stow.connect(**manager.toConfig()) is manager
    assert stow.connect("s3", endpoint_url=s3.endpoint_url, timeout=0.5).client.meta.config.connect_timeout == 0.5
    with pytest.raises(exceptions.StowError, match="number of seconds"):
        stow.connect("s3", endpoint_url=s3.endpoint_url, timeout=-1)


def test_the_aws_configuration_decides_the_attempts(stow, s3, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, timeout=2)

    assert manager.client.meta.config.retries["total_max_attempts"] == 7  # not our 3
    assert manager.client.meta.config.read_timeout == 2


def test_a_timeout_says_how_long_was_waited(stow):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts (the kernel does) and never answers
    try:
        stow.set_defaults("s3", endpoint_url=f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.5)
        with pytest.raises(exceptions.BackendTimeout, match=r"the S3 endpoint http://127\.0\.0\.1:\d+ did not answer within 0\.5 s on each of 3 attempts \(1\.5 s in all\)"):
            stow.ls("s3://bucket/")
    finally:
        server.close()


def test_the_cli_takes_a_timeout():
    from stowtui.cli import parse_args

    assert parse_args(["--timeout", "20"]).timeout == 20
    assert parse_args([]).timeout is None
    with pytest.raises(SystemExit):
        parse_args(["--timeout", "0"])


# Reservations -----------------------------------------------------------------------


def test_a_claim_held_by_another_job_is_not_taken():
    claims, first, second, cancel = Reservations(), object(), object(), threading.Event()
    claims.join()
    since = claims.now()
    assert claims.claim("k", first, since, cancel) is False
    assert claims.try_claim("k", second, since) is None
    cancel.set()
    assert claims.claim("k", second, since, cancel) is None  # cancelled while waiting: nothing claimed
    assert claims.holder("k") is first

    claims.release("k", first, wrote=True)

    assert claims.holder("k") is None
    assert claims.claim("k", second, since, threading.Event()) is True  # written since: look again
    assert claims.claim("k", second, claims.now(), threading.Event()) is False  # not since this listing
    claims.leave()


def test_a_waiting_claim_is_given_the_path_once_released():
    claims, first, second = Reservations(), object(), object()
    claims.join()
    since = claims.now()
    claims.claim("k", first, since, threading.Event())
    got = []
    waiter = threading.Thread(target=lambda: got.append(claims.claim("k", second, since, threading.Event())))
    waiter.start()
    claims.release("k", first, wrote=True)
    waiter.join(10)
    assert got == [True] and claims.holder("k") is second
    claims.leave()


def test_jobs_crossing_the_same_names_do_not_wait_on_each_other_for_ever(tmp_path):
    for side in ("a", "b"):
        for name in ("x", "y", "z"):
            (tmp_path / side).mkdir(exist_ok=True)
            (tmp_path / side / name).write_bytes(f"{side}{name}".encode())
    queue = JobQueue(workers=1, max_pending=1)
    try:
        one = queue.copy([str(tmp_path / "a" / n) for n in "xyz"], str(tmp_path / "dst"), conflict="rename")
        two = queue.copy([str(tmp_path / "b" / n) for n in "zyx"], str(tmp_path / "dst"), conflict="rename")
        assert finished(one).state is JobState.DONE and finished(two).state is JobState.DONE
    finally:
        queue.shutdown()
    landed = sorted(p.read_bytes() for p in (tmp_path / "dst").iterdir())
    assert landed == sorted(f"{s}{n}".encode() for s in "ab" for n in "xyz")


# Cancel whatever the job is doing ---------------------------------------------------------


def test_cancel_ends_a_job_whose_transfer_is_blocked_and_its_late_end_is_dropped(tmp_path, monkeypatch):
    src, dst = LocalSide(tmp_path / "src"), LocalSide(tmp_path / "dst")
    src.write("f.txt", b"data")
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    release, entered = threading.Event(), threading.Event()
    original = tasks.transfer

    def blocked(request):
        cancel = request.cancel
        entered.set()
        release.wait(30)  # a request that does not look at the cancel
        original(request)

    monkeypatch.setattr(tasks, "transfer", blocked)
    queue = JobQueue(workers=2)
    try:
        job = queue.move([src.url("f.txt")], dst.url())
        assert entered.wait(10)
        job.cancel()
        assert job.wait(2), "cancel did not end the job within 2 s"
        assert job.state is JobState.CANCELLED
        release.set()
    finally:
        queue.shutdown()  # the abandoned task is over too
    assert src.read("f.txt") == b"data"
    assert dst.files() == {} and not dst.leftovers()
    assert job.failures == []


# Long names --------------------------------------------------------------------------------


def test_a_directory_download_writes_names_of_255_bytes(stow, s3, bucket, tmp_path):
    long_name = "é" * 125 + "12345"
    s3.backend.put_object("bucket", f"d/{long_name}", b"long")

    stow.get("s3://bucket/d", str(tmp_path / "d"))

    assert os.listdir(tmp_path / "d") == [long_name]
