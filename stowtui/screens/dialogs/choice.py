"""Choosing one of a few ways to do something (a button each)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from .base import Dialog


class ChoiceDialog(Dialog):
    """Buttons for ``choices`` (id, label); dismissed with the chosen id (None: Escape)."""

    def __init__(self, title: str, choices: list[tuple[str, str]], id: str | None = None):
        super().__init__(title, id=id)
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            with Horizontal(classes="buttons"):
                for number, (key, label) in enumerate(self._choices):
                    yield Button(label, id=key, variant="primary" if number == 0 else "default")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)
