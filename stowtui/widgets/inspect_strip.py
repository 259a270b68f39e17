"""The strip under the panes: a preview and an info panel that follow one artefact (the cursor's)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal

from ..managers import Artefact
from .info_panel import InfoPanel
from .preview import Preview


class InspectStrip(Horizontal):
    """Shows the preview, the info panel, both or neither (then it takes no room)."""

    def __init__(self, *, settle: float = 0.0, id: str | None = None):
        super().__init__(id=id)
        self.settle = settle  # seconds the artefact must stay the same before it is read

    def compose(self) -> ComposeResult:
        preview = Preview(id="preview", settle=self.settle, focusable=False)
        info = InfoPanel(id="info", settle=self.settle)
        preview.border_title, info.border_title = "Preview", "Info"
        yield preview
        yield info

    @property
    def preview(self) -> Preview:
        return self.query_one("#preview", Preview)

    @property
    def info_panel(self) -> InfoPanel:
        return self.query_one("#info", InfoPanel)

    @property
    def preview_open(self) -> bool:
        return self.has_class("open") and self.preview.display

    @property
    def info_open(self) -> bool:
        return self.has_class("open") and self.info_panel.display

    def open(self, preview: bool, info: bool) -> None:
        """Show the preview and/or the info panel; a part closed stops reading."""
        self.preview.display, self.info_panel.display = preview, info
        self.set_class(preview or info, "open")
        if not preview:
            self.preview.show(None)
        if not info:
            self.info_panel.show(None)

    def follow(self, artefact: Artefact | None) -> None:
        """Show ``artefact`` in whichever parts are open."""
        if self.preview_open:
            self.preview.show(artefact)
        if self.info_open:
            self.info_panel.show(artefact)
