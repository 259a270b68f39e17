"""Safety under hostile input and overlapping work.

Every test checks the invariant after its run: every source file's bytes are
at its source or, complete, at its destination, and nothing outside the
destination changed (a snapshot of the surrounding tree before and after).
"""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest

from sides import LocalSide, S3Side
from stowtui.jobs import JobQueue, JobState
from stowtui.managers import exceptions
from stowtui.managers.fs import FS


def snapshot(root) -> dict[str, bytes | None]:
    """Every file and directory below ``root`` with its bytes (None for directories)."""
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            full = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(full).st_mode):
                with open(full, "rb") as handle:
                    found[os.path.relpath(full, root)] = handle.read()
            else:
                found[os.path.relpath(full, root)] = b"<special>"
    return found


def outside(before: dict, after: dict, inside: str) -> dict:
    """What changed in a tree outside the folder ``inside`` (relative)."""
    keep = lambda path: not (path == inside or path.startswith(inside + os.sep))  # noqa: E731
    old = {k: v for k, v in before.items() if keep(k)}
    new = {k: v for k, v in after.items() if keep(k)}
    return {k: (old.get(k), new.get(k)) for k in set(old) | set(new) if old.get(k) != new.get(k)}


# ---------------------------------------------------------------------------
# 1. Destination containment
# ---------------------------------------------------------------------------

ESCAPES = [
    "pics/../../x",
    "pics/a/../../b",
    "pics/" + "../" * 40 + "tmp/stowtui-escape-test",
    "pics/..",
    "pics/a/..",
    "pics/./c",
]
GOOD = {"pics/ok.txt": b"fine", "pics/sub/deep.txt": b"deep"}


@pytest.fixture
def hostile(s3, bucket, tmp_path):
    """A bucket with keys that would leave a download's destination, and a sandbox around it."""
    for key in ESCAPES:
        s3.backend.put_object("bucket", key, b"evil " + key.encode())
    for key, data in GOOD.items():
        s3.backend.put_object("bucket", key, data)
    sandbox = tmp_path / "sandbox"
    (sandbox / "dest").mkdir(parents=True)
    (sandbox / "x").write_bytes(b"precious x")  # what pics/../../x would overwrite
    (sandbox / "b").write_bytes(b"precious b")
    return sandbox


@pytest.mark.parametrize("verb", ["copy", "move"])
@pytest.mark.parametrize("policy", ["skip", "overwrite"])
def test_keys_that_leave_the_destination_are_refused(hostile, s3, jobs, verb, policy):
    before = snapshot(hostile)
    assert not os.path.exists("/tmp/stowtui-escape-test")

    job = getattr(jobs, verb)(["s3://bucket/pics"], str(hostile / "dest"), conflict=policy)

    assert job.wait(30)
    assert job.state is JobState.FAILED
    reasons = " ".join(f.reason for f in job.failures)
    assert "outside the destination" in reasons
    assert "pics/../../x" in reasons
    # Nothing outside the destination changed; not even /tmp.
    assert outside(before, snapshot(hostile), "dest") == {}
    assert not os.path.exists("/tmp/stowtui-escape-test")
    # Every good file was still copied.
    assert (hostile / "dest" / "pics" / "ok.txt").read_bytes() == b"fine"
    assert (hostile / "dest" / "pics" / "sub" / "deep.txt").read_bytes() == b"deep"
    # The refused objects stay at their source, moved or not.
    for key in ESCAPES:
        assert s3.backend.get_object("bucket", key) is not None, key
    if verb == "move":
        assert s3.backend.get_object("bucket", "pics/ok.txt") is None


def test_stateless_get_and_cp_refuse_escaping_keys(hostile, stow):
    before = snapshot(hostile)

    with pytest.raises(exceptions.StowError, match="outside the destination"):
        stow.cp("s3://bucket/pics", str(hostile / "dest" / "copy"))
    with pytest.raises(exceptions.StowError, match="outside the destination"):
        stow.get("s3://bucket/pics", str(hostile / "dest" / "got"))

    assert outside(before, snapshot(hostile), "dest") == {}
    assert (hostile / "dest" / "copy" / "ok.txt").read_bytes() == b"fine"


def test_localise_refuses_escaping_keys(hostile, stow):
    before = snapshot(hostile)

    with pytest.raises(exceptions.StowError, match="outside the destination"):
        with stow.localise("s3://bucket/pics"):
            pass

    assert outside(before, snapshot(hostile), "dest") == {}


def test_a_symlink_in_the_destination_is_not_followed_out(s3, bucket, jobs, tmp_path):
    s3.backend.put_object("bucket", "tree/link/passwd", b"evil")
    s3.backend.put_object("bucket", "tree/fine.txt", b"fine")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dest = tmp_path / "dest"
    (dest / "tree").mkdir(parents=True)
    os.symlink(elsewhere, dest / "tree" / "link")

    job = jobs.copy(["s3://bucket/tree"], str(dest), conflict="overwrite")

    assert job.wait(30) and job.state is JobState.FAILED
    assert "outside the destination" in " ".join(f.reason for f in job.failures)
    assert list(elsewhere.iterdir()) == []
    assert (dest / "tree" / "fine.txt").read_bytes() == b"fine"


# ---------------------------------------------------------------------------
# 2. Overlapping jobs
# ---------------------------------------------------------------------------

NAMES = [f"f{i:03d}.txt" for i in range(60)]


def _sources(side, count):
    """``count`` folders all called ``data`` (in a0/, a1/...), holding the same file names.

    All of one modification time: "newer" then has one right answer for a
    file another job wrote (skip). With later files written later, "newer"
    rightly replaces an earlier job's copy by a later one: that is the policy,
    not a file lost by overlapping.
    """
    trees = []
    for n in range(count):
        tree = {name: f"job {n} {name}".encode() * 20 for name in NAMES}
        for name, data in tree.items():
            side.write(f"a{n}/data/{name}", data)
            os.utime(side.url(f"a{n}/data/{name}"), (1_600_000_000, 1_600_000_000))
        trees.append(tree)
    return trees


@pytest.mark.parametrize("dst_kind", ["fs", "s3"])
@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("policy", ["skip", "rename", "newer", "different"])
def test_overlapping_moves_into_one_folder_lose_nothing(s3, bucket, tmp_path, monkeypatch, dst_kind, count, policy):
    # Across devices: every move is a copy, a verify and a delete (no rename).
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src = LocalSide(tmp_path / "src")
    dst = LocalSide(tmp_path / "dst") if dst_kind == "fs" else S3Side(s3, "bucket", "dst")
    trees = _sources(src, count)
    queue = JobQueue(workers=4)
    try:
        started = [queue.move([src.url(f"a{n}/data")], dst.url("into"), conflict=policy) for n in range(count)]
        assert all(job.wait(60) for job in started)
    finally:
        queue.shutdown()

    # Everything below "into": with "rename", a job that finds another job's
    # "data" already there writes into "data (1)" (a renamed directory), as it
    # would one job after the other.
    landed = dst.files("into")
    for n, tree in enumerate(trees):
        for name, data in tree.items():
            at_source = src.read(f"a{n}/data/{name}")
            assert at_source in (None, data), f"job {n}'s {name} changed at its source"
            if at_source is None:
                # Gone from its source: then it is complete at the destination, under some name.
                assert data in landed.values(), f"job {n}'s {name} is lost"
    if policy == "rename":
        assert len(landed) == count * len(NAMES)
        assert sorted(landed.values()) == sorted(d for t in trees for d in t.values())
    else:
        # Exactly one job's file under each name; the others' stay at their source.
        assert sorted(landed) == [f"data/{name}" for name in NAMES]
    assert not src.leftovers() and not dst.leftovers()


def test_a_local_rename_into_place_never_replaces_a_file_that_appeared(tmp_path, jobs, monkeypatch):
    """A file written at the destination after the conflict check is not replaced (policy skip)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f.txt").write_bytes(b"mine")
    (tmp_path / "dst").mkdir()
    original = FS._copy_local
    # Across devices (as the overlapping moves above): the move is a copy, so
    # the race below happens during it. (On one device see the next test.)
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)

    def copy_then_race(self, source, destination, callback=None, cancel=None, **options):
        # Another program writes the same name between the check and the rename.
        with open(destination, "wb") as handle:
            handle.write(b"theirs")
        return original(self, source, destination, callback, cancel, **options)

    monkeypatch.setattr(FS, "_copy_local", copy_then_race)
    job = jobs.move([str(tmp_path / "src" / "f.txt")], str(tmp_path / "dst"), conflict="skip")

    assert job.wait(30)
    assert (tmp_path / "dst" / "f.txt").read_bytes() == b"theirs"
    assert (tmp_path / "src" / "f.txt").read_bytes() == b"mine"  # kept: the move did not happen
    assert job.state is not JobState.DONE or job.progress.files_skipped == 1
    assert [name for name in os.listdir(tmp_path / "dst")] == ["f.txt"]  # no temporary file left


def test_a_move_by_rename_never_replaces_a_file_that_appeared(tmp_path, jobs, monkeypatch):
    """On one device a move is a rename: it does not replace a file written after the check either."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f.txt").write_bytes(b"mine")
    (tmp_path / "dst").mkdir()
    original = FS._rename

    def race_then_rename(self, source, destination, **options):
        with open(self._abspath(destination), "wb") as handle:
            handle.write(b"theirs")
        return original(self, source, destination, **options)

    monkeypatch.setattr(FS, "_rename", race_then_rename)
    job = jobs.move([str(tmp_path / "src" / "f.txt")], str(tmp_path / "dst"), conflict="skip")

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert (tmp_path / "dst" / "f.txt").read_bytes() == b"theirs"
    assert (tmp_path / "src" / "f.txt").read_bytes() == b"mine"
    assert job.progress.files_skipped == 1
    assert "was not replaced" in job.skipped[0].reason


# ---------------------------------------------------------------------------
# 3. Nothing waits for ever
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["copy", "move"])
def test_special_files_are_skipped_with_their_kind(tmp_path, jobs, verb, monkeypatch):
    # Across devices, where a move copies (on one device a directory moves by a
    # rename, which opens nothing and takes its special files along: next test).
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src = tmp_path / "src"
    (src / "tree" / "pipes").mkdir(parents=True)
    (src / "tree" / "a.txt").write_bytes(b"a")
    (src / "tree" / "pipes" / "b.txt").write_bytes(b"b")
    os.mkfifo(src / "tree" / "pipes" / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(src / "tree" / "sock"))

        job = getattr(jobs, verb)([str(src / "tree")], str(tmp_path / "dst"))

        assert job.wait(10), "a named pipe blocked the job"
    assert job.state is JobState.DONE, job.failures  # skipped, not failed
    reasons = " ".join(s.reason for s in job.skipped)
    assert "named pipe, not copied" in reasons
    assert "socket, not copied" in reasons
    assert job.progress.files_skipped == 2
    assert (tmp_path / "dst" / "tree" / "a.txt").read_bytes() == b"a"
    assert (tmp_path / "dst" / "tree" / "pipes" / "b.txt").read_bytes() == b"b"
    assert not (tmp_path / "dst" / "tree" / "pipes" / "fifo").exists()
    # A move leaves them, and the directories holding them, in place.
    assert stat.S_ISFIFO(os.lstat(src / "tree" / "pipes" / "fifo").st_mode)
    if verb == "move":
        assert not (src / "tree" / "a.txt").exists()
        assert not (src / "tree" / "pipes" / "b.txt").exists()


def test_a_move_on_one_device_takes_special_files_along_unopened(tmp_path, jobs):
    (tmp_path / "src" / "tree").mkdir(parents=True)
    (tmp_path / "src" / "tree" / "a.txt").write_bytes(b"a")
    os.mkfifo(tmp_path / "src" / "tree" / "fifo")

    job = jobs.move([str(tmp_path / "src" / "tree")], str(tmp_path / "dst"))

    assert job.wait(10), "a named pipe blocked the job"
    assert job.state is JobState.DONE, job.failures
    assert stat.S_ISFIFO(os.lstat(tmp_path / "dst" / "tree" / "fifo").st_mode)
    assert (tmp_path / "dst" / "tree" / "a.txt").read_bytes() == b"a"
    assert not (tmp_path / "src" / "tree").exists()


class SilentEndpoint:
    """A loopback socket that accepts connections and never answers."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.connected = threading.Event()  # a client has a connection open (and waits)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.held.append(connection)
            self.connected.set()

    def close(self):
        self._stop.set()
        self._thread.join()
        for connection in self.held:
            connection.close()
        self.server.close()


@pytest.fixture
def silent():
    endpoint = SilentEndpoint()
    yield endpoint
    endpoint.close()


def test_default_timeouts_bound_a_silent_listing_to_30_seconds(stow):
    manager = stow.connect("s3", endpoint_url="http://127.0.0.1:9")
    config = manager.client.meta.config
    attempts = config.retries["total_max_attempts"]
    assert config.connect_timeout <= 5
    assert config.read_timeout * attempts + config.connect_timeout <= 30


def test_a_silent_endpoint_fails_a_listing_with_a_clear_error(stow, silent):
    stow.set_defaults("s3", endpoint_url=silent.url, timeout=1)
    with pytest.raises(exceptions.StowError) as raised:
        stow.ls("s3://bucket/")
    message = str(raised.value)
    assert "did not answer" in message and "Traceback" not in message


def test_cancel_ends_a_job_blocked_on_a_silent_endpoint_within_two_seconds(stow, silent, tmp_path):
    stow.set_defaults("s3", endpoint_url=silent.url, timeout=60)
    queue = JobQueue(workers=2)
    try:
        job = queue.copy(["s3://bucket/big.bin"], str(tmp_path / "dst"))
        assert silent.connected.wait(10)
        job.cancel()
        assert job.wait(2), "cancel did not end the job within 2 s"
        assert job.state is JobState.CANCELLED
    finally:
        queue.shutdown()
    assert not any((tmp_path / "dst").rglob("*")) if (tmp_path / "dst").exists() else True


# ---------------------------------------------------------------------------
# 4. Temporary names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("src_kind", ["fs", "s3"])
def test_names_of_255_bytes_copy(s3, bucket, tmp_path, jobs, src_kind):
    long_name = "é" * 125 + "12345"  # 255 bytes in UTF-8
    assert len(long_name.encode()) == 255
    src = LocalSide(tmp_path / "src") if src_kind == "fs" else S3Side(s3, "bucket", "src")
    src.write(long_name, b"long")
    dst = LocalSide(tmp_path / "dst")

    job = jobs.copy([src.url(long_name)], dst.url())

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert dst.read(long_name) == b"long"
    assert os.listdir(dst.root) == [long_name]


# ---------------------------------------------------------------------------
# 6. Bad input to the stateless API
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [None, 3, 4.5, "a\x00b", "lone \udcff surrogate", "s3:///key", "s3:/x", "s3://Bad_Bucket!/x"],
    ids=["none", "int", "float", "nul", "surrogate", "no-bucket", "malformed", "bad-bucket"],
)
@pytest.mark.parametrize("call", ["ls", "exists", "get", "artefact"])
def test_bad_input_gets_a_stow_error_with_a_sentence(stow, s3, target, call):
    with pytest.raises(exceptions.StowError) as raised:
        getattr(stow, call)(target)
    message = str(raised.value)
    assert message and "Traceback" not in message and len(message) < 300


def test_a_job_given_listed_entries_fails_on_one_retry_budget(stow, silent, tmp_path):
    """What the UI passes (entries from a listing, no lookup first) against an endpoint
    that never answers: botocore's attempts alone, one connection each, and a message
    saying what really happened."""
    from stowtui.managers.artefacts import File

    stow.set_defaults("s3", endpoint_url=silent.url, timeout=1)
    manager = stow.connect("s3", endpoint_url=silent.url, timeout=1)
    listed = [File(manager, f"/bucket/f{i}.txt", 10) for i in range(2)]
    queue = JobQueue(workers=1)
    try:
        job = queue.copy(listed, str(tmp_path / "dst"))
        assert job.wait(30), "a silent endpoint held the job past 30 s"
    finally:
        queue.shutdown()
    assert job.state is JobState.FAILED
    assert len(silent.held) == 2 * 3  # 3 attempts a file, not 3 of ours times 3 of botocore's
    reasons = {f.reason for f in job.failures}
    assert len(reasons) == 2 and all(
        f"the S3 endpoint {silent.url} did not answer within 1 s on each of 3 attempts (3 s in all)" in r
        for r in reasons), reasons
