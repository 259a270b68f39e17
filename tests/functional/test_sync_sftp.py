"""stow.sync from a local folder to a directory over SFTP (the private sshd of tests/sshkit.py).

The server shares this machine's disk: what the sync wrote is read back with
plain ``os`` calls. Calls are counted on paramiko's ``SFTPClient``: a sync
decides from one ``listdir_attr`` per level, never opening a file to compare.
"""

from __future__ import annotations

import collections
import datetime
import os
import threading

import paramiko
import pytest

from stowtui import stow
from stowtui.managers import registry
from stowtui.managers.sftp import SFTP

BEFORE = datetime.datetime(2020, 1, 1).timestamp()
AFTER = datetime.datetime(2022, 1, 1).timestamp()
MIDDLE = datetime.datetime(2021, 1, 1).timestamp()


@pytest.fixture
def sftp_registry():
    registry.forget_instances()
    yield
    for manager in set(registry._instances.values()):
        if isinstance(manager, SFTP):
            manager.close()
    registry.forget_instances()


@pytest.fixture
def calls(monkeypatch):
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    for name in ("listdir_attr", "stat", "lstat", "open", "remove", "mkdir"):
        original = getattr(paramiko.SFTPClient, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            with lock:
                counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(paramiko.SFTPClient, name, counted)
    return counts


def write(path, data: bytes, stamp: float) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    os.utime(path, (stamp, stamp))


def test_sync_to_sftp_sends_the_missing_and_different_then_nothing_and_deletes_the_extra(
        ssh_home, sftp_registry, tmp_path, calls):
    folder, remote = tmp_path / "folder", tmp_path / "remote"
    for i in range(20):
        changed = i < 3
        write(str(folder / f"f{i:02d}.txt"), b"changed!!" if changed else b"same", AFTER if changed else BEFORE)
        if not 3 <= i < 5:
            write(str(remote / f"f{i:02d}.txt"), b"same", MIDDLE)
    write(str(folder / "sub" / "inner.txt"), b"inner", BEFORE)
    write(str(remote / "extra.txt"), b"extra", MIDDLE)
    url = "sftp://myhost" + str(remote)

    stow.sync(str(folder), url)

    assert calls["open"] == 6  # 3 different, 2 missing, the new sub/inner.txt: one upload each
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == {
        p.name: p.read_bytes() for p in remote.iterdir() if p.is_file() and p.name != "extra.txt"}
    assert (remote / "sub" / "inner.txt").read_bytes() == b"inner"

    calls.clear()
    stow.sync(str(folder), url, delete=True)

    assert calls["open"] == 0 and calls["remove"] == 1
    assert calls["listdir_attr"] == 2  # one per level, nothing per file
    assert not (remote / "extra.txt").exists()
