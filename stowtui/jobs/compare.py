"""Comparing two directory levels: what a sync sends, keeps and may delete.

Pure: no I/O. It takes two listings of one level each, as sorted streams of
artefacts (``Manager.lsOrdered``: name order, a directory's name followed by
``/``), and walks them side by side like a merge, so neither level is ever
held whole here, and nothing is asked of a backend: every decision comes
from what the two listings said (size, modification time, ETag).

A file present on both sides is decided by, in order:

1. ``comparator(source, destination)`` when one is given: True means they
   hold the same thing (nothing to send), False that the source is sent;
2. with ``check_modified_times`` (stow's rule): a source modified after its
   destination is sent; a destination as new or newer is kept as it is,
   whatever its size (``KEPT`` where the sizes differ);
3. otherwise: a different size, or single-part ETags (MD5s, both sides on
   S3) that differ, and it is sent.

Where both ETags are single-part and equal the files are the same, whatever
their times say.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Callable, Iterable, Iterator

from ..managers import Artefact, Directory, File, Manager

#: ``comparator(source, destination) -> bool``: True when the two files hold the same thing.
Comparator = Callable[[File, File], bool]


class Outcome(str, enum.Enum):
    MISSING = "missing"  # only at the source: sent
    DIFFERENT = "different"  # on both sides, the source to be sent over the destination
    SAME = "same"  # on both sides, nothing to do
    KEPT = "kept"  # different, but the destination is newer: kept (check_modified_times)
    EXTRA = "extra"  # only at the destination: deleted by a sync with delete=True
    CLASH = "clash"  # a file on one side, a directory of that name on the other (name order only)

    @property
    def sends(self) -> bool:
        return self in (Outcome.MISSING, Outcome.DIFFERENT)


@dataclasses.dataclass(frozen=True)
class Difference:
    """One name of a level and what the comparison found for it."""

    name: str
    outcome: Outcome
    source: Artefact | None
    destination: Artefact | None

    @property
    def is_directory(self) -> bool:
        return isinstance(self.source if self.source is not None else self.destination, Directory)


def key_order(artefact: Artefact) -> str:
    """S3's order: by name, a directory's with ``/`` after it (a prefix sorts as its key)."""
    name = artefact.basename
    return name + "/" if isinstance(artefact, Directory) else name


def name_order(artefact: Artefact) -> str:
    """By name alone: a file and a directory of one name meet (where one store cannot hold both)."""
    return artefact.basename


def ordering(source: Manager, destination: Manager) -> Callable[[Artefact], str]:
    """The order both listings of a comparison are taken in: S3's wherever a key store
    is on either side (it lists in no other), by name otherwise."""
    if source.IMPLICIT_DIRECTORIES or destination.IMPLICIT_DIRECTORIES:
        return key_order
    return name_order


def single_part(etag: str | None) -> str | None:
    """An ETag that is the MD5 of the bytes (not a multipart ``...-N`` one), without its quotes."""
    if not etag or "-" in etag:
        return None
    return etag.strip('"')


def compare_files(source: File, destination: File, check_modified_times: bool = True,
                  comparator: Comparator | None = None) -> Outcome:
    """SAME, DIFFERENT (send) or KEPT for one file found on both sides."""
    if comparator is not None:
        return Outcome.SAME if comparator(source, destination) else Outcome.DIFFERENT
    one, other = single_part(source.etag), single_part(destination.etag)
    if one and other and source.size == destination.size and one == other:
        return Outcome.SAME
    if check_modified_times:
        mine, theirs = source.modifiedTime, destination.modifiedTime
        if mine is not None and theirs is not None:
            if mine > theirs:
                return Outcome.DIFFERENT
            return Outcome.KEPT if source.size != destination.size else Outcome.SAME
    if source.size != destination.size:
        return Outcome.DIFFERENT
    if one and other and one != other:
        return Outcome.DIFFERENT
    return Outcome.SAME


def _pairs(source: Iterable[Artefact], destination: Iterable[Artefact],
           order: Callable[[Artefact], str]) -> Iterator[tuple[Artefact | None, Artefact | None]]:
    """Merge two streams sorted by ``order``: (source or None, destination or None)."""
    left, right = iter(source), iter(destination)
    a = next(left, None)
    b = next(right, None)
    while a is not None or b is not None:
        ka = order(a) if a is not None else None
        kb = order(b) if b is not None else None
        if kb is None or (ka is not None and ka < kb):
            yield a, None
            a = next(left, None)
        elif ka is None or kb < ka:
            yield None, b
            b = next(right, None)
        else:
            yield a, b
            a, b = next(left, None), next(right, None)


def compare_levels(source: Iterable[Artefact], destination: Iterable[Artefact], *, order=key_order,
                   check_modified_times: bool = True, comparator: Comparator | None = None) -> Iterator[Difference]:
    """Every name of two levels sorted by ``order`` with its :class:`Outcome`, in that order.

    A directory on both sides is SAME here (its contents are a level of their
    own). In :func:`name_order` a file on one side and a directory of that name
    on the other meet: a CLASH (in :func:`key_order` they are two names).
    """
    for one, other in _pairs(source, destination, order):
        name = (one if one is not None else other).basename
        if one is not None and other is not None and isinstance(one, Directory) != isinstance(other, Directory):
            yield Difference(name, Outcome.CLASH, one, other)
        elif other is None:
            yield Difference(name, Outcome.MISSING, one, None)
        elif one is None:
            yield Difference(name, Outcome.EXTRA, None, other)
        elif isinstance(one, Directory):
            yield Difference(name, Outcome.SAME, one, other)
        else:
            outcome = compare_files(one, other, check_modified_times, comparator)
            yield Difference(name, outcome, one, other)
