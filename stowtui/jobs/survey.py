"""The survey: a job's sources listed ahead of its transfers, so that its total is
known early.

A listing is far faster than a copy: while the planner goes at the pace of the
transfers (its tasks in flight are bounded), the survey's own thread looks the
sources up and walks them into a bounded queue per directory
(:data:`LOOKAHEAD` entries ahead of the planner at most), counting files and
bytes as it goes. The planner takes each walk from there, so nothing is listed
twice. Once every source is listed the meter knows the job's total
(``Meter.listed``), and the row says "N/total files" long before the end.

A move within one manager is not walked ahead: it may be one rename, which lists
nothing.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from typing import Iterator

from ..managers import Directory, File
from .ledger import Ledger
from .model import Target, looked_up

#: Entries a walk may be ahead of the planner (a bound on the memory it holds).
LOOKAHEAD = 100_000
_END = object()


class Ahead:
    """A walk read ahead on another thread: iterate it as the walk itself."""

    def __init__(self, ledger: Ledger):
        self._queue: queue.Queue = queue.Queue(LOOKAHEAD)
        self._ledger = ledger
        self._dropped = False

    def drop(self) -> None:
        """The planner reads no more of it (done, or the directory was not walked)."""
        self._dropped = True

    def put(self, item) -> bool:
        """Queue one entry (False: the job was cancelled, or the planner dropped the walk)."""
        while not self._dropped:
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                if self._ledger.cancelled:
                    return False
        return False

    def __iter__(self) -> Iterator:
        while True:
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._ledger.cancelled:
                    return
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class Survey:
    """Looks up and lists a copy's or move's targets on its own thread."""

    def __init__(self, ledger: Ledger, targets: list[Target]):
        self.ledger = ledger
        self.targets = targets
        #: Per target: a future of (source artefact, its walk read ahead or None).
        self.found = [concurrent.futures.Future() for _ in targets]

    def start(self) -> Survey:
        threading.Thread(target=self._run, name="stowtui-survey", daemon=True).start()
        return self

    def _count(self, size: int) -> None:
        with self.ledger.lock:
            self.ledger.meter.found_files += 1
            self.ledger.meter.found_bytes += size or 0

    def _run(self) -> None:
        ledger = self.ledger
        complete = True
        for target, found in zip(self.targets, self.found):
            if ledger.cancelled:
                found.set_result(None)
                complete = False
                continue
            try:
                source, walk = target.source, None
                if isinstance(source, str):
                    source, walk = looked_up(source)
            except BaseException as error:
                found.set_exception(error)
                continue
            if isinstance(source, File):
                if not getattr(source, "special", None):
                    self._count(source.size)
                found.set_result((source, None))
                continue
            if not isinstance(source, Directory) or (
                ledger.kind == "move" and source.manager is target.manager
            ):
                found.set_result((source, walk))  # planned as before (perhaps one rename)
                complete = False
                continue
            ahead = Ahead(ledger)
            found.set_result((source, ahead))
            if not self._walk(source, walk, ahead):
                complete = False
        if complete and not ledger.cancelled:
            with ledger.lock:
                ledger.meter.listed = True

    def _walk(self, source: Directory, walk, ahead: Ahead) -> bool:
        """Read a directory's walk into ``ahead``, counting its files; True if it all was."""
        try:
            if walk is None:
                walk = source.manager.walk(source.path)  # listed now, not what a view listed a while ago
            for artefact in walk:
                if isinstance(artefact, File) and not getattr(artefact, "special", None) \
                        and not getattr(artefact, "marker", False):
                    self._count(artefact.size)
                if not ahead.put(artefact):
                    return False
        except Exception as error:
            ahead.put(error)
            return False
        ahead.put(_END)
        return True
