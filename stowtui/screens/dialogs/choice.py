"""One question, a few answers as buttons (an edited file whose remote changed meanwhile)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from .base import Dialog


class ChoiceDialog(Dialog):
    """``title``, a plain-text ``body`` and one button per ``(id, label)``; dismissed with the id
    chosen, or None (Escape). ``default`` (the first choice unless named) has the focus."""

    def __init__(self, title: str, body: str, choices: list[tuple[str, str]], default: str | None = None):
        super().__init__(title)
        self._body = body
        self._choices = choices
        self._default = default or choices[0][0]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            yield Static(Text(self._body), id="body")
            with Horizontal(classes="buttons"):
                for choice, label in self._choices:
                    yield Button(label, id=choice)

    def on_mount(self) -> None:
        self.query_one(f"#{self._default}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)
