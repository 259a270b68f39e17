"""The cue by the pointer while entries are dragged from one pane to the other, and the drag itself.

The screen feeds it the mouse (``begin`` on a button down, ``move``, ``end`` on the release); the
panes say what a drag carries and where it drops (``Pane.drag_sources``, ``Pane.drop_target``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from ..managers import Artefact
from ..text import visible
from .pane import Pane

#: Cells the pointer moves, button down on an entry, before it is a drag rather than a click.
DRAG_THRESHOLD = 1


@dataclass
class Drag:
    """A drag under way: from ``pane``, carrying ``sources``, begun at screen cell ``start``."""

    pane: Pane
    sources: list[Artefact]
    start: tuple[int, int]
    moved: bool = False


class DragCue(Static):
    """``⇢ copy name`` beside the pointer while a drag is under way; hidden otherwise."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, markup=False)
        self.drag: Drag | None = None

    def on_mount(self) -> None:
        self.display = False

    def begin(self, pane: Pane | None, x: int, y: int) -> None:
        """A button down at screen cell (x, y): a drag, if it was on entries of ``pane``."""
        sources = pane.drag_sources(x, y) if pane is not None else []
        self.drag = Drag(pane, sources, (x, y)) if sources else None

    def move(self, x: int, y: int, target: Pane | None) -> Drag | None:
        """The pointer at (x, y), over ``target``: the cue follows it; the drag, once it is one."""
        drag = self.drag
        if drag is None:
            return None
        if not drag.moved and abs(x - drag.start[0]) + abs(y - drag.start[1]) < DRAG_THRESHOLD:
            return None
        drag.moved = True
        names = visible(drag.sources[0].basename) if len(drag.sources) == 1 else f"{len(drag.sources)} items"
        arrow = "⇢ copy " if target is not None and target is not drag.pane else "⇢ "
        self.update(Text(arrow + names, no_wrap=True))
        self.styles.offset = (min(x + 2, max(0, self.screen.size.width - 24)), y)
        self.display = True
        return drag

    def end(self) -> Drag | None:
        """The button is up: the drag, if the pointer moved far enough to make one."""
        drag, self.drag = self.drag, None
        self.display = False
        return drag if drag is not None and drag.moved else None
