"""One file from any manager to any other, by the cheapest route there is.

This is storage-layer logic (which hooks to chain for a pair of managers),
so it lives here; the job engine calls it once per file.

Everything that decides how one file is written (no-replace, the queue's request
slots, a staging name, progress, cancel, what the source was when read) travels in
one :class:`TransferRequest`, from the engine's task to :func:`transfer` to the
managers' hooks. :class:`RequestSlots` bounds the requests in flight; a ``SlowDown``
answer halves its window (:func:`throttled`).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Callable, Protocol

from . import exceptions
from .artefacts import File, Owner

if TYPE_CHECKING:
    from .anchored import Staged

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


class UploadLog(Protocol):
    """Who keeps the ids of the multipart uploads a write opens (``TransferRequest.uploads``)."""

    def opened(self, url: str, upload_id: str) -> None: ...

    def closed(self, upload_id: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class TransferRequest:
    """One file to write, and everything that decides how: made by the engine's task,
    handed to :func:`transfer` and from it to the managers' hooks (``request=``).

    Nothing else decides: no setting of the thread's, no global.
    """

    source: File
    #: The destination's manager and path.
    manager: Owner
    path: str
    #: Told of bytes moved (``callback(n)``).
    callback: Callable[[float], None] | None = None
    #: Set to stop the transfer (a ``threading.Event``).
    cancel: threading.Event | None = None
    #: Never replace what is at ``path`` by the time the write ends (``paths.DestinationTaken``).
    no_replace: bool = False
    #: The destination as it was when the decision to replace it was made (S3: size and
    #: ETag; local and SFTP: size, mtime_ns, inode where known): the write replaces only
    #: that, else ``exceptions.DestinationChanged`` and nothing is written. None: nothing
    #: to compare (``no_replace`` is set, or an overwrite that compared nothing).
    replaces: SourceState | None = None
    #: The queue's request slots: each request the transfer makes takes one (None: no limit).
    slots: RequestSlots | None = None
    #: The new local file the caller puts in place on success (``LocalManager.staging``): a
    #: download writes its bytes into ``staged.handle`` rather than staging them again.
    staged: Staged | None = None
    #: What a move read of its source (None for a copy): the source is deleted only while
    #: it is still this (``Manager.remove_if_unchanged``).
    source_state: SourceState | None = None
    #: The destination directory the write is held inside (a manager path of ``manager``;
    #: None: ``path``'s own directory). On local disk it is opened as given and every
    #: directory below it without following a link (:mod:`.anchored`): a link swapped in
    #: after planning is refused, never followed.
    within: str | None = None
    #: Told of the multipart uploads the write opens (``opened(url, upload_id)``) and of their
    #: end (``closed(upload_id)``), from whichever thread: a job's journal (None: nobody).
    uploads: UploadLog | None = None


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
        self.waiting = 0  # threads waiting for a slot
        self.peak = 0
        self.cuts = 0  # times the server's SlowDown halved ``allowed``
        self._doubling = True  # until the first SlowDown
        self._credit = 0
        self.quickest = float("inf")  # seconds: the shortest time a request held its slot
        self.smoothed = 0.0  # seconds: the recent requests' time in their slots (moving average)
        self._timed = 0  # requests that ended well, up to START: a first round is timed before growing

    def __enter__(self) -> RequestSlots:
        with self._condition:
            if self.held >= self.allowed:
                self.waiting += 1
                try:
                    while self.held >= self.allowed:
                        self._condition.wait()
                finally:
                    self.waiting -= 1
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


def _check(cancel, source: File) -> None:
    """Nothing is put in place once cancelled (a late end of abandoned work is dropped)."""
    if cancel is not None and cancel.is_set():
        raise exceptions.OperationCancelled(f"The transfer of {source.abspath} was cancelled")


def transfer(request: TransferRequest) -> None:
    """Write one file as ``request`` says, by the cheapest route for its pair of managers:
    a copy inside one manager, an upload from local disk, a download into the local
    manager's staged file (handed to the download as ``request.staged``), else a
    download to a temporary file and an upload of it (each half counting half the bytes).

    A file at the destination by the time the write ends is not replaced when
    ``request.no_replace`` (the manager raises ``paths.DestinationTaken``), nor,
    when ``request.replaces``, unless it is still that file (managers that can tell:
    ``paths.DestinationChanged``).
    """
    source, manager, path, cancel = request.source, request.manager, request.path, request.cancel
    source_manager = source.manager
    if source_manager is manager:
        manager.copy_within(source, path, request)
    elif source_manager.IS_LOCAL:
        manager.upload(source_manager.url(source.path), path, request)
    elif manager.IS_LOCAL:
        with manager.staging(path, no_replace=request.no_replace, replaces=request.replaces,
                             within=request.within) as staged:
            source_manager.download(source, staged.destination, dataclasses.replace(request, staged=staged))
            _check(cancel, source)
    else:
        callback = request.callback
        half = dataclasses.replace(request, callback=(lambda n: callback(n / 2)) if callback else None)
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, "part")
            source_manager.download(source, local, half)
            _check(cancel, source)
            manager.upload(local, path, half)
