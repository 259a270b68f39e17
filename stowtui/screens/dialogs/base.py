"""What the dialogs share: the base class, and how names are listed and edited in them."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...managers import Artefact, Directory
from ...text import visible

MAX_LISTED = 12


def editable(value: str) -> str:
    """An Input shows its value raw: give it the visible form of a name (no ESC reaches the terminal)."""
    return visible(value)


def edited(typed: str, original: str) -> str:
    """What the user meant: the original (control characters and all) if they left it as shown."""
    return original if typed == visible(original) else typed


def listing(artefacts: list[Artefact]) -> Text:
    """The first few artefacts, one URL a line, and how many more."""
    lines = Text()
    for artefact in artefacts[:MAX_LISTED]:
        suffix = "/" if isinstance(artefact, Directory) else ""
        lines.append("  " + visible(artefact.abspath) + suffix + "\n")
    if len(artefacts) > MAX_LISTED:
        lines.append(f"  … and {len(artefacts) - MAX_LISTED} more\n")
    return lines


class Dialog(ModalScreen):
    """A centred box under a title; Escape dismisses it with ``None``."""

    CSS_PATH = "../dialogs.tcss"  # read when the first dialog or the help opens, not at start-up
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        # As in mc: Left/Right move between the buttons (an Input keeps them for its cursor).
        Binding("left", "button(-1)", show=False),
        Binding("right", "button(1)", show=False),
    ]

    def __init__(self, title: str = "", id: str | None = None):
        super().__init__(id=id)
        self._title = title

    def heading(self) -> Static:
        return Static(Text(self._title), classes="title")

    def retitle(self, title: str) -> None:
        """Say something else in the heading (a count that has arrived)."""
        self._title = title
        for heading in self.query(".title").results(Static):
            heading.update(Text(title))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_button(self, step: int) -> None:
        if isinstance(self.focused, Button):
            self.focus_next(Button) if step > 0 else self.focus_previous(Button)
