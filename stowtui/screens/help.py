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

#: The keys of the list itself and the mouse, said once each (the list's own bindings are not listed).
EXTRA = [
    ("Enter / double click", "Enter a directory (.. goes up), view a file"),
    ("Right / Left", "Enter a directory / go to .. (tree mode: expand / collapse)"),
    ("Space / Insert", "Mark or unmark the entry, and move down"),
    ("Up / Down, j / k", "Move"),
    ("PgUp / PgDn, Home / End", "Move a page, to the first or last entry"),
    ("Esc 1 … Esc 9, Esc 0", "F1 … F9, F10 (for terminals that send no F-keys)"),
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
        # stowtui's own keys (bindings with an id), then the list's and the mouse's. Not Textual's
        # generic ones (a scroll view's Ctrl+PgUp "Page Left", an Input's "Copy selected text"…):
        # they either do nothing here or are said in EXTRA.
        ours = {(b.binding.action, b.binding.description) for b in self._shown.values() if b.binding.id}
        for (action, description), keys in keys_of.items():
            if (action, description) in ours:
                table.add_row(" / ".join(dict.fromkeys(keys)), description)
        for keys, description in EXTRA:
            table.add_row(keys, description)
        with VerticalScroll():
            yield Static(table)
