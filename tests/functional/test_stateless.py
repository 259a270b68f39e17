"""The stateless interface: module functions over URLs, local paths and artefacts.

Semantics run on moto's in-process mock (``mock_stow``) or local disk; what
crosses the wire (``localise`` request counts, round trips of awkward names)
runs on the loopback endpoint (``stow``).
"""

import os

import pytest

from stowtui.managers import exceptions
from stowtui.managers.artefacts import Directory, File

AWKWARD = ["ünïcødé ファイル", "with space", "[red]", "#1", "100%", "new\nline"]


@pytest.fixture(params=["fs", "s3"])
def base(request, tmp_path, mock_stow):
    """A directory to work in: on local disk, or in ``s3://bucket`` (in-process mock)."""
    return str(tmp_path / "base") if request.param == "fs" else "s3://bucket/base"


def tree(stow, root, files):
    for relative, data in files.items():
        stow.put(data, stow.join(root, relative))


def contents(stow, root):
    """{relative path: bytes} of every file below ``root``."""
    top = stow.artefact(root)
    return {
        a.path[len(top.path) + 1:]: stow.get(a)
        for a in stow.ls(root, recursive=True)
        if isinstance(a, File)
    }


# ---------------------------------------------------------------------------
# Every function, with URLs and with artefacts
# ---------------------------------------------------------------------------


def test_every_function_takes_urls_and_artefacts(mock_stow, base, tmp_path):
    stow = mock_stow
    url = stow.join(base, "dir", "a.txt")

    made = stow.put(b"hello", url)
    folder = stow.artefact(stow.join(base, "dir"))

    assert isinstance(made, File) and made.size == 5
    assert isinstance(folder, Directory)
    assert stow.artefact(made) is made
    assert [a.basename for a in stow.ls(stow.join(base, "dir"))] == ["a.txt"]
    assert [a.basename for a in stow.ls(folder)] == ["a.txt"]
    assert stow.exists(url) and stow.exists(made) and not stow.exists(stow.join(base, "nope"))
    assert stow.isfile(url) and stow.isfile(made) and not stow.isfile(folder)
    assert stow.isdir(folder) and stow.isdir(stow.join(base, "dir")) and not stow.isdir(url)
    assert stow.get(url) == stow.get(made) == b"hello"
    stow.get(made, tmp_path / "downloaded.txt")
    assert (tmp_path / "downloaded.txt").read_bytes() == b"hello"

    copy = stow.cp(made, stow.join(base, "dir", "b.txt"))
    assert stow.get(copy.abspath) == b"hello"
    moved = stow.mv(stow.join(base, "dir", "b.txt"), stow.join(base, "other", "c.txt"))
    empty = stow.mkdir(stow.join(base, "empty"))

    assert stow.get(moved) == b"hello"
    assert not stow.exists(stow.join(base, "dir", "b.txt"))
    assert isinstance(empty, Directory) and stow.ls(empty) == []
    assert sorted(a.basename for a in stow.ls(base)) == ["dir", "empty", "other"]

    with stow.open(stow.join(base, "notes.txt"), "w") as handle:
        handle.write("written")
    with stow.open(stow.join(base, "notes.txt")) as handle:
        assert handle.read() == "written"
    with stow.localise(url) as local:
        assert open(local, "rb").read() == b"hello"

    assert stow.dirname(url) == stow.join(base, "dir")
    assert stow.basename(url) == stow.basename(made) == "a.txt"
    assert stow.connect(**made.manager.toConfig()) is made.manager

    stow.rm(moved)
    stow.rm(stow.join(base, "empty"))
    left = sorted(a.basename for a in stow.ls(base))
    # On S3 a directory is only its contents: "other" went with its last file.
    assert left == (["dir", "notes.txt"] if base.startswith("s3://") else ["dir", "notes.txt", "other"])


@pytest.mark.parametrize(
    "parts, joined",
    [
        (("s3://bucket", "dir", "key"), "s3://bucket/dir/key"),
        (("s3://bucket/", "dir/", "key #1"), "s3://bucket/dir/key #1"),
        (("/data", "/etc", "x"), "/etc/x"),  # an absolute segment starts again, as os.path.join does
        (("/data", "logs", "a.txt"), "/data/logs/a.txt"),
        (("relative", "x"), "relative/x"),
    ],
)
def test_join(mock_stow, parts, joined):
    assert mock_stow.join(*parts) == joined


@pytest.mark.parametrize(
    "url, dirname, basename",
    [
        ("s3://bucket/dir/key.txt", "s3://bucket/dir", "key.txt"),
        ("s3://bucket/key", "s3://bucket", "key"),
        ("s3://bucket/dir/", "s3://bucket", "dir"),
        ("/data/logs/a #1?.txt", "/data/logs", "a #1?.txt"),
        ("file:///data/logs", "file:///data", "logs"),  # a URL keeps its scheme
    ],
)
def test_dirname_and_basename(mock_stow, url, dirname, basename):
    assert mock_stow.dirname(url) == dirname
    assert mock_stow.basename(url) == basename


def test_get_of_a_directory_needs_a_destination(mock_stow, base, tmp_path):
    stow = mock_stow
    tree(stow, base, {"a": b"1", "sub/b": b"2"})

    with pytest.raises(exceptions.ArtefactTypeError, match="give a local destination"):
        stow.get(base)
    stow.get(base, tmp_path / "copy")

    assert (tmp_path / "copy" / "a").read_bytes() == b"1"
    assert (tmp_path / "copy" / "sub" / "b").read_bytes() == b"2"


def test_put_of_a_local_directory(mock_stow, base, tmp_path):
    stow = mock_stow
    (tmp_path / "local" / "sub").mkdir(parents=True)
    (tmp_path / "local" / "a").write_bytes(b"1")
    (tmp_path / "local" / "sub" / "b").write_bytes(b"2")

    made = stow.put(tmp_path / "local", stow.join(base, "up"))

    assert isinstance(made, Directory)
    assert contents(stow, stow.join(base, "up")) == {"a": b"1", "sub/b": b"2"}


# ---------------------------------------------------------------------------
# cp and mv: the destination is the new artefact's own path
# ---------------------------------------------------------------------------


def test_copying_a_directory_names_the_copy_itself(mock_stow, tmp_path):
    stow = mock_stow
    logs = tmp_path / "data" / "logs"
    (logs / "2024").mkdir(parents=True)
    (logs / "app.log").write_bytes(b"app")
    (logs / "2024" / "jan.log").write_bytes(b"jan")

    copied = stow.cp(str(logs), "s3://bucket/old-logs")

    assert copied.abspath == "s3://bucket/old-logs"
    assert sorted(a.abspath for a in stow.ls("s3://bucket/old-logs", recursive=True)) == [
        "s3://bucket/old-logs/2024",
        "s3://bucket/old-logs/2024/jan.log",
        "s3://bucket/old-logs/app.log",
    ]
    assert not stow.exists("s3://bucket/old-logs/logs")
    assert (logs / "app.log").exists()


def test_moving_a_directory_between_managers_and_back(mock_stow, tmp_path):
    stow = mock_stow
    tree(stow, str(tmp_path / "src"), {"a": b"1", "d/b": b"2", "d/e/c": b"3"})

    stow.mv(str(tmp_path / "src"), "s3://bucket/moved")
    assert not (tmp_path / "src").exists()
    assert contents(stow, "s3://bucket/moved") == {"a": b"1", "d/b": b"2", "d/e/c": b"3"}

    stow.mv("s3://bucket/moved", str(tmp_path / "back"))
    assert contents(stow, str(tmp_path / "back")) == {"a": b"1", "d/b": b"2", "d/e/c": b"3"}
    assert not stow.exists("s3://bucket/moved")


def test_a_non_empty_directory_is_not_deleted_without_recursive(mock_stow, base):
    stow = mock_stow
    tree(stow, base, {"d/f": b"1"})

    with pytest.raises(exceptions.OperationNotPermitted, match="not empty; use recursive=True"):
        stow.rm(stow.join(base, "d"))
    assert stow.get(stow.join(base, "d", "f")) == b"1"

    stow.rm(stow.join(base, "d"), recursive=True)
    assert not stow.exists(stow.join(base, "d"))


@pytest.mark.parametrize("how", ["cp", "mv", "put"])
def test_a_non_empty_directory_is_not_overwritten_without_overwrite(mock_stow, base, tmp_path, how):
    stow = mock_stow
    tree(stow, base, {"target/old": b"old", "source/new": b"new"})
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "new").write_bytes(b"new")
    target = stow.join(base, "target")
    act = {
        "cp": lambda **kw: stow.cp(stow.join(base, "source"), target, **kw),
        "mv": lambda **kw: stow.mv(stow.join(base, "source"), target, **kw),
        "put": lambda **kw: stow.put(tmp_path / "local", target, **kw),
    }[how]

    with pytest.raises(exceptions.ArtefactExists, match="pass overwrite=True"):
        act()
    assert contents(stow, target) == {"old": b"old"}

    act(overwrite=True)
    assert contents(stow, target) == {"new": b"new"}  # replaced, as stow does: nothing stale stays


def test_a_write_into_a_new_subdirectory_shows_in_the_cached_listing_above(mock_stow, base):
    stow = mock_stow
    tree(stow, base, {"top": b"1"})
    assert [a.basename for a in stow.ls(base)] == ["top"]

    stow.put(b"2", stow.join(base, "new", "deeper", "f"))

    assert sorted(a.basename for a in stow.ls(base)) == ["new", "top"]
    assert stow.get(stow.join(base, "new", "deeper", "f")) == b"2"


def test_copying_onto_an_existing_file_replaces_it(mock_stow, base):
    stow = mock_stow
    tree(stow, base, {"a": b"new", "b": b"old"})
    stow.cp(stow.join(base, "a"), stow.join(base, "b"))
    assert stow.get(stow.join(base, "b")) == b"new"


def test_a_missing_source_is_not_found(mock_stow, base):
    with pytest.raises(exceptions.ArtefactNotFound):
        mock_stow.cp(mock_stow.join(base, "nothing"), mock_stow.join(base, "x"))


def test_a_local_name_that_is_not_utf8_cannot_become_an_s3_key(mock_stow, tmp_path):
    bad = tmp_path / os.fsdecode(b"bad\xff")
    bad.write_bytes(b"1")
    with pytest.raises(exceptions.InvalidPath, match="UTF-8"):
        mock_stow.put(bad, "s3://bucket/" + os.fsdecode(b"bad\xff"))


# ---------------------------------------------------------------------------
# localise: local disk hands back the file itself; S3 moves only what it must
# ---------------------------------------------------------------------------


def test_localise_on_local_disk_is_the_real_path(stow, tmp_path):
    path = tmp_path / "real.txt"
    path.write_bytes(b"1")
    with stow.localise(str(path)) as local:
        assert local == str(path)
        with open(local, "ab") as handle:
            handle.write(b"2")
    assert path.read_bytes() == b"12"
    assert stow.artefact(str(path)).size == 2


def test_localise_downloads_only_the_file_asked_for(stow, s3, seed):
    seed("bucket", {"dir/wanted.txt": b"wanted", "dir/other1": b"o" * 1000, "dir/other2": b"o"})
    stow.ls("s3://bucket/dir")
    s3.clear_counts()

    with stow.localise("s3://bucket/dir/wanted.txt") as local:
        assert open(local, "rb").read() == b"wanted"
        kept = local

    # One one-key lookup (what is there now), then the one GET: nothing of the siblings.
    assert [(r.op, r.key, r.query.get("prefix")) for r in s3.requests] == [
        ("ListObjectsV2", None, "dir/wanted.txt"), ("GetObject", "dir/wanted.txt", None)
    ]
    assert not os.path.exists(os.path.dirname(kept))


def test_localise_uploads_a_changed_file_once(stow, s3, seed):
    seed("bucket", {"f.txt": b"before"})
    stow.ls("s3://bucket")
    s3.clear_counts()

    with stow.localise("s3://bucket/f.txt") as local:
        with open(local, "wb") as handle:
            handle.write(b"after!")

    assert [r.op for r in s3.requests] == ["ListObjectsV2", "GetObject", "PutObject"]  # lookup, get, put once
    assert s3.backend.get_object("bucket", "f.txt").value == b"after!"


def test_localise_of_a_directory_uploads_only_what_changed(stow, s3, seed):
    seed("bucket", {"d/a": b"a", "d/b": b"b", "d/sub/c": b"c", "d/gone": b"g"})
    stow.ls("s3://bucket/d")

    with stow.localise("s3://bucket/d") as local:
        assert sorted(os.listdir(local)) == ["a", "b", "gone", "sub"]
    assert s3.counts["PutObject"] == 0

    s3.clear_counts()
    with stow.localise("s3://bucket/d") as local:
        with open(os.path.join(local, "sub", "c"), "wb") as handle:
            handle.write(b"changed")
    assert [(r.op, r.key) for r in s3.requests if r.op == "PutObject"] == [("PutObject", "d/sub/c")]
    assert s3.backend.get_object("bucket", "d/sub/c").value == b"changed"

    s3.clear_counts()
    with stow.localise("s3://bucket/d") as local:
        os.remove(os.path.join(local, "gone"))
        open(os.path.join(local, "added"), "wb").write(b"new")
    assert [(r.op, r.key) for r in s3.requests if r.op in ("PutObject", "DeleteObject")] == [
        ("PutObject", "d/added"), ("DeleteObject", "d/gone")
    ]
    assert sorted(s3.backend.buckets["bucket"].keys) == ["d/a", "d/added", "d/b", "d/sub/c"]


def test_localise_uploads_nothing_and_cleans_up_when_the_block_raises(stow, s3, seed):
    seed("bucket", {"f.txt": b"original"})
    stow.ls("s3://bucket")
    s3.clear_counts()

    with pytest.raises(RuntimeError, match="boom"):
        with stow.localise("s3://bucket/f.txt") as local:
            open(local, "wb").write(b"half written")
            raise RuntimeError("boom")

    assert not os.path.exists(os.path.dirname(local))
    assert s3.counts["PutObject"] == 0
    assert s3.backend.get_object("bucket", "f.txt").value == b"original"


def test_localise_of_a_new_path_creates_it(stow, s3, bucket):
    s3.clear_counts()
    with stow.localise("s3://bucket/new.txt") as local:
        assert not os.path.exists(local)
        open(local, "wb").write(b"fresh")
    assert s3.counts["PutObject"] == 1 and s3.counts["GetObject"] == 0
    assert stow.get("s3://bucket/new.txt") == b"fresh"


# ---------------------------------------------------------------------------
# Round trips of awkward names, byte for byte
# ---------------------------------------------------------------------------


def awkward_tree():
    files = {f"{name}/{name}": f"inside {name!r}".encode() for name in AWKWARD}
    files.update({f"file {name}": name.encode() * 3 for name in AWKWARD})
    files["deep/" + "/".join(AWKWARD)] = b"deepest"
    return files


def test_round_trip_fs_to_s3_to_fs(stow, bucket, tmp_path):
    files = awkward_tree()
    for relative, data in files.items():
        (tmp_path / "src" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / relative).write_bytes(data)

    stow.cp(str(tmp_path / "src"), "s3://bucket/trip")
    stow.cp("s3://bucket/trip", str(tmp_path / "back"))

    assert contents(stow, "s3://bucket/trip") == files
    back = {
        os.path.relpath(os.path.join(root, name), tmp_path / "back"): open(os.path.join(root, name), "rb").read()
        for root, _, names in os.walk(tmp_path / "back")
        for name in names
    }
    assert back == files


def test_round_trip_s3_to_s3(stow, s3, seed):
    files = awkward_tree()
    files["odd/ends-with-slash/"] = b"a key ending in / with content"
    seed("bucket", {"src/" + k: v for k, v in files.items()})

    stow.cp("s3://bucket/src", "s3://bucket/dst")
    stow.cp("s3://bucket/dst", "s3://bucket/dst2")

    for prefix in ("dst/", "dst2/"):
        for relative, data in files.items():
            assert s3.backend.get_object("bucket", prefix + relative).value == data
    assert s3.counts["GetObject"] == s3.counts["PutObject"] == 0  # server-side copies only


def test_single_awkward_files_round_trip(stow, bucket, tmp_path):
    for name in AWKWARD:
        (tmp_path / name).write_bytes(name.encode())
        stow.cp(str(tmp_path / name), f"s3://bucket/one/{name}")
        stow.cp(f"s3://bucket/one/{name}", f"s3://bucket/two/{name}")
        stow.cp(f"s3://bucket/two/{name}", str(tmp_path / "back" / name))
        assert (tmp_path / "back" / name).read_bytes() == name.encode()
