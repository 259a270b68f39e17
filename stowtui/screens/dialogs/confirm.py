"""Asking before something destructive (a delete, quitting with jobs running)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ...managers import Artefact
from .base import Dialog, listing


class ConfirmDialog(Dialog):
    """Asks before something destructive, listing what it will touch."""

    def __init__(self, title: str, artefacts: list[Artefact], confirm: str = "Delete", cancel: str = "Cancel",
                 id: str | None = None):
        super().__init__(title, id=id)
        self._artefacts = artefacts
        self._confirm = confirm
        self._cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            if self._artefacts:
                with VerticalScroll(classes="listing"):
                    yield Static(listing(self._artefacts), id="items")
            with Horizontal(classes="buttons"):
                yield Button(self._cancel, id="cancel")
                yield Button(self._confirm, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # Enter alone never destroys anything

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")
