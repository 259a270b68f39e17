"""F4 and Ctrl+O for the main screen: the user's editor and shell, the app suspended meanwhile.

The work itself (which editor, the local copy of a remote file, whether it may be written back)
is in ``stowtui/edits.py``; here: running the program under ``App.suspend`` and the questions.
A remote file is fetched and written back in thread workers; the answers come back through
``call_from_thread``.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from .. import edits
from ..managers import Artefact
from ..managers.exceptions import StowError
from ..managers.paths import DestinationTaken
from ..text import visible
from . import dialogs

if TYPE_CHECKING:
    from ..widgets.pane import Pane
    from .main import MainScreen


class Editors:
    """What F4 and Ctrl+O do; the main screen owns one."""

    def __init__(self, screen: MainScreen):
        self.screen = screen

    @property
    def app(self):
        return self.screen.app

    def notify(self, message: str, **kwargs) -> None:
        self.app.notify(message, markup=False, **kwargs)

    def run(self, command: list[str], cwd: str) -> bool:
        """Run ``command`` on the terminal, the app suspended until it exits: whether it ran."""
        try:
            if self.app.is_headless:  # tests: nothing to hand the terminal to
                subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, check=False)
            else:
                with self.app.suspend():
                    subprocess.run(command, cwd=cwd, check=False)
        except (OSError, SuspendNotSupported) as error:
            self.notify(f"Cannot run {command[0]}: {error}", title="F4 / Ctrl+O", severity="error")
            return False
        return True

    # Ctrl+O ------------------------------------------------------------

    def shell(self, pane: Pane) -> None:
        directory = pane.directory
        if directory is not None and directory.manager.IS_LOCAL:
            cwd = directory.path
        else:
            cwd = os.path.expanduser("~")
            self.notify(f"{visible(pane.url)} is not on this machine: the shell starts in {cwd}", timeout=4)
        if self.run(edits.shell_command(), cwd):
            for each in self.screen._panes():  # the shell may have changed anything
                each.refresh_directory()

    # F4 ----------------------------------------------------------------

    def edit(self, pane: Pane) -> None:
        node = pane.tree.cursor_node
        if node is None or node.is_root or node.is_dir:
            self.notify("F4 edits a file: move the cursor onto one", severity="warning", timeout=3)
            return
        artefact = node.artefact
        try:
            command = edits.editor_command()
        except StowError as error:
            self.notify(str(error), title="Cannot edit", severity="error")
            return
        manager = artefact.manager
        if manager.IS_LOCAL:  # in place
            if self.run(command + [artefact.path], manager.dirname(artefact.path)):
                pane.refresh_directory(land=artefact.abspath)
            return
        self.notify(f"Copying {visible(artefact.abspath)} to edit it…", timeout=3)
        self.screen.run_worker(lambda: self._fetch(pane, artefact, command), thread=True,
                               exit_on_error=False, group="edit")

    def _fetch(self, pane: Pane, artefact: Artefact, command: list[str]) -> None:  # a thread
        try:
            editing = edits.fetch(artefact)
        except StowError as error:
            self.app.call_from_thread(self.notify, str(error), title="Cannot edit", severity="error")
            return
        self.app.call_from_thread(self._edit_copy, pane, editing, command)

    def _edit_copy(self, pane: Pane, editing: edits.Editing, command: list[str]) -> None:
        if not self.run(command + [editing.local], editing.workspace):
            editing.discard()
            return
        if not editing.changed():
            editing.discard()
            self.notify(f"{visible(editing.artefact.abspath)} unchanged: nothing written", timeout=3)
            return
        self._in_thread(lambda: self._check(pane, editing))

    def _in_thread(self, work) -> None:
        self.screen.run_worker(work, thread=True, exit_on_error=False, group="edit")

    def _check(self, pane: Pane, editing: edits.Editing) -> None:  # a thread
        if editing.remote_unchanged():
            self._write(pane, editing, None)  # conditional: a writer since the check makes it ask
        else:
            self.app.call_from_thread(self._ask, pane, editing)

    def _ask(self, pane: Pane, editing: edits.Editing) -> None:
        url = editing.artefact.abspath

        def done(choice: str | None) -> None:
            if choice == "overwrite":
                self._in_thread(lambda: self._write(pane, editing, None, overwrite=True))
            elif choice == "save-as":
                self._save_as(pane, editing)
            elif choice == "discard":
                editing.discard()
                self.notify("Edits discarded", timeout=3)
            else:
                self.notify(f"Your edits are kept in {editing.local}", title="Not written", timeout=10)

        body = (f"{visible(url)} changed since it was opened for editing "
                "(someone else wrote it, or it is gone). What about your edits?")
        self.app.push_screen(dialogs.ChoiceDialog(
            "Changed meanwhile", body,
            [("overwrite", "Overwrite"), ("save-as", "Save as new name"), ("discard", "Discard")],
            default="save-as"), done)  # Enter alone loses nothing

    def _save_as(self, pane: Pane, editing: edits.Editing) -> None:
        artefact = editing.artefact
        manager = artefact.manager

        def done(name: str | None) -> None:
            if not name or "/" in name:
                self.notify(f"Your edits are kept in {editing.local}", title="Not written", timeout=10)
                return
            path = manager.child(manager.dirname(artefact.path), name)
            self._in_thread(lambda: self._write(pane, editing, path))

        self.app.push_screen(dialogs.InputDialog("Save the edited copy as", artefact.basename + ".edited"), done)

    def _write(self, pane: Pane, editing: edits.Editing, path: str | None, overwrite: bool = False) -> None:  # a thread
        try:
            url = editing.write_back(path, overwrite=overwrite)
        except DestinationTaken as error:  # written meanwhile, or the new name taken: ask again
            if path is not None:
                self.app.call_from_thread(self.notify, str(error), title="Not saved", severity="warning", timeout=8)
            self.app.call_from_thread(self._ask, pane, editing)
            return
        except StowError as error:  # nothing lost: the copy stays where the message says
            self.app.call_from_thread(self.notify, f"{error}\nYour edits are kept in {editing.local}",
                                      title="Cannot write back", severity="error", timeout=15)
            return
        editing.discard()
        self.app.call_from_thread(self.notify, f"Saved {visible(url)}", timeout=3)
        self.app.call_from_thread(pane.refresh_directory, None, url)
