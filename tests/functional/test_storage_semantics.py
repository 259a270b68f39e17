"""The storage layer below the stateless interface: what the UI and the engine rely on.

- the manager's own queries answer fresh (the UI opens a directory made after
  its parent was listed), while reuse inside one operation is asked for by name;
- ``overwrite=True`` replaces a directory only once the new one is complete,
  and a failure part-way leaves the old one;
- ``open`` without ``with``, ``touch``, bad input, and the pure path helpers.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

from behind import make_place
from stowtui.managers import exceptions
from stowtui.managers.artefacts import Directory, File


@pytest.fixture(params=["fs", "s3"])
def place(request, tmp_path, stow, s3_client):
    """(the manager, the manager path of a base directory, write(rel, bytes) behind stowtui's back)."""
    base, write, delete = make_place(request.param, tmp_path, s3_client)
    write("keep", b"k")
    manager, path = stow.location(base)
    return manager, path, write, delete


# ---------------------------------------------------------------------------
# Freshness at the manager: what the UI's panes call
# ---------------------------------------------------------------------------


def test_a_pane_can_open_a_directory_made_after_its_parent_was_listed(place):
    manager, base, write, _ = place
    assert [a.basename for a in manager.ls(base)] == ["keep"]  # the level is listed, and complete

    write("late/inside.txt", b"i")
    late = manager.child(base, "late")

    assert manager.isdir(late) and isinstance(manager.artefact(late), Directory)
    pages = list(manager.lsPages(late))  # what a pane's expand asks
    assert [a.basename for page in pages for a in page] == ["inside.txt"]


def test_a_directory_removed_behind_the_cache_is_not_found(place):
    manager, base, write, delete = place
    write("gone/f", b"1")
    gone = manager.child(base, "gone")
    assert [a.basename for a in manager.ls(gone)] == ["f"]

    delete("gone/f")
    if not manager.IMPLICIT_DIRECTORIES:
        os.rmdir(manager.url(gone))

    with pytest.raises(exceptions.ArtefactNotFound):
        list(manager.lsPages(gone))
    assert not manager.exists(gone) and not manager.isdir(gone)


def test_opening_a_deep_prefix_costs_its_own_level_only_and_an_empty_one_one_request(stow, s3, seed):
    seed("bucket", {"a/b/c/d/f.txt": b"1", "a/b/c/empty/": b""})
    manager, _ = stow.location("s3://")
    s3.clear_counts()

    assert [a.basename for a in manager.ls("/bucket/a/b/c/d")] == ["f.txt"]
    assert manager.ls("/bucket/a/b/c/empty") == []  # its marker shows it is there: no second request

    assert s3.counts == Counter(ListObjectsV2=2)
    assert [r.query.get("prefix") for r in s3.requests] == ["a/b/c/d/", "a/b/c/empty/"]


def test_reuse_inside_an_operation_takes_a_hit_but_never_trusts_a_miss(stow, s3, seed, s3_client):
    seed("bucket", {"d/listed": b"1"})
    manager, _ = stow.location("s3://")
    manager.ls("/bucket/d")
    s3_client.put_object(Bucket="bucket", Key="d/late", Body=b"22")
    s3_client.delete_object(Bucket="bucket", Key="d/listed")
    s3.clear_counts()

    assert manager.artefact("/bucket/d/listed", cached=True).size == 1  # what this operation listed
    assert s3.counts == Counter()
    assert manager.artefact("/bucket/d/late", cached=True).size == 2  # a miss asks: one request
    assert s3.counts == Counter(ListObjectsV2=1)
    assert not manager.exists("/bucket/d/listed")  # without cached=True: what is there now


def test_a_folder_key_with_a_body_shows_once_in_a_recursive_listing(stow, s3, seed):
    seed("bucket", {"top/folder/": b"bytes a tool wrote", "top/folder/a.txt": b"a"})

    listed = sorted((type(a).__name__, a.path) for a in stow.ls("s3://bucket/top", recursive=True))

    assert listed == [("Directory", "/bucket/top/folder"), ("File", "/bucket/top/folder/a.txt")]


# ---------------------------------------------------------------------------
# overwrite=True: the old contents go only once the new ones are complete
# ---------------------------------------------------------------------------


def test_on_s3_every_new_key_is_written_before_any_stale_key_is_deleted(stow, s3, seed):
    seed("bucket", {"src/a": b"new a", "src/sub/b": b"new b", "dst/a": b"old a", "dst/stale": b"s", "dst/old/x": b"x"})
    s3.clear_counts()

    stow.cp("s3://bucket/src", "s3://bucket/dst", overwrite=True)

    ops = [r.op for r in s3.requests if r.op in ("CopyObject", "DeleteObject", "DeleteObjects")]
    assert ops.count("CopyObject") == 2 and ops[:2] == ["CopyObject", "CopyObject"]
    assert sorted(k for k in s3.backend.buckets["bucket"].keys if k.startswith("dst/")) == ["dst/a", "dst/sub/b"]
    assert s3.backend.get_object("bucket", "dst/a").value == b"new a"


def test_a_replacement_that_fails_on_s3_deletes_nothing(stow, s3, seed):
    seed("bucket", {"src/a": b"new a", "src/b": b"new b", "dst/a": b"old a", "dst/only-old": b"o"})
    s3.fail(op="CopyObject", key_contains="dst/b", status=403, times=None)

    with pytest.raises(exceptions.StowError):
        stow.cp("s3://bucket/src", "s3://bucket/dst", overwrite=True)

    assert s3.counts["DeleteObject"] == s3.counts["DeleteObjects"] == 0
    assert s3.backend.get_object("bucket", "dst/only-old").value == b"o"


def test_a_replacement_that_fails_on_local_disk_leaves_the_old_directory_whole(stow, tmp_path, monkeypatch):
    from stowtui.managers import fs

    for rel, data in {"src/a": b"new a", "src/b": b"new b", "dst/a": b"old a", "dst/only-old": b"o"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    copy_into = fs.copy_into

    def failing(source, destination, *args, **kwargs):
        if source.endswith("/b"):
            raise exceptions.BackendError(f"Cannot copy {source}: no space left on the device")
        return copy_into(source, destination, *args, **kwargs)

    monkeypatch.setattr(fs, "copy_into", failing)

    with pytest.raises(exceptions.BackendError, match="no space left"):
        stow.cp(str(tmp_path / "src"), str(tmp_path / "dst"), overwrite=True)

    assert sorted(os.listdir(tmp_path / "dst")) == ["a", "only-old"]
    assert (tmp_path / "dst" / "a").read_bytes() == b"old a"
    assert sorted(os.listdir(tmp_path)) == ["dst", "src"]  # no temporary sibling left behind


@pytest.mark.parametrize("kind", ["fs", "s3"])
def test_a_directory_replaces_a_file_and_mkdir_overwrite_empties(mock_stow, tmp_path, kind):
    stow = mock_stow
    base = str(tmp_path / "base") if kind == "fs" else "s3://bucket/base"
    stow.put(b"file", stow.join(base, "f"))
    stow.put(b"inside", stow.join(base, "src", "x"))
    if kind == "fs":  # a file where a directory goes is in the way only where they cannot share a name
        with pytest.raises(exceptions.OperationNotPermitted, match="overwrite=True"):
            stow.cp(stow.join(base, "src"), stow.join(base, "f"))
    stow.cp(stow.join(base, "src"), stow.join(base, "f"), overwrite=True)
    assert stow.get(stow.join(base, "f", "x")) == b"inside"

    stow.mkdir(stow.join(base, "src"), overwrite=True)
    assert stow.isdir(stow.join(base, "src")) and stow.ls(stow.join(base, "src")) == []


# ---------------------------------------------------------------------------
# rm, open, touch
# ---------------------------------------------------------------------------


def test_rm_without_recursive_never_uses_the_recursive_delete(stow, tmp_path, monkeypatch):
    from stowtui.managers.fs import FS

    (tmp_path / "empty").mkdir()
    (tmp_path / "f").write_bytes(b"1")
    recursive = []
    real = FS._rm
    monkeypatch.setattr(FS, "_rm", lambda self, a, **kw: (recursive.append(a.path), real(self, a, **kw)))

    stow.rm(str(tmp_path / "empty"), str(tmp_path / "f"))

    assert recursive == [str(tmp_path / "f")]  # the file; the directory went through os.rmdir
    assert os.listdir(tmp_path) == []


def test_open_on_s3_reads_now_and_a_failed_block_uploads_nothing(stow, s3, seed):
    seed("bucket", {"f.txt": b"before"})
    with stow.open("s3://bucket/f.txt", "rb") as reader:
        assert reader.read() == b"before"
    seed("bucket", {"f.txt": b"changed elsewhere"})
    assert stow.open("s3://bucket/f.txt").read() == "changed elsewhere"

    s3.clear_counts()
    with pytest.raises(RuntimeError):
        with stow.open("s3://bucket/f.txt", "w") as handle:
            handle.write("half")
            raise RuntimeError("boom")
    assert s3.counts["PutObject"] == 0
    with pytest.raises(FileNotFoundError):
        stow.open("s3://bucket/missing.txt")
    with pytest.raises(FileExistsError):
        stow.open("s3://bucket/f.txt", "x")

    handle = stow.open("s3://bucket/new.txt", "wb")
    handle.write(b"only on close")
    assert s3.counts["PutObject"] == 0
    handle.close()
    handle.close()  # a second close does nothing
    assert s3.counts["PutObject"] == 1 and s3.backend.get_object("bucket", "new.txt").value == b"only on close"


def test_open_on_local_disk_is_the_real_file(stow, tmp_path):
    handle = stow.open(str(tmp_path / "d" / "real.txt"), "w")
    assert handle.name == str(tmp_path / "d" / "real.txt")
    handle.write("x")
    handle.close()
    assert (tmp_path / "d" / "real.txt").read_text() == "x"


def test_touch_keeps_the_contents_of_an_existing_file(stow, s3, bucket, tmp_path):
    local = tmp_path / "t.txt"
    local.write_bytes(b"kept")
    os.utime(local, (time.time() - 3600, time.time() - 3600))
    stow.put(b"kept", "s3://bucket/t.txt")

    touched = stow.touch(str(local))
    stow.touch("s3://bucket/t.txt")

    assert local.read_bytes() == b"kept" and time.time() - touched.modifiedTime.timestamp() < 60
    assert stow.get("s3://bucket/t.txt") == b"kept"
    assert isinstance(stow.touch("s3://bucket/new"), File) and stow.getsize("s3://bucket/new") == 0


# ---------------------------------------------------------------------------
# Bad input, and the pure path helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, says",
    [
        (lambda stow: stow.ls("s3:/x"), exceptions.InvalidPath, "two slashes"),
        (lambda stow: stow.exists("s3:///key"), exceptions.InvalidPath, "names no bucket"),
        (lambda stow: stow.get("s3://Bad_Bucket!/x"), exceptions.InvalidPath, "is not a bucket name"),
        (lambda stow: stow.rm(None), TypeError, "got NoneType"),
        (lambda stow: stow.exists("/tmp", True), TypeError, "given by name"),
        (lambda stow: stow.put(b"x", 3), exceptions.InvalidPath, "got int"),
        (lambda stow: stow.mkdir("/tmp/a\x00b"), ValueError, "NUL"),
        (lambda stow: stow.join("s3://b", None), exceptions.InvalidPath, "path segment"),
        (lambda stow: stow.dirname(4.5), exceptions.InvalidPath, "got float"),
    ],
)
def test_bad_input_is_a_stow_error_that_says_what_is_wrong(stow, s3, call, error, says):
    with pytest.raises(error, match=says) as raised:
        call(stow)
    assert isinstance(raised.value, exceptions.StowError) and len(str(raised.value)) < 200


def test_a_file_url_with_one_slash_is_a_local_path(stow, tmp_path):
    (tmp_path / "f").write_bytes(b"1")
    assert stow.get(f"file:{tmp_path}/f") == b"1"


def test_path_helpers_never_look_at_the_current_directory(mock_stow, tmp_path, monkeypatch):
    stow = mock_stow
    made = stow.put(b"x", str(tmp_path / "dir" / "f.tar.gz"))
    folder = stow.artefact(str(tmp_path / "dir"))

    def no_cwd():
        raise AssertionError("a pure helper asked for the current directory")

    with monkeypatch.context() as patched:  # undone before pytest reports anything
        patched.setattr(os, "getcwd", no_cwd)
        answers = [
            stow.join(folder, "x"),
            stow.join("/data", "s3://b", "k"),  # a URL starts again
            stow.join("s3://", "bkt", "/k"),
            stow.dirname("s3://bucket"),
            stow.dirname("rel/x/"),
            stow.basename("s3://bucket/dir/"),
            stow.basename("s3://"),
            stow.splitext(made),
            stow.dirname(made),
        ]
    assert answers == [
        str(tmp_path / "dir" / "x"),
        "s3://b/k",
        "s3://bkt/k",
        "s3://",
        "rel",
        "dir",
        "",
        (str(tmp_path / "dir" / "f.tar"), ".gz"),
        str(tmp_path / "dir"),
    ]
