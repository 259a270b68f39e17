"""The local disk manager: links, awkward names, moves across devices, errors."""

import builtins
import errno
import os
import shutil

import pytest
import pytz

from stowtui.managers import exceptions
from stowtui.managers.artefacts import Directory, File
from stowtui.managers.fs import FS

AWKWARD_NAMES = [
    "#1",
    "what?.txt",
    "100%",
    "with space.txt",
    "[red]",
    "new\nline",
    "ünïcødé ファイル",
    os.fsdecode(b"bad\xff"),  # not UTF-8: a surrogate-escaped str, as os.listdir gives it
]


def names_in(stow, path):
    return sorted(a.basename for a in stow.ls(str(path)))


# ---------------------------------------------------------------------------
# Listing
# ---------------------------------------------------------------------------


def test_listing_gives_kinds_sizes_and_utc_times(stow, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"12345")
    (tmp_path / "sub").mkdir()
    os.utime(tmp_path / "f.txt", (1_000_000_000, 1_500_000_000))

    listed = {a.basename: a for a in stow.ls(str(tmp_path))}

    f, sub = listed["f.txt"], listed["sub"]
    assert isinstance(f, File) and isinstance(sub, Directory)
    assert f.size == 5 and f.extension == "txt" and f.name == "f"
    assert f.modifiedTime.tzinfo is pytz.UTC and f.modifiedTime.timestamp() == 1_500_000_000
    assert f.accessedTime.timestamp() == 1_000_000_000
    assert sub.createdTime.tzinfo is pytz.UTC
    assert f.abspath == str(tmp_path / "f.txt")
    assert os.fspath(f) == str(tmp_path / "f.txt")


def test_symlinks_are_shown_as_links(stow, tmp_path):
    (tmp_path / "target-dir").mkdir()
    (tmp_path / "target.txt").write_bytes(b"abc")
    (tmp_path / "to-dir").symlink_to(tmp_path / "target-dir")
    (tmp_path / "to-file").symlink_to("target.txt")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")

    listed = {a.basename: a for a in stow.ls(str(tmp_path))}

    assert isinstance(listed["to-dir"], Directory) and listed["to-dir"].is_link
    assert listed["to-dir"].link_target == str(tmp_path / "target-dir")
    assert isinstance(listed["to-file"], File) and listed["to-file"].is_link
    assert (listed["to-file"].size, listed["to-file"].link_target) == (3, "target.txt")
    assert isinstance(listed["broken"], File) and listed["broken"].is_link
    assert not listed["target.txt"].is_link and not listed["target-dir"].is_link


def test_a_recursive_delete_never_follows_a_link_to_a_directory(stow, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_bytes(b"keep me")
    doomed = tmp_path / "doomed"
    (doomed / "inner").mkdir(parents=True)
    (doomed / "link").symlink_to(precious)
    (doomed / "inner" / "deep-link").symlink_to(precious)
    (doomed / "file-link").symlink_to(precious / "keep.txt")

    stow.rm(str(doomed), recursive=True)

    assert not os.path.lexists(doomed)
    assert (precious / "keep.txt").read_bytes() == b"keep me"


def test_deleting_a_link_to_a_directory_removes_only_the_link(stow, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_bytes(b"keep me")
    (tmp_path / "link").symlink_to(precious)

    stow.rm(str(tmp_path / "link"))

    assert not os.path.lexists(tmp_path / "link")
    assert (precious / "keep.txt").read_bytes() == b"keep me"


def test_a_recursive_walk_does_not_enter_links(stow, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"1")
    (tmp_path / "loop").symlink_to(tmp_path)  # following it would never end

    found = sorted(a.path.removeprefix(str(tmp_path)) for a in stow.ls(str(tmp_path), recursive=True))

    assert found == ["/loop", "/real", "/real/f"]


# ---------------------------------------------------------------------------
# Awkward names: every operation works on every name
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", AWKWARD_NAMES, ids=repr)
def test_awkward_names_work_for_every_operation(stow, tmp_path, name):
    folder = tmp_path / "in"
    path = str(folder / name)
    payload = f"content of {name!r}".encode()
    source = tmp_path / "source"
    source.write_bytes(payload)

    stow.put(payload, path)
    assert names_in(stow, folder) == [name]
    assert stow.get(path) == payload
    assert stow.artefact(path).basename == name

    stow.get(path, str(tmp_path / "out" / name))
    assert (tmp_path / "out" / name).read_bytes() == payload

    copy = stow.cp(path, str(tmp_path / "copies" / name))
    assert copy.basename == name and stow.get(copy) == payload

    stow.put(str(source), str(tmp_path / "put" / name))
    assert (tmp_path / "put" / name).read_bytes() == payload

    moved = stow.mv(path, str(tmp_path / "moved" / name))
    assert stow.get(moved) == payload and not os.path.lexists(path)

    stow.rm(moved)
    assert names_in(stow, tmp_path / "moved") == []


def test_a_directory_of_awkward_names_copies_whole(stow, tmp_path):
    source = tmp_path / "source"
    for name in AWKWARD_NAMES:
        (source / name).mkdir(parents=True)
        (source / name / name).write_bytes(os.fsencode(name))

    stow.cp(str(source), str(tmp_path / "copy"))

    for name in AWKWARD_NAMES:
        assert (tmp_path / "copy" / name / name).read_bytes() == os.fsencode(name)


# ---------------------------------------------------------------------------
# Moves, within a device and across devices
# ---------------------------------------------------------------------------


def test_a_move_on_one_device_is_a_rename(stow, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f").write_bytes(b"1")
    inode = (tmp_path / "src" / "f").stat().st_ino

    stow.mv(str(tmp_path / "src"), str(tmp_path / "dst"))

    assert (tmp_path / "dst" / "f").stat().st_ino == inode
    assert not (tmp_path / "src").exists()


@pytest.fixture(params=["other device", "simulated EXDEV"])
def elsewhere(request, tmp_path, monkeypatch):
    """A directory where ``os.rename`` from tmp_path fails with EXDEV.

    ``/dev/shm`` when it is another device than tmp_path; otherwise (and always
    for the second param) a directory beside tmp_path with ``os.rename`` made to
    refuse as the kernel does between devices.
    """
    shm = "/dev/shm"
    real = (
        request.param == "other device"
        and os.path.isdir(shm)
        and os.access(shm, os.W_OK)
        and os.stat(shm).st_dev != os.stat(tmp_path).st_dev
    )
    if real:
        target = os.path.join(shm, f"stowtui-test-{os.getpid()}-{id(request)}")
        os.mkdir(target)
        yield target
        shutil.rmtree(target, ignore_errors=True)
        return
    target = tmp_path / "other-device"
    target.mkdir()
    rename = os.rename

    def refuse_across(src, dst, *args, **kwargs):
        if str(target) in os.fspath(dst) and str(target) not in os.fspath(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link", src, None, dst)
        return rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", refuse_across)
    yield str(target)


def test_a_move_across_devices_copies_then_deletes(stow, tmp_path, elsewhere):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_bytes(b"a" * 10_000)
    (tree / "sub" / "b #1.txt").write_bytes(b"b")
    (tmp_path / "single.bin").write_bytes(b"single")

    moved_tree = stow.mv(str(tree), os.path.join(elsewhere, "tree"))
    moved_file = stow.mv(str(tmp_path / "single.bin"), os.path.join(elsewhere, "single.bin"))

    assert isinstance(moved_tree, Directory) and isinstance(moved_file, File)
    assert open(os.path.join(elsewhere, "tree", "a.txt"), "rb").read() == b"a" * 10_000
    assert open(os.path.join(elsewhere, "tree", "sub", "b #1.txt"), "rb").read() == b"b"
    assert open(os.path.join(elsewhere, "single.bin"), "rb").read() == b"single"
    assert not tree.exists() and not (tmp_path / "single.bin").exists()


def test_the_manager_move_hook_works_across_devices(stow, tmp_path, elsewhere):
    manager, path = stow.location(str(tmp_path))
    (tmp_path / "f").write_bytes(b"payload")

    manager._mv(manager.artefact(str(tmp_path / "f")), os.path.join(elsewhere, "f"))

    assert open(os.path.join(elsewhere, "f"), "rb").read() == b"payload"
    assert not (tmp_path / "f").exists()


# ---------------------------------------------------------------------------
# Errors become storage errors a person can act on
#
# The tests run as root, whom file modes do not stop, so the refusal is made
# by the os call itself: it raises PermissionError (EACCES) for the one path
# under test, exactly as the kernel would for an ordinary user.
# ---------------------------------------------------------------------------


def deny(monkeypatch, module, name, path, error=errno.EACCES):
    """Make ``module.name`` fail with ``error`` for ``path`` and anything below it."""
    real = getattr(module, name)

    def refusing(target, *args, **kwargs):
        if os.fspath(target) == str(path) or os.fspath(target).startswith(str(path) + os.sep):
            raise OSError(error, os.strerror(error), os.fspath(target))  # PermissionError for EACCES
        return real(target, *args, **kwargs)

    monkeypatch.setattr(module, name, refusing)


@pytest.mark.parametrize(
    "verb, refused, act",
    [
        ("list", "os.scandir", lambda stow, target: stow.ls(target)),
        ("read", "os.open", lambda stow, target: stow.get(target)),
        ("delete", "os.unlink", lambda stow, target: stow.rm(target)),
    ],
)
def test_permission_errors_become_operation_not_permitted(stow, tmp_path, monkeypatch, verb, refused, act):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "f").write_bytes(b"1")
    target = str(tmp_path / "secret") if verb == "list" else str(tmp_path / "secret" / "f")
    module, name = refused.split(".")
    deny(monkeypatch, builtins if module == "builtins" else os, name, target)

    with pytest.raises(exceptions.OperationNotPermitted) as info:
        act(stow, target)

    assert str(info.value) == f"Cannot {verb} {target}: permission denied"
    assert isinstance(info.value.__cause__, PermissionError)


def test_writing_to_a_read_only_filesystem_is_not_permitted(stow, tmp_path, monkeypatch):
    destination = tmp_path / "ro" / "new.txt"
    (tmp_path / "ro").mkdir()
    real = os.open

    def read_only(name, flags, *args, **kwargs):  # the new file is made relative to its folder's descriptor
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), name)
        return real(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)

    with pytest.raises(exceptions.OperationNotPermitted, match="read-only"):
        stow.put(b"1", str(destination))


def test_missing_paths_are_not_found(stow, tmp_path):
    with pytest.raises(exceptions.ArtefactNotFound, match=str(tmp_path / "nope")):
        stow.artefact(str(tmp_path / "nope"))
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.ls(str(tmp_path / "nope"))
    with pytest.raises(exceptions.ArtefactTypeError, match="not a directory"):
        (tmp_path / "file").write_bytes(b"")
        stow.ls(str(tmp_path / "file"))


def test_the_config_round_trips(stow):
    manager = stow.connect("fs")
    assert manager.toConfig() == {"manager": "FS", "path": "/"}
    assert stow.connect(**manager.toConfig()) is manager


def test_a_directory_looked_up_again_keeps_its_children_and_takes_the_new_time(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x").write_bytes(b"1")
    os.utime(tmp_path / "sub", (1_000_000_000, 1_400_000_000))
    manager = FS()
    first = manager.artefact(str(tmp_path / "sub"))
    manager.ls(str(tmp_path / "sub"))
    os.utime(tmp_path / "sub", (1_000_000_000, 1_500_000_000))

    again = manager.artefact(str(tmp_path / "sub"))

    assert again is first and again.collected and [a.basename for a in again] == ["x"]
    assert again.modifiedTime.timestamp() == 1_500_000_000 and again.modifiedTime.tzinfo is pytz.UTC


def test_a_listing_comes_in_pages_of_1000(tmp_path):
    for i in range(2500):
        (tmp_path / f"f{i:04d}").write_bytes(b"")

    pages = list(FS()._lsPages(str(tmp_path)))

    assert [len(page) for page in pages] == [1000, 1000, 500]
    assert sorted(a.basename for page in pages for a in page) == [f"f{i:04d}" for i in range(2500)]
