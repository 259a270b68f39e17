"""One file from any manager to any other, by the cheapest route there is.

This is storage-layer logic (which hooks to chain for a pair of managers),
so it lives here; the job engine calls it once per file.

Whether the write may replace a file already at the destination is the
keyword ``no_replace``; the job engine sets it for the task running in its
thread with :func:`no_replace` instead, so that ``transfer`` keeps the
five-argument shape that tests wrap (``stowtui.jobs.tasks.transfer``).
The requests a transfer may have in flight are bounded the same way: the
engine hands its :class:`RequestSlots` to the thread with :func:`request_slots`,
and managers that count their requests take one slot per request
(:func:`current_slots`). A download into a local manager's staging name is
marked with :func:`staged_for`, so a manager that stages its own downloads
(S3) writes that name directly (:func:`is_staged`).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import tempfile
import threading
import time
from typing import Iterator

from . import exceptions
from .artefacts import File, Owner

@dataclasses.dataclass(frozen=True)
class SourceState:
    """What a move read of its source: the source may go only while it is still this.

    S3 gives ``size`` and ``etag`` (of the listing or the GET); local disk and SFTP
    ``size``, ``mtime_ns`` and (local) ``inode``. A field that is None is not compared.
    """

    size: int | None = None
    etag: str | None = None
    mtime_ns: int | None = None
    inode: int | None = None

    @classmethod
    def of(cls, artefact) -> SourceState:
        """The state an artefact shows (from the listing or lookup that made it)."""
        modified = getattr(artefact, "_modified", None)
        if modified is not None and not isinstance(modified, (int, float)):
            modified = modified.timestamp()
        return cls(getattr(artefact, "size", None), getattr(artefact, "etag", None) or None,
                   None if modified is None else round(modified * 1e9), None)

    def differs(self, now: SourceState | None) -> bool:
        """Whether ``now`` (None: nothing there) is not the state this one recorded."""
        if now is None:
            return True
        return any(
            mine is not None and theirs is not None and mine != theirs
            for mine, theirs in zip(dataclasses.astuple(self), dataclasses.astuple(now))
        )


def changed(url: str) -> exceptions.SourceChanged:
    """The sentence of a move whose source changed while it was copied."""
    return exceptions.SourceChanged(f"{url} changed during the copy; kept at the source")


_no_replace: contextvars.ContextVar[bool] = contextvars.ContextVar("stowtui_no_replace", default=False)


#: The request slot the current thread holds (``slots``, and the cut it was taken after):
#: a thread holds at most one at a time, for the one request it makes.
_holding = threading.local()


class RequestSlots:
    """At most ``limit`` requests in flight, whichever threads make them, and
    fewer while the server says it is busy.

    A job queue of N workers has one: its workers take a slot for each small
    file's request, so ``--workers N`` means at most N of them at a time (the
    parts of big files have their own bound, ``s3.managed.PARTS_IN_FLIGHT``).

    How many of them may be taken at once (``allowed``) adapts, as TCP's window
    does: it starts at :data:`START` and grows by one for each request that ends
    well (doubling every round) up to ``limit``, but only on a link where even the
    quickest request takes :data:`GROW_ABOVE` or more (timed over a first round of
    START requests: the first ones, opening connections, are slow anywhere), and
    only while requests still
    take less than :data:`GROW_WHILE` times the quickest one seen: once they wait
    longer, more at once would only queue them at the server (or for the GIL),
    as on a loopback endpoint, whereas on a link where each request waits for the
    region they are still quick and the window grows. A request answered
    ``SlowDown`` (:meth:`throttled`, from the thread holding the slot) halves it,
    at most once for the requests that started since the last cut, and it then
    grows back by one a round. ``peak`` is the most slots ever held at once (for tests).
    """

    #: Slots allowed at first.
    START = 8
    #: The window grows only while a request's smoothed time in its slot is below this
    #: many times the quickest request's (TCP Vegas's rule, roughly).
    GROW_WHILE = 2.0
    #: ... and only if even the quickest request took this long (seconds): below it the
    #: endpoint is near (loopback, a LAN) and START requests at once already allow more
    #: than the client's own CPU sends (some 2 ms a small file), so more would only
    #: queue at the server: 64 in flight on loopback took up to 1.3x the time of 8.
    GROW_ABOVE = 0.010

    def __init__(self, limit: int, clock=time.monotonic) -> None:
        if limit < 1:
            raise ValueError(f"RequestSlots needs a limit of at least 1, not {limit}")
        self.limit = limit
        self._clock = clock
        self.allowed = min(limit, self.START)
        self._condition = threading.Condition(threading.Lock())
        self.held = 0
        self.peak = 0
        self.cuts = 0  # times the server's SlowDown halved ``allowed``
        self._doubling = True  # until the first SlowDown
        self._credit = 0
        self.quickest = float("inf")  # seconds: the shortest time a request held its slot
        self.smoothed = 0.0  # seconds: the recent requests' time in their slots (moving average)
        self._timed = 0  # requests that ended well, up to START: a first round is timed before growing

    def __enter__(self) -> RequestSlots:
        with self._condition:
            while self.held >= self.allowed:
                self._condition.wait()
            self.held += 1
            if self.held > self.peak:
                self.peak = self.held
            _holding.slots, _holding.cut = self, self.cuts
        _holding.since = self._clock()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        started_after = _holding.cut
        took = self._clock() - _holding.since
        _holding.slots = None
        with self._condition:
            self.held -= 1
            if kind is None:
                self._timed = min(self._timed + 1, self.START)
                self.quickest = min(self.quickest, took)
                self.smoothed = took if not self.smoothed else self.smoothed + (took - self.smoothed) / 8
            if (kind is None and self.allowed < self.limit and started_after == self.cuts
                    and self._timed >= self.START and self.GROW_ABOVE <= self.quickest and self.smoothed < self.GROW_WHILE * self.quickest):
                self._credit += 1
                if self._doubling or self._credit >= self.allowed:
                    self._credit = 0
                    self.allowed += 1
                    self._condition.notify()
            self._condition.notify()

    def throttled(self, started_after: int) -> None:
        """A request holding a slot since cut number ``started_after`` was answered ``SlowDown`` (503)."""
        with self._condition:
            if started_after != self.cuts:
                return  # started before the last cut: that cut answered it already
            self.cuts += 1
            self.allowed = max(1, self.allowed // 2)
            self._doubling = False
            self._credit = 0

    def __repr__(self) -> str:
        return f"<RequestSlots {self.held}/{self.allowed} of {self.limit}>"


def throttled() -> None:
    """Tell the slots the current thread holds a request slot of that its request was
    answered ``SlowDown``: called by a manager's client for each such answer."""
    holding = getattr(_holding, "slots", None)
    if holding is not None:
        holding.throttled(_holding.cut)


_slots: contextvars.ContextVar[RequestSlots | None] = contextvars.ContextVar("stowtui_slots", default=None)


@contextlib.contextmanager
def request_slots(slots: RequestSlots | None) -> Iterator[None]:
    """Within the block (in this thread), transfers count their requests against ``slots``."""
    token = _slots.set(slots)
    try:
        yield
    finally:
        _slots.reset(token)


def current_slots() -> RequestSlots | None:
    """The slots this thread's transfers take their requests from (None: no limit)."""
    return _slots.get()


_staged: contextvars.ContextVar[str | None] = contextvars.ContextVar("stowtui_staged", default=None)


@contextlib.contextmanager
def staged_for(local: str) -> Iterator[None]:
    """Within the block (in this thread), ``local`` is a temporary name that its
    caller puts in place on success and removes on failure (``LocalManager.staging``)."""
    token = _staged.set(local)
    try:
        yield
    finally:
        _staged.reset(token)


def is_staged(local: str) -> bool:
    """Whether a download to ``local`` may write it directly: it is already a
    temporary name (:func:`staged_for`), so staging it again would only add a
    name and a rename per file."""
    return _staged.get() == local


@contextlib.contextmanager
def no_replace(enabled: bool = True) -> Iterator[None]:
    """Within the block (in this thread), transfers never replace what is at their destination."""
    token = _no_replace.set(enabled)
    try:
        yield
    finally:
        _no_replace.reset(token)


def _check(cancel, source: File) -> None:
    """Nothing is put in place once cancelled (a late end of abandoned work is dropped)."""
    if cancel is not None and cancel.is_set():
        raise exceptions.OperationCancelled(f"The transfer of {source.abspath} was cancelled")


def transfer(
    source: File, manager: Owner, path: str, callback=None, cancel=None, no_replace: bool | None = None
) -> None:
    """Write one file to ``manager`` at ``path``.

    ``callback(n)`` is told of bytes moved; ``cancel`` (a ``threading.Event``)
    stops the transfer where the managers support it. ``no_replace``: a file
    that is at ``path`` by the time the write ends is not replaced (the
    manager raises ``paths.DestinationTaken``); None: as :func:`no_replace` says.
    """
    keep = _no_replace.get() if no_replace is None else no_replace
    source_manager = source.manager
    if source_manager is manager:
        manager.copy_within(source, path, callback, cancel, no_replace=keep)
    elif source_manager.IS_LOCAL:
        manager.upload(source_manager.url(source.path), path, callback, cancel, no_replace=keep)
    elif manager.IS_LOCAL:
        with manager.staging(path, no_replace=keep) as local, staged_for(local):
            source_manager.download(source, local, callback, cancel)
            _check(cancel, source)
    else:
        half = (lambda n: callback(n / 2)) if callback else None
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, "part")
            source_manager.download(source, local, half, cancel)
            _check(cancel, source)
            manager.upload(local, path, half, cancel, no_replace=keep)
