"""F3: a quick look at a file. Only a bounded head is read (a ranged GET on S3); ``+`` reads more.

The work is done by :class:`~stowtui.widgets.preview.Preview`, which the preview
pane of the main screen uses too.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..managers import Artefact
from ..text import visible
from ..widgets.preview import Preview


class ViewerScreen(Screen):
    """The head of a file (or of one version of it); Escape or q goes back."""

    BINDINGS = [
        Binding("escape,q,f3,f10", "app.pop_screen", "Close"),
        Binding("plus,m", "load_more", "Load more", key_display="+"),
    ]

    def __init__(self, artefact: Artefact, version_id: str | None = None, size: int | None = None):
        super().__init__()
        self.artefact = artefact
        self.version_id = version_id
        self.object_size = size

    def compose(self) -> ComposeResult:
        title = visible(self.artefact.abspath)
        if self.version_id:
            title += f"  (version {visible(self.version_id)})"
        yield Static(Text(title), id="viewer-title", classes="path-bar")
        yield Preview(more_key="+", id="viewer")
        yield Footer()

    @property
    def preview(self) -> Preview:
        return self.query_one("#viewer", Preview)

    def on_mount(self) -> None:
        self.preview.show(self.artefact, version_id=self.version_id, size=self.object_size)
        self.preview.content.focus()

    def action_load_more(self) -> None:
        if not self.preview.load_more() and self.preview.complete:
            self.notify("The whole file is shown", timeout=2)
