"""The rows of a pane, as plain objects: no Textual here, so thread workers build, filter and sort them.

A pane shows a flat list of rows (``StorageTree.rows``): the pane's directory first, then
its entries, each expanded directory followed by its own. An ``Entry`` is one row; a
directory that has been listed holds a ``Level``: the state of its listing, every entry
it listed (``listing``) and those it shows under the pane's filter and sort (``shown``).
Entries keep their identity across filters and sorts, so marks and open directories stay.
"""

from __future__ import annotations

from ..managers import Artefact, Directory

Spec = tuple[str, str, bool]  # what a level shows: sort, lower-case filter, hidden files shown


class Level:
    """The listing of a directory row: its state, what it listed, what it shows."""

    __slots__ = ("state", "count", "error", "generation", "view", "listing", "paged", "paged_by", "shown",
                 "open", "reopen", "ordered", "totals")

    def __init__(self) -> None:
        self.state = "unloaded"  # unloaded | loading | loaded | error
        self.count = 0
        self.error: str | None = None
        self.generation = 0
        self.view = 0  # the latest filter/sort job asked for this level: older answers are dropped
        self.listing: list[Entry] = []  # everything listed, hidden and filtered-out entries too
        #: While it loads: the visible rows listed so far, each page sorted under ``paged_by`` (sort, hidden);
        #: ``paged_by`` is None while a job sorts them again. The whole level is sorted once, at the end.
        self.paged: list[Entry] = []
        self.paged_by: tuple[str, bool] | None = ("name", False)
        self.shown: list[Entry] = []  # the rows under this one, in order
        self.open: set[Entry] = set()  # shown entries that are expanded (their rows follow theirs)
        self.reopen: frozenset[str] = frozenset()  # URLs expanded when a listing began: opened again after it
        #: Once loaded: ((sort, hidden), the visible rows sorted so), from a worker: a filter then only filters.
        self.ordered: tuple[tuple[str, bool], list[Entry]] | None = None
        self.totals = Totals()  # of ``shown``


class Entry:
    """One row: an artefact, where it sits, and (a listed directory) its level."""

    __slots__ = ("artefact", "parent", "depth", "expanded", "level", "hint")

    def __init__(self, artefact: Artefact, parent: Entry | None = None, depth: int = 0):
        self.artefact = artefact
        self.parent = parent
        self.depth = depth  # levels below the pane's directory
        self.expanded = False
        self.level: Level | None = None
        self.hint = -1  # the row it was last seen at (checked before use)

    def __repr__(self) -> str:
        return f"<Entry {self.artefact.abspath!r}>"

    @property
    def id(self) -> int:
        return id(self)

    @property
    def is_dir(self) -> bool:
        return isinstance(self.artefact, Directory)

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @property
    def is_expanded(self) -> bool:
        return self.expanded

    @property
    def children(self) -> list[Entry]:
        """The rows shown under this one (not the hidden or filtered-out ones)."""
        return self.level.shown if self.level is not None else []

    @property
    def state(self) -> str:
        return self.level.state if self.level is not None else "unloaded"

    @property
    def count(self) -> int:
        return self.level.count if self.level is not None else 0

    @property
    def error(self) -> str | None:
        return self.level.error if self.level is not None else None

    @property
    def is_last(self) -> bool:
        parent = self.parent
        return parent is None or parent.level is None or not parent.level.shown or parent.level.shown[-1] is self


class Totals:
    """Directories, files and the files' bytes of some rows (summed in a worker)."""

    __slots__ = ("dirs", "files", "size")

    def __init__(self, dirs: int = 0, files: int = 0, size: int = 0):
        self.dirs, self.files, self.size = dirs, files, size

    @classmethod
    def of(cls, rows: list[Entry], cancelled=None) -> Totals:
        """The totals of ``rows``, CHUNK rows between looks at ``cancelled`` (which may raise ``Cancelled``)."""
        dirs = size = 0
        for start in range(0, len(rows), CHUNK):
            _check(cancelled)
            for entry in rows[start:start + CHUNK]:
                artefact = entry.artefact
                if isinstance(artefact, Directory):
                    dirs += 1
                else:
                    size += getattr(artefact, "size", 0) or 0
        return cls(dirs, len(rows) - dirs, size)


def entries(artefacts, parent: Entry) -> list[Entry]:
    """Rows for a page of ``parent``'s listing."""
    depth = parent.depth + 1
    return [Entry(artefact, parent, depth) for artefact in artefacts]


#: Rows sorted or filtered between two looks at whether the job was cancelled. A sort holds
#: the GIL while it compares (C code): chunks this size keep each hold near 20 ms, so the
#: event loop answers keys while a worker sorts a million rows.
CHUNK = 1 << 15
SIZE_TOP = 10**16  # larger than any size: a size sorts descending as SIZE_TOP - size
TIME_TOP = 10**11  # the same for seconds since 1970


class Cancelled(Exception):
    """A worker's job was replaced by a newer one while it sorted or filtered."""


def sort_key(sort: str):
    """A function giving each row one string to sort by: directories first, then by ``sort``.

    Strings, not tuples: comparing them is about four times faster in C, which is what
    keeps a sort's hold on the GIL short. Each ends with the exact name, so no two rows of
    a level share a key.
    """

    def by_name(entry: Entry) -> str:
        artefact = entry.artefact
        name = artefact.basename
        return ("\x00" if isinstance(artefact, Directory) else "\x01") + name.lower() + "\x00" + name

    def by_size(entry: Entry) -> str:
        artefact = entry.artefact
        if isinstance(artefact, Directory):
            return "\x00" + artefact.basename.lower() + "\x00" + artefact.basename
        size = min(getattr(artefact, "size", 0) or 0, SIZE_TOP - 1)
        return f"\x01{SIZE_TOP - size:017d}{artefact.basename.lower()}\x00{artefact.basename}"

    def by_time(entry: Entry) -> str:
        artefact = entry.artefact
        stamp = max(-TIME_TOP + 1, min(artefact.modified_timestamp or 0, TIME_TOP - 1))
        kind = "\x00" if isinstance(artefact, Directory) else "\x01"
        return f"{kind}{TIME_TOP - stamp:021.6f}{artefact.basename.lower()}\x00{artefact.basename}"

    return {"size": by_size, "time": by_time}.get(sort, by_name)


def _check(cancelled) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled


def visible_rows(rows: list[Entry], hidden: bool) -> list[Entry]:
    """``rows`` without the hidden ones (names starting with a dot), unless they are shown."""
    return rows if hidden else [e for e in rows if not e.artefact.basename.startswith(".")]


def ordered(rows: list[Entry], sort: str, hidden: bool, cancelled=None) -> list[Entry]:
    """``rows`` without hidden ones (unless shown), sorted.

    A big level is sorted in CHUNK-sized runs, merged two by two (a merge of two sorted
    runs is linear), each step a short hold of the GIL; ``cancelled()`` is asked between steps.
    """
    rows = visible_rows(rows, hidden)
    key = sort_key(sort)
    if len(rows) <= CHUNK:
        return sorted(rows, key=key)
    keys = [key(e) for e in rows]
    at = keys.__getitem__
    runs = []
    for start in range(0, len(rows), CHUNK):
        _check(cancelled)
        runs.append(sorted(range(start, min(len(rows), start + CHUNK)), key=at))
    while len(runs) > 1:
        merged = []
        for index in range(0, len(runs), 2):
            _check(cancelled)
            merged.append(sorted(runs[index] + runs[index + 1], key=at) if index + 1 < len(runs) else runs[index])
        runs = merged
    return [rows[i] for i in runs[0]]


def in_pages(rows: list[Entry], sort: str, hidden: bool, size: int = 1000, cancelled=None) -> list[Entry]:
    """``rows`` (as listed) sorted page by page: how a level looks while it loads (sorted whole at the end)."""
    key = sort_key(sort)
    out: list[Entry] = []
    for start in range(0, len(rows), size):
        if start % CHUNK < size:
            _check(cancelled)
        out.extend(sorted(visible_rows(rows[start:start + size], hidden), key=key))
    return out


def matching(rows: list[Entry], needle: str, cancelled=None) -> list[Entry]:
    """The rows whose name holds ``needle`` (lower case), in their order, CHUNK rows between looks at ``cancelled``.

    As in mc, a filter is for files: directories stay, so an open one still shows what matches in it.
    """
    if not needle:
        return rows
    found: list[Entry] = []
    for start in range(0, len(rows), CHUNK):
        _check(cancelled)
        found.extend(e for e in rows[start:start + CHUNK]
                     if needle in e.artefact.basename.lower() or isinstance(e.artefact, Directory))
    return found


def is_below(entry: Entry, ancestor: Entry) -> bool:
    """Whether ``entry`` is a row somewhere under ``ancestor``."""
    parent = entry.parent
    while parent is not None and parent is not ancestor:
        parent = parent.parent
    return parent is ancestor


def span(entry: Entry) -> int:
    """How many rows follow ``entry``'s own that are below it (its open subtree)."""
    level = entry.level
    if level is None or not entry.expanded:
        return 0
    return len(level.shown) + sum(span(child) for child in level.open)


def flatten(entry: Entry) -> list[Entry]:
    """The rows below ``entry`` when expanded: its shown entries, each open one followed by its own."""
    level = entry.level
    if level is None:
        return []
    if not level.open:
        return list(level.shown)
    rows: list[Entry] = []
    start = 0
    shown = level.shown
    for index in sorted(shown.index(child) for child in level.open):
        rows.extend(shown[start:index + 1])
        rows.extend(flatten(shown[index]))
        start = index + 1
    rows.extend(shown[start:])
    return rows


def release(entry: Entry) -> None:
    """Let go of the rows below ``entry`` and below its open ones (their listings' answers are dropped).

    An entry and its parent refer to each other; once the lists holding a level's
    entries are dropped here, reference counting frees them at once, so a big level
    never waits for (or, frozen, escapes) the cyclic garbage collector.
    """
    stack = [entry]
    while stack:
        level = stack.pop().level
        if level is None:
            continue
        stack.extend(level.open)
        for child in level.open:
            child.expanded = False
        level.listing, level.paged, level.shown, level.open, level.ordered = [], [], [], set(), None
        level.generation = -1  # what a listing still running posts is dropped
