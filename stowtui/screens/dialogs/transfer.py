"""Copy or move: what, where to, and what to do about conflicts."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, Static

from ...managers import Artefact
from .base import Dialog, editable, edited, listing


class TransferDialog(Dialog):
    """Copy or move: sources, an editable target, and what to do about conflicts.

    Dismissed with ``(kind, target, policy)``, or ``None``.
    """

    POLICIES = [
        ("Ask for each", "ask"),
        ("Overwrite", "overwrite"),
        ("Skip existing", "skip"),
        ("Keep both (rename)", "rename"),
        ("Overwrite if newer", "newer"),
        ("Overwrite if different", "different"),
    ]

    def __init__(self, kind: str, sources: list[Artefact], target: str, policy: str = "ask"):
        super().__init__()
        self._policy = policy  # preselected: the config file's ``conflict``
        self.kind = kind
        self.sources = sources
        self._target = target

    def compose(self) -> ComposeResult:
        count = f"{len(self.sources)} items" if len(self.sources) > 1 else "1 item"
        with Vertical():
            yield Static(Text(f"{self.kind.title()} {count}"), classes="title", id="dialog-title")
            with VerticalScroll(classes="listing"):
                yield Static(listing(self.sources), id="items")
            yield Static(Text("to directory:"))
            yield Input(editable(self._target), id="target")
            yield Select(self.POLICIES, value=self._policy, allow_blank=False, id="policy")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Move", id="move", variant="warning" if self.kind == "move" else "default")
                yield Button("Copy", id="copy", variant="primary" if self.kind == "copy" else "default")

    def on_mount(self) -> None:
        self.query_one(f"#{self.kind}", Button).focus()

    def _answer(self, kind: str) -> tuple[str, str, str]:
        target = edited(self.query_one("#target", Input).value, self._target)
        return kind, target, self.query_one("#policy", Select).value

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else self._answer(event.button.id))

    @on(Input.Submitted, "#target")
    def _submitted(self) -> None:
        self.dismiss(self._answer(self.kind))
