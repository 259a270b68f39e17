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

from ..managers import Artefact, File, Manager, exceptions, location, paths
from ..managers.transfer import SourceState, TransferRequest, changed, transfer
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


#: The conflict policies by which a task decides again when the destination changed
#: since the planner compared it (``Target.policy``).
DECIDING = ("overwrite", "newer", "different")
#: How many times one task writes before it leaves a destination that keeps changing as it is.
ATTEMPTS = 3


class KeptByPolicy(paths.DestinationChanged):
    """A destination that changed since it was compared, looked at again and kept by the policy."""


def wins(policy: str, source: Artefact, existing: Artefact) -> bool:
    """Whether ``source`` is to replace the file ``existing`` by the conflict ``policy``."""
    if policy == "overwrite":
        return True
    if policy == "newer":
        return bool(source.modifiedTime and existing.modifiedTime and source.modifiedTime > existing.modifiedTime)
    if policy == "different":
        return getattr(source, "size", None) != getattr(existing, "size", None) or checksums_differ(source, existing)
    return False


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
        else:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    target, state = _put(ledger, target, advance)
                    break
                except paths.DestinationTaken as error:
                    # Not what the planner compared any more: decide again from a fresh look.
                    target = _decide_again(target, error, attempt)
                    with ledger.lock:
                        ledger.meter.bytes_done -= moved
                    moved = 0.0
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
            ledger.skip(source.abspath, manager.url(path), _not_replaced(error, source, manager.url(path)))
            return False
        # Stopped by this job's cancel: no failure. By anything else: one.
        if not (isinstance(error, exceptions.OperationCancelled) and ledger.cancelled):
            ledger.fail(source.abspath, manager.url(path), error, target)
        return False


def _put(ledger: Ledger, target: Target, advance) -> tuple[Target, object]:
    """Write the file at its destination, by a rename (a move within a manager that can)
    or a transfer: (the target, ``renamed`` if so; what a move read of its source)."""
    source, manager, path = target.source, target.manager, target.path
    if (
        ledger.kind == "move"
        and source.manager is manager
        and source.manager.rename(source, path, no_replace=target.no_replace, replaces=target.replaces,
                                  within=target.within)
    ):
        advance(source.size)
        return dataclasses.replace(target, renamed=True), None
    state = source.manager.source_state(source) if ledger.kind == "move" else None
    # A multipart upload it opens is recorded, by id, in the journal (a resume aborts it).
    big = (source.size or 0) >= getattr(manager, "MULTIPART_FROM", float("inf"))
    request = TransferRequest(source, manager, path, advance, ledger.cancel, no_replace=target.no_replace,
                              slots=ledger.slots, source_state=state, replaces=target.replaces,
                              uploads=ledger.journal if big else None, within=target.within)
    with paths.owned_by(ledger.token):
        transfer(request)
    return target, state


def _decide_again(target: Target, error: paths.DestinationTaken, attempt: int) -> Target:
    """The destination changed since it was compared (``error``): by the target's policy,
    the target to write now against what is there (compared again), or ``error`` raised
    again (the destination stays as it is: the policy keeps it, or it keeps changing)."""
    if target.policy is None or attempt >= ATTEMPTS:
        raise error
    source, manager = target.source, target.manager
    found = next((a for a in manager.identify(target.path) if isinstance(a, File)), None)
    if found is None:
        return dataclasses.replace(target, no_replace=True, replaces=None)
    if not wins(target.policy, source, found):
        raise KeptByPolicy(
            f"{manager.url(target.path)} changed while {source.abspath} was being written, and by the "
            f"policy \"{target.policy}\" it is kept; it was not replaced, and the source stays"
        ) from error
    return dataclasses.replace(target, no_replace=False, replaces=SourceState.of(found))


def _not_replaced(error: paths.DestinationTaken, source: Artefact, destination: str) -> str:
    """The sentence of a destination left as it is because another writer got there first."""
    if isinstance(error, KeptByPolicy):
        return str(error)
    if isinstance(error, paths.DestinationChanged):
        return (f"{destination} changed after it was compared, while {source.abspath} was being written; "
                "it was not replaced, and the source stays")
    return (f"{destination} appeared while {source.abspath} was being written; "
            "it was not replaced, and the source stays")


def abort_open_uploads(ledger: Ledger) -> None:
    """A resumed job: abort the multipart uploads its first run opened and left open (their
    ids are in its journal), and no other. One that cannot be aborted now is kept in the
    new journal, for the next resume (a lifecycle rule of the bucket may end it too)."""
    for upload_id, url in sorted(ledger.open_uploads.items()):
        try:
            manager, path = location(url)
            abort = getattr(manager, "abort_upload", None)
            if abort is not None:
                abort(path, upload_id)
        except exceptions.StowError:
            if ledger.journal is not None:
                ledger.journal.opened(url, upload_id)
    ledger.open_uploads = {}


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
