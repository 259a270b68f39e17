"""The tree of one pane: one node per entry, labels drawn from plain text in columns."""

from __future__ import annotations

import dataclasses

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..managers import Artefact, Directory
from ..text import fit, human_size, plain, short_time, visible

TOGGLE = Style.from_meta({"toggle": True})  # what Tree's click handler looks for
MARK = "*"  # drawn beside a marked entry's name, as mc does: a mark is never shown by colour alone
#: At 80 columns a pane is 37 cells wide: with two-cell guides a root-level name keeps 27 of them
#: once the time column is dropped, as it is whenever it would leave a name fewer than NAME_MIN.
NAME_MIN = 24
NAME_ROOM = 10


@dataclasses.dataclass(slots=True)
class Entry:
    """What a tree node stands for, and the state of its listing."""

    artefact: Artefact
    depth: int = 0  # levels below the pane's root
    state: str = "unloaded"  # unloaded | loading | loaded | error
    count: int = 0
    error: str | None = None
    generation: int = 0
    view: int = 0  # the latest filter/sort job asked for this level: older answers are dropped
    in_order: bool = True  # whether the rows shown so far are in sort order (pages are appended)
    # The whole level as listed, hidden and filtered-out entries included: the tree holds
    # only what is shown, and sort, filter and hidden-file changes re-add from this at once.
    # Shared empty defaults: a file's entry holds no list or set of its own (a listing sets them).
    children: list[Artefact] = ()  # type: ignore[assignment]
    #: Expanded children when a listing began: opened (and listed) again once it ends.
    reopen: set[str] = frozenset()  # type: ignore[assignment]

    @property
    def is_dir(self) -> bool:
        return isinstance(self.artefact, Directory)


def view_rows(artefacts, spec: tuple[str, str, bool]) -> list[Artefact]:
    """The artefacts a level shows under ``spec`` (sort, lower-case filter, show hidden), in order.

    Pure: run in thread workers over whole levels, or over one page.
    """
    sort, needle, hidden = spec
    rows = [
        a for a in artefacts
        if (hidden or not a.basename.startswith(".")) and (not needle or needle in a.basename.lower())
    ]
    rows.sort(key=sort_key(sort))
    return rows


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

    class TreeMessage(Message):
        """A message about the tree (``control`` is the tree, for ``@on(..., "#tree")``)."""

        def __init__(self, tree: "StorageTree"):
            super().__init__()
            self.tree = tree

        @property
        def control(self) -> "StorageTree":
            return self.tree

    class Activated(TreeMessage):
        """Enter or a double click on an entry."""

        def __init__(self, tree: "StorageTree", node: TreeNode[Entry]):
            super().__init__(tree)
            self.node = node

    class MarksChanged(TreeMessage):
        """Entries were marked or unmarked (the pane's status line counts them)."""

    class UpRequested(TreeMessage):
        """Left on the root: the pane should show the parent directory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_expand = False
        self.guide_depth = 2
        self.marked: dict[int, TreeNode[Entry]] = {}

    # Bulk changes --------------------------------------------------------
    # Tree's public add/remove re-lay the whole tree once per node (and remove looks each node up
    # in its parent's list): 20,000 entries took seconds. These do one page, or one level, in one
    # step through the same internals TreeNode.add and remove use (textual is pinned, 8.2.8;
    # tests/test_ui_scale.py checks the result against the public API's).

    def add_entries(self, node: TreeNode[Entry], entries: list[Entry], label: Text) -> list[TreeNode[Entry]]:
        """Append a child of ``node`` for each entry (directories expandable), with one relayout."""
        made = []
        for entry in entries:
            child = self._add_node(node, label, entry)
            child._allow_expand = entry.is_dir
            made.append(child)
        node._children.extend(made)
        node._updates += 1
        self._invalidate()
        return made

    def clear_children(self, node: TreeNode[Entry]) -> None:
        """Remove every node below ``node`` (their marks too), with one relayout."""
        stack = list(node._children)
        while stack:
            child = stack.pop()
            stack.extend(child._children)
            self._tree_nodes.pop(child.id, None)
            self.marked.pop(child.id, None)
            child._children = []
        node._children.clear()
        node._updates += 1
        self._invalidate()

    # Rendering ---------------------------------------------------------

    def render_label(self, node: TreeNode[Entry], base_style: Style, style: Style) -> Text:
        entry = node.data
        if entry is None:
            return super().render_label(node, base_style, style)
        artefact = entry.artefact
        icon_style = base_style
        if entry.is_dir:
            icon = "▼ " if node.is_expanded else "▶ "
            icon_style = base_style + TOGGLE
        else:
            icon = "  "
        marked = node.id in self.marked
        if marked:
            icon = icon[0] + MARK
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
        when = short_time(artefact.modifiedTime or artefact.createdTime)
        # The name first: a level whose names would get fewer than NAME_MIN cells drops the
        # time column, then (deep in a narrow pane) the size; never an overflow. The same for
        # every row of a level, so the columns stay in line; the mini-status under the pane has it all.
        for meta, least in ((f" {size:>6} {when:>12}", NAME_MIN), (f" {size:>6}", NAME_ROOM), ("", 0)):
            room = width - entry.depth * self.guide_depth - cell_len(icon) - cell_len(meta) - 1
            if room >= least:
                break
        label_style = "bold" if entry.is_dir else ""
        if marked:
            label_style = "bold yellow"
        if entry.state == "error":
            label_style = "red"
        text = Text.assemble(
            (icon, icon_style),
            fit(Text(name, style=label_style, no_wrap=True, end=""), max(room, 4)),  # in cells: CJK is two wide
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
            self.notify("Right opens directories: Enter or F3 views a file", severity="warning", timeout=3)
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
            self.post_message(self.UpRequested(self))
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
        self.post_message(self.MarksChanged(self))
        self.action_cursor_down()

    def set_marks(self, nodes, marked) -> None:
        """Mark (``marked`` True), unmark (False) or invert (None) ``nodes``."""
        for node in nodes:
            on = node.id not in self.marked if marked is None else marked
            if on:
                self.marked[node.id] = node
            else:
                self.marked.pop(node.id, None)
        self.refresh()
        self.post_message(self.MarksChanged(self))

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
