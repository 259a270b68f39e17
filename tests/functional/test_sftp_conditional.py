"""Writes over SFTP replace only the file that was compared, as far as SFTP allows.

SFTP has no conditional rename. A write to a free path is put in place by a plain
SFTP rename, which never replaces (OpenSSH: a hard link, then an unlink): a file
that appeared meanwhile stays. A write that replaces a file looks at it (one
``lstat``: size and time) just before its ``posix-rename``: one changed since the
planner compared it stays; a change between that look and the rename is not seen.

Each race is made certain by running the other writer inside the job's own
window: around ``stowtui.jobs.tasks.transfer`` (after the planner decided, before
the bytes go) or the manager's ``rename``.
"""

from __future__ import annotations

import datetime
import os

import pytest

from sides import LocalSide
from sshkit import ssh_home, sshd  # noqa: F401  (fixtures)
from stowtui.jobs import JobState, tasks
from stowtui.managers import registry
from stowtui.managers.sftp.manager import SFTP


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


@pytest.fixture
def remote(ssh_home, tmp_path):  # noqa: F811
    registry.forget_instances()
    yield LocalSide(tmp_path / "remote")
    registry.forget_instances()


def sftp_url(side: LocalSide, rel: str = "") -> str:
    return "sftp://myhost" + side.url(rel)


def dated(path, year: int) -> None:
    then = datetime.datetime(year, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    os.utime(path, (then, then))


@pytest.fixture
def source(tmp_path):
    """A local file 'k.txt' from 2010: newer than a file from 2000, older than one written now."""
    path = tmp_path / "src" / "k.txt"
    path.parent.mkdir()
    path.write_bytes(b"our bytes")
    dated(path, 2010)
    return path


def before_the_write(monkeypatch, change):
    """Run ``change()`` once the planner has decided, before the task's bytes go."""
    original = tasks.transfer

    def transfer(request):
        change()
        original(request)

    monkeypatch.setattr(tasks, "transfer", transfer)


def test_an_upload_keeps_a_file_changed_since_it_was_compared(remote, source, jobs, monkeypatch):
    remote.write("in/k.txt", b"old")
    dated(remote.url("in/k.txt"), 2000)
    before_the_write(monkeypatch, lambda: remote.write("in/k.txt", b"their newer bytes"))

    job = finished(jobs.move([str(source)], sftp_url(remote, "in"), conflict="newer"))

    assert remote.read("in/k.txt") == b"their newer bytes"
    assert source.read_bytes() == b"our bytes"
    assert job.state is JobState.DONE and not job.failures
    assert [s.source for s in job.skipped] == [str(source)]
    assert job.skipped[0].reason == (
        f"{sftp_url(remote, 'in/k.txt')} changed while {source} was being written, and by the policy "
        "\"newer\" it is kept; it was not replaced, and the source stays"
    )
    assert [name for name in os.listdir(remote.url("in"))] == ["k.txt"]  # no temporary file left


def test_an_upload_replaces_the_file_it_compared(remote, source, jobs):
    remote.write("in/k.txt", b"old")
    dated(remote.url("in/k.txt"), 2000)

    job = finished(jobs.move([str(source)], sftp_url(remote, "in"), conflict="newer"))

    assert job.state is JobState.DONE, job.failures
    assert remote.read("in/k.txt") == b"our bytes" and not source.exists()


def test_an_upload_to_a_free_path_keeps_a_file_that_appeared(remote, source, jobs, monkeypatch):
    remote.mkdir("in")
    before_the_write(monkeypatch, lambda: remote.write("in/k.txt", b"theirs"))

    job = finished(jobs.move([str(source)], sftp_url(remote, "in")))

    assert remote.read("in/k.txt") == b"theirs" and source.read_bytes() == b"our bytes"
    assert [s.source for s in job.skipped] == [str(source)]
    assert "appeared while" in job.skipped[0].reason
    assert os.listdir(remote.url("in")) == ["k.txt"]


def test_a_rename_on_the_server_keeps_a_file_changed_since_it_was_compared(remote, jobs, monkeypatch):
    remote.write("a/k.txt", b"ours")
    dated(remote.url("a/k.txt"), 2010)
    remote.write("b/k.txt", b"old")
    dated(remote.url("b/k.txt"), 2000)
    original = SFTP.rename

    def rename(self, source, path, **options):
        remote.write("b/k.txt", b"their newer bytes")
        return original(self, source, path, **options)

    monkeypatch.setattr(SFTP, "rename", rename)

    job = finished(jobs.move([sftp_url(remote, "a/k.txt")], sftp_url(remote, "b"), conflict="newer"))

    assert remote.read("b/k.txt") == b"their newer bytes" and remote.read("a/k.txt") == b"ours"
    assert [s.source for s in job.skipped] == [sftp_url(remote, "a/k.txt")]
    assert "by the policy \"newer\" it is kept" in job.skipped[0].reason


def test_a_rename_on_the_server_to_a_free_path_never_replaces(remote, jobs, monkeypatch):
    remote.write("a/k.txt", b"ours")
    remote.mkdir("b")
    original = SFTP.rename

    def rename(self, source, path, **options):
        remote.write("b/k.txt", b"theirs")
        return original(self, source, path, **options)

    monkeypatch.setattr(SFTP, "rename", rename)

    job = finished(jobs.move([sftp_url(remote, "a/k.txt")], sftp_url(remote, "b")))

    assert remote.read("b/k.txt") == b"theirs" and remote.read("a/k.txt") == b"ours"
    assert [s.source for s in job.skipped] == [sftp_url(remote, "a/k.txt")]
