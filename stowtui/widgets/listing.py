"""How a pane fills its rows: listings, filters and sorts in thread workers, answered by messages.

A listing runs in a thread worker through the manager's batched, paged listing
(``Manager.lsPages``); each page comes back as rows built and filtered in the worker
and is spliced in as it arrives, so a big S3 prefix shows its first thousand entries at
once and keeps filling in. A filter or sort of a level runs in a thread worker over the
level's rows; the answer replaces the level's rows in one step. Every answer carries the
generation (listing) and view (filter/sort job) it was made for: a stale one is dropped.
"""

from __future__ import annotations

import gc
import itertools
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Protocol

from rich.text import Text
from textual.message import Message
from textual.worker import get_current_worker

from ..managers import Artefact
from ..managers.exceptions import StowError
from ..messages import TrustAsked
from ..text import visible
from .rows import Cancelled, Entry, Spec, Totals, entries, in_pages, is_below, matching, ordered, release, sort_key
from .storage_tree import StorageTree


#: Rows listed since the garbage collector last moved what exists to its permanent generation.
_unsettled = 0
SETTLE_EVERY = 5_000


def settle(rows: int) -> None:
    """Every SETTLE_EVERY rows listed, ``gc.freeze()``: what exists now is never scanned again.

    CPython's full collection walks every tracked object; at a million rows (two objects
    each, entry and artefact) that froze the screen for 0.6 s several times while a level
    filled. Freezing is O(1). Rows let go of are still freed by reference counting (``release``
    breaks the entry/parent cycles first); what a frozen cycle holds stays until exit, which
    bounds the cost to the garbage of the seconds before a freeze.
    """
    global _unsettled
    _unsettled += rows  # from worker threads: a lost update only moves the next freeze
    if _unsettled >= SETTLE_EVERY:
        _unsettled = 0
        gc.freeze()


#: A listing worker leaves the interpreter to the event loop for this share of the CPU time it
#: spent on each page (the thread's own clock: a page that waited on the network or a disk has
#: let the loop run already, and costs no sleep). A source that never waits would otherwise
#: hold the GIL every turn the loop does not, and each frame and key would take twice as long.
YIELD_SHARE = 1.0
#: ... once a level has more rows than this: a directory of a few thousand entries (or twenty
#: thousand, in a quarter of a second) lists at full speed.
SHARE_AFTER = 20_000


def share_the_gil(started: float, listed: int = SHARE_AFTER + 1) -> float:
    """After a page whose work began at thread CPU time ``started``, ``listed`` rows so far:
    sleep YIELD_SHARE of the CPU it used (at most 50 ms); the thread CPU time to start the
    next page from."""
    used = time.thread_time() - started
    if used > 0.0005 and listed > SHARE_AFTER:
        time.sleep(min(used * YIELD_SHARE, 0.05))
    return time.thread_time()


def pacer(worker, rows: int = SHARE_AFTER + 1) -> Callable[[], bool]:
    """A ``cancelled`` for the chunked loops of ``rows`` that also shares the GIL between chunks
    (``share_the_gil``, for a level of ``rows``): for the jobs that run while a level loads."""
    started = time.thread_time()

    def between() -> bool:
        nonlocal started
        started = share_the_gil(started, rows)
        return worker.is_cancelled

    return between


#: Pages listed within this long of the last one sent are sent together: a local listing makes
#: a page in a millisecond, and a message per page would keep the screen from ever refreshing.
PAGE_INTERVAL = 0.05


class Batch:
    """Pages a listing worker holds until PAGE_INTERVAL has passed (the first goes at once) and
    the event loop has taken in the batch before (``handled``).

    So at most one batch waits in the pane's queue: a key pressed while a level fills waits
    behind one batch, not behind every page the worker listed while the loop was busy (the
    batches grow instead, and there are fewer of them).
    """

    def __init__(self, due: float = 0.0, after: threading.Event | None = None):
        self.page: list[Entry] = []
        self.sorted: list[Entry] = []
        self.spec: Spec | None = None
        self.due = due
        self.after = after  # set once the loop has taken in the previous batch
        self.handled = threading.Event()

    def ready(self) -> bool:
        return time.monotonic() >= self.due and (self.after is None or self.after.is_set())

    def add(self, page: list[Entry], page_sorted: list[Entry], spec: Spec) -> None:
        self.page.extend(page)
        self.sorted.extend(page_sorted)  # each page sorted, as the pane shows a level while it loads
        self.spec = spec


class Owner(Protocol):
    """What a ``Loader`` needs of the widget that owns it (``Pane``)."""

    tree: StorageTree
    sort: str
    show_hidden: bool
    filter_text: str

    @property
    def status(self) -> Any: ...

    def update_status(self) -> None: ...

    def run_worker(self, work: Callable[[], None], **options: Any) -> Any: ...

    def post_message(self, message: Message) -> bool: ...


class Loader:
    """A pane's listings, filters and sorts: the thread workers and what their answers change.

    The pane owns one (``pane.loader``) and hands it its messages (``Loader.PageListed`` ...,
    posted to the pane by the workers). It reads the pane's ``tree``, ``status``, ``sort``,
    ``show_hidden`` and ``filter_text`` and calls ``pane.update_status``.
    """

    @dataclass
    class PageListed(Message, bubble=False):
        """A page of a level's listing, from the worker: ``page`` its rows as listed, ``sorted`` the
        visible ones sorted under ``spec`` (unfiltered); ``handled`` is set by the handler: the worker
        may send the next."""

        node: Entry
        generation: int
        page: list[Entry]
        sorted: list[Entry]
        spec: Spec
        handled: threading.Event = field(default_factory=threading.Event)

    @dataclass
    class ListingDone(Message, bubble=False):
        """A level's listing ended (``error`` says why, if it failed), from the worker.

        ``rows``: the whole level as shown under ``spec``; ``whole``: all of it sorted, unfiltered;
        ``found``: entries asked for by URL (no trailing /).
        """

        node: Entry
        generation: int
        error: str | None
        rows: list[Entry] | None = None
        spec: Spec | None = None
        whole: list[Entry] | None = None
        totals: Totals | None = None
        found: dict[str, Entry] = field(default_factory=dict)

    @dataclass
    class ViewReady(Message, bubble=False):
        """A level's rows under ``spec`` (job ``view``), from a worker: ``rows`` shown, made from ``base``.

        ``base``: while the level loads, its first ``upto`` listed rows sorted page by page (``rebuilt``
        when the sort changed); once loaded, the whole level sorted.
        """

        node: Entry
        generation: int
        view: int
        rows: list[Entry]
        spec: Spec
        base: list[Entry]
        upto: int
        rebuilt: bool

    @dataclass
    class TotalsReady(Message, bubble=False):
        """What the rows of a view add up to (the status line's counts), from the same worker, after its rows."""

        node: Entry
        generation: int
        view: int
        totals: Totals

    def __init__(self, pane: Owner):
        self.pane = pane
        self._generations = itertools.count(1)
        self._views = itertools.count(1)
        #: URLs of entries marked before their level was listed again: marked again as they come back.
        self._keep_marks: set[str] = set()
        #: Where the cursor goes when a listing ends: (entry URL, else this index, in the directory URL).
        self._landing: tuple[str, int, str] | None = None
        self.shown_spec: Spec = ("name", "", False)

    @property
    def tree(self) -> StorageTree:
        return self.pane.tree

    def spec(self) -> Spec:
        """What levels show now, on the event loop (workers read ``shown_spec``, set from this)."""
        pane = self.pane
        spec = (pane.sort, pane.filter_text.lower(), pane.show_hidden)
        self.shown_spec = spec  # one tuple, replaced whole: a worker reads it without touching the widget
        return spec

    def forget_marks(self) -> None:
        """The pane shows another directory: marks kept for a listing again are let go."""
        self._keep_marks.clear()

    # Listing -----------------------------------------------------------

    def load(self, node: Entry, land: str | None = None) -> None:
        """List ``node``'s level (again), in a thread worker; ``land``: the URL to put the cursor on."""
        level = node.level
        if level is None:
            return
        self._remember_cursor(node, land)
        self._remember_marks(node)
        level.reopen = frozenset(child.artefact.abspath for child in level.open) or level.reopen  # kept by a collapse
        self.tree.clear_children(node)
        release(node)
        level.generation = next(self._generations)
        level.state = "loading"
        level.count = 0
        level.error = None
        level.totals = Totals()
        level.paged_by = (self.pane.sort, self.pane.show_hidden)
        level.view = next(self._views)  # a filter or sort job of the old listing is answered to nobody
        self.tree.refresh_node(node)
        # One listing per level: a new one cancels the one before (exclusive), and the group lets
        # a collapse cancel it. Workers of a group are per pane.
        self.pane.run_worker(
            partial(self._list, node, node.artefact, level.generation, self._wanted(node)),
            group=self.group(node), description=node.artefact.abspath,
            thread=True, exclusive=True, exit_on_error=False,
        )
        self.pane.status.update(Text(f"Listing {visible(node.artefact.abspath)}…"))

    @staticmethod
    def group(node: Entry) -> str:
        """The worker group of ``node``'s listing (a collapse cancels it)."""
        return f"list:{id(node)}"

    def _remember_cursor(self, node: Entry, land: str | None) -> None:
        """Before ``node`` is listed again: where its cursor is to go back to (or ``land``)."""
        here = node.artefact.abspath
        if land is not None:
            self._landing = (land, -1, here)
            return
        cursor = self.tree.cursor_node
        if cursor is None or not is_below(cursor, node):
            return  # the cursor is on ``node`` or elsewhere
        level = cursor.parent
        self._landing = (cursor.artefact.abspath, level.children.index(cursor), level.artefact.abspath)

    def _remember_marks(self, node: Entry) -> None:
        """Before ``node``'s rows are replaced: the marks below it, to put back on the same entries."""
        self._keep_marks.update(marked.artefact.abspath for marked in self.tree.marked.values()
                                if is_below(marked, node))

    def _wanted(self, node: Entry) -> frozenset[str]:
        """The URLs a listing of ``node`` is to find for the event loop: entries to open again, the landing."""
        wanted = {url.rstrip("/") for url in node.level.reopen}
        if self._landing is not None and _same(self._landing[2], node.artefact.abspath):
            wanted.add(self._landing[0].rstrip("/"))
        return frozenset(wanted)

    def _list(self, node: Entry, directory: Artefact, generation: int, wanted: frozenset[str] = frozenset()) -> None:
        """In a thread: post the pages of ``directory`` as rows as they come, then how it ended.

        ``wanted``: URLs of entries to find in the listing (a pass here, not on the event loop).
        """
        worker = get_current_worker()
        everything: list[Entry] = []
        paged: list[Entry] = []  # each page sorted: often the whole level in order already (S3 keys are)
        by: tuple[str, bool] | None = None
        in_order = True
        batch = Batch()
        started = time.thread_time()
        try:
            for page in directory.manager.lsPages(directory.path):
                if worker.is_cancelled:
                    return
                started = share_the_gil(started, len(everything))
                made = entries(page, node)
                everything.extend(made)
                settle(len(made))  # here, where the objects are made: the event loop may be pages behind
                spec = self.shown_spec
                sort, _, hidden = spec
                page_sorted = ordered(made, sort, hidden)
                if by != (sort, hidden):
                    in_order, by = by is None, (sort, hidden)
                if in_order and paged and page_sorted:
                    key = sort_key(sort)
                    in_order = key(paged[-1]) <= key(page_sorted[0])
                paged.extend(page_sorted)
                if batch.spec is not None and batch.spec != spec:
                    batch = self._post_batch(node, generation, batch)
                batch.add(made, page_sorted, spec)
                if batch.ready():
                    batch = self._post_batch(node, generation, batch)
            if worker.is_cancelled:
                return
            self._post_batch(node, generation, batch)
            spec = self.shown_spec
            sort, needle, hidden = spec
            # The whole level sorted here, not on the event loop (and not at all when the pages were
            # in order), filtered and counted: a big level's end shares the GIL too.
            cancelled = pacer(worker, len(everything))
            whole = paged if in_order and by == (sort, hidden) else ordered(everything, sort, hidden, cancelled)
            rows = matching(whole, needle, cancelled)
            totals = Totals.of(rows, cancelled)
        except Cancelled:
            return
        except StowError as error:
            error_text = str(error)
            if callable(getattr(error, "trust", None)):  # an unknown SSH host key: the user may trust it
                self.pane.post_message(TrustAsked(self.pane, error))
        except Exception as error:  # never a traceback: a message in the pane
            error_text = f"{type(error).__name__}: {error}"
        else:
            found = {}
            if wanted:
                for entry in everything:
                    url = entry.artefact.abspath.rstrip("/")
                    if url in wanted:
                        found[url] = entry
            self.pane.post_message(self.ListingDone(node, generation, None, rows, spec, whole, totals, found))
            return
        self.pane.post_message(self.ListingDone(node, generation, error_text))

    def _post_batch(self, node: Entry, generation: int, batch: Batch) -> Batch:
        """Send the pages held (if any); the next batch, due in PAGE_INTERVAL."""
        if not batch.page:
            return Batch(time.monotonic() + PAGE_INTERVAL, batch.after)
        self.pane.post_message(self.PageListed(node, generation, batch.page, batch.sorted, batch.spec, batch.handled))
        return Batch(time.monotonic() + PAGE_INTERVAL, batch.handled)

    def page_listed(self, event: PageListed) -> None:
        event.handled.set()
        node, level = event.node, event.node.level
        if level is None or level.generation != event.generation:
            return  # an answer for a listing since replaced, or collapsed
        sort, needle, hidden = self.spec()
        page_sorted = event.sorted if (event.spec[0], event.spec[2]) == (sort, hidden) else ordered(event.page, sort, hidden)
        level.count += len(event.page)
        level.listing.extend(event.page)
        if level.paged_by == (sort, hidden):
            level.paged.extend(page_sorted)  # else a job is sorting the pages again: it takes this one in
        rows = matching(page_sorted, needle)
        if self._keep_marks:
            keep = self._keep_marks
            self.tree.set_marks([e for e in rows if e.artefact.abspath in keep], True)
        self.tree.append(node, rows)
        self.tree.refresh_node(node)
        if node.is_root:
            self.pane.update_status()

    def listing_done(self, event: ListingDone) -> None:
        node, level = event.node, event.node.level
        if level is None or level.generation != event.generation:
            return
        level.state = "error" if event.error else "loaded"
        level.error = event.error
        level.paged, level.paged_by = [], None  # sorted whole from now on (``ordered``)
        if not event.error:
            sort, _, hidden = event.spec
            level.ordered = ((sort, hidden), event.whole)
            if event.spec == self.spec():
                level.view = next(self._views)  # this answer covers the whole level: any job's is older
                level.totals = event.totals
                self.tree.show(node, event.rows)
            else:
                self.refilter(node)  # the filter changed while the last page came: answered by a job
        self._keep_marks.clear()  # the level is whole again: marks from before are back on their entries
        self.tree.refresh_node(node)
        for url in level.reopen:
            child = event.found.get(url.rstrip("/"))
            if child is not None and child in level.shown:
                self.tree.expand(child)  # listed afresh too (see Pane._expanded)
        self._land(node, event.found)
        self.pane.update_status()

    def _land(self, node: Entry, found: dict[str, Entry]) -> None:
        """Put the cursor where it was (or on the entry asked for), else on the next entry, else the first.

        ``found``: the entries the listing found by URL (``_wanted``)."""
        tree = self.tree
        landing, here = self._landing, node.artefact.abspath
        children = node.children
        if landing is not None and _same(landing[2], here):
            self._landing = None
            url, index, _ = landing
            landing = found.get(url.rstrip("/"))
            if landing is not None and landing not in children:
                landing = None  # filtered out
            if landing is None and index >= 0 and children:
                landing = children[min(index, len(children) - 1)]  # it went: the next one
            if landing is not None:
                tree.move_cursor(landing)
                return
        if node.is_root and tree.cursor_line <= 0 and children:
            tree.move_cursor(children[0])

    # Filter and sort ---------------------------------------------------

    def refilter(self, node: Entry) -> None:
        """Filter and sort a level again, in a thread worker.

        While the level loads, the job filters its pages as they were sorted (page by page,
        sorting them again only when the sort changed): the whole level is sorted once, when
        it is complete. Pages that arrive meanwhile are shown under the new filter; the answer
        takes them in too. Only the latest job's answer is applied (``Level.view``; exclusive
        group), and an older job still running stops at its next look (``Cancelled``).
        """
        level = node.level
        if level is None or level.state not in ("loading", "loaded"):
            return
        spec = self.spec()
        level.view = next(self._views)
        if level.state == "loading":
            if level.paged_by != (spec[0], spec[2]):
                level.paged_by = None  # sorted again by this job (or a newer one)
            base = level.paged if level.paged_by is not None else None
            job = partial(self._view_job, node, level.generation, level.view, spec, level.listing,
                          len(level.listing), base, len(base) if base is not None else 0)
        else:
            cached = level.ordered[1] if level.ordered and level.ordered[0] == (spec[0], spec[2]) else None
            job = partial(self._view_job, node, level.generation, level.view, spec, level.listing,
                          len(level.listing), cached, len(cached) if cached is not None else 0, whole=True)
        self.pane.run_worker(job, group=f"view:{id(node)}", description="filter", thread=True, exclusive=True,
                        exit_on_error=False)

    def _view_job(self, node: Entry, generation: int, view: int, spec: Spec, listing: list[Entry], upto: int,
                  base: list[Entry] | None, length: int, whole: bool = False) -> None:
        """In a thread: the rows of a level under ``spec``; ``base`` (its first ``length`` rows) when it is
        already sorted the right way, else sorted here from the first ``upto`` rows of ``listing``."""
        worker = get_current_worker()
        # While the level loads, its listing worker runs too: this job leaves the loop its share.
        # Once it is loaded the job runs flat out (a filter over a million rows in under 0.5 s).
        cancelled = partial(getattr, worker, "is_cancelled") if whole else pacer(worker, upto)
        sort, needle, hidden = spec
        rebuilt = base is None
        try:
            if base is not None:
                base = base[:length]
            elif whole:
                base = ordered(listing[:upto], sort, hidden, cancelled)
            else:
                base = in_pages(listing[:upto], sort, hidden, cancelled=cancelled)
            rows = matching(base, needle, cancelled)
        except Cancelled:
            return
        if worker.is_cancelled:
            return
        self.pane.post_message(self.ViewReady(node, generation, view, rows, spec, base, upto, rebuilt))
        try:
            totals = Totals.of(rows, cancelled)
        except Cancelled:
            return
        if not worker.is_cancelled:
            self.pane.post_message(self.TotalsReady(node, generation, view, totals))

    def view_ready(self, event: ViewReady) -> None:
        node, level = event.node, event.node.level
        if level is None or level.generation != event.generation or level.view != event.view:
            return  # a newer filter, sort or listing came since
        sort, needle, hidden = event.spec
        rows = event.rows
        if level.state == "loaded":
            level.ordered = ((sort, hidden), event.base)
        else:
            if event.rebuilt:  # pages since the job began were not kept in ``paged``: sorted here (a few)
                later = in_pages(level.listing[event.upto:], sort, hidden)
                level.paged, level.paged_by = event.base + later, (sort, hidden)
            else:
                later = level.paged[len(event.base):]  # pages that came while the job ran
            if later:
                rows = rows + matching(later, needle)
        self.tree.show(node, rows)
        self.pane.update_status()

    def totals_ready(self, event: TotalsReady) -> None:
        level = event.node.level
        if level is None or level.generation != event.generation or level.view != event.view:
            return
        level.totals = event.totals  # while a level loads the status counts pages instead: pages since do not matter
        self.pane.update_status()


def _same(a: str, b: str) -> bool:
    """Two URLs of one entry (a directory's may end in ``/``)."""
    return a.rstrip("/") == b.rstrip("/")
