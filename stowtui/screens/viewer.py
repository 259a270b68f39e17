"""A quick look at a file: only a bounded head is read (a ranged GET on S3)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..managers import Artefact
from ..managers.exceptions import StowError
from ..text import human_size, visible

HEAD = 64 * 1024


def hexdump(data: bytes) -> str:
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        chars = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexes:<47}  {chars}")
    return "\n".join(lines)


def render(data: bytes) -> str:
    """Text as text (control characters made visible), anything else as a hex dump."""
    if b"\x00" in data[:8192]:
        return hexdump(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(data) - 4:  # not just a character cut at the end of the head
            return hexdump(data)
        text = data[: error.start].decode("utf-8")
    return "\n".join(visible(line) for line in text.replace("\r\n", "\n").split("\n"))


class ViewerScreen(Screen):
    """F3: the head of a file; Escape or q goes back."""

    BINDINGS = [
        Binding("escape,q,f3,f10", "app.pop_screen", "Close"),
    ]

    def __init__(self, artefact: Artefact):
        super().__init__()
        self.artefact = artefact

    def compose(self) -> ComposeResult:
        yield Static(Text(visible(self.artefact.abspath)), id="viewer-title", classes="path-bar")
        with VerticalScroll(id="viewer-body"):
            yield Static(Text("Loading…"), id="viewer-text")
        yield Footer()

    def on_mount(self) -> None:
        self._read(self.artefact)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _read(self, artefact: Artefact) -> None:
        try:
            data = artefact.manager.read_head(artefact.path, HEAD)
        except StowError as error:
            self.app.call_from_thread(self._show, Text("⚠ " + str(error), style="red"))
            return
        body = Text(render(data))
        size = getattr(artefact, "size", None)
        if size is not None and size > len(data):
            body.append(f"\n\n— showing the first {human_size(len(data))} of {human_size(size)} —", style="dim")
        self.app.call_from_thread(self._show, body)

    def _show(self, body: Text) -> None:
        self.query_one("#viewer-text", Static).update(body)
