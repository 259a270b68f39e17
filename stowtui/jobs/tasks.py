"""Per-file tasks, each run on the queue's pool by one worker thread.

* :func:`copy_file` copies or moves one file. A move is put, verify, then
  delete the source, in this order, all inside this one task: the source goes
  only once its copy was found at the destination with the right size (and
  checksum, where both sides have a single-part one). A file that was free
  when the planner checked is never replaced by this copy (``no_replace``):
  if one appeared meanwhile, it stays, and so does the source (a skip). The
  task releases its claim on the destination path when it is over.
* :func:`delete` deletes one artefact (a directory with everything in it).

Every byte goes through :func:`transfer` (``stowtui.managers.transfer``), which
picks the cheapest route between two managers; tests replace it here, as
``stowtui.jobs.tasks.transfer``.
"""

from __future__ import annotations

import dataclasses

from ..managers import Artefact, File, Manager, exceptions, paths
from ..managers.transfer import TransferRequest, changed, transfer
from . import directories
from .ledger import Ledger
from .model import Target, as_artefact, name_of


def copy_file(ledger: Ledger, target: Target) -> None:
    """Copy (or move) one file; a failure is recorded, never raised."""
    ok = started = False
    try:
        if not ledger.cancelled:
            started = True
            with ledger.working_on(target.source.abspath):
                ok = _copy(ledger, target)
    finally:
        ledger.release(target, wrote=started)
        if target.parent is not None:
            directories.child_done(ledger, target.parent, ok)


def _copy(ledger: Ledger, target: Target) -> bool:
    """Put (or rename), verify, then delete the source: True if all of it was done."""
    source, manager, path = target.source, target.manager, target.path
    moved = 0.0
    state = None  # what a move read of its source (SourceState): it goes only while it is still that

    def advance(amount: float) -> None:
        nonlocal moved
        moved += amount
        with ledger.lock:
            ledger.meter.moved(amount)

    try:
        if target.written:
            if ledger.kind == "move":
                state = source.manager.source_state(source)
            advance(source.size)
        elif (
            ledger.kind == "move"
            and source.manager is manager
            and source.manager.rename(source, path, no_replace=target.no_replace, within=target.within)
        ):
            advance(source.size)
            target = dataclasses.replace(target, renamed=True)
        else:
            if ledger.kind == "move":
                state = source.manager.source_state(source)
            if ledger.journal is not None and (source.size or 0) >= getattr(manager, "MULTIPART_FROM", float("inf")):
                ledger.journal.sending(manager.url(path))  # its multipart upload, if one opens, is ours
            request = TransferRequest(source, manager, path, advance, ledger.cancel, no_replace=target.no_replace,
                                      slots=ledger.slots, source_state=state, within=target.within)
            with paths.owned_by(ledger.token):
                transfer(request)
        if ledger.kind == "move" and not target.renamed:
            # Put, verify, then delete: in this order, in this one task.
            verify(source, manager, path, state)
            if ledger.cancelled:
                raise exceptions.OperationCancelled(f"Cancelled before {source.abspath} was removed")
            source.manager.remove_if_unchanged(source, state)
            ledger.touch(source.manager, source.path)
        ledger.touch(manager, path)
        with ledger.lock:
            ledger.meter.files_done += 1
        ledger.complete(source.abspath)
        return True
    except BaseException as error:
        with ledger.lock:
            ledger.meter.bytes_done -= moved  # what was sent of it no longer counts
        if isinstance(error, paths.DestinationTaken) and ledger.conflict != "rename":
            # Someone else's file: kept, and so is ours, at its source ("rename" fails: retry).
            ledger.skip(source.abspath, manager.url(path),
                        f"{manager.url(path)} appeared while {source.abspath} was being written; "
                        "it was not replaced, and the source stays")
            return False
        # Stopped by this job's cancel: no failure. By anything else: one.
        if not (isinstance(error, exceptions.OperationCancelled) and ledger.cancelled):
            ledger.fail(source.abspath, manager.url(path), error, target)
        return False


def verify(source: File, manager: Manager, path: str, state=None) -> None:
    """The destination must exist with the size the source had when it was read
    (``state``, a ``SourceState``; else the source's listed size) before the source goes."""
    found = next(iter(manager.identify(path)), None)
    if not isinstance(found, File):
        raise exceptions.BackendError(
            f"Kept {source.abspath}: its copy at {manager.url(path)} could not be found after writing"
        )
    size = state.size if state is not None and state.size is not None else source.size
    if found.size != size:
        now = next(iter(source.manager.identify(source.path)), None) if state is not None else None
        if state is not None and (now is None or now.size != state.size):
            raise changed(source.abspath)  # a copy of a source that has changed since it was read
        raise exceptions.BackendError(
            f"Kept {source.abspath}: its copy at {manager.url(path)} has {found.size} bytes, not {size}"
        )
    if checksums_differ(source, found):
        raise exceptions.BackendError(
            f"Kept {source.abspath}: its copy at {manager.url(path)} has a different checksum"
        )


def checksums_differ(one: Artefact, other: Artefact) -> bool:
    """True when both have a single-part ETag (an MD5 of the bytes) and they differ.

    A multipart ETag (``...-3``) depends on the part size, so it proves nothing.
    """
    return bool(one.etag and other.etag and "-" not in one.etag + other.etag and one.etag != other.etag)


def delete(ledger: Ledger, artefact: Artefact | str) -> None:
    """Delete one artefact (or the URL of one); a failure is recorded, never raised."""

    def removed(count: int) -> None:
        with ledger.lock:
            ledger.meter.files_done += count
            ledger.meter.files_total += count

    with ledger.working_on(name_of(artefact)):
        try:
            if ledger.cancelled:
                return
            artefact = as_artefact(artefact)
            manager = artefact.manager
            manager.rm(artefact, recursive=True, callback=removed, cancel=ledger.cancel)
            ledger.touch(manager, artefact.path)
            with ledger.lock:
                ledger.meter.files_done += 1
        except exceptions.OperationCancelled:
            pass
        except BaseException as error:
            ledger.fail(name_of(artefact), None, error, artefact)
