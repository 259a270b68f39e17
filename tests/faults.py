"""Local disks that fail: a read-only one, and a small one that fills up.

Both are real tmpfs mounts when this machine lets us mount (a root sandbox
does); otherwise the same failures are raised at the write call itself
(``open`` for writing, ``mkdir``), so the tests assert the same things either
way and never skip. ``Disk.mounted`` says which one a test got.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import subprocess


class Disk:
    def __init__(self, path: str, mounted: bool):
        self.path = path
        self.mounted = mounted

    def used(self) -> int:
        """Bytes in use (a fresh tmpfs uses 0)."""
        total = 0
        for root, _, names in os.walk(self.path):
            for name in names:
                total += os.lstat(os.path.join(root, name)).st_size
        return total


def _mount(path: str, options: str) -> bool:
    try:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", path],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _umount(path: str) -> None:
    subprocess.run(["umount", path], capture_output=True, timeout=10)


def _under(path, root: str) -> bool:
    if isinstance(path, int):
        return False
    path = os.path.abspath(os.fsdecode(path))
    return path == root or path.startswith(root + os.sep)


def _writing(mode: str) -> bool:
    return any(flag in mode for flag in "wax+")


class _FillingFile:
    """A file object whose writes fail with ENOSPC once the disk's budget is spent."""

    def __init__(self, handle, budget: list[int]):
        self._handle = handle
        self._budget = budget

    def write(self, data):
        if len(data) > self._budget[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._budget[0] -= len(data)
        return self._handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


@contextlib.contextmanager
def read_only_disk(path, monkeypatch, prepare=lambda root: None):
    """A read-only disk at ``path``; ``prepare(root)`` runs while it is still writable."""
    root = os.path.abspath(os.fspath(path))
    os.makedirs(root, exist_ok=True)
    mounted = _mount(root, "size=4m")
    try:
        prepare(root)
        if mounted and not _mount(root, "remount,ro"):
            raise RuntimeError(f"could not remount {root} read-only")
        if not mounted:
            real_open, real_mkdir = builtins.open, os.mkdir

            def refusing_open(file, mode="r", *args, **kwargs):
                if _writing(mode) and _under(file, root):
                    raise OSError(errno.EROFS, os.strerror(errno.EROFS), file)
                return real_open(file, mode, *args, **kwargs)

            def refusing_mkdir(name, *args, **kwargs):
                if _under(name, root):
                    raise OSError(errno.EROFS, os.strerror(errno.EROFS), name)
                return real_mkdir(name, *args, **kwargs)

            monkeypatch.setattr(builtins, "open", refusing_open)
            monkeypatch.setattr(os, "mkdir", refusing_mkdir)
        yield Disk(root, mounted)
    finally:
        if mounted:
            _umount(root)


@contextlib.contextmanager
def small_disk(path, monkeypatch, size: int = 1024 * 1024):
    """A disk of ``size`` bytes at ``path`` that runs out of space."""
    root = os.path.abspath(os.fspath(path))
    os.makedirs(root, exist_ok=True)
    mounted = _mount(root, f"size={size}")
    try:
        if not mounted:
            real_open = builtins.open
            budget = [size]

            def filling_open(file, mode="r", *args, **kwargs):
                handle = real_open(file, mode, *args, **kwargs)
                if _writing(mode) and _under(file, root):
                    return _FillingFile(handle, budget)
                return handle

            monkeypatch.setattr(builtins, "open", filling_open)
        yield Disk(root, mounted)
    finally:
        if mounted:
            _umount(root)
