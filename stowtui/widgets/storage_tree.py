"""The list of one pane, drawn with Textual's Line API: only the rows on screen are rendered.

The pane's rows are one flat list (``rows``) of ``Entry`` objects (``rows.py``): the
directory, then its entries, an expanded directory's own following it. Expanding splices
a level's rows in, collapsing takes them out, a page of a listing is one slice insert, and
a filter or sort (worked out in a thread) replaces a level's rows in one step: nothing on
the event loop walks every entry. It keeps the Tree vocabulary the pane and the screens
speak (``root``, ``cursor_node``, ``NodeExpanded``…), with ``Entry`` standing for a node.
"""

from __future__ import annotations

from dataclasses import dataclass

import fnmatch

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..text import cut_middle, fit, human_size, short_time, visible
from .rows import Entry, Level, flatten, release, span

MARK = "*"  # drawn beside a marked entry's name, as mc does: a mark is never shown by colour alone
#: At 80 columns a pane is 37 cells wide: with two-cell guides a root-level name keeps 27 of them
#: once the time column is dropped, as it is whenever it would leave a name fewer than NAME_MIN.
NAME_MIN = 24
NAME_ROOM = 10
GUIDE = 2  # cells of indentation per level
ICON = 2  # cells of the expand icon (and the mark)
#: mc's panel: Name | Size | Modify time. At 80 columns a pane's rows are 37 cells: 15 for the name.
SIZE_CELLS = 7  # "UP--DIR", "1023.5K"
TIME_CELLS = 12  # "Dec  5 07:40", "Dec  5  2025"
PANEL_NAME_MIN = 12  # fewer cells than this for a name and the time column goes (then the size)


class StorageTree(ScrollView, can_focus=True):
    """The rows of one pane. Labels are built from plain text only."""

    COMPONENT_CLASSES = {"tree--cursor", "tree--guides", "tree--highlight-line", "tree--label"}
    DEFAULT_CSS = """
    StorageTree {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        & > .tree--guides { color: $surface-lighten-2; }
        & > .tree--cursor {
            text-style: $block-cursor-blurred-text-style;
            background: $block-cursor-blurred-background;
        }
        & > .tree--highlight-line { background: $block-hover-background; }
        &:focus {
            background-tint: $foreground 5%;
            & > .tree--cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
            & > .tree--guides { color: $surface-lighten-3; }
        }
        &:light > .tree--guides { color: $surface-darken-1; }
    }
    StorageTree:ansi {
        color: ansi_default;
        & > .tree--guides { color: $ansi-background; }
        &:nocolor > .tree--cursor { text-style: reverse; }
    }
    """
    BINDINGS = [
        Binding("enter", "select_cursor", "Open", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "First", show=False),
        Binding("end", "scroll_end", "Last", show=False),
        Binding("right", "expand", "Expand", show=False),
        Binding("left", "collapse_or_parent", "Collapse", show=False),
        Binding("space,insert", "mark", "Mark", show=False),
    ]

    cursor_line = var(-1, always_update=True)
    hover_line = var(-1)
    #: False: mc's panel, the pane's directory alone with ``..`` at the top; True: a tree (``t`` toggles).
    tree_mode = var(False)

    @dataclass
    class TreeMessage(Message):
        """A message about the list (``control`` is the list, for ``@on(..., "#tree")``)."""

        tree: StorageTree

        @property
        def control(self) -> StorageTree:
            return self.tree

    @dataclass
    class NodeMessage(TreeMessage):
        """A message about one row, ``node``."""

        node: Entry

    class Activated(NodeMessage):
        """Enter or a double click on an entry."""

    class NodeExpanded(NodeMessage):
        """A directory row was expanded (the pane lists it again)."""

    class NodeCollapsed(NodeMessage):
        """A directory row was collapsed."""

    class NodeHighlighted(NodeMessage):
        """The cursor moved onto another row."""

    class MarksChanged(TreeMessage):
        """Entries were marked or unmarked (the pane's status line counts them)."""

    class UpRequested(TreeMessage):
        """Left on the root: the pane should show the parent directory."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.rows: list[Entry] = []
        self.root: Entry | None = None
        self.marked: dict[int, Entry] = {}
        self.marked_size = 0  # the marked files' bytes, kept as marks change
        self.marked_dirs = 0  # how many marked entries are directories (whose size is not known)

    # The rows ----------------------------------------------------------

    def reset(self, root: Entry) -> None:
        """Show ``root`` (expanded, with no rows under it yet) and nothing else."""
        root.expanded = True
        if root.level is None:
            root.level = Level()
        if self.root is not None and self.root is not root:
            release(self.root)
        self.root = root
        self.rows = [root]
        self.clear_marks(post=False)
        self.set_reactive(StorageTree.cursor_line, 0)
        self._resized()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    @property
    def cursor_node(self) -> Entry | None:
        return self.get_node_at_line(self.cursor_line)

    @property
    def last_line(self) -> int:
        return len(self.rows) - 1

    def get_node_at_line(self, line: int) -> Entry | None:
        return self.rows[line] if 0 <= line < len(self.rows) else None

    def line_of(self, entry: Entry) -> int:
        """The row ``entry`` is drawn at, or -1 when it is not shown (under a collapsed directory)."""
        rows = self.rows
        hint = entry.hint
        if 0 <= hint < len(rows) and rows[hint] is entry:
            return hint
        parent = entry.parent
        while parent is not None:
            if not parent.expanded:
                return -1
            parent = parent.parent
        try:
            entry.hint = rows.index(entry)  # identity comparisons, in C
        except ValueError:
            return -1
        return entry.hint

    def _splice(self, start: int, removed: int, new: list[Entry]) -> None:
        """Put ``new`` in place of ``removed`` rows from ``start``; the cursor stays on its entry."""
        rows = self.rows
        cursor = self.cursor_node
        rows[start:start + removed] = new
        line = self.cursor_line
        if cursor is not None and line >= start:
            if line >= start + removed:
                line += len(new) - removed
            else:  # it was on a row replaced: the same entry if it is back, else the row above
                line = self.line_of(cursor)
                if line < 0:
                    line = start - 1
            self.set_reactive(StorageTree.cursor_line, max(0, min(line, len(rows) - 1)))
            if self.cursor_node is not cursor and self.cursor_node is not None:
                self.post_message(self.NodeHighlighted(self, self.cursor_node))
        self._resized()
        self.refresh()

    def watch_tree_mode(self, tree_mode: bool) -> None:
        root = self.root
        if not tree_mode and root is not None and root.level is not None:
            for entry in list(root.level.open):  # a panel shows one directory
                self.collapse(entry)
        self.refresh()

    def _resized(self) -> None:
        self.virtual_size = Size(0, len(self.rows))

    def append(self, entry: Entry, new: list[Entry]) -> None:
        """Add rows at the end of ``entry``'s level (already filtered and sorted)."""
        level = entry.level
        line = self.line_of(entry) if entry.expanded else -1
        at = line + 1 + span(entry) if line >= 0 else -1
        level.shown.extend(new)
        if at >= 0:
            self._splice(at, 0, new)

    def show(self, entry: Entry, shown: list[Entry]) -> None:
        """Show ``shown`` as ``entry``'s rows in place of those it showed (open ones keep theirs)."""
        level = entry.level
        line = self.line_of(entry) if entry.expanded else -1
        before = span(entry) if line >= 0 else 0
        gone = [child for child in level.open if child not in shown]  # few: the open directories
        for child in gone:
            self._close(child)
        if self.marked:
            self._unmark_hidden(entry, shown)
        level.shown = shown
        if line >= 0:
            self._splice(line + 1, before, level.shown if not level.open else flatten(entry))

    def clear_children(self, entry: Entry) -> None:
        """No rows under ``entry`` (a listing begins again)."""
        if entry.level is not None:
            self.show(entry, [])

    def expand(self, entry: Entry) -> None:
        if not entry.is_dir or entry.expanded:
            return
        entry.expanded = True
        if entry.level is None:
            entry.level = Level()
        if entry.parent is not None and entry.parent.level is not None:
            entry.parent.level.open.add(entry)
        line = self.line_of(entry)
        if line >= 0:
            self._splice(line + 1, 0, flatten(entry))
        self.post_message(self.NodeExpanded(self, entry))

    def collapse(self, entry: Entry) -> None:
        if not entry.expanded or entry.is_root:
            return
        line = self.line_of(entry)
        removed = span(entry)
        self._close(entry)
        if line >= 0:
            self._splice(line + 1, removed, [])
        self.post_message(self.NodeCollapsed(self, entry))

    def _close(self, entry: Entry) -> None:
        """``entry`` collapsed: its rows go (expanding lists it afresh, and opens again what was open
        in it), and its marks below with them (a mark is only ever on a row the user can see)."""
        entry.expanded = False
        if entry.parent is not None and entry.parent.level is not None:
            entry.parent.level.open.discard(entry)
        if self.marked:
            self._unmark_hidden(entry, [])
        level = entry.level
        if level is not None:
            reopen = frozenset(child.artefact.abspath for child in level.open)
            release(entry)
            level.state, level.reopen = "unloaded", reopen

    def _unmark_hidden(self, entry: Entry, shown: list[Entry]) -> None:
        """Drop the marks below ``entry`` that will not be on a row once it shows ``shown``."""
        below = []  # (the marked entry, its ancestor that is a row of ``entry``)
        for marked in self.marked.values():
            child = marked
            while child.parent is not None and child.parent is not entry:
                child = child.parent
            if child.parent is entry:
                below.append((marked, child))
        if not below:
            return
        keep = set(map(id, shown))
        gone = [marked for marked, child in below if id(child) not in keep]
        for marked in gone:
            self._set_mark(marked, False)
        if gone:
            self.post_message(self.MarksChanged(self))

    def toggle(self, entry: Entry) -> None:
        if entry.expanded:
            self.collapse(entry)
        else:
            self.expand(entry)

    def refresh_node(self, entry: Entry) -> None:
        line = self.line_of(entry)
        if line >= 0:
            self.refresh_line(line)

    # Marks -------------------------------------------------------------

    def _set_mark(self, entry: Entry, on: bool) -> None:
        key = id(entry)
        was = key in self.marked
        if on == was:
            return
        size = 0 if entry.is_dir else getattr(entry.artefact, "size", 0) or 0
        step = 1 if on else -1
        if on:
            self.marked[key] = entry
        else:
            del self.marked[key]
        self.marked_size += step * size
        self.marked_dirs += step * entry.is_dir

    def set_marks(self, entries, marked: bool | None) -> int:
        """Mark (``marked`` True), unmark (False) or invert (None) ``entries``: how many changed."""
        changed = 0
        for entry in entries:
            was = id(entry) in self.marked
            if marked is None or marked != was:
                self._set_mark(entry, not was)
                changed += 1
        self.refresh()
        self.post_message(self.MarksChanged(self))
        return changed

    def cursor_level(self) -> list[Entry]:
        """The entries of the level the cursor is in: the pane's directory's, or an expanded directory's."""
        node = self.cursor_node
        level = self.root if node is None or node.is_root or node.parent is None else node.parent
        return list(level.children) if level is not None else []

    def mark_level(self, marked: bool | None, pattern: str | None = None) -> tuple[int, int]:
        """Mark (``marked`` True), unmark (False) or invert (None) the entries of the cursor's level,
        or those of them whose name matches ``pattern`` (``*.txt``, as mc's ``+`` and ``-``).
        Inverting, as mc's ``*``, touches files only. How many entries it looked at, and how many changed."""
        entries = self.cursor_level()
        if marked is None:
            entries = [entry for entry in entries if not entry.is_dir]
        if pattern is not None:
            entries = [entry for entry in entries if fnmatch.fnmatch(entry.artefact.basename, pattern)]
        changed = self.set_marks(entries, marked) if entries else 0
        return len(entries), changed

    def clear_marks(self, post: bool = True) -> None:
        self.marked.clear()
        self.marked_size = 0
        self.marked_dirs = 0
        self.refresh()
        if post:
            self.post_message(self.MarksChanged(self))

    # The cursor --------------------------------------------------------

    def validate_cursor_line(self, line: int) -> int:
        return max(0, min(line, len(self.rows) - 1)) if self.rows else -1

    def watch_cursor_line(self, previous: int, line: int) -> None:
        if previous == line:
            return
        for old in (previous, line):
            self.refresh_line(old)
        self.scroll_to_line(line)
        node = self.cursor_node
        if node is not None:
            self.post_message(self.NodeHighlighted(self, node))

    def watch_hover_line(self, previous: int, line: int) -> None:
        self.refresh_line(previous)
        self.refresh_line(line)

    def scroll_to_line(self, line: int) -> None:
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        if line < top:
            self.scroll_to(y=line, animate=False, immediate=True)
        elif height and line >= top + height:
            self.scroll_to(y=line - height + 1, animate=False, immediate=True)

    def move_cursor(self, entry: Entry | None) -> None:
        if entry is not None:
            line = self.line_of(entry)
            if line >= 0:
                self.cursor_line = line

    # Rendering ---------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = y + int(self.scroll_offset.y)
        base = self.rich_style
        if not 0 <= line < len(self.rows):
            return Strip.blank(width, base)
        entry = self.rows[line]
        entry.hint = line
        line_style = base
        if line == self.hover_line:
            line_style = base + self.get_component_rich_style("tree--highlight-line")
        label_style = self.get_component_rich_style("tree--label", partial=True)
        if line == self.cursor_line:
            label_style += self.get_component_rich_style("tree--cursor", partial=False)
        text = Text(style=line_style, no_wrap=True, end="")
        if entry.depth and self.tree_mode:
            text.append(self._guides(entry), style=self.get_component_rich_style("tree--guides", partial=True))
        text.append_text(self.render_label(entry, line_style, label_style, width))
        return Strip(text.render(self.app.console)).adjust_cell_length(width, line_style)

    @staticmethod
    def _guides(entry: Entry) -> str:
        parts = ["└ " if entry.is_last else "├ "]
        parent = entry.parent
        while parent is not None and parent.depth > 0:
            parts.append("  " if parent.is_last else "│ ")
            parent = parent.parent
        return "".join(reversed(parts))

    def render_label(self, entry: Entry, base_style: Style, style: Style, width: int) -> Text:
        if not self.tree_mode:
            return self.render_panel_row(entry, base_style, style, width)
        artefact = entry.artefact
        is_dir = entry.is_dir
        if is_dir:
            icon = "▼ " if entry.expanded else "▶ "
        else:
            icon = "  "
        marked = id(entry) in self.marked
        if marked:
            icon = icon[0] + MARK
        name = visible(artefact.basename or artefact.abspath)
        if is_dir and not name.endswith("/"):
            name += "/"
        if artefact.is_link:
            name += " → " + visible(artefact.link_target or "?")
        state = entry.state
        if state == "loading":
            name += f"  (listing… {entry.count:,})" if entry.count else "  (listing…)"
        elif state == "error":
            name += "  ⚠ " + visible(entry.error or "error")
        size = "" if is_dir else human_size(getattr(artefact, "size", None))
        if is_dir and artefact.metadata.get("region"):
            size = visible(artefact.metadata["region"])  # a bucket: its region (from ListBuckets or the info panel)
        when = short_time(artefact.modifiedTime or artefact.createdTime)
        # The name first: a level whose names would get fewer than NAME_MIN cells drops the
        # time column, then (deep in a narrow pane) the size; never an overflow. The same for
        # every row of a level, so the columns stay in line; the mini-status under the pane has it all.
        for meta, least in ((f" {size:>6} {when:>12}", NAME_MIN), (f" {size:>6}", NAME_ROOM), ("", 0)):
            room = (width or 80) - entry.depth * GUIDE - ICON - cell_len(meta) - 1
            if room >= least:
                break
        label_style = "bold" if is_dir else ""
        if marked:
            label_style = "bold yellow"
        if state == "error":
            label_style = "red"
        text = Text.assemble(
            (icon, base_style),
            fit(Text(cut_middle(name, max(room, 4)), style=label_style, no_wrap=True, end=""), max(room, 4)),
            Text(meta, style="dim", no_wrap=True, end=""),
        )
        text.stylize(style)
        return text

    @staticmethod
    def panel_columns(width: int) -> tuple[int, bool, bool]:
        """The name's cells in a panel row ``width`` wide, and whether the size and time columns show."""
        for size, when in ((True, True), (True, False), (False, False)):
            room = width - 1 - (SIZE_CELLS + 1 if size else 0) - (TIME_CELLS + 1 if when else 0)
            if room >= PANEL_NAME_MIN:
                return room, size, when
        return max(room, 1), False, False

    def panel_header(self, width: int) -> Text:
        """``Name │ Size │ Modify time``, over the columns of ``render_panel_row``."""
        room, size, when = self.panel_columns(width)
        text = Text(" " + "Name".center(room), no_wrap=True, end="")
        if size:
            text.append("│" + "Size".center(SIZE_CELLS))
        if when:
            text.append("│" + "Modify time".center(TIME_CELLS))
        return text

    def render_panel_row(self, entry: Entry, base_style: Style, style: Style, width: int) -> Text:
        """One row of mc's panel: the mark, the name cut in the middle with ``~``, size, time."""
        artefact = entry.artefact
        is_dir = entry.is_dir
        marked = id(entry) in self.marked
        if entry.is_root:  # the pane's directory: Enter goes up
            name, size = "..", "UP--DIR"
            if entry.state == "error":  # (the status line under the pane has it in full)
                name += " ⚠ " + visible(entry.error or "error")
        else:
            name = visible(artefact.basename or artefact.abspath)
            if is_dir:
                name += "/"
                size = "<DIR>"
                if artefact.metadata.get("region"):  # a bucket: its region (from ListBuckets or the info panel)
                    name += " " + visible(artefact.metadata["region"])
            else:
                size = human_size(getattr(artefact, "size", None))
            if artefact.is_link:
                name += " → " + visible(artefact.link_target or "?")
            if entry.state == "error":
                name += " ⚠ " + visible(entry.error or "error")
        room, show_size, show_time = self.panel_columns(width or 80)
        label_style = "bold" if is_dir else ""
        if marked:
            label_style = "bold yellow"
        if entry.state == "error":
            label_style = "red"
        text = Text.assemble(
            (MARK if marked else " ", "bold yellow" if marked else base_style),
            fit(Text(cut_middle(name, room), style=label_style, no_wrap=True, end=""), room),
        )
        if show_size:
            text.append("│", style="dim")
            text.append(f"{size[:SIZE_CELLS]:>{SIZE_CELLS}}")
        if show_time:
            text.append("│", style="dim")
            text.append(f"{short_time(artefact.modifiedTime or artefact.createdTime):>{TIME_CELLS}}")
        text.stylize(style)
        return text

    # Keys and mouse ----------------------------------------------------

    def action_cursor_up(self) -> None:
        self.cursor_line -= 1

    def action_cursor_down(self) -> None:
        self.cursor_line += 1

    def action_page_down(self) -> None:
        self.cursor_line += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor_line -= max(1, self.scrollable_content_region.height - 1)

    def action_scroll_home(self) -> None:
        self.cursor_line = 0

    def action_scroll_end(self) -> None:
        self.cursor_line = self.last_line

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is None or not node.is_dir:
            self.notify("Right opens directories: Enter or F3 views a file", severity="warning", timeout=3)
            return
        if not self.tree_mode:  # a panel has no levels to open: the directory is entered
            self.post_message(self.Activated(self, node))
            return
        if node.expanded and node.children:
            self.cursor_line += 1
        else:
            self.expand(node)

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.expanded and not node.is_root:
            self.collapse(node)
        elif node.is_root:
            self.post_message(self.UpRequested(self))
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_mark(self) -> None:
        node = self.cursor_node
        if node is None or node.is_root:
            return
        self._set_mark(node, id(node) not in self.marked)
        self.refresh_line(self.cursor_line)
        self.post_message(self.MarksChanged(self))
        self.action_cursor_down()

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if node is not None:
            self.post_message(self.Activated(self, node))

    def _line_at(self, event: events.MouseEvent) -> tuple[int, int] | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        line = offset.y + int(self.scroll_offset.y)
        return (line, offset.x) if 0 <= line < len(self.rows) else None

    async def _on_click(self, event: events.Click) -> None:
        event.prevent_default()
        where = self._line_at(event)
        if where is None:
            return
        line, x = where
        node = self.rows[line]
        icon = node.depth * GUIDE
        if self.tree_mode and node.is_dir and not node.is_root and icon <= x < icon + 1:  # ▶/▼ toggles
            self.toggle(node)
            return
        self.cursor_line = line
        if event.chain >= 2:
            self.post_message(self.Activated(self, node))

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        where = self._line_at(event)
        self.hover_line = where[0] if where is not None else -1

    def _on_leave(self, _: events.Leave) -> None:
        self.hover_line = -1

    def node_at_screen(self, x: int, y: int) -> Entry | None:
        """The row drawn at a screen position, if any."""
        region = self.content_region
        if not region.contains(x, y):
            return None
        return self.get_node_at_line(y - region.y + int(self.scroll_offset.y))
