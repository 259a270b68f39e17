"""Source directories during a job, and when each may be closed.

Each directory the planner walks gets a :class:`~.model.DirState` counting its
children still pending. Closing it (giving an empty directory its marker on
S3, removing a moved one from its source) happens exactly once: when its walk
is *sealed* (the planner will add no more children) and its last child is
through, decided under the job's lock by whichever thread is last. A directory
with a failed, skipped or cancelled child is kept, and so is every directory
above it.
"""

from __future__ import annotations

from ..managers import exceptions
from .ledger import Ledger
from .model import DirState, Target


def count_child(ledger: Ledger, parent: DirState) -> None:
    """One more child of ``parent`` is on its way (it will call :func:`child_done`)."""
    with ledger.lock:
        parent.children += 1
        parent.pending += 1


def seal_all(ledger: Ledger) -> None:
    """The walk is over: seal every directory, deepest first."""
    for state in reversed(ledger.directories):
        seal(ledger, state)


def seal(ledger: Ledger, state: DirState) -> None:
    with ledger.lock:
        state.sealed = True
        ready = _ready(state)
    if ready:
        close(ledger, state)


def _ready(state: DirState) -> bool:
    """Under the lock: True exactly once, when the directory can be closed."""
    if state.finished or not state.sealed or state.pending:
        return False
    state.finished = True
    return True


def _keep(state: DirState) -> None:
    """Under the lock: mark ``state`` and every directory above it as not to be removed."""
    node = state
    while node is not None:
        node.failed = True
        node = node.parent


def child_failed(ledger: Ledger, state: DirState) -> None:
    """Keep ``state`` and every directory above it (without closing any)."""
    with ledger.lock:
        _keep(state)


def child_done(ledger: Ledger, state: DirState, ok: bool) -> None:
    """A child of ``state`` is through (``ok``: and gone from the source, for a move)."""
    with ledger.lock:
        if not ok:
            _keep(state)
        state.pending -= 1
        ready = _ready(state)
    if ready:
        close(ledger, state)


def close(ledger: Ledger, state: DirState) -> None:
    """All of a directory's children are through: finish it, then tell its parent."""
    ok = not state.failed and not ledger.cancelled
    source = state.source
    if state.refused is not None and state.children == 0:
        ledger.fail(source.abspath, None, state.refused)  # nothing below it said so
    try:
        if state.children == 0 and ok and state.manager.IMPLICIT_DIRECTORIES:
            state.manager.make_directory(state.target)  # an empty directory still needs its marker
            ledger.touch(state.manager, state.target)
        if ledger.kind == "move" and ok and state.residual:
            # What the first job skipped may still be in it: leave it then.
            ok = not source.manager.ls(source.path)
        if ledger.kind == "move" and ok:
            source.manager.rm(source)
            ledger.touch(source.manager, source.path)
    except exceptions.ArtefactNotFound:
        pass  # already gone (S3: a directory goes with its last object)
    except Exception as error:
        ok = False
        ledger.fail(source.abspath, state.manager.url(state.target), error,
                    Target(source, state.manager, state.target, state.parent))
    if state.parent is not None:
        child_done(ledger, state.parent, ok)


def adopt(ledger: Ledger, targets: list[Target]) -> list[Target]:
    """Another job's failed targets for a retry, with fresh copies of their directories."""
    copies: dict[int, DirState] = {}

    def copy(state: DirState | None) -> DirState | None:
        if state is None:
            return None
        if id(state) not in copies:
            parent = copy(state.parent)  # parents first, so they are sealed last
            copies[id(state)] = DirState(
                state.source, state.manager, state.target, parent, residual=True, within=state.within
            )
            ledger.directories.append(copies[id(state)])
            if parent is not None:
                count_child(ledger, parent)  # it reports to its parent when it closes
        return copies[id(state)]

    return [Target(t.source, t.manager, t.path, copy(t.parent), resume=True, within=t.within) for t in targets]
