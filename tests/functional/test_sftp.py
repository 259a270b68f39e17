"""The SFTP manager against a real sshd on 127.0.0.1 (tests/sshkit.py).

Each test gets a temporary ``HOME`` whose ``~/.ssh/config`` says ``Host myhost``
→ the private server (port, user, IdentityFile, UserKnownHostsFile), and no
ssh-agent. The server shares this machine's disk, so what a test writes over
SFTP is checked with plain ``os`` calls, and trees are seeded the same way.
Request counts come from wrapping paramiko's ``SFTPClient`` methods.
"""

from __future__ import annotations

import collections
import os
import subprocess
import threading

import paramiko
import pytest

from sides import AWKWARD, LocalSide, assert_nothing_lost, seed
from sshkit import SSHServer, write_ssh_config
from stowtui import stow
from stowtui.jobs import JobQueue, JobState
from stowtui.managers import exceptions, paths, registry
from stowtui.managers.sftp import SFTP, HostKeyMismatch, UnknownHostKey
from stowtui.managers.sftp import manager as sftp_manager
from stowtui.managers.transfer import TransferRequest


class SFTPSide(LocalSide):
    """A directory on this machine, reached through ``sftp://myhost``."""

    kind = "sftp"

    def url(self, rel: str = "") -> str:
        return "sftp://myhost" + (os.path.join(self.root, rel) if rel else self.root)

    def leftovers(self) -> list[str]:
        return [os.path.join(root, name) for root, _, names in os.walk(self.root)
                for name in names if paths.is_temporary(name)]


@pytest.fixture
def clean_registry():
    """No manager survives from one test to the next; SFTP connections are closed after it."""
    registry.forget_instances()
    yield
    for manager in set(registry._instances.values()):
        if isinstance(manager, SFTP):
            manager.close()
    registry.set_defaults("sftp")
    registry.forget_instances()


@pytest.fixture
def remote(ssh_home, tmp_path, clean_registry):  # noqa: F811
    """A directory seen over SFTP (``remote.url(rel)``) and on disk (``remote.root``)."""
    return SFTPSide(tmp_path / "remote")


@pytest.fixture
def calls(monkeypatch):
    """``calls[name]``: how many times each SFTPClient method was called."""
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    for name in ("listdir_attr", "stat", "lstat", "readlink", "open", "posix_rename", "rename",
                 "remove", "rmdir", "mkdir"):
        original = getattr(paramiko.SFTPClient, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            with lock:
                counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(paramiko.SFTPClient, name, counted)
    return counts


def manager_of(url: str) -> tuple[SFTP, str]:
    manager, path = registry.resolve(url)
    assert isinstance(manager, SFTP)
    return manager, manager.normalise(path)


# ----------------------------------------------------------------------
# Listing
# ----------------------------------------------------------------------


def test_a_level_is_one_listdir_attr_with_sizes_times_and_links(remote, calls):
    for i in range(20):
        remote.write(f"f{i:02d}.txt", b"x" * i)
    remote.mkdir("sub")
    remote.write("sub/inner.txt", b"inner")
    os.symlink("sub", os.path.join(remote.root, "to-dir"))
    os.symlink("f05.txt", os.path.join(remote.root, "to-file"))
    os.symlink("nowhere", os.path.join(remote.root, "broken"))
    os.mkfifo(os.path.join(remote.root, "pipe"))
    manager, path = manager_of(remote.url())

    listed = {a.basename: a for a in manager.ls(path)}

    assert calls["listdir_attr"] == 1
    assert calls["lstat"] == 1  # the directory itself, to know it is one
    assert calls["stat"] == 0 and calls["readlink"] == 0  # links resolved in one pipelined batch
    assert set(listed) == {f"f{i:02d}.txt" for i in range(20)} | {"sub", "to-dir", "to-file", "broken", "pipe"}
    for i in range(20):
        file = listed[f"f{i:02d}.txt"]
        assert file.size == i and not file.is_link
        assert file.modifiedTime.timestamp() == int(os.stat(os.path.join(remote.root, f"f{i:02d}.txt")).st_mtime)
    assert type(listed["sub"]).__name__ == "Directory" and not listed["sub"].is_link
    assert type(listed["to-dir"]).__name__ == "Directory" and listed["to-dir"].is_link
    assert listed["to-dir"].link_target == "sub"
    assert type(listed["to-file"]).__name__ == "File" and listed["to-file"].is_link and listed["to-file"].size == 5
    assert listed["broken"].is_link and listed["broken"].link_target == "nowhere"
    assert listed["f03.txt"].abspath == remote.url("f03.txt")

    manager.ls(path)  # listed again: every listing asks the server (the freshness rule)
    assert calls["listdir_attr"] == 2
    manager.ls(path)
    assert calls["listdir_attr"] == 3 and calls["stat"] == 0


def test_the_stateless_interface_and_pages(remote, calls):
    from stowtui import stow

    remote.write("a/one.txt", b"1")
    remote.write("a/two.txt", b"22")

    assert sorted(a.basename for a in stow.ls(remote.url("a"))) == ["one.txt", "two.txt"]
    assert stow.isdir(remote.url("a")) and stow.isfile(remote.url("a/one.txt"))
    assert not stow.exists(remote.url("a/three.txt"))
    manager, path = manager_of(remote.url("a"))
    pages = list(manager.lsPages(path))
    assert [sorted(a.basename for a in page) for page in pages] == [["one.txt", "two.txt"]]
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.ls(remote.url("missing"))
    with pytest.raises(exceptions.ArtefactTypeError):
        stow.ls(remote.url("a/one.txt"))


# ----------------------------------------------------------------------
# Reading and writing
# ----------------------------------------------------------------------


def test_get_and_put_round_trip(remote, tmp_path):
    from stowtui import stow

    big = os.urandom(3 * 1024 * 1024 + 17)
    local = tmp_path / "big.bin"
    local.write_bytes(big)
    os.utime(local, (1_600_000_000, 1_600_000_000))
    manager, path = manager_of(remote.url())

    stow.put(b"hello", remote.url("greeting.txt"))
    moved = []
    target = manager.child(path, "deep/er/big.bin")
    manager.upload(str(local), target, TransferRequest(stow.artefact(str(local)), manager, target, callback=moved.append))

    assert remote.read("greeting.txt") == b"hello"
    assert remote.read("deep/er/big.bin") == big
    assert sum(moved) == len(big) and len(moved) > 1  # streamed in pieces
    assert os.stat(os.path.join(remote.root, "deep/er/big.bin")).st_mtime == 1_600_000_000
    assert stow.get(remote.url("greeting.txt")) == b"hello"
    fetched, got = tmp_path / "fetched.bin", []
    source = manager.artefact(manager.child(path, "deep/er/big.bin"))
    manager.download(source, str(fetched), TransferRequest(source, *registry.resolve(str(fetched)), callback=got.append))
    assert fetched.read_bytes() == big and sum(got) == len(big)
    assert manager.read_range(manager.child(path, "deep/er/big.bin"), 1000, 300_000) == big[1000:301_000]
    assert manager.read_head(manager.child(path, "greeting.txt"), 3) == b"hel"
    assert not remote.leftovers() and not [n for n in os.listdir(tmp_path) if paths.is_temporary(n)]


def test_awkward_names_round_trip(remote, tmp_path):
    from stowtui import stow

    out = tmp_path / "out"
    back = tmp_path / "back"
    out.mkdir()
    for name in AWKWARD:
        (out / name).write_bytes(name.encode() * 3)

    stow.cp(str(out), remote.url("awk [1] #2 100%"))
    stow.cp(remote.url("awk [1] #2 100%"), str(back))

    assert remote.files("awk [1] #2 100%") == {name: name.encode() * 3 for name in AWKWARD}
    assert {p.name: p.read_bytes() for p in back.iterdir()} == {name: name.encode() * 3 for name in AWKWARD}
    listed = sorted(a.basename for a in stow.ls(remote.url("awk [1] #2 100%")))
    assert listed == sorted(AWKWARD)
    for name in AWKWARD:
        assert stow.get(remote.url(f"awk [1] #2 100%/{name}")) == name.encode() * 3


def test_special_files_are_never_opened(remote):
    from stowtui import stow

    os.mkfifo(os.path.join(remote.root, "pipe"))
    manager, path = manager_of(remote.url())

    with pytest.raises(exceptions.ArtefactTypeError, match="not a regular file"):
        stow.get(remote.url("pipe"))
    with pytest.raises(exceptions.ArtefactTypeError, match="not a regular file"):
        manager.read_head(manager.child(path, "pipe"))


def test_localise_and_open_edit_the_remote_file(remote):
    from stowtui import stow

    remote.write("notes.txt", b"before")

    with stow.localise(remote.url("notes.txt")) as local:
        assert not local.startswith(remote.root)  # a local copy, not the remote path
        with open(local, "ab") as handle:
            handle.write(b" and after")
    with stow.open(remote.url("new/doc.txt"), "w") as handle:
        handle.write("written")

    assert remote.read("notes.txt") == b"before and after"
    assert remote.read("new/doc.txt") == b"written"
    assert not remote.leftovers()


def test_rmdir_is_not_recursive_and_rm_does_not_follow_links(remote, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_bytes(b"keep")
    remote.write("tree/a.txt", b"a")
    remote.write("tree/sub/b.txt", b"b")
    os.symlink(str(outside), os.path.join(remote.root, "tree", "link"))
    manager, path = manager_of(remote.url("tree"))

    with pytest.raises(exceptions.OperationNotPermitted, match="not empty"):
        manager.rm(manager.artefact(path))
    assert remote.exists("tree/a.txt")
    removed = []
    manager.rm(manager.artefact(path), recursive=True, callback=removed.append)

    assert not remote.exists("tree")
    assert (outside / "keep.txt").read_bytes() == b"keep"
    assert sum(removed) == 3  # a.txt, sub/b.txt and the link itself


def test_a_move_within_the_host_is_one_rename(remote, calls):
    from stowtui import stow

    remote.write("from/file.txt", b"payload")
    remote.write("from/dir/inner.txt", b"inner")

    stow.mv(remote.url("from/file.txt"), remote.url("to/file.txt"))
    stow.mv(remote.url("from/dir"), remote.url("to/dir"))

    assert remote.read("to/file.txt") == b"payload" and remote.read("to/dir/inner.txt") == b"inner"
    assert not remote.exists("from/file.txt") and not remote.exists("from/dir")
    # The first rename is tried again once to/ is made (the only mkdir); no byte is read or written.
    # The directory goes to its free path by a plain SFTP rename (never over one that appeared).
    assert (calls["rename"] + calls["posix_rename"], calls["mkdir"], calls["open"]) == (3, 1, 0)
    assert calls["rename"] == 1


# ----------------------------------------------------------------------
# With the engine and the other managers
# ----------------------------------------------------------------------


def test_fifty_files_to_s3_and_back_are_identical(remote, side, tmp_path, calls, monkeypatch):
    registry.set_defaults("sftp", max_channels=3)
    opened = collections.Counter()
    original_open_sftp = paramiko.SSHClient.open_sftp

    def open_sftp(client):
        opened["channels"] += 1
        return original_open_sftp(client)

    monkeypatch.setattr(paramiko.SSHClient, "open_sftp", open_sftp)
    tree = {f"d{i % 3}/file {i:02d}.bin": os.urandom(1000 * i + 1) for i in range(50)}
    seed(remote, tree, "tree")
    s3 = side("s3", "copied")
    queue = JobQueue(workers=8)
    try:
        out = queue.copy([remote.url("tree")], s3.url())
        assert out.wait(60) and out.state is JobState.DONE, out.failures
        walked = calls["listdir_attr"]
        back = queue.copy([s3.url("tree")], remote.url("back"))
        assert back.wait(60) and back.state is JobState.DONE, back.failures
    finally:
        queue.shutdown()

    assert s3.files("tree") == tree
    assert remote.files("back/tree") == tree
    assert walked == 4  # the tree and its three directories: one listing each
    manager, _ = manager_of(remote.url())
    assert manager.connections == 1  # one SSH connection for all of it
    assert opened["channels"] <= 3  # never more channels than the pool allows
    assert not remote.leftovers() and not s3.leftovers()


@pytest.mark.parametrize("direction", ["sftp-to-s3", "fs-to-sftp"])
def test_a_move_that_fails_halfway_loses_nothing(remote, side, monkeypatch, direction):
    tree = {f"f{i:02d}.bin": os.urandom(600_000 + i) for i in range(12)}
    src, dst = (remote, side("s3", "dst")) if direction == "sftp-to-s3" else (side("fs", "src"), remote)
    seed(src, tree, "data")
    # Files whose name ends in 3 or 7 lose the connection after their first piece:
    # in the middle of a download from SFTP, or of an upload to it.
    doomed = {name for name in tree if name[-5] in "37"}
    original_chunks, original_write = sftp_manager.SFTP._chunks, sftp_manager.SFTP._write_stream

    def chunks(self, remote_file, start, end, cancel, what):
        for n, data in enumerate(original_chunks(self, remote_file, start, end, cancel, what)):
            if n == 1 and any(name in what for name in doomed):
                raise paramiko.SSHException("injected: connection dropped")
            yield data

    def write_stream(self, reader, destination, action, where, **kwargs):
        if any(name in where for name in doomed):
            reader = CutAfterOnePiece(reader)
        return original_write(self, reader, destination, action, where, **kwargs)

    monkeypatch.setattr(sftp_manager.SFTP, "_chunks", chunks)
    monkeypatch.setattr(sftp_manager.SFTP, "_write_stream", write_stream)
    queue = JobQueue(workers=4)
    try:
        job = queue.move([src.url("data")], dst.url())
        assert job.wait(60)
    finally:
        queue.shutdown()

    assert job.state is JobState.FAILED
    assert sorted(os.path.basename(f.source) for f in job.failures) == sorted(doomed)
    assert all("connection was lost" in f.reason for f in job.failures), [f.reason for f in job.failures]
    assert_nothing_lost(src, dst, tree, "data")  # at its source or whole at its destination; no temporary file
    for name in tree:
        assert (src.read(f"data/{name}") is None) is (name not in doomed)  # exactly the doomed ones stayed
        assert (dst.read(f"data/{name}") is None) is (name in doomed)


class CutAfterOnePiece:
    """A reader whose connection drops after it has given one piece."""

    def __init__(self, reader):
        self._reader, self._reads = reader, 0

    def read(self, size=-1):
        self._reads += 1
        if self._reads == 2:
            raise paramiko.SSHException("injected: connection dropped")
        return self._reader.read(size)


def test_cancel_of_a_big_upload_leaves_no_temporary_file(remote, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    manager, path = manager_of(remote.url())
    cancel, moved = threading.Event(), []

    def progress(n):
        moved.append(n)
        if len(moved) == 3:
            cancel.set()

    with pytest.raises(exceptions.OperationCancelled):
        target = manager.child(path, "big.bin")
        manager.upload(str(big), target, TransferRequest(stow.artefact(str(big)), manager, target,
                                                         callback=progress, cancel=cancel))

    assert os.listdir(remote.root) == []  # neither the file nor its temporary name
    assert 0 < sum(moved) < big.stat().st_size
    # The connection is still good for the next transfer.
    manager.upload(str(big), manager.child(path, "big.bin"))
    assert remote.read("big.bin") == big.read_bytes()


def test_cancel_of_a_big_download_leaves_no_temporary_file(remote, tmp_path):
    remote.write("big.bin", os.urandom(20 * 1024 * 1024))
    manager, path = manager_of(remote.url())
    cancel, moved = threading.Event(), []

    def progress(n):
        moved.append(n)
        if len(moved) == 3:
            cancel.set()

    with pytest.raises(exceptions.OperationCancelled):
        source, local = manager.artefact(manager.child(path, "big.bin")), str(tmp_path / "dl" / "big.bin")
        manager.download(source, local, TransferRequest(source, *registry.resolve(local), callback=progress, cancel=cancel))

    assert os.listdir(tmp_path / "dl") == []
    assert 0 < sum(moved) < 20 * 1024 * 1024


# ----------------------------------------------------------------------
# Connections: host keys, proxies, losses
# ----------------------------------------------------------------------


def test_a_server_allowing_fewer_sessions_than_the_pool_is_used_with_those(tmp_path, monkeypatch, clean_registry):
    server = SSHServer(extra_config="MaxSessions 2\n").start()
    try:
        home = tmp_path / "home"
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
        write_ssh_config(server, home)
        registry.set_defaults("sftp", max_channels=6)
        refused = threading.Event()
        original = paramiko.SSHClient.open_sftp

        def open_sftp(client):
            try:
                return original(client)
            except paramiko.ChannelException:
                refused.set()
                raise

        monkeypatch.setattr(paramiko.SSHClient, "open_sftp", open_sftp)
        here = SFTPSide(tmp_path / "remote")
        tree = {f"f{i:02d}.bin": os.urandom(200_000) for i in range(24)}
        seed(here, tree, "data")
        manager, path = manager_of(here.url("data"))
        # Two channels held: a third operation is refused a session, then waits for one of them.
        listed = []
        with manager._pool.channel(), manager._pool.channel():
            worker = threading.Thread(target=lambda: listed.extend(manager.ls(path)))
            worker.start()
            assert refused.wait(10) and manager._pool._limit == 2
            assert worker.is_alive() and not listed
        worker.join(10)
        assert len(listed) == 24
        there = LocalSide(tmp_path / "there")
        queue = JobQueue(workers=6)
        try:
            job = queue.copy([here.url("data")], there.url())
            assert job.wait(60) and job.state is JobState.DONE, job.failures
        finally:
            queue.shutdown()
        assert there.files("data") == tree
        assert manager._pool._limit == 2 and manager.connections == 1
    finally:
        for manager in set(registry._instances.values()):
            if isinstance(manager, SFTP):
                manager.close()
        server.stop()


def _fingerprint(public_key_file: str) -> str:
    out = subprocess.run(["ssh-keygen", "-lf", public_key_file], capture_output=True, text=True, check=True).stdout
    return out.split()[1]


def test_an_unknown_host_key_is_refused_with_what_to_do(sshd, tmp_path, monkeypatch, clean_registry):  # noqa: F811
    from stowtui import stow

    home = tmp_path / "home"
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    write_ssh_config(sshd, home, known_hosts=str(empty))

    with pytest.raises(UnknownHostKey) as caught:
        stow.ls(f"sftp://myhost{tmp_path}")

    error = caught.value
    assert isinstance(error, exceptions.StowError) and isinstance(error, exceptions.OperationNotPermitted)
    assert error.fingerprint == _fingerprint(os.path.join(sshd.folder, "host_key.pub"))
    assert (error.host, error.port, error.key_type) == ("127.0.0.1", sshd.port, "ssh-ed25519")
    assert "is not known" in str(error) and "`ssh myhost`" in str(error) and error.fingerprint in str(error)
    assert empty.read_text() == ""  # nothing was added to known_hosts


def test_a_changed_host_key_is_refused(sshd, tmp_path, monkeypatch, clean_registry):  # noqa: F811
    from stowtui import stow

    home = tmp_path / "home"
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} " + " ".join((tmp_path / "other_key.pub").read_text().split()[:2]) + "\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    write_ssh_config(sshd, home, known_hosts=str(known))

    with pytest.raises(HostKeyMismatch) as caught:
        stow.ls(f"sftp://myhost{tmp_path}")

    assert caught.value.expected_fingerprint == _fingerprint(str(tmp_path / "other_key.pub"))
    assert caught.value.fingerprint == _fingerprint(os.path.join(sshd.folder, "host_key.pub"))
    assert "has changed" in str(caught.value) and "ssh-keygen -R" in str(caught.value)


def test_a_refused_key_says_how_to_log_in(sshd, tmp_path, monkeypatch, clean_registry):  # noqa: F811
    from stowtui import stow

    home = tmp_path / "home"
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    write_ssh_config(sshd, home)
    config = home / ".ssh" / "config"
    config.write_text(config.read_text().replace(os.path.join(sshd.folder, "client_key"), str(stranger)))

    with pytest.raises(exceptions.OperationNotPermitted, match="accepted none of the keys.*`ssh myhost`"):
        stow.ls(f"sftp://myhost{tmp_path}")


def test_a_lost_connection_is_a_clear_error_and_the_next_use_reconnects(remote, monkeypatch):
    remote.write("a.txt", b"a")
    manager, path = manager_of(remote.url())
    assert [a.basename for a in manager.ls(path)] == ["a.txt"]
    original = paramiko.SFTPClient.listdir_attr
    severed = []

    def listdir_attr(client, folder="."):
        if not severed:
            severed.append(True)
            transport = client.get_channel().get_transport()
            transport.sock.shutdown(2)  # the network goes away under this request
            transport.join(10)
            assert not transport.is_active()
        return original(client, folder)

    monkeypatch.setattr(paramiko.SFTPClient, "listdir_attr", listdir_attr)

    with pytest.raises(exceptions.BackendError, match="connection was lost.*opened again on the next try"):
        manager.ls(path)
    remote.write("b.txt", b"b")
    assert sorted(a.basename for a in manager.ls(path)) == ["a.txt", "b.txt"]
    assert manager.connections == 2


def test_proxy_command_from_ssh_config(sshd, remote, ssh_home, monkeypatch):  # noqa: F811
    from stowtui import stow

    jump = (
        f"ssh -F /dev/null -i {sshd.folder}/client_key -o UserKnownHostsFile={sshd.folder}/known_hosts "
        f"-o StrictHostKeyChecking=yes -o BatchMode=yes -p {sshd.port} {sshd.user}@127.0.0.1 -W %h:%p"
    )
    write_ssh_config(sshd, ssh_home, alias="viaproxy", extra=f"ProxyCommand {jump}")
    commands = []
    original = paramiko.ProxyCommand.__init__

    def spy(self, command_line):
        commands.append(command_line)
        original(self, command_line)

    monkeypatch.setattr(paramiko.ProxyCommand, "__init__", spy)
    remote.write("x.txt", b"through the proxy")

    assert stow.get(f"sftp://viaproxy{remote.root}/x.txt") == b"through the proxy"
    assert commands == [jump.replace("%h:%p", f"127.0.0.1:{sshd.port}")]


def test_proxy_jump_from_ssh_config(sshd, remote, ssh_home, monkeypatch):  # noqa: F811
    from stowtui import stow

    write_ssh_config(sshd, ssh_home, alias="target", extra="ProxyJump myhost")
    tunnels = []
    original = paramiko.Transport.open_channel

    def spy(transport, kind, dest_addr=None, *args, **kwargs):
        if kind == "direct-tcpip":
            tunnels.append(dest_addr)
        return original(transport, kind, dest_addr, *args, **kwargs)

    monkeypatch.setattr(paramiko.Transport, "open_channel", spy)
    remote.write("y.txt", b"through the jump host")

    assert stow.get(f"sftp://target{remote.root}/y.txt") == b"through the jump host"
    assert tunnels == [("127.0.0.1", sshd.port)]


def test_urls_configs_and_aliases(remote):
    from stowtui import stow

    manager, path = manager_of(remote.url())
    assert manager.toConfig() == {"manager": "SFTP", "host": "myhost"}  # no key, no password
    assert stow.connect(**manager.toConfig()) is manager
    assert registry.resolve(f"ssh://myhost{remote.root}")[0].toConfig() == manager.toConfig()
    other, other_path = registry.resolve("sftp://Me%40Work@myhost:2222/var/log")
    assert other.toConfig() == {"manager": "SFTP", "host": "myhost", "user": "Me@Work", "port": 2222}
    assert other_path == "/var/log" and other.url(other_path) == "sftp://Me%40Work@myhost:2222/var/log"
    assert other.connections == 0  # resolving a URL opens no connection
    with pytest.raises(exceptions.InvalidPath):
        registry.resolve("sftp:///no/host")


# ----------------------------------------------------------------------
# In the app
# ----------------------------------------------------------------------


async def test_a_pane_on_another_machine_lists_and_copies_with_f5(remote, tmp_path):
    from stowtui.app import StowApp
    from stowtui.jobs import JobQueue as Queue
    from stowtui.screens.dialogs import TransferDialog
    from uikit import entry_names, ready, select, wait_entry, wait_for, wait_jobs_done

    remote.write("server.log", b"line 1\nline 2\n")
    remote.write("old/archive.log", b"old")
    local = tmp_path / "local"
    local.mkdir()
    app = StowApp(remote.url(), str(local), jobs=Queue(workers=2))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert sorted(entry_names(screen.left.tree.root)) == ["old", "server.log"]
        await select(pilot, screen.left, "server.log")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
        await pilot.press("enter")
        await wait_jobs_done(pilot)
        await wait_entry(pilot, screen.right, "server.log")
    assert (local / "server.log").read_bytes() == b"line 1\nline 2\n"
    assert remote.read("server.log") == b"line 1\nline 2\n"


async def test_an_unknown_host_key_is_asked_about_in_the_ui_and_trusted_on_yes(sshd, tmp_path, monkeypatch,
                                                                               clean_registry):
    from stowtui.app import StowApp
    from stowtui.screens.dialogs import ConfirmDialog
    from uikit import child, ready, wait_entry, wait_for, widget_text

    home = tmp_path / "home"
    known = tmp_path / "known_hosts"
    known.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    write_ssh_config(sshd, home, known_hosts=str(known))
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "hello.txt").write_bytes(b"hi")
    local = tmp_path / "local"
    local.mkdir()

    app = StowApp(str(local), f"sftp://myhost{shared}")
    async with app.run_test(size=(120, 40)) as pilot:
        question = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen, "the question")
        fingerprint = _fingerprint(os.path.join(sshd.folder, "host_key.pub"))
        assert fingerprint in widget_text(question) and "127.0.0.1" in widget_text(question)
        assert known.read_text() == ""  # nothing is trusted before the answer
        await pilot.click("#confirm")
        screen = await ready(pilot)
        await wait_entry(pilot, screen.right, "hello.txt")
        assert child(screen.right.tree.root, "hello.txt") is not None
    line = known.read_text().split()
    assert line[0] == f"[127.0.0.1]:{sshd.port}" and line[1] == "ssh-ed25519"
    # What was written is what ssh itself accepts for this host.
    assert subprocess.run(["ssh-keygen", "-F", f"[127.0.0.1]:{sshd.port}", "-f", str(known)],
                          capture_output=True).returncode == 0
