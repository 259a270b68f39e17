"""Both ends of a transfer, seen from outside the storage layer.

A *side* is a place where a test puts a tree and later looks at what is
there: a local directory (``LocalSide``) or a prefix in a bucket on the
loopback S3 server (``S3Side``). Sides read and write around stowtui — plain
``os`` calls, or moto's backend directly (no request is counted) — so what a
test sees is the truth, not the manager's cache.

``OpLog`` records, in order, what the job engine did to each file: when a
copy was written, when it was verified, when a source was deleted. Its
delete hook checks the destination *at the moment of the delete*.
"""

from __future__ import annotations

import os
import threading

import pytest

# Every awkward name a tree in these tests carries: Unicode, spaces, Rich
# markup, URL-special characters and a newline.
AWKWARD = ["ünï ファイル 😀.txt", "with space.txt", "[red]x", "#1", "100%", "new\nline"]

# The six-file tree: nested directories and an empty one.
SIX = {
    "a.txt": b"alpha",
    "b.bin": bytes(range(256)) * 4,
    "sub/c.txt": b"charlie",
    "sub/d.txt": b"",
    "sub/deeper/e.txt": b"echo" * 100,
    "sub/deeper/f.txt": b"foxtrot",
}


class LocalSide:
    kind = "fs"

    def __init__(self, root: str):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)

    def url(self, rel: str = "") -> str:
        return os.path.join(self.root, rel) if rel else self.root

    def _path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root

    def write(self, rel: str, data: bytes) -> None:
        path = self._path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)

    def mkdir(self, rel: str) -> None:
        os.makedirs(self._path(rel), exist_ok=True)

    def read(self, rel: str) -> bytes | None:
        try:
            with open(self._path(rel), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, rel: str = "") -> bool:
        return os.path.lexists(self._path(rel))

    def files(self, rel: str = "") -> dict[str, bytes]:
        """Every file below ``rel`` (relative to ``rel``) with its bytes."""
        base = self._path(rel)
        found = {}
        for root, _, names in os.walk(base):
            for name in names:
                full = os.path.join(root, name)
                with open(full, "rb") as handle:
                    found[os.path.relpath(full, base).replace(os.sep, "/")] = handle.read()
        return found

    def dirs(self, rel: str = "") -> set[str]:
        base = self._path(rel)
        found = set()
        for root, folders, _ in os.walk(base):
            for name in folders:
                found.add(os.path.relpath(os.path.join(root, name), base).replace(os.sep, "/"))
        return found

    def leftovers(self) -> list[str]:
        """Temporary files a transfer may have left (``.stowtui-<random>.part``, or a library's
        name made from one)."""
        return [
            os.path.join(root, name)
            for root, _, names in os.walk(self.root)
            for name in names
            if name.startswith(".stowtui-")
        ]


class S3Side:
    kind = "s3"

    def __init__(self, server, bucket: str, prefix: str):
        self.server = server
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def url(self, rel: str = "") -> str:
        parts = [p for p in (self.prefix, rel) if p]
        return f"s3://{self.bucket}/" + "/".join(parts)

    def key(self, rel: str) -> str:
        return "/".join(p for p in (self.prefix, rel) if p)

    def _keys(self) -> list[str]:
        return list(self.server.backend.get_bucket(self.bucket).keys.keys())

    def write(self, rel: str, data: bytes) -> None:
        self.server.backend.put_object(self.bucket, self.key(rel), data)

    def mkdir(self, rel: str) -> None:
        self.server.backend.put_object(self.bucket, self.key(rel) + "/", b"")

    def read(self, rel: str) -> bytes | None:
        found = self.server.backend.get_object(self.bucket, self.key(rel))
        return None if found is None else bytes(found.value)

    def exists(self, rel: str = "") -> bool:
        key = self.key(rel)
        return any(k == key or k.startswith(key + "/") for k in self._keys())

    def files(self, rel: str = "") -> dict[str, bytes]:
        base = self.key(rel) + "/"
        return {
            k[len(base):]: self.read(k[len(self.prefix) + 1:] if self.prefix else k)
            for k in self._keys()
            if k.startswith(base) and not k.endswith("/")
        }

    def dirs(self, rel: str = "") -> set[str]:
        base = self.key(rel) + "/"
        found = set()
        for k in self._keys():
            if not k.startswith(base):
                continue
            parts = k[len(base):].split("/")
            for depth in range(1, len(parts)):
                found.add("/".join(parts[:depth]))
        return found

    def leftovers(self) -> list[str]:
        return [k for k in self._keys() if k.rsplit("/", 1)[-1].startswith(".stowtui-")]


def make_side(kind: str, name: str, tmp_path, server, bucket: str = "bucket"):
    if kind == "fs":
        return LocalSide(tmp_path / name)
    return S3Side(server, bucket, name)


def seed(side, tree: dict[str, bytes], under: str, empty_dirs=()) -> None:
    """Write ``tree`` below ``under`` on ``side`` (plus empty directories)."""
    prefix = f"{under}/" if under else ""
    for rel, data in tree.items():
        side.write(prefix + rel, data)
    for rel in empty_dirs:
        side.mkdir(prefix + rel)


class OpLog:
    """What the engine did, in order, checked as it happens.

    ``expect(source, data, at_destination, at_source)`` registers a source
    file: when the engine deletes it, ``at_destination()`` must already give
    its complete bytes; when it removes a directory, no registered file below
    it may still be at its source (``at_source()`` is None).
    """

    def __init__(self, monkeypatch):
        self.events: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self._expected: dict[str, tuple[bytes, object, object]] = {}
        self._monkeypatch = monkeypatch
        self._patch_engine()

    def add(self, what: str, where: str) -> None:
        with self._lock:
            self.events.append((what, where))

    def expect(self, source_url: str, data: bytes, at_destination, at_source=None) -> None:
        self._expected[source_url] = (data, at_destination, at_source)

    def expect_tree(self, src, dst, tree: dict[str, bytes], under: str, dst_under: str | None = None) -> None:
        """Register every file of ``tree`` below ``under`` (moved to ``dst_under``)."""
        dst_under = under if dst_under is None else dst_under
        for rel, data in tree.items():
            self.expect(
                src.url(f"{under}/{rel}"),
                data,
                lambda rel=rel: dst.read(f"{dst_under}/{rel}"),
                lambda rel=rel: src.read(f"{under}/{rel}"),
            )

    def _patch_engine(self) -> None:
        from stowtui.jobs import tasks

        log = self
        original_transfer, original_verify = tasks.transfer, tasks.verify

        def transfer_file(request):
            source = request.source
            original_transfer(request)
            log.add("put", source.abspath)

        def verify(source, manager, path, *args):
            original_verify(source, manager, path, *args)
            log.add("verified", source.abspath)

        self._monkeypatch.setattr(tasks, "transfer", transfer_file)
        self._monkeypatch.setattr(tasks, "verify", verify)

    def watch(self, manager) -> None:
        """Record (and check) every delete the engine makes on ``manager``."""
        log = self
        original_rm, original_rmdir = manager._rm, manager._rmdir
        original_rm_if_unchanged = manager._rmIfUnchanged

        def check(artefact) -> None:
            url = artefact.abspath
            expected = log._expected.get(url)
            if expected is None:
                log.violations.append(f"deleted {url!r}, which no test registered")
            elif expected[1]() != expected[0]:
                log.violations.append(f"deleted {url!r} before its copy was complete")
            log.add("delete", url)

        def _rm(artefact, *args, **kwargs):
            check(artefact)
            return original_rm(artefact, *args, **kwargs)

        def _rmIfUnchanged(artefact, state):
            check(artefact)
            return original_rm_if_unchanged(artefact, state)

        def _rmdir(directory, *args, **kwargs):
            url = directory.abspath.rstrip("/")
            for child, (_, _, at_source) in log._expected.items():
                if child.startswith(url + "/") and at_source is not None and at_source() is not None:
                    log.violations.append(f"removed directory {url!r} while {child!r} was still in it")
            log.add("rmdir", url)
            return original_rmdir(directory, *args, **kwargs)

        self._monkeypatch.setattr(manager, "_rm", _rm)
        self._monkeypatch.setattr(manager, "_rmIfUnchanged", _rmIfUnchanged)
        self._monkeypatch.setattr(manager, "_rmdir", _rmdir)

    def index(self, what: str, where: str) -> int:
        return self.events.index((what, where))


def assert_nothing_lost(src, dst, tree: dict[str, bytes], under: str, empty_dirs=(), dst_under: str | None = None):
    """Every file is at its source or, complete and identical, at its destination."""
    dst_under = under if dst_under is None else dst_under
    for rel, data in tree.items():
        at_src, at_dst = src.read(f"{under}/{rel}"), dst.read(f"{dst_under}/{rel}")
        assert at_src in (None, data), f"{rel!r} changed at its source"
        assert at_dst in (None, data), f"{rel!r} is incomplete or wrong at its destination"
        assert data in (at_src, at_dst), f"{rel!r} is lost: at neither end"
        if at_src is not None:
            # Whatever is left keeps its directory (on local disk: as a directory).
            assert src.exists(under), f"{under!r} was removed with {rel!r} in it"
    for rel in empty_dirs:
        assert src.exists(f"{under}/{rel}") or dst.exists(f"{dst_under}/{rel}"), f"empty directory {rel!r} lost"
    assert not src.leftovers() and not dst.leftovers()


PAIRS = [("fs", "fs"), ("fs", "s3"), ("s3", "fs"), ("s3", "s3")]
pair_ids = [f"{a}-to-{b}" for a, b in PAIRS]
pairs = pytest.mark.parametrize("src_kind,dst_kind", PAIRS, ids=pair_ids)
