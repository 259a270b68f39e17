"""No stale answers, and stow's signatures and semantics.

Another program (here: plain ``os`` calls, or a raw boto3 client) changes the
disk or the bucket between two calls of the stateless interface; every answer
must come from what the backend holds now.
"""

from __future__ import annotations

import os

import pytest

from behind import make_place
from stowtui.managers import exceptions
from stowtui.managers.artefacts import Directory, File


@pytest.fixture(params=["fs", "s3"])
def place(request, tmp_path, stow, s3_client):
    """(base URL, write(rel, bytes), delete(rel)) acting behind stowtui's back."""
    return make_place(request.param, tmp_path, s3_client)


# ---------------------------------------------------------------------------
# 1. Freshness
# ---------------------------------------------------------------------------


def test_every_query_answers_from_the_backend_now(stow, place):
    base, write, delete = place
    write("a.txt", b"a")
    assert [a.basename for a in stow.ls(base)] == ["a.txt"]
    assert stow.exists(stow.join(base, "a.txt"))

    write("b.txt", b"bb")
    delete("a.txt")

    assert [a.basename for a in stow.ls(base)] == ["b.txt"]
    assert stow.exists(stow.join(base, "b.txt"))
    assert not stow.exists(stow.join(base, "a.txt"))
    assert stow.isfile(stow.join(base, "b.txt")) and not stow.isfile(stow.join(base, "a.txt"))
    assert stow.get(stow.join(base, "b.txt")) == b"bb"
    assert stow.artefact(stow.join(base, "b.txt")).size == 2
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.get(stow.join(base, "a.txt"))


def test_a_directory_made_after_its_parent_was_listed_opens(stow, place):
    base, write, _ = place
    write("old.txt", b"x")
    stow.ls(base)

    write("newdir/inside.txt", b"in")

    assert stow.isdir(stow.join(base, "newdir"))
    assert [a.basename for a in stow.ls(stow.join(base, "newdir"))] == ["inside.txt"]


def test_a_changed_file_is_read_anew(stow, place):
    base, write, _ = place
    write("f.txt", b"one")
    assert stow.get(stow.join(base, "f.txt")) == b"one"
    write("f.txt", b"two, longer")
    assert stow.get(stow.join(base, "f.txt")) == b"two, longer"
    assert stow.artefact(stow.join(base, "f.txt")).size == len(b"two, longer")


def test_a_miss_in_a_listed_level_costs_one_request_and_is_not_trusted(stow, s3, seed, s3_client):
    seed("bucket", prefix="level/", count=2500)
    manager, path = stow.location("s3://bucket/level")
    manager.ls(path)
    assert s3.counts["ListObjectsV2"] == 3 and s3.counts.get("HeadObject", 0) == 0

    s3_client.put_object(Bucket="bucket", Key="level/late", Body=b"late")
    s3.clear_counts()

    assert manager.exists(manager.child(path, "late"))
    assert sum(s3.counts.values()) == 1


def test_a_level_listed_again_costs_its_pages_again(stow, s3, seed):
    seed("bucket", prefix="level/", count=2500)
    stow.ls("s3://bucket/level")
    s3.clear_counts()
    stow.ls("s3://bucket/level")
    assert s3.counts["ListObjectsV2"] == 3 and s3.counts.get("HeadObject", 0) == 0


# ---------------------------------------------------------------------------
# 2. Signatures and semantics as stow's
# ---------------------------------------------------------------------------


@pytest.fixture(params=["fs", "s3"])
def base(request, tmp_path, mock_stow):
    return str(tmp_path / "base") if request.param == "fs" else "s3://bucket/base"


def test_rm_of_several_refuses_a_non_empty_directory_and_deletes_nothing(mock_stow, base):
    stow = mock_stow
    stow.put(b"a", stow.join(base, "a.txt"))
    stow.put(b"b", stow.join(base, "b", "inner.txt"))

    with pytest.raises(exceptions.OperationNotPermitted, match="not empty"):
        stow.rm(stow.join(base, "a.txt"), stow.join(base, "b"))

    assert stow.get(stow.join(base, "b", "inner.txt")) == b"b"
    assert stow.get(stow.join(base, "a.txt")) == b"a"

    stow.rm(stow.join(base, "a.txt"), stow.join(base, "b"), recursive=True)
    assert not stow.exists(stow.join(base, "a.txt")) and not stow.exists(stow.join(base, "b"))


def test_rm_options_are_keyword_only_and_missing_can_be_ignored(mock_stow, base):
    stow = mock_stow
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.rm(stow.join(base, "nothing"))
    stow.rm(stow.join(base, "nothing"), ignore_missing=True)
    with pytest.raises(TypeError):
        stow.rm(stow.join(base, "x"), True)  # noqa: FBT003 - a positional True is the old bug


def test_exists_of_several_is_true_only_if_all_exist(mock_stow, base):
    stow = mock_stow
    stow.put(b"a", stow.join(base, "a"))
    assert stow.exists(stow.join(base, "a"))
    assert not stow.exists(stow.join(base, "a"), stow.join(base, "missing"))
    stow.put(b"b", stow.join(base, "b"))
    assert stow.exists(stow.join(base, "a"), stow.join(base, "b"))


def test_ls_ignore_missing(mock_stow, base):
    stow = mock_stow
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.ls(stow.join(base, "missing"))
    assert list(stow.ls(stow.join(base, "missing"), ignore_missing=True)) == []


def test_mkdir_ignore_exists_and_overwrite(mock_stow, base):
    stow = mock_stow
    made = stow.mkdir(stow.join(base, "d"))
    assert isinstance(made, Directory)
    stow.put(b"x", stow.join(base, "d", "x"))
    stow.mkdir(stow.join(base, "d"))  # ignore_exists=True by default
    assert stow.exists(stow.join(base, "d", "x"))
    with pytest.raises(exceptions.OperationNotPermitted):
        stow.mkdir(stow.join(base, "d"), ignore_exists=False)
    stow.mkdir(stow.join(base, "d"), overwrite=True)
    assert stow.isdir(stow.join(base, "d")) and not stow.exists(stow.join(base, "d", "x"))


def test_touch_and_size_and_time_helpers(mock_stow, base):
    stow = mock_stow
    made = stow.touch(stow.join(base, "t.txt"))
    assert isinstance(made, File) and made.size == 0
    stow.put(b"12345", stow.join(base, "t.txt"), overwrite=True)
    assert stow.getsize(stow.join(base, "t.txt")) == 5
    assert stow.getmtime(stow.join(base, "t.txt")) > 0


def test_open_returns_a_file_object_usable_without_with(mock_stow, base):
    stow = mock_stow
    handle = stow.open(stow.join(base, "o.txt"), "w")
    handle.write("written back on close")
    handle.close()
    assert stow.get(stow.join(base, "o.txt")) == b"written back on close"

    reader = stow.open(stow.join(base, "o.txt"), "rb")
    try:
        assert reader.read() == b"written back on close"
    finally:
        reader.close()
    with stow.open(stow.join(base, "o.txt"), "a") as appender:
        appender.write("!")
    assert stow.get(stow.join(base, "o.txt")) == b"written back on close!"


def contents(stow, root):
    top = stow.artefact(root)
    return {
        a.path[len(top.path) + 1:]: stow.get(a)
        for a in stow.ls(root, recursive=True)
        if isinstance(a, File)
    }


@pytest.mark.parametrize("how", ["cp", "mv", "put"])
def test_overwrite_replaces_a_directory_with_exactly_the_source(mock_stow, base, tmp_path, how):
    stow = mock_stow
    for rel, data in {"target/old": b"old", "target/keep/deep": b"d", "source/new": b"new", "source/sub/s": b"s"}.items():
        stow.put(data, stow.join(base, rel))
    (tmp_path / "local" / "sub").mkdir(parents=True)
    (tmp_path / "local" / "new").write_bytes(b"new")
    (tmp_path / "local" / "sub" / "s").write_bytes(b"s")
    target = stow.join(base, "target")
    {
        "cp": lambda: stow.cp(stow.join(base, "source"), target, overwrite=True),
        "mv": lambda: stow.mv(stow.join(base, "source"), target, overwrite=True),
        "put": lambda: stow.put(tmp_path / "local", target, overwrite=True),
    }[how]()

    assert contents(stow, target) == {"new": b"new", "sub/s": b"s"}


def test_put_bytes_onto_a_directory_needs_overwrite_then_replaces_it(mock_stow, base):
    stow = mock_stow
    stow.put(b"inside", stow.join(base, "d", "inside"))
    with pytest.raises(exceptions.OperationNotPermitted, match="overwrite=True"):
        stow.put(b"file now", stow.join(base, "d"))
    stow.put(b"file now", stow.join(base, "d"), overwrite=True)
    assert stow.get(stow.join(base, "d")) == b"file now"
    assert not stow.exists(stow.join(base, "d", "inside"))


# ---------------------------------------------------------------------------
# 3. Pure path helpers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, expected",
    [
        (("dirname", "hello"), ""),
        (("dirname", "a/b"), "a"),
        (("dirname", "s3://bkt/a/b.txt"), "s3://bkt/a"),
        (("join", "s3://bkt", "/a"), "s3://bkt/a"),
        (("join", "s3://bkt/", "dir", "/k"), "s3://bkt/dir/k"),
        (("basename", "s3://bkt/a/b.txt"), "b.txt"),
        (("splitext", "s3://bkt/a/b.tar.gz"), ("s3://bkt/a/b.tar", ".gz")),
        (("splitext", "/x/.bashrc"), ("/x/.bashrc", "")),
    ],
)
def test_path_helpers_are_pure(mock_stow, call, expected, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    name, *args = call
    assert getattr(mock_stow, name)(*args) == expected


def test_path_helpers_take_artefacts(mock_stow):
    stow = mock_stow
    made = stow.put(b"x", "s3://bucket/dir/f.txt")
    folder = stow.artefact("s3://bucket/dir")
    assert stow.join(folder, "x") == "s3://bucket/dir/x"
    assert stow.dirname(made) == "s3://bucket/dir"
    assert stow.basename(made) == "f.txt"


# ---------------------------------------------------------------------------
# 4. Exceptions as a stow user catches them
# ---------------------------------------------------------------------------


def test_exceptions_subclass_what_a_stow_user_catches(mock_stow, base):
    stow = mock_stow
    assert issubclass(exceptions.ArtefactExists, exceptions.OperationNotPermitted)
    assert issubclass(exceptions.ManagerNotFound, ValueError)
    assert issubclass(exceptions.ArtefactNotFound, FileNotFoundError)
    with pytest.raises(ValueError):
        stow.ls("nosuchscheme://x/y")
    with pytest.raises(FileNotFoundError):
        stow.get(stow.join(base, "missing"))


# ---------------------------------------------------------------------------
# 5. A ``folder/`` key with a body
# ---------------------------------------------------------------------------


def test_a_folder_key_with_a_body_is_the_folders_marker(stow, s3, seed, tmp_path):
    seed("bucket", {"top/folder/": b"some tool wrote bytes here", "top/folder/a.txt": b"a", "top/b.txt": b"b"})

    listed = stow.ls("s3://bucket/top")
    assert sorted((a.basename, type(a).__name__) for a in listed) == [("b.txt", "File"), ("folder", "Directory")]

    stow.get("s3://bucket/top", tmp_path / "down")

    assert (tmp_path / "down" / "folder" / "a.txt").read_bytes() == b"a"
    assert (tmp_path / "down" / "b.txt").read_bytes() == b"b"
    assert sorted(os.listdir(tmp_path / "down" / "folder")) == ["a.txt"]


@pytest.mark.parametrize("verb", ["copy", "move"])
def test_a_folder_key_with_a_body_is_a_marker_for_the_engine_too(stow, s3, seed, jobs, tmp_path, verb):
    from stowtui.jobs import JobState

    seed("bucket", {"top/folder/": b"bytes of a marker", "top/folder/a.txt": b"a"})

    job = getattr(jobs, verb)(["s3://bucket/top"], str(tmp_path / "down"))

    assert job.wait(30) and job.state is JobState.DONE, job.failures
    assert sorted(os.listdir(tmp_path / "down" / "top" / "folder")) == ["a.txt"]
    assert (tmp_path / "down" / "top" / "folder" / "a.txt").read_bytes() == b"a"
