"""A storage plug-in for benchmarks: directories of any number of entries, no I/O.

``synthetic:///1000000`` is a directory of 1,000,000 files, listed in pages of
1,000 (as S3 lists), made up on the fly: nothing is read from disk or the
network, so a benchmark of the panes measures the UI and not a server.

- ``synthetic:///`` holds the directories ``1000``, ``100000`` and ``1000000``;
  any ``synthetic:///N`` (N a whole number) is a directory of N files.
- The files of ``/N`` are ``entry-0000000.dat`` ... (seven digits at least), in
  name order by default (like S3), sizes and times derived from the number; a
  file reads as its size in ``x`` bytes.
- Config (``registry.set_defaults("synthetic", ...)``): ``page_size`` (1,000),
  ``delay`` (seconds of sleep before each page, to stand for a network; 0) and
  ``shuffled`` (pages in a scrambled name order, as a local directory gives).
- Read-only: writes are refused with ``OperationNotPermitted``.

It is a plug-in like any other: a ``RemoteManager`` written to the guide's
hooks, found through the ``stow_managers`` entry point. :func:`install` makes
that entry point the way pip would (a ``*.dist-info`` directory on ``sys.path``)
for the running process.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import tempfile
import time
import urllib.parse

from stowtui.managers import exceptions, registry
from stowtui.managers.artefacts import Artefact, Directory, File
from stowtui.managers.manager import RemoteManager

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = (1_000, 100_000, 1_000_000)
#: 2026-01-01T00:00:00Z; entry i was modified i seconds later.
EPOCH = 1_767_225_600.0
NAME = re.compile(r"entry-(\d{7,})\.dat")


def entry_name(index: int) -> str:
    return f"entry-{index:07d}.dat"


def entry_size(index: int) -> int:
    return (index * 7919) % 1_000_003


class Synthetic(RemoteManager):
    """Directories of N made-up files: ``synthetic:///N``."""

    def __init__(self, page_size: int = 1000, delay: float = 0.0, shuffled: bool = False):
        super().__init__()
        self.page_size = int(page_size)
        self.delay = float(delay)
        self.shuffled = bool(shuffled)

    # Paths and config --------------------------------------------------

    def _abspath(self, managerPath: str) -> str:
        return "synthetic://" + managerPath

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        return {}, url.path or "/"

    def toConfig(self) -> dict:
        return {"manager": "synthetic", "page_size": self.page_size, "delay": self.delay, "shuffled": self.shuffled}

    @staticmethod
    def _count(managerPath: str) -> int | None:
        """N for ``/N``; None for anything else."""
        name = managerPath.strip("/")
        return int(name) if name.isdigit() and "/" not in name else None

    # Reading -----------------------------------------------------------

    def _file(self, directory: str, index: int) -> File:
        when = EPOCH + index
        return File(self, f"{directory}/{entry_name(index)}", entry_size(index), when, when)

    def _identifyPath(self, managerPath: str):
        if managerPath == "/" or self._count(managerPath) is not None:
            return Directory(self, managerPath)
        directory, _, name = managerPath.rpartition("/")
        count = self._count(directory)
        match = NAME.fullmatch(name)
        if count is None or match is None or int(match.group(1)) >= count or name != entry_name(int(match.group(1))):
            return None
        return self._file(directory, int(match.group(1)))

    def _order(self, count: int):
        if not self.shuffled:
            return range(count)
        # A fixed scramble: i -> i * step mod count, with step coprime to count (a permutation).
        step = 7_919
        while count > 1 and _gcd(step, count) != 1:
            step += 2
        return (i * step % count for i in range(count))

    def _lsPages(self, directory: str):
        if directory == "/":
            yield [Directory(self, f"/{size}") for size in SIZES]
            return
        count = self._count(directory)
        if count is None:
            raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(directory)}")
        page: list[Artefact] = []
        for index in self._order(count):
            page.append(self._file(directory, index))
            if len(page) >= self.page_size:
                self._wait()
                yield page
                page = []
        if page or not count:
            self._wait()
            yield page

    def _wait(self) -> None:
        if self.delay:
            time.sleep(self.delay)  # stands for a request's round trip

    def _ls(self, directory: str):
        return [a for page in self._lsPages(directory) for a in page]

    def _getBytes(self, source: Artefact) -> bytes:
        return b"x" * source.size

    def _get(self, source: Artefact, destination: str):
        if isinstance(source, Directory):
            raise exceptions.OperationNotPermitted("synthetic directories are not downloaded whole")
        with open(destination, "wb") as handle:
            handle.write(self._getBytes(source))

    # Writing: refused --------------------------------------------------

    def _refuse(self, *args, **kwargs):
        raise exceptions.OperationNotPermitted("synthetic:// is read-only (a benchmark's made-up entries)")

    _put = _putBytes = _cp = _mv = _rm = _refuse


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def install(site: str | None = None) -> str:
    """Make the ``synthetic`` entry point visible to this process, as pip would install it,
    in ``site`` (default: a new temporary directory, left for the process's life); returns it."""
    site = site or tempfile.mkdtemp(prefix="stowtui-synthetic-")
    info = os.path.join(site, "stowtui_synthetic_bench-1.0.dist-info")
    os.mkdir(info)
    with open(os.path.join(info, "METADATA"), "w") as handle:
        handle.write("Metadata-Version: 2.1\nName: stowtui-synthetic-bench\nVersion: 1.0\n")
    with open(os.path.join(info, "entry_points.txt"), "w") as handle:
        handle.write("[stow_managers]\nsynthetic = synthetic:Synthetic\n")
    for path in (site, HERE):
        if path not in sys.path:
            sys.path.insert(0, path)
    importlib.invalidate_caches()
    registry.rescan()
    return site
