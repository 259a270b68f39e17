"""Jobs cut short (a crash, kill -9, a reboot): Resume or Discard each (see jobs/journal.py)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ...text import count, visible
from .base import Dialog


def describe(record) -> Text:
    """One line a job: its title and how many files it had completed."""
    header = record.header
    return Text(f"  {visible(header.title)} — {count(len(record.completed), 'file')} done, policy {header.policy}\n")


class ResumeDialog(Dialog):
    """Offers the interrupted jobs: dismissed with "resume", "discard" or None (later)."""

    def __init__(self, records: list):
        super().__init__(f"{count(len(records), 'job')} did not finish (the process ended first)", id="resume-jobs")
        self._records = records

    def compose(self) -> ComposeResult:
        lines = Text()
        for record in self._records:
            lines.append_text(describe(record))
        with Vertical():
            yield self.heading()
            with VerticalScroll(classes="listing"):
                yield Static(lines, id="items")
            yield Static("Resume sends only what is not complete and asks nothing about what the jobs completed.")
            with Horizontal(classes="buttons"):
                yield Button("Later", id="later")
                yield Button("Discard", id="discard", variant="error")
                yield Button("Resume", id="resume", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#resume", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "later" else event.button.id)
