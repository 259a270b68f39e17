"""The help screen: every key, generated from the live bindings."""

from __future__ import annotations

import re

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = [
    ("Enter / double click", "Enter a directory, view a file"),
    ("Right / Left", "Expand / collapse, or go to the parent"),
    ("Space / Insert", "Mark or unmark the entry"),
    ("j / k, arrows", "Move"),
    ("Drag with the mouse", "Drop entries on the other pane to copy or move them"),
    ("Ctrl+X D", "Compare the panes, as mc (also =)"),
    ("In the jobs panel (J):", ""),
    ("  Up / Down", "Choose a job"),
    ("  x / Delete", "Cancel the chosen job"),
    ("  r", "Retry the chosen job (failed files, or a cancelled job)"),
    ("  Esc / Tab", "Back to the panes"),
]

_NAMES = {"backspace": "Backspace", "delete": "Del", "insert": "Insert", "escape": "Esc", "tab": "Tab",
          "enter": "Enter", "space": "Space"}


def key_name(key: str) -> str:
    """A key as people write it: ``F5``, ``Ctrl+R``, ``?`` (not ``f5``, ``ctrl+r``, ``question_mark``)."""
    key = key.strip()
    if key in _NAMES:
        return _NAMES[key]
    if re.fullmatch(r"f\d+", key):
        return key.upper()
    if key.startswith("ctrl+"):
        return "Ctrl+" + format_key(key[5:]).upper()
    return format_key(key)


class HelpScreen(ModalScreen):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q,f1,question_mark", "app.pop_screen", "Close")]

    def __init__(self, bindings):
        super().__init__()
        self._shown = bindings  # not self._bindings: that is Textual's own BindingsMap

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, expand=True)
        table.add_column(style="bold")
        table.add_column()
        # active_bindings has one entry per key: gather every key of an action
        # (F5 and c), since terminals often swallow function keys.
        keys_of: dict[tuple[str, str], list[str]] = {}
        for key, active in self._shown.items():
            binding = active.binding
            if binding.description:
                keys_of.setdefault((binding.action, binding.description), []).append(key_name(key))
        ours = {(b.binding.action, b.binding.description) for b in self._shown.values() if b.binding.id}
        # stowtui's own keys first, then the mouse and tree keys, then Textual's generic ones.
        for (action, description), keys in keys_of.items():
            if (action, description) in ours:
                table.add_row(" / ".join(keys), description)
        for keys, description in EXTRA:
            table.add_row(keys, description)
        for (action, description), keys in keys_of.items():
            if (action, description) not in ours:
                table.add_row(" / ".join(keys), description, style="dim")
        with VerticalScroll():
            yield Static(table)
