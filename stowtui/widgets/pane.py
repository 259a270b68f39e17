"""A pane: a lazily populated tree over one directory of any manager.

Listing happens in thread workers through the manager's batched, paged
listing (``Manager.lsPages``); pages are added to the tree as they arrive, so
a big S3 prefix shows its first thousand entries at once and keeps filling in.
Widgets never touch boto3 or the filesystem: only managers.
"""

from __future__ import annotations

import dataclasses
import itertools

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker, get_current_worker

from .. import managers
from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..text import human_size, plain, short_time, visible

SORTS = ("name", "size", "time")
TOGGLE = Style.from_meta({"toggle": True})  # what Tree's click handler looks for
NO_LABEL = Text("")  # shared by every entry node (a 100k-entry level need not hold 100k labels)
#: Beyond this many entries a level keeps listing order instead of being re-sorted at the end.
RESORT_LIMIT = 20_000


@dataclasses.dataclass(slots=True)
class Entry:
    """What a tree node stands for, and the state of its listing."""

    artefact: Artefact
    state: str = "unloaded"  # unloaded | loading | loaded | error
    count: int = 0
    error: str | None = None
    generation: int = 0
    children: list = dataclasses.field(default_factory=list)
    restore: str | None = None  # the path the cursor was on before a refresh

    @property
    def is_dir(self) -> bool:
        return isinstance(self.artefact, Directory)


def sort_key(sort: str):
    def key(artefact: Artefact):
        is_file = not isinstance(artefact, Directory)
        name = artefact.basename.lower()
        if sort == "size":
            return (is_file, -(getattr(artefact, "size", 0) or 0), name)
        if sort == "time":
            stamp = artefact.modifiedTime.timestamp() if artefact.modifiedTime else 0
            return (is_file, -stamp, name)
        return (is_file, name, artefact.basename)

    return key


class StorageTree(Tree[Entry]):
    """The tree of one pane. Labels are built from plain text only."""

    ALLOW_SELECT = False
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("right", "expand", "Expand", show=False),
        Binding("left", "collapse_or_parent", "Collapse", show=False),
        Binding("space,insert", "mark", "Mark", show=False),
    ]

    class Activated(Message):
        """Enter or a double click on an entry."""

        def __init__(self, tree: "StorageTree", node: TreeNode[Entry]):
            super().__init__()
            self.tree = tree
            self.node = node

    class UpRequested(Message):
        """Left on the root: the pane should show the parent directory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_expand = False
        self.marked: dict[int, TreeNode[Entry]] = {}

    # Rendering ---------------------------------------------------------

    def render_label(self, node: TreeNode[Entry], base_style: Style, style: Style) -> Text:
        entry = node.data
        if entry is None:
            return super().render_label(node, base_style, style)
        artefact = entry.artefact
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += 1
            parent = parent.parent
        icon_style = base_style
        if entry.is_dir:
            icon = "▼ " if node.is_expanded else "▶ "
            icon_style = base_style + TOGGLE
        else:
            icon = "  "
        name = visible(artefact.basename or artefact.abspath)
        if entry.is_dir and not name.endswith("/"):
            name += "/"
        if artefact.is_link:
            name += " → " + visible(artefact.link_target or "?")
        if entry.state == "loading":
            name += f"  (listing… {entry.count:,})" if entry.count else "  (listing…)"
        elif entry.state == "error":
            name += "  ⚠ " + visible(entry.error or "error")
        size = "" if entry.is_dir else human_size(getattr(artefact, "size", None))
        if entry.is_dir and artefact.metadata.get("region"):
            size = visible(artefact.metadata["region"])  # a bucket: its region (from ListBuckets or the info panel)
        width = self.scrollable_content_region.width or 80
        # Deep levels in a narrow pane drop the time column, then the size: never overflow.
        for meta in (f" {size:>6} {short_time(artefact.modifiedTime or artefact.createdTime):>12}", f" {size:>6}", ""):
            room = width - depth * self.guide_depth - len(icon) - len(meta) - 1
            if room >= 10:
                break
        room = max(room, 4)
        if len(name) > room:
            name = name[: room - 1] + "…"
        label_style = "bold" if entry.is_dir else ""
        if node.id in self.marked:
            label_style = "bold yellow"
        if entry.state == "error":
            label_style = "red"
        text = Text.assemble(
            (icon, icon_style),
            Text(name.ljust(room), style=label_style, no_wrap=True, end=""),
            Text(meta, style="dim", no_wrap=True, end=""),
        )
        text.stylize(style)
        return text

    def get_label_width(self, node: TreeNode[Entry]) -> int:
        # Labels are padded to the pane's width by render_label: no need to render
        # every label of a 100k-entry level on each rebuild just to measure it.
        return 0

    def process_label(self, label) -> Text:
        # Labels are never markup: a str is taken literally.
        return plain(label) if isinstance(label, str) else label

    def move_cursor(self, node: TreeNode[Entry] | None, animate: bool = False) -> None:
        # A node added since the last idle has no line number yet (Tree builds its
        # lines lazily): build them first, or the cursor lands on the root.
        self.last_line
        super().move_cursor(node, animate)

    # Keys and mouse ----------------------------------------------------

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None or not node.data.is_dir:
            return
        if node.is_expanded and node.children:
            self.cursor_line += 1
        else:
            node.expand()

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and not node.is_root:
            node.collapse()
        elif node.is_root:
            self.post_message(self.UpRequested())
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_mark(self) -> None:
        node = self.cursor_node
        if node is None or node.is_root:
            return
        if node.id in self.marked:
            del self.marked[node.id]
        else:
            self.marked[node.id] = node
        node.refresh()
        self.action_cursor_down()

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if node is not None:
            self.post_message(self.Activated(self, node))

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()  # not Tree._on_click too: it would "select" (enter, view) on one click
        meta = event.style.meta
        if "line" not in meta:
            return
        line = meta["line"]
        node = self.get_node_at_line(line)
        if node is None:
            return
        if meta.get("toggle", False):
            self._toggle_node(node)
            return
        self.cursor_line = line
        if event.chain >= 2:
            self.post_message(self.Activated(self, node))

    def node_at_screen(self, x: int, y: int) -> TreeNode[Entry] | None:
        """The node drawn at a screen position, if any."""
        region = self.content_region
        if not region.contains(x, y):
            return None
        return self.get_node_at_line(y - region.y + int(self.scroll_offset.y))


class PathBar(Static):
    """The pane's location; a long one loses its start, never the current directory's name."""

    location = reactive("", layout=False)

    def render(self) -> Text:
        shown = visible(self.location)
        width = self.size.width or len(shown)
        if len(shown) > width:
            shown = "…" + shown[-(width - 1):]
        return Text(shown, no_wrap=True, end="")


class Pane(Vertical):
    """A path bar, a tree and a status line over one manager directory."""

    sort = reactive("name")
    show_hidden = reactive(False)

    class Loaded(Message):
        """A directory finished listing (or failed)."""

        def __init__(self, pane: "Pane", url: str, error: str | None):
            super().__init__()
            self.pane = pane
            self.url = url
            self.error = error

    def __init__(self, url: str, *, id: str | None = None):
        super().__init__(id=id, classes="pane")
        self._initial = url
        self.directory: Directory | None = None
        self._generations = itertools.count(1)
        self._workers: dict[int, Worker] = {}
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield PathBar(id="path", classes="path-bar")
        yield StorageTree(Text(""), id="tree")
        yield Input(placeholder="filter…", id="filter", classes="hidden")
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

    # Navigation --------------------------------------------------------

    def open(self, url: str | Artefact) -> None:
        """Point the pane at another directory (any URL the managers understand)."""
        try:
            manager, path = managers.location(url)
        except StowError as error:
            self.notify(str(error), title="Cannot open", severity="error", markup=False)
            return
        directory = url if isinstance(url, Directory) else Directory(manager, path)
        self.directory = directory
        self.path_bar.location = directory.abspath
        tree = self.tree
        for worker in self._workers.values():
            worker.cancel()
        self._workers.clear()
        tree.marked.clear()
        tree.reset(plain(directory.abspath), Entry(directory))
        tree.root.expand()
        self._load(tree.root, refresh=True)

    def go_up(self) -> None:
        if self.directory is None:
            return
        manager, path = self.directory.manager, self.directory.path
        if path == "/":
            return
        self.open(Directory(manager, manager.dirname(path)))

    # Listing -----------------------------------------------------------

    def _load(self, node: TreeNode[Entry], refresh: bool = False) -> None:
        entry = node.data
        if entry is None:
            return
        entry.generation = next(self._generations)
        entry.state = "loading"
        entry.count = 0
        entry.error = None
        entry.children = []
        cursor = self.tree.cursor_node
        entry.restore = None
        if cursor is not None and cursor.data is not None and cursor.parent is node:
            entry.restore = cursor.data.artefact.path
        node.remove_children()
        node.refresh()
        previous = self._workers.pop(node.id, None)
        if previous is not None:
            previous.cancel()
        self._workers[node.id] = self._list(node, entry.artefact, entry.generation, refresh)
        self.status.update(Text(f"Listing {visible(entry.artefact.abspath)}…"))

    @work(thread=True, group="list", exit_on_error=False)
    def _list(self, node: TreeNode[Entry], directory: Artefact, generation: int, refresh: bool) -> None:
        worker = get_current_worker()
        try:
            for page in directory.manager.lsPages(directory.path, refresh=refresh):
                if worker.is_cancelled:
                    return
                self.app.call_from_thread(self._add_page, node, page, generation)
        except StowError as error:
            self.app.call_from_thread(self._finish, node, generation, str(error))
        except Exception as error:  # never a traceback: a message in the pane
            self.app.call_from_thread(self._finish, node, generation, f"{type(error).__name__}: {error}")
        else:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._finish, node, generation, None)

    def _visible(self, artefact: Artefact) -> bool:
        name = artefact.basename
        if not self.show_hidden and name.startswith("."):
            return False
        if self.filter_text and self.filter_text.lower() not in name.lower():
            return False
        return True

    def _add_nodes(self, node: TreeNode[Entry], artefacts) -> None:
        for artefact in sorted((a for a in artefacts if self._visible(a)), key=sort_key(self.sort)):
            # render_label draws entries from their Entry: the node's own label can be one shared object.
            node.add(NO_LABEL, Entry(artefact), allow_expand=isinstance(artefact, Directory))

    def _add_page(self, node: TreeNode[Entry], page: list[Artefact], generation: int) -> None:
        entry = node.data
        if entry is None or entry.generation != generation:
            return
        entry.count += len(page)
        entry.children.extend(page)
        self._add_nodes(node, page)
        node.refresh()

    def _finish(self, node: TreeNode[Entry], generation: int, error: str | None) -> None:
        entry = node.data
        if entry is None or entry.generation != generation:
            return
        self._workers.pop(node.id, None)
        entry.state = "error" if error else "loaded"
        entry.error = error
        if not error and len(node.children) > 1 and entry.count <= RESORT_LIMIT and not self._in_order(node):
            self._rebuild(node)
        node.refresh()
        tree = self.tree
        restored = next((c for c in node.children if c.data and c.data.artefact.path == entry.restore), None)
        if restored is not None:
            tree.move_cursor(restored)
        elif node.is_root and tree.cursor_line <= 0 and node.children:
            tree.move_cursor(node.children[0])
        self._update_status()
        self.post_message(self.Loaded(self, entry.artefact.abspath, error))

    def _in_order(self, node: TreeNode[Entry]) -> bool:
        """Whether the pages arrived already sorted (often so on S3): then no rebuild is needed."""
        key = sort_key(self.sort)
        keys = [key(child.data.artefact) for child in node.children if child.data is not None]
        return all(a <= b for a, b in zip(keys, keys[1:]))

    def _rebuild(self, node: TreeNode[Entry]) -> None:
        """Re-add a loaded level from the manager's cache: sorted and filtered."""
        entry = node.data
        if entry is None or entry.state != "loaded":
            return
        expanded = {c.data.artefact.path for c in node.children if c.is_expanded and c.data}
        cursor = self.tree.cursor_node
        cursor_path = cursor.data.artefact.path if cursor is not None and cursor.data else None
        for child in list(node.children):
            self.tree.marked.pop(child.id, None)
        node.remove_children()
        self._add_nodes(node, entry.children)
        for child in node.children:
            if child.data and child.data.artefact.path in expanded:
                child.expand()
            if child.data and child.data.artefact.path == cursor_path:
                self.tree.move_cursor(child)

    def _update_status(self) -> None:
        root = self.tree.root
        entry = root.data
        if entry is None:
            return
        self.status.set_class(entry.state == "error", "error")
        if entry.state == "error":  # wraps onto up to three lines: the whole sentence shows
            self.status.update(Text("⚠ " + visible(entry.error or ""), style="red"))
            return
        files = [c.data.artefact for c in root.children if c.data and not c.data.is_dir]
        dirs = len(root.children) - len(files)
        total = sum(getattr(f, "size", 0) or 0 for f in files)
        extra = f"  filter: {visible(self.filter_text)}" if self.filter_text else ""
        self.status.update(Text(f"{dirs} dirs, {len(files)} files, {human_size(total)}  sort: {self.sort}{extra}"))

    def refresh_directory(self, url: str | None = None) -> None:
        """List again the root, or every loaded node showing ``url``."""
        tree = self.tree
        if url is None:
            self._load(tree.root, refresh=True)
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
                    self._load(node, refresh=True)
                    continue
            stack.extend(node.children)

    # Events ------------------------------------------------------------

    @on(Tree.NodeExpanded, "#tree")
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        entry = event.node.data
        if entry is not None and entry.is_dir and entry.state in ("unloaded", "error"):
            self._load(event.node)

    @on(Tree.NodeCollapsed, "#tree")
    def _collapsed(self, event: Tree.NodeCollapsed) -> None:
        worker = self._workers.pop(event.node.id, None)
        entry = event.node.data
        if worker is not None and entry is not None:
            worker.cancel()  # stop a listing nobody waits for
            entry.state = "unloaded"
            entry.generation = next(self._generations)
            event.node.remove_children()

    @on(StorageTree.UpRequested)
    def _up(self) -> None:
        self.go_up()

    def watch_sort(self) -> None:
        if self.is_mounted and self.directory is not None:
            self._rebuild(self.tree.root)
            self._update_status()

    def watch_show_hidden(self) -> None:
        self.watch_sort()

    def start_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("hidden")
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._rebuild(self.tree.root)
        self._update_status()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        box = self.query_one("#filter", Input)
        if not box.value:
            box.add_class("hidden")
        self.tree.focus()

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.add_class("hidden")
            self.tree.focus()
            event.stop()
