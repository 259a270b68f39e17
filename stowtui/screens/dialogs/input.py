"""One line of input: a new directory's name, a new name, a URL (Tab completes it), a number of seconds."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input

from ... import managers
from ...managers import Directory
from ...managers.exceptions import StowError
from ...text import visible
from .base import Dialog, editable, edited

MAX_SHOWN = 6


def is_absolute(location: str) -> bool:
    """A URL, an absolute path or ``~``: not relative to a pane's directory."""
    return "://" in location or location.startswith(("/", "~"))


def resolve(location: str, base: str) -> str:
    """``location`` (typed in a pane) as a location: a relative one under ``base``, the pane's directory."""
    if is_absolute(location):
        return location
    return base.rstrip("/") + "/" + location


class InputDialog(Dialog):
    """One line of input; dismissed with what was typed, or ``None``.

    ``complete=True``: the value is a location, and Tab completes its last name from a
    listing of its directory (in a worker, through the managers: local or S3 alike).
    """

    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    @dataclass
    class Completed(Message):
        """The names in ``directory`` that start with what was typed (from the worker)."""

        typed: str
        directory: str
        names: list[str]

    def __init__(self, title: str, value: str = "", placeholder: str = "", complete: bool = False,
                 base: str = "/"):
        super().__init__(title)
        self._value = value
        self._placeholder = placeholder
        self._complete = complete
        self._base = base  # where a relative name is completed from (the pane's directory)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            yield Input(editable(self._value), placeholder=self._placeholder, id="value")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("OK", id="ok", variant="primary")

    @property
    def box(self) -> Input:
        return self.query_one("#value", Input)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(edited(self.box.value, self._value) if event.button.id == "ok" else None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(edited(event.value, self._value))

    # Completion ------------------------------------------------------------

    def action_complete(self) -> None:
        if not self._complete or not self.box.has_focus:
            self.focus_next()
            return
        typed = self.box.value
        directory, slash, stem = typed.rpartition("/")
        shown = directory + slash  # what the box keeps before the completed name
        self._list(typed, shown, resolve(shown, self._base) if not is_absolute(typed) else shown or "/", stem)

    @work(thread=True, exclusive=True, group="complete", exit_on_error=False)
    def _list(self, typed: str, directory: str, listed: str, stem: str) -> None:
        try:
            manager, path = managers.location(listed)
            names = [a.basename + ("/" if isinstance(a, Directory) else "")
                     for a in manager.ls(path) if a.basename.startswith(stem)]
        except StowError as error:
            self.notify(str(error), title="Cannot complete", severity="warning", timeout=4, markup=False)
            return
        self.post_message(self.Completed(typed, directory, sorted(names)))

    @on(Completed)
    def _completed(self, event: Completed) -> None:
        box = self.box
        if box.value != event.typed:
            return  # typed on meanwhile
        if not event.names:
            self.notify("Nothing here starts with that", severity="warning", timeout=3)
            return
        common = event.names[0]
        for name in event.names[1:]:
            while not name.startswith(common):
                common = common[:-1]
        box.value = event.directory + common
        box.cursor_position = len(box.value)
        if len(event.names) > 1:
            shown = ", ".join(visible(n) for n in event.names[:MAX_SHOWN])
            more = f" … and {len(event.names) - MAX_SHOWN} more" if len(event.names) > MAX_SHOWN else ""
            self.notify(shown + more, title=f"{len(event.names)} names", timeout=5, markup=False)
