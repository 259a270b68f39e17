"""Marking entries as in mc: ``*`` inverts, ``+``/``-`` mark or unmark by a pattern, Ctrl+A marks all.

Each acts on the level of the tree the cursor is in (the pane's directory, or a
directory expanded in it). Space and Insert mark one entry (``StorageTree.action_mark``).
"""

from __future__ import annotations

import fnmatch

from textual.binding import Binding

from ..widgets.pane import Pane
from . import dialogs

BINDINGS = [
    Binding("asterisk", "invert_marks", "Invert marks", show=False, id="invert-marks"),
    Binding("plus", "mark_pattern(True)", "Mark by pattern", show=False, id="mark-pattern"),
    Binding("minus", "mark_pattern(False)", "Unmark by pattern", show=False, id="unmark-pattern"),
    Binding("ctrl+a", "mark_all", "Mark all", show=False, id="mark-all"),
]


class MarksMixin:
    """For MainScreen: needs ``active_pane``."""

    active_pane: Pane

    @staticmethod
    def _level(pane: Pane) -> list:
        """The entries of the level the cursor is in."""
        tree = pane.tree
        node = tree.cursor_node
        level = tree.root if node is None or node.is_root or node.parent is None else node.parent
        return [child for child in level.children if child.data is not None]

    def _mark(self, nodes: list, marked: bool | None, what: str) -> None:
        pane = self.active_pane
        if not nodes:
            self.notify(f"Nothing to {what}: no entries here", severity="warning", timeout=3)
            return
        pane.tree.set_marks(nodes, marked)

    def action_invert_marks(self) -> None:
        self._mark(self._level(self.active_pane), None, "invert")

    def action_mark_all(self) -> None:
        self._mark(self._level(self.active_pane), True, "mark")

    def action_mark_pattern(self, marked: bool) -> None:
        pane = self.active_pane
        verb = "Mark" if marked else "Unmark"

        def done(pattern: str | None) -> None:
            if not pattern:
                return
            nodes = [n for n in self._level(pane) if fnmatch.fnmatch(n.data.artefact.basename, pattern)]
            if not nodes:
                self.notify(f"No entry matches {pattern}", severity="warning", timeout=3, markup=False)
                return
            pane.tree.set_marks(nodes, marked)
            self.notify(f"{verb}ed {len(nodes):,} {'entry' if len(nodes) == 1 else 'entries'}", timeout=3)

        self.app.push_screen(dialogs.InputDialog(f"{verb} the entries matching (e.g. *.txt)", "*"), done)
