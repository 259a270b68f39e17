"""A pane: a path bar, the rows of one directory of any manager (``StorageTree``), a status line.

The rows come from thread workers its ``Loader`` runs (``listing.py``): listings page by page,
filters and sorts over whole levels. A size count runs here too, in the status line. Widgets
never touch boto3 or the filesystem: only managers.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, get_current_worker

from .. import managers
from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..managers.manager import SizeTotals
from ..text import count, exact_size, fit, human_size, short_time, size_words, visible
from .listing import Loader, _same
from .path_bar import PathBar
from .rows import Entry
from .storage_tree import MARK, StorageTree

__all__ = ["Entry", "Pane", "PathBar", "StorageTree", "pane_of"]

SORTS = ("name", "size", "time")
#: Levels up to this many rows are filtered at each key; bigger ones once typing pauses FILTER_PAUSE.
FILTER_AT_ONCE = 20_000
FILTER_PAUSE = 0.08


class Pane(Vertical):
    """A path bar, the rows and a status line over one manager directory; ``loader`` fills the rows."""

    sort = reactive("name")
    show_hidden = reactive(False)

    @dataclass
    class Counted(Message):
        """A running total of a size count (from the worker), or why it failed (``error``)."""

        generation: int
        totals: SizeTotals | None
        error: str | None = None

    def __init__(self, url: str, *, id: str | None = None):
        super().__init__(id=id, classes="pane")
        self._initial = url
        self.directory: Directory | None = None
        self.filter_text = ""
        self._filter_timer = None
        self.loader = Loader(self)
        self.count_worker: Worker | None = None  # the size count (``count_size``)
        self._count_generation = 0  # answers of a count stopped since are dropped
        self._count_summary = ""  # the status line of the count, to say "(stopped)" after
        self._said_error_of: Entry | None = None  # the entry under the cursor whose error the status line says

    def compose(self) -> ComposeResult:
        yield PathBar(id="path", classes="path-bar")
        yield Static(id="columns", classes="columns", markup=False)  # mc's Name | Size | Modify time
        yield StorageTree(id="tree")  # the filter box goes after it when first asked for (start_filter)
        yield Static(id="mini", classes="mini", markup=False)
        yield Static(id="status", classes="status", markup=False)

    def on_mount(self) -> None:
        self.open(self._initial)

    # Accessors ---------------------------------------------------------

    @property
    def tree(self) -> StorageTree:
        return self.query_one("#tree", StorageTree)

    @property
    def path_bar(self) -> PathBar:
        return self.query_one("#path", PathBar)

    @property
    def status(self) -> Static:
        return self.query_one("#status", Static)

    @property
    def mini(self) -> Static:
        return self.query_one("#mini", Static)

    @property
    def filter_box(self) -> Input | None:
        """The filter box, once ``/`` has made it."""
        boxes = self.query("#filter").results(Input)
        return next(boxes, None)

    @property
    def url(self) -> str:
        return self.directory.abspath if self.directory is not None else self._initial

    def selection(self) -> list[Artefact]:
        """The marked entries, or the one under the cursor."""
        tree = self.tree
        if tree.marked:
            return [entry.artefact for entry in tree.marked.values()]
        node = tree.cursor_node
        if node is None or node.is_root:
            return []
        return [node.artefact]

    def clear_marks(self) -> None:
        self.tree.clear_marks()

    # Navigation --------------------------------------------------------

    def open(self, url: str | Artefact, land: str | None = None) -> None:
        """Point the pane at another directory (any URL the managers understand), listed afresh.

        ``land``: the URL of an entry to put the cursor on once listed (going up: where we came from).
        """
        try:
            manager, path = managers.location(url)
        except StowError as error:
            self.notify(str(error), title="Cannot open", severity="error", markup=False)
            return
        directory = url if isinstance(url, Directory) else Directory(manager, path)
        self.directory = directory
        self.path_bar.location = directory.abspath
        tree = self.tree
        for worker in list(self.workers):  # every listing of the old directory; a size count goes on
            if worker.node is self and worker is not self.count_worker:
                worker.cancel()
        self.loader.forget_marks()
        tree.reset(Entry(directory))
        self.update_mini()  # the cursor on the new directory's `..`: not the old one's entry
        self.loader.load(tree.root, land=land)

    def go_up(self) -> None:
        if self.directory is None:
            return
        manager, path = self.directory.manager, self.directory.path
        if path == "/":
            self.notify("Already at the top", severity="warning", timeout=3)
            return
        self.open(Directory(manager, manager.dirname(path)), land=self.directory.abspath)

    def update_status(self) -> None:
        """The status line from counts kept as rows change (nothing here walks the entries)."""
        entry = self.tree.root
        if entry is None:
            return
        # The filter first: a status line cut at 80 columns still shows it (Esc in the list clears it).
        shown = f"filter /{visible(self.filter_text)} · " if self.filter_text else ""
        cursor = self.tree.cursor_node
        self._said_error_of = None
        if entry.state == "loading":  # a running count, as the pages come
            self.status.remove_class("error")
            self.status.update(Text(f"{shown}Listing… {entry.count:,}"))
            return
        if entry.state == "error":  # the directory could not be listed
            self.say_error(entry.error or "")
            return
        if cursor is not None and cursor.state == "error":  # a directory under the cursor (the tree)
            self._said_error_of = cursor
            self.say_error(f"{cursor.artefact.basename}/: {cursor.error or 'error'}")
            return
        self.status.remove_class("error")
        tree = self.tree
        if tree.marked:  # as mc: how many are marked and how big they are (files; a directory's size is not known)
            size = size_words(tree.marked_size)  # a directory's size is not known without a count (z)
            if tree.marked_dirs == len(tree.marked):
                size = "size unknown"
            elif tree.marked_dirs:
                size += f" + {count(tree.marked_dirs, 'dir')} unknown"
            line = Text(f"{shown}{MARK} {len(tree.marked):,} marked, {size}",
                        style="bold yellow")
            self.status.update(line)
            return
        totals = entry.level.totals
        self.status.update(Text(f"{shown}{count(totals.dirs, 'dir')}, {count(totals.files, 'file')}, "
                                f"{size_words(totals.size)}  sort: {self.sort}"))

    def say_error(self, error: str) -> None:
        """An error in the status line, whole: it wraps (a long URL is folded) onto as many lines as it
        needs, up to half the pane, in place of a line cut at the pane's edge."""
        self.status.add_class("error")
        self.status.update(Text("⚠ " + visible(error), style="red"))

    def update_mini(self) -> None:
        """The mini-status (as mc): the full name, size and time of the entry under the cursor."""
        node = self.tree.cursor_node
        mini = self.mini
        if node is None:
            mini.update("")
            return
        artefact = node.artefact
        name = visible(artefact.basename or artefact.abspath) if not node.is_root else ".."
        if node.is_dir and not node.is_root:
            name += "/"
        size = "<DIR>" if node.is_dir else human_size(getattr(artefact, "size", None))
        when = short_time(artefact.modifiedTime or artefact.createdTime)
        width = mini.content_region.width or self.size.width or 40
        # The whole name first: the time goes before the name is cut, then the size.
        for meta in (f" {size:>6} {when:>12}", f" {size:>6}", ""):
            if cell_len(name) + len(meta) <= width:
                break
        room = max(width - len(meta), 4)
        mini.update(Text.assemble(fit(Text(name, no_wrap=True, end=""), room), Text(meta, style="dim")))

    def refresh_directory(self, url: str | None = None, land: str | None = None) -> None:
        """List again the root (and every level open in it), or every loaded node showing ``url``.

        ``land``: the URL of an entry to put the cursor on once listed (a directory just made).
        """
        tree = self.tree
        if url is None:
            self.loader.load(tree.root, land=land)
            return
        target = url.rstrip("/")
        parent, _, name = target.rpartition("/")
        for node in self._open_levels():
            here = node.artefact.abspath.rstrip("/")
            # ``url`` itself, or its parent when ``url`` is a directory the parent does not show
            # yet (a directory copied into S3 exists only through its keys: only it is touched).
            if here == target or (
                here == parent and node.state == "loaded"
                and not any(c.artefact.basename == name for c in node.level.listing)
            ):
                self.loader.load(node, land=land if land and _same(_parent_url(land), here) else None)

    def _open_levels(self) -> list[Entry]:
        """The root and every directory open below it (an open one's own open ones after it)."""
        found, stack = [], [self.tree.root] if self.tree.root is not None else []
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(node.level.open if node.level is not None else ())
        return found

    # Drag and drop -----------------------------------------------------

    def drag_sources(self, x: int, y: int) -> list[Artefact]:
        """What a drag begun at screen cell (x, y) carries: the marked entries when it began on one of
        them, else the entry there; nothing off the entries (or on the directory's own row)."""
        tree = self.tree
        node = tree.node_at_screen(x, y)
        if node is None or node.is_root:
            return []
        if node.id in tree.marked:
            return [entry.artefact for entry in tree.marked.values()]
        return [node.artefact]

    def drop_target(self, x: int, y: int) -> str:
        """Where entries dropped at screen cell (x, y) go: the directory row there, else the pane's directory."""
        node = self.tree.node_at_screen(x, y)
        if node is not None and node.is_dir:
            return node.artefact.abspath
        return self.url

    # Size count --------------------------------------------------------

    @property
    def counting(self) -> bool:
        worker = self.count_worker
        return worker is not None and not worker.is_finished and not worker.is_cancelled

    def count_size(self) -> None:
        """Count what the directory under the cursor (else the pane's) holds, all the way down, in a
        worker: running totals in the status line."""
        node = self.tree.cursor_node
        artefact = node.artefact if node is not None else None
        if not isinstance(artefact, Directory):
            artefact = self.directory
        if artefact is None:
            return
        self._count_generation += 1
        self._count_summary = f"Σ {visible(artefact.abspath)}: nothing counted yet"
        self.status.remove_class("error")
        self.status.update(Text(f"Σ {visible(artefact.abspath)}: counting… (Esc or z stops)"))
        self.count_worker = self._count(artefact, self._count_generation)

    def cancel_count(self) -> bool:
        """Stop the size count, if one runs (the status line says so); whether one did."""
        worker = self.count_worker
        if worker is None or not self.counting:
            return False
        worker.cancel()
        self._count_generation += 1  # answers still on their way are dropped
        if self._count_summary:
            self.status.update(Text(self._count_summary + "  (stopped)"))
        return True

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count(self, directory: Artefact, generation: int) -> None:
        worker = get_current_worker()
        try:
            for totals in directory.manager.du(directory.path):
                if worker.is_cancelled:
                    return  # the generator is closed: no further listing request
                self.post_message(self.Counted(generation, totals))
        except StowError as error:
            self.post_message(self.Counted(generation, None, str(error)))
        except Exception as error:  # never a traceback
            self.post_message(self.Counted(generation, None, f"{type(error).__name__}: {error}"))

    @on(Counted)
    def _counted(self, event: Counted) -> None:
        """A running total in the status line (and on to the screen, for the info panel)."""
        if event.generation != self._count_generation:
            event.stop()
            return
        if event.error is not None:
            self._count_summary = ""
            self.say_error(event.error)
            self.notify(event.error, title="Cannot count the size", severity="error", markup=False)
            return
        totals = event.totals
        summary = self._count_summary = size_summary(totals)
        self.status.update(Text(summary + ("" if totals.done else "  counting… (Esc or z stops)")))
        if totals.done:
            self.notify(summary, title="Size", markup=False)

    # Events ------------------------------------------------------------

    @on(StorageTree.NodeExpanded, "#tree")
    def _expanded(self, event: StorageTree.NodeExpanded) -> None:
        entry = event.node
        if entry.is_dir and entry.state != "loading":
            self.loader.load(event.node)  # expanded again: listed again (it may have changed)

    @on(Loader.PageListed)
    def _page_listed(self, event: Loader.PageListed) -> None:
        self.loader.page_listed(event)

    @on(Loader.ListingDone)
    def _listing_done(self, event: Loader.ListingDone) -> None:
        self.loader.listing_done(event)

    @on(Loader.ViewReady)
    def _view_ready(self, event: Loader.ViewReady) -> None:
        self.loader.view_ready(event)

    @on(Loader.TotalsReady)
    def _totals_ready(self, event: Loader.TotalsReady) -> None:
        self.loader.totals_ready(event)

    @on(StorageTree.NodeHighlighted, "#tree")
    def _highlighted(self) -> None:
        self.update_mini()
        cursor = self.tree.cursor_node
        if self._said_error_of is not None or (cursor is not None and cursor.state == "error" and not cursor.is_root):
            self.update_status()  # the error of the directory under the cursor, or no longer

    @on(StorageTree.MarksChanged, "#tree")
    def _marks_changed(self) -> None:
        self.update_status()

    def on_resize(self) -> None:
        self.call_after_refresh(self.update_mini)
        self.call_after_refresh(self.update_columns)

    def update_columns(self) -> None:
        """The panel's column titles over its rows (none in tree mode)."""
        tree = self.tree
        columns = self.query_one("#columns", Static)
        columns.display = not tree.tree_mode
        if not tree.tree_mode:
            columns.update(tree.panel_header(tree.scrollable_content_region.width or self.size.width - 3))

    def toggle_tree_mode(self) -> None:
        """``t``: the tree (directories open in place) or mc's panel (one directory)."""
        tree = self.tree
        tree.tree_mode = not tree.tree_mode
        self.update_columns()

    @on(StorageTree.NodeCollapsed, "#tree")
    def _collapsed(self, event: StorageTree.NodeCollapsed) -> None:
        self.workers.cancel_group(self, self.loader.group(event.node))  # stop a listing nobody waits for

    @on(StorageTree.UpRequested, "#tree")
    def _up(self) -> None:
        self.go_up()

    @on(StorageTree.Activated, "#tree")
    def _activated(self, event: StorageTree.Activated) -> None:
        """Enter or a double click: the root goes up, a directory is entered; a file is the screen's to show."""
        node = event.node
        if not node.is_root and not node.is_dir:
            return  # bubbles on to the screen
        event.stop()
        if node.is_root:
            self.go_up()
        else:
            self.open(node.artefact)

    def watch_sort(self) -> None:
        self.loader.spec()
        if self.is_mounted and self.directory is not None:
            for node in self._open_levels():
                self.loader.refilter(node)
            self.update_status()

    def watch_show_hidden(self) -> None:
        self.watch_sort()

    async def start_filter(self) -> None:
        box = self.filter_box
        if box is None:  # made on first use: one widget less (and its styles) at start-up
            box = Input(placeholder="filter…", id="filter")
            await self.mount(box, after=self.tree)
        box.remove_class("hidden")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.loader.spec()
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if sum(node.count for node in self._open_levels()) > FILTER_AT_ONCE:
            # A big level: the job starts once typing pauses, so the box echoes each key first.
            self._filter_timer = self.set_timer(FILTER_PAUSE, self._apply_filter)
        else:
            self._apply_filter()
        self.update_status()

    def _apply_filter(self) -> None:
        self._filter_timer = None
        for node in self._open_levels():
            self.loader.refilter(node)  # in a worker

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        box = event.input
        if not box.value:
            box.add_class("hidden")
        self.tree.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.filter_box
        # Esc in the box, or in the list while a filter is on: the filter goes.
        if event.key == "escape" and box is not None and (box.has_focus or (self.filter_text and self.tree.has_focus)):
            box.value = ""
            box.add_class("hidden")
            self.tree.focus()
            event.stop()


def size_summary(totals: SizeTotals) -> str:
    """A size count in one line: objects and bytes, then by storage class when there is more than STANDARD."""
    text = f"Σ {visible(totals.url)}: {count(totals.objects, 'object')}, {exact_size(totals.bytes, short_first=True)}"
    if len(totals.by_class) > 1 or (totals.by_class and "STANDARD" not in totals.by_class):
        text += " · " + ", ".join(f"{visible(name)} {objects:,}/{human_size(size)}"
                                  for name, (objects, size) in sorted(totals.by_class.items()))
    if totals.skipped:
        text += f" · {totals.skipped} unreadable"
    return text


def pane_of(widget: Widget | None) -> Pane | None:
    """The pane a widget is part of (or is), if any."""
    if widget is None or isinstance(widget, Pane):
        return widget
    try:
        return widget.query_ancestor(Pane)
    except NoMatches:
        return None


def _parent_url(url: str) -> str:
    return url.rstrip("/").rpartition("/")[0]
