"""Drag-style copy between the panes, and where the keyboard focus goes after a click.

A mouse down on an entry (or on one of the marked entries) starts a drag; moving
shows a cue by the pointer and outlines the pane it would drop on; releasing over
the other pane opens the copy dialog for that pane's directory (or the directory
row under the pointer). A click outside the panes gives the keys back to a pane.
"""

from __future__ import annotations

import dataclasses

from rich.text import Text
from textual import events

from ..managers import Artefact
from ..text import visible
from ..widgets.pane import Pane, pane_of

DRAG_THRESHOLD = 1


@dataclasses.dataclass
class Drag:
    pane: Pane
    sources: list[Artefact]
    start: tuple[int, int]
    moved: bool = False


class DragMixin:
    """For MainScreen: needs ``drag_cue``, ``_panes()``, ``open_transfer`` and ``focus_pane``."""

    _drag: Drag | None = None

    def _pane_at(self, x: int, y: int) -> Pane | None:
        try:
            widget, _ = self.get_widget_at(x, y)
        except Exception:
            return None
        return pane_of(widget)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        pane = self._pane_at(event.screen_x, event.screen_y)
        self._drag = None
        if pane is None:
            return
        node = pane.tree.node_at_screen(event.screen_x, event.screen_y)
        if node is None or node.is_root or node.data is None:
            return
        if node.id in pane.tree.marked:
            sources = [n.data.artefact for n in pane.tree.marked.values() if n.data]
        else:
            sources = [node.data.artefact]
        self._drag = Drag(pane, sources, (event.screen_x, event.screen_y))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        drag = self._drag
        if drag is None:
            return
        x, y = event.screen_x, event.screen_y
        if not drag.moved and abs(x - drag.start[0]) + abs(y - drag.start[1]) < DRAG_THRESHOLD:
            return
        drag.moved = True
        cue = self.drag_cue
        names = visible(drag.sources[0].basename) if len(drag.sources) == 1 else f"{len(drag.sources)} items"
        target = self._pane_at(x, y)
        arrow = "⇢ copy " if target is not None and target is not drag.pane else "⇢ "
        cue.update(Text(arrow + names, no_wrap=True))
        cue.styles.offset = (min(x + 2, max(0, self.size.width - 24)), y)
        cue.display = True
        for pane in self._panes():
            pane.set_class(pane is target and pane is not drag.pane, "drop-target")

    def on_mouse_up(self, event: events.MouseUp) -> None:
        drag, self._drag = self._drag, None
        self.drag_cue.display = False
        for pane in self._panes():
            pane.remove_class("drop-target")
        if self._pane_at(event.screen_x, event.screen_y) is None:
            self.call_after_refresh(self.focus_pane, self.active_pane)  # a click elsewhere: the keys stay on a pane
        if drag is None or not drag.moved:
            return
        target_pane = self._pane_at(event.screen_x, event.screen_y)
        if target_pane is None or target_pane is drag.pane:
            return
        node = target_pane.tree.node_at_screen(event.screen_x, event.screen_y)
        if node is not None and node.data is not None and node.data.is_dir:
            target = node.data.artefact.abspath
        else:
            target = target_pane.url
        self.open_transfer("copy", drag.sources, target, source_pane=drag.pane)
