"""The line above a pane's tree: where the pane is."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..text import keep_end, visible


class PathBar(Static):
    """The pane's location; a long one loses its start, never the current directory's name."""

    location = reactive("", layout=False)

    def render(self) -> Text:
        shown = visible(self.location)
        return Text(keep_end(shown, self.size.width) if self.size.width else shown, no_wrap=True, end="")
