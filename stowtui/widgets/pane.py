"""A pane: a path bar, a lazily populated tree over one directory of any manager, a status line.

Listing happens in thread workers through the manager's batched, paged
listing (``Manager.lsPages``); each page comes back as a message and is added
to the tree as it arrives, so a big S3 prefix shows its first thousand
entries at once and keeps filling in. Widgets never touch boto3 or the
filesystem: only managers.
"""

from __future__ import annotations

import itertools
from functools import partial

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from .. import managers
from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..messages import TrustAsked
from ..text import count, fit, human_size, plain, short_time, size_words, visible
from .path_bar import PathBar
from .storage_tree import MARK, Entry, StorageTree, sort_key, view_rows

__all__ = ["Entry", "Pane", "PathBar", "StorageTree"]

SORTS = ("name", "size", "time")
NO_LABEL = Text("")  # shared by every entry node (a 100k-entry level need not hold 100k labels)
#: While a level fills, pages are added at most this often (each add re-lays the whole tree).
PAGE_INTERVAL = 0.1
Spec = tuple[str, str, bool]  # what a level shows: sort, lower-case filter, hidden files shown


class Pane(Vertical):
    """A path bar, a tree and a status line over one manager directory."""

    sort = reactive("name")
    show_hidden = reactive(False)

    class PageListed(Message, bubble=False):
        """A page of a node's listing, from the worker; dropped unless ``generation`` is the node's latest.

        ``rows``: the page filtered and sorted by the worker under ``spec``.
        """

        def __init__(self, node: TreeNode[Entry], generation: int, page: list[Artefact],
                     rows: list[Artefact], spec: Spec):
            super().__init__()
            self.node = node
            self.generation = generation
            self.page = page
            self.rows = rows
            self.spec = spec

    class ListingDone(Message, bubble=False):
        """A node's listing ended (``error`` says why, if it failed), from the worker.

        ``rows``: the whole level filtered and sorted by the worker under ``spec``.
        """

        def __init__(self, node: TreeNode[Entry], generation: int, error: str | None,
                     rows: list[Artefact] | None = None, spec: Spec | None = None):
            super().__init__()
            self.node = node
            self.generation = generation
            self.error = error
            self.rows = rows
            self.spec = spec

    class ViewReady(Message, bubble=False):
        """A level's first ``upto`` entries filtered and sorted under ``spec`` (job ``view``), from a worker."""

        def __init__(self, node: TreeNode[Entry], generation: int, view: int, rows: list[Artefact],
                     upto: int, spec: Spec):
            # Field-by-field, as every message here (the same shape as preview's: boilerplate).
            super().__init__()
            self.node = node
            self.generation = generation
            self.view = view
            self.rows = rows
            self.upto = upto
            self.spec = spec

    def __init__(self, url: str, *, id: str | None = None):
        super().__init__(id=id, classes="pane")
        self._initial = url
        self.directory: Directory | None = None
        self._generations = itertools.count(1)
        self._views = itertools.count(1)
        #: URLs of entries marked before their level was listed again: marked again as they come back.
        self._keep_marks: set[str] = set()
        #: Rows of pages come within PAGE_INTERVAL of the last add, by node id: added together.
        self._pending: dict[int, list[Artefact]] = {}
        self.filter_text = ""
        #: Where the cursor goes when a listing ends: (entry URL, else this index, in the directory URL).
        self._landing: tuple[str, int, str] | None = None

    def compose(self) -> ComposeResult:
        yield PathBar(id="path", classes="path-bar")
        yield StorageTree(Text(""), id="tree")
        yield Input(placeholder="filter…", id="filter", classes="hidden")
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
    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def url(self) -> str:
        return self.directory.abspath if self.directory is not None else self._initial

    def selection(self) -> list[Artefact]:
        """The marked entries, or the one under the cursor."""
        tree = self.tree
        marked = [n.data.artefact for n in tree.marked.values() if n.data is not None]
        if marked:
            return marked
        node = tree.cursor_node
        if node is None or node.is_root or node.data is None:
            return []
        return [node.data.artefact]

    def clear_marks(self) -> None:
        self.tree.marked.clear()
        self.tree.refresh()
        self._update_status()

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
        self.workers.cancel_node(self)  # every listing of the old directory (the pane runs nothing else)
        tree.marked.clear()
        self._keep_marks.clear()
        tree.reset(plain(directory.abspath), Entry(directory))
        tree.root.expand()
        self._load(tree.root, refresh=True, land=land)

    def go_up(self) -> None:
        if self.directory is None:
            return
        manager, path = self.directory.manager, self.directory.path
        if path == "/":
            self.notify("Already at the top", severity="warning", timeout=3)
            return
        self.open(Directory(manager, manager.dirname(path)), land=self.directory.abspath)

    # Listing -----------------------------------------------------------

    def _load(self, node: TreeNode[Entry], refresh: bool = False, land: str | None = None) -> None:
        entry = node.data
        if entry is None:
            return
        entry.generation = next(self._generations)
        entry.state = "loading"
        entry.count = 0
        entry.error = None
        entry.children = []
        entry.in_order = True
        self._pending.pop(node.id, None)
        entry.view = next(self._views)  # a filter or sort job of the old listing is answered to nobody
        entry.reopen = {c.data.artefact.abspath for c in node.children if c.is_expanded and c.data}
        self._remember_cursor(node, land)
        self._remember_marks(node)
        self.tree.clear_children(node)
        node.refresh()
        # One listing per node: a new one cancels the one before (exclusive), and the
        # group lets a collapse cancel it. Workers of a group are per pane (node ids are per tree).
        self.run_worker(
            partial(self._list, node, entry.artefact, entry.generation, refresh),
            group=self._group(node), description=entry.artefact.abspath,
            thread=True, exclusive=True, exit_on_error=False,
        )
        self.status.update(Text(f"Listing {visible(entry.artefact.abspath)}…"))

    def _remember_cursor(self, node: TreeNode[Entry], land: str | None) -> None:
        """Before ``node`` is listed again: where its cursor is to go back to (or ``land``)."""
        here = node.data.artefact.abspath
        if land is not None:
            self._landing = (land, -1, here)
            return
        cursor = self.tree.cursor_node
        if cursor is None or cursor.data is None or cursor is node:
            return
        parent = cursor.parent
        while parent is not None and parent is not node:
            parent = parent.parent
        if parent is None:
            return  # the cursor is elsewhere in the tree
        level = cursor.parent
        index = level.children.index(cursor) if level is not None else -1
        self._landing = (cursor.data.artefact.abspath, index, level.data.artefact.abspath if level else here)

    @staticmethod
    def _group(node: TreeNode[Entry]) -> str:
        return f"list:{node.id}"

    def _list(self, node: TreeNode[Entry], directory: Artefact, generation: int, refresh: bool) -> None:
        """In a thread: post the pages of ``directory`` as they come, then how it ended."""
        worker = get_current_worker()
        everything: list[Artefact] = []
        try:
            for page in directory.manager.lsPages(directory.path, refresh=refresh):
                if worker.is_cancelled:
                    return
                everything.extend(page)
                spec = self._spec()
                self.post_message(self.PageListed(node, generation, page, view_rows(page, spec), spec))
        except StowError as error:
            error_text = str(error)
            if callable(getattr(error, "trust", None)):  # an unknown SSH host key: the user may trust it
                self.post_message(TrustAsked(self, error))
        except Exception as error:  # never a traceback: a message in the pane
            error_text = f"{type(error).__name__}: {error}"
        else:
            if worker.is_cancelled:
                return
            error_text = None
            spec = self._spec()
            rows = view_rows(everything, spec)  # the whole level sorted here, not on the event loop
            self.post_message(self.ListingDone(node, generation, None, rows, spec))
            return
        self.post_message(self.ListingDone(node, generation, error_text))

    def _spec(self) -> Spec:
        """What levels show now (read by workers too: three plain values)."""
        return (self.sort, self.filter_text.lower(), self.show_hidden)

    def _add_rows(self, node: TreeNode[Entry], rows: list[Artefact]) -> None:
        """Append rows (already filtered and sorted) under ``node`` in one bulk add."""
        depth = node.data.depth + 1 if node.data is not None else 1
        # render_label draws entries from their Entry: the node's own label can be one shared object.
        made = self.tree.add_entries(node, [Entry(artefact, depth) for artefact in rows], NO_LABEL)
        if self._keep_marks:
            keep = self._keep_marks
            self.tree.set_marks([c for c in made if c.data.artefact.abspath in keep], True)

    def _remember_marks(self, node: TreeNode[Entry]) -> None:
        """Before ``node``'s rows are replaced: the marks below it, to put back on the same entries."""
        tree = self.tree
        for marked in tree.marked.values():
            parent = marked.parent
            while parent is not None and parent is not node:
                parent = parent.parent
            if parent is node and marked.data is not None:
                self._keep_marks.add(marked.data.artefact.abspath)

    @on(PageListed)
    def _page_listed(self, event: PageListed) -> None:
        rows = event.rows if event.spec == self._spec() else view_rows(event.page, self._spec())
        self._add_page(event.node, event.page, event.generation, rows)

    @on(ListingDone)
    def _listing_done(self, event: ListingDone) -> None:
        self._finish(event.node, event.generation, event.error, event.rows, event.spec)

    def _add_page(self, node: TreeNode[Entry], page: list[Artefact], generation: int,
                  rows: list[Artefact]) -> None:
        entry = node.data
        if entry is None or entry.generation != generation:
            return  # an answer for a listing since replaced, or collapsed
        entry.count += len(page)
        entry.children.extend(page)
        if node.is_root:
            self._update_status()
        pending = self._pending.get(node.id)
        if pending is not None:
            pending.extend(rows)  # added with the others when the interval ends
            return
        self._append(node, rows)
        self._pending[node.id] = []
        self.set_timer(PAGE_INTERVAL, partial(self._flush, node, generation))

    def _flush(self, node: TreeNode[Entry], generation: int) -> None:
        rows = self._pending.pop(node.id, None)
        if rows and node.data is not None and node.data.generation == generation:
            self._append(node, rows)

    def _append(self, node: TreeNode[Entry], rows: list[Artefact]) -> None:
        entry = node.data
        if rows and node.children and entry.in_order:  # one comparison a page: still in order?
            key = sort_key(self.sort)
            entry.in_order = key(node.children[-1].data.artefact) <= key(rows[0])
        self._add_rows(node, rows)
        node.refresh()

    def _finish(self, node: TreeNode[Entry], generation: int, error: str | None,
                rows: list[Artefact] | None = None, spec: Spec | None = None) -> None:
        entry = node.data
        if entry is None or entry.generation != generation:
            return
        entry.state = "error" if error else "loaded"
        entry.error = error
        pending = self._pending.pop(node.id, None)
        if pending and (error or rows is None or spec != self._spec()):
            self._append(node, pending)
        elif pending:
            entry.in_order = False  # the worker's sorted rows replace them all
        if not error and not entry.in_order:
            if rows is not None and spec == self._spec():
                entry.view = next(self._views)  # this answer covers the whole level: any job's is older
                self._apply_rows(node, rows)
            else:
                self._refilter(node)
        self._keep_marks.clear()  # the level is whole again: marks from before are back on their entries
        node.refresh()
        for child in node.children:
            if child.data is not None and child.data.artefact.abspath in entry.reopen:
                child.expand()  # listed afresh too (see _expanded)
        self._land(node)
        self._update_status()

    def _land(self, node: TreeNode[Entry]) -> None:
        """Put the cursor where it was (or on the entry asked for), else on the next entry, else the first."""
        tree = self.tree
        landing, here = self._landing, node.data.artefact.abspath
        if landing is not None and _same(landing[2], here):
            self._landing = None
            url, index, _ = landing
            found = next((c for c in node.children if c.data and _same(c.data.artefact.abspath, url)), None)
            if found is None and index >= 0 and node.children:
                found = node.children[min(index, len(node.children) - 1)]  # it went: the next one
            if found is not None:
                tree.move_cursor(found)
                return
        if node.is_root and tree.cursor_line <= 0 and node.children:
            tree.move_cursor(node.children[0])

    def _refilter(self, node: TreeNode[Entry]) -> None:
        """Filter and sort a level again from its listing (``Entry.children``), in a thread worker.

        While the job runs, pages that arrive are shown under the new filter; the answer takes
        them in too. Only the latest job's answer is applied (``Entry.view``; exclusive group).
        """
        entry = node.data
        if entry is None or entry.state not in ("loading", "loaded"):
            return
        entry.view = next(self._views)
        job = partial(self._view_job, node, entry.generation, entry.view, entry.children, len(entry.children),
                      self._spec())
        self.run_worker(job, group=f"view:{node.id}", description="filter", thread=True, exclusive=True,
                        exit_on_error=False)

    def _view_job(self, node: TreeNode[Entry], generation: int, view: int, children: list[Artefact],
                  upto: int, spec: Spec) -> None:
        """In a thread: the first ``upto`` entries of a level filtered and sorted (the list only grows)."""
        rows = view_rows(children[:upto], spec)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ViewReady(node, generation, view, rows, upto, spec))

    @on(ViewReady)
    def _view_ready(self, event: ViewReady) -> None:
        entry = event.node.data
        if entry is None or entry.generation != event.generation or entry.view != event.view:
            return  # a newer filter, sort or listing came since
        spec = self._spec()
        rows = event.rows if event.spec == spec else view_rows(entry.children[:event.upto], spec)
        later = entry.children[event.upto:]  # pages that came while the job ran
        if later:
            rows = rows + view_rows(later, spec)
            if entry.state == "loaded":
                rows.sort(key=sort_key(spec[0]))
        self._apply_rows(event.node, rows)
        entry.in_order = not later or entry.state == "loaded"  # pages since the job: sorted at the end
        self._update_status()

    def _apply_rows(self, node: TreeNode[Entry], rows: list[Artefact]) -> None:
        """Show ``rows`` under ``node`` in place of its rows: cursor, marks and open directories kept."""
        tree = self.tree
        expanded = {c.data.artefact.path for c in node.children if c.is_expanded and c.data}
        cursor = tree.cursor_node
        cursor_path = cursor.data.artefact.path if cursor is not None and cursor.data and cursor is not node else None
        self._remember_marks(node)
        self._pending.pop(node.id, None)  # ``rows`` has them
        tree.clear_children(node)
        self._add_rows(node, rows)
        self._keep_marks.clear()
        if expanded:
            for child in node.children:
                if child.data.artefact.path in expanded:
                    child.expand()
        if cursor_path is not None:
            found = next((c for c in node.children if c.data.artefact.path == cursor_path), None)
            if found is not None:
                tree.move_cursor(found)

    def _update_status(self) -> None:
        root = self.tree.root
        entry = root.data
        if entry is None:
            return
        self.status.set_class(entry.state == "error", "error")
        extra = f"  filter: {visible(self.filter_text)}" if self.filter_text else ""
        if entry.state == "loading":  # a running count, as the pages come
            self.status.update(Text(f"Listing… {entry.count:,}{extra}"))
            return
        if entry.state == "error":  # wraps onto up to three lines: the whole sentence shows
            self.status.update(Text("⚠ " + visible(entry.error or ""), style="red"))
            return
        marked = [n.data.artefact for n in self.tree.marked.values() if n.data is not None]
        if marked:  # as mc: how many are marked and how big they are (files; a directory's size is not known)
            size = sum(getattr(a, "size", 0) or 0 for a in marked if not isinstance(a, Directory))
            line = Text(f"{MARK} {len(marked):,} marked, {size_words(size)}{extra}", style="bold yellow")
            self.status.update(line)
            return
        files = [c.data.artefact for c in root.children if c.data and not c.data.is_dir]
        dirs = len(root.children) - len(files)
        total = sum(getattr(f, "size", 0) or 0 for f in files)
        self.status.update(Text(f"{count(dirs, 'dir')}, {count(len(files), 'file')}, {size_words(total)}"
                                f"  sort: {self.sort}{extra}"))

    def update_mini(self) -> None:
        """The mini-status (as mc): the full name, size and time of the entry under the cursor."""
        node = self.tree.cursor_node
        mini = self.mini
        if node is None or node.data is None:
            mini.update("")
            return
        artefact = node.data.artefact
        name = visible(artefact.basename or artefact.abspath) if not node.is_root else ".."
        if node.data.is_dir and not node.is_root:
            name += "/"
        size = "<DIR>" if node.data.is_dir else human_size(getattr(artefact, "size", None))
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
            self._load(tree.root, refresh=True, land=land)
            return
        target = url.rstrip("/")
        parent, _, name = target.rpartition("/")
        stack = [tree.root]
        while stack:
            node = stack.pop()
            entry = node.data
            if entry is None:
                continue
            if entry.is_dir and (node.is_root or node.is_expanded):
                here = entry.artefact.abspath.rstrip("/")
                # ``url`` itself, or its parent when ``url`` is a directory the parent does not show
                # yet (a directory copied into S3 exists only through its keys: only it is touched).
                if here == target or (
                    here == parent and entry.state == "loaded"
                    and not any(c.basename == name for c in entry.children)
                ):
                    self._load(node, refresh=True, land=land if land and _same(_parent_url(land), here) else None)
                    continue
            stack.extend(node.children)

    # Events ------------------------------------------------------------

    @on(Tree.NodeExpanded, "#tree")
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        entry = event.node.data
        if entry is not None and entry.is_dir and entry.state != "loading":
            self._load(event.node, refresh=True)  # expanded again: listed again (it may have changed)

    @on(Tree.NodeHighlighted, "#tree")
    def _highlighted(self) -> None:
        self.update_mini()

    @on(StorageTree.MarksChanged, "#tree")
    def _marks_changed(self) -> None:
        self._update_status()

    def on_resize(self) -> None:
        self.call_after_refresh(self.update_mini)

    @on(Tree.NodeCollapsed, "#tree")
    def _collapsed(self, event: Tree.NodeCollapsed) -> None:
        entry = event.node.data
        if entry is not None and entry.state == "loading":
            self.workers.cancel_group(self, self._group(event.node))  # stop a listing nobody waits for
            entry.state = "unloaded"
            entry.generation = next(self._generations)
            self.tree.clear_children(event.node)

    @on(StorageTree.UpRequested, "#tree")
    def _up(self) -> None:
        self.go_up()

    @on(StorageTree.Activated, "#tree")
    def _activated(self, event: StorageTree.Activated) -> None:
        """Enter or a double click: the root goes up, a directory is entered; a file is the screen's to show."""
        node, entry = event.node, event.node.data
        if entry is not None and not node.is_root and not entry.is_dir:
            return  # bubbles on to the screen
        event.stop()
        if entry is None:
            return
        if node.is_root:
            self.go_up()
        else:
            self.open(entry.artefact)

    def watch_sort(self) -> None:
        if self.is_mounted and self.directory is not None:
            self._refilter(self.tree.root)
            self._update_status()

    def watch_show_hidden(self) -> None:
        self.watch_sort()

    def start_filter(self) -> None:
        box = self.filter_box
        box.remove_class("hidden")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._refilter(self.tree.root)  # in a worker: the box echoes the key at once
        self._update_status()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        box = self.filter_box
        if not box.value:
            box.add_class("hidden")
        self.tree.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.filter_box
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.add_class("hidden")
            self.tree.focus()
            event.stop()


def _same(a: str, b: str) -> bool:
    """Two URLs of one entry (a directory's may end in ``/``)."""
    return a.rstrip("/") == b.rstrip("/")


def _parent_url(url: str) -> str:
    return url.rstrip("/").rpartition("/")[0]
