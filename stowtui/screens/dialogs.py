"""Modal dialogs. Every name shown here is plain text (see ``stowtui.text``); Escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static

from ..jobs import Conflict, Decision
from ..managers import Artefact, Directory
from ..text import human_size, short_time, visible

MAX_LISTED = 12


def editable(value: str) -> str:
    """An Input shows its value raw: give it the visible form of a name (no ESC reaches the terminal)."""
    return visible(value)


def edited(typed: str, original: str) -> str:
    """What the user meant: the original (control characters and all) if they left it as shown."""
    return original if typed == visible(original) else typed


def _listing(artefacts: list[Artefact]) -> Text:
    lines = Text()
    for artefact in artefacts[:MAX_LISTED]:
        suffix = "/" if isinstance(artefact, Directory) else ""
        lines.append("  " + visible(artefact.abspath) + suffix + "\n")
    if len(artefacts) > MAX_LISTED:
        lines.append(f"  … and {len(artefacts) - MAX_LISTED} more\n")
    return lines


class Dialog(ModalScreen):
    """A centred box; Escape dismisses it with ``None``."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    """Asks before something destructive, listing what it will touch."""

    def __init__(self, title: str, artefacts: list[Artefact], confirm: str = "Delete"):
        super().__init__()
        self._title = title
        self._artefacts = artefacts
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="title")
            with VerticalScroll(classes="listing"):
                yield Static(_listing(self._artefacts), id="items")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")


class TransferDialog(Dialog):
    """Copy or move: sources, an editable target, and what to do about conflicts."""

    POLICIES = [
        ("Ask for each", "ask"),
        ("Overwrite", "overwrite"),
        ("Skip existing", "skip"),
        ("Keep both (rename)", "rename"),
        ("Overwrite if newer", "newer"),
        ("Overwrite if different", "different"),
    ]

    def __init__(self, kind: str, sources: list[Artefact], target: str):
        super().__init__()
        self.kind = kind
        self._sources = sources
        self._target = target

    def compose(self) -> ComposeResult:
        count = f"{len(self._sources)} items" if len(self._sources) > 1 else "1 item"
        with Vertical():
            yield Static(Text(f"{self.kind.title()} {count}"), classes="title", id="dialog-title")
            with VerticalScroll(classes="listing"):
                yield Static(_listing(self._sources), id="items")
            yield Static(Text("to directory:"))
            yield Input(editable(self._target), id="target")
            yield Select(self.POLICIES, value="ask", allow_blank=False, id="policy")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Move", id="move", variant="warning" if self.kind == "move" else "default")
                yield Button("Copy", id="copy", variant="primary" if self.kind == "copy" else "default")

    def on_mount(self) -> None:
        self.query_one(f"#{self.kind}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        self.dismiss((event.button.id, self._chosen_target(), self.query_one("#policy", Select).value))

    def _chosen_target(self) -> str:
        return edited(self.query_one("#target", Input).value, self._target)

    @on(Input.Submitted, "#target")
    def _submitted(self) -> None:
        self.dismiss((self.kind, self._chosen_target(), self.query_one("#policy", Select).value))


class InputDialog(Dialog):
    """One line of input: a new directory's name, a new name, a URL."""

    def __init__(self, title: str, value: str = "", placeholder: str = ""):
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="title")
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


def _describe(artefact: Artefact) -> str:
    size = human_size(getattr(artefact, "size", None)) if not isinstance(artefact, Directory) else "directory"
    return f"{size}, {short_time(artefact.modifiedTime) or 'time unknown'}"


class ConflictDialog(Dialog):
    """A destination exists: overwrite, skip, rename, newer, or cancel the job."""

    def __init__(self, conflict: Conflict):
        super().__init__()
        self._conflict = conflict

    def compose(self) -> ComposeResult:
        conflict = self._conflict
        with Vertical():
            yield Static(Text("The destination already exists"), classes="title")
            body = Text()
            body.append("  " + visible(conflict.destination) + "\n")
            body.append(f"  existing: {_describe(conflict.existing)}\n", style="dim")
            body.append(f"  source:   {_describe(conflict.source)}\n", style="dim")
            body.append("  from " + visible(conflict.source.abspath) + "\n", style="dim")
            yield Static(body, id="conflict")
            yield Checkbox("Apply to all", id="all")
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
