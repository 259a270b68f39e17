"""A destination exists: what to do (asked from a job's planning thread, see ``MainScreen``)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Static

from ...jobs import Conflict, Decision
from ...managers import Artefact, Directory
from ...text import human_size, short_time, visible
from .base import Dialog


def _describe(artefact: Artefact) -> str:
    size = human_size(getattr(artefact, "size", None)) if not isinstance(artefact, Directory) else "directory"
    return f"{size}, {short_time(artefact.modifiedTime) or 'time unknown'}"


class Tick(Checkbox):
    """A checkbox whose box is empty until checked (Textual's draws a dim X either way)."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


class ConflictDialog(Dialog):
    """Overwrite, skip, rename, newer, or stop the job; dismissed with a :class:`Decision`."""

    def __init__(self, conflict: Conflict):
        super().__init__("The destination already exists")
        self._conflict = conflict

    def compose(self) -> ComposeResult:
        conflict = self._conflict
        with Vertical():
            yield self.heading()
            body = Text()
            body.append("  " + visible(conflict.destination) + "\n")
            body.append(f"  existing: {_describe(conflict.existing)}\n", style="dim")
            body.append(f"  source:   {_describe(conflict.source)}\n", style="dim")
            body.append("  from " + visible(conflict.source.abspath) + "\n", style="dim")
            yield Static(body, id="conflict")
            yield Tick("Apply to all", id="all")
            with Horizontal(classes="buttons"):
                yield Button("Overwrite", id="overwrite", variant="warning")
                yield Button("Skip", id="skip", variant="primary")
                yield Button("Rename", id="rename")
                yield Button("Newer", id="newer")
                yield Button("Stop", id="cancel", variant="error")

    def on_mount(self) -> None:
        self.query_one("#skip", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(Decision("skip"))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(Decision(event.button.id or "skip", self.query_one("#all", Checkbox).value))
