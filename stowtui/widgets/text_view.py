"""Lines of styled text drawn one screen line at a time (Textual's Line API, as Toolong does).

A ``Static`` lays out its whole content on every update: a few megabytes of
text (a gzip head inflated, or a few "load more") took tens of seconds. Here
only the lines on screen are rendered, and they are cached.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextView(ScrollView, can_focus=True):
    """Read-only lines of Rich ``Text`` (never markup), scrolled both ways."""

    DEFAULT_CSS = """
    TextView { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.lines: list[Text] = []
        self._strips: LRUCache[int, Strip] = LRUCache(1024)

    def set_text(self, text: Text) -> None:
        """Show ``text`` (split at newlines) from its first line."""
        self.set_lines(text.split("\n", allow_blank=True) if text.plain else [])

    def set_lines(self, lines: list[Text]) -> None:
        """Show these lines from the first."""
        self.lines = lines
        self._strips.clear()
        width = max((line.cell_len for line in self.lines), default=0)
        self.virtual_size = Size(width, len(self.lines))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def render(self) -> Text:
        """The whole text (what ``str(widget.render())`` gives): painting goes line by line."""
        return Text("\n").join(self.lines)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, style)
        strip = self._strips.get(index)
        if strip is None:
            line = self.lines[index]
            segments = [Segment(seg.text, style + seg.style if seg.style else style, seg.control)
                        for seg in line.render(self.app.console)]
            strip = Strip(segments, line.cell_len)
            self._strips[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, style)
