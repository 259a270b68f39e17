"""The preview of a sync: how many files will be sent, replaced and deleted, and which."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ...text import count, visible
from .base import Dialog

#: Lines listed in the preview (the counts above them are always whole).
MAX_LINES = 2000


def lines(plan) -> Text:
    """One line per file: ``+`` sent where nothing is, ``~`` replacing, ``-`` deleted (with Delete)."""
    text = Text()
    rows = ([("+ ", url) for _, url in plan.send] + [("~ ", url) for _, url in plan.replace]
            + [("- ", artefact.abspath) for artefact in plan.delete])
    for sign, url in rows[:MAX_LINES]:
        text.append(sign + visible(url) + "\n")
    if len(rows) > MAX_LINES:
        text.append(f"… and {len(rows) - MAX_LINES:,} more\n")
    return text


def summary(plan) -> str:
    parts = [f"{count(plan.sending, 'file')} to send", f"{plan.replacing:,} to replace",
             f"{plan.same + plan.kept:,} unchanged"]
    if plan.kept:
        parts[-1] += f" ({plan.kept:,} newer at the destination, kept)"
    return ", ".join(parts) + f"; {len(plan.delete):,} only at the destination"


class SyncDialog(Dialog):
    """Dismissed with "sync", "delete" (sync, then delete what is only at the destination) or None."""

    def __init__(self, source: str, destination: str, plan, id: str | None = None):
        super().__init__(f"Sync {visible(source)} → {visible(destination)}", id=id)
        self._plan = plan

    def compose(self) -> ComposeResult:
        plan = self._plan
        nothing = not (plan.sending or plan.replacing or plan.delete)
        with Vertical():
            yield self.heading()
            yield Static(summary(plan), id="sync-summary", markup=False)
            with VerticalScroll(classes="listing"):
                yield Static(lines(plan), id="items")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(f"Sync ({plan.sending + plan.replacing:,})", id="sync", variant="primary",
                             disabled=not (plan.sending or plan.replacing))
                if plan.delete:
                    yield Button(f"Sync and delete {len(plan.delete):,}", id="delete", variant="error")
            if nothing:
                yield Static("Both sides hold the same files: nothing to do.", markup=False)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # Enter alone changes nothing

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
