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


@dataclasses.dataclass(slots=True)
class Entry:
    """What a tree node stands for, and the state of its listing."""

    artefact: Artefact
    depth: int = 0  # levels below the pane's root
    state: str = "unloaded"  # unloaded | loading | loaded | error
    count: int = 0
    error: str | None = None
    generation: int = 0
    # The whole level as listed, hidden and filtered-out entries included: the tree holds
    # only what is shown, and sort, filter and hidden-file changes re-add from this at once.
    children: list[Artefact] = dataclasses.field(default_factory=list)
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

        @property
        def control(self) -> "StorageTree":
            return self.tree

    class UpRequested(Message):
        """Left on the root: the pane should show the parent directory."""

        def __init__(self, tree: "StorageTree"):
            super().__init__()
            self.tree = tree

        @property
        def control(self) -> "StorageTree":
            return self.tree

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
            room = width - entry.depth * self.guide_depth - cell_len(icon) - cell_len(meta) - 1
            if room >= 10:
                break
        label_style = "bold" if entry.is_dir else ""
        if node.id in self.marked:
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
