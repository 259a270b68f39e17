"""One line of input: a new directory's name, a new name, a URL, a number of seconds."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from .base import Dialog, editable, edited


class InputDialog(Dialog):
    """One line of input; dismissed with what was typed, or ``None``."""

    def __init__(self, title: str, value: str = "", placeholder: str = ""):
        super().__init__(title)
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            yield Input(editable(self._value), placeholder=self._placeholder, id="value")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", id="ok", variant="primary")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(edited(self.query_one("#value", Input).value, self._value) if event.button.id == "ok" else None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(edited(event.value, self._value))
