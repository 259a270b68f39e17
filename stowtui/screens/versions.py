"""The versions of one object in a versioned bucket: list them, view one, copy one out.

Listing is one ``ListObjectVersions`` (per 1,000 versions) in a worker; viewing
an older version is a ranged GET with its ``VersionId`` (the F3 viewer);
copying is a job on the engine (a download or a CopyObject of that version)
to where the user says, by default the other pane's directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from .. import stow
from ..managers import Artefact
from ..managers.exceptions import StowError
from ..managers.manager import Version
from ..text import human_size, short_time, visible
from .dialogs.input import InputDialog
from .viewer import ViewerScreen


class VersionsScreen(Screen):
    """Every version of one object, newest first; the latest is marked."""

    BINDINGS = [
        Binding("escape,q,f10", "app.pop_screen", "Close"),
        Binding("f3,v", "view", "View version", key_display="F3"),
        Binding("f5,c", "copy", "Copy version", key_display="F5"),
    ]

    @dataclass
    class Listed(Message):
        """The versions of the object (from the worker), or why they could not be listed."""

        versions: list[Version]
        error: str | None
    def __init__(self, artefact: Artefact, target: str, start_copy: Callable[[Artefact, str], object]):
        super().__init__()
        self.artefact = artefact
        self.target = target  # where a copy goes by default: the other pane's directory
        self.start_copy = start_copy  # starts a copy job (the main screen's, with its jobs panel)
        self.versions: list[Version] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Versions of " + visible(self.artefact.abspath)), id="versions-title", classes="path-bar")
        table = DataTable(id="versions", cursor_type="row", zebra_stripes=True)
        table.add_columns(Text(""), Text("Modified"), Text("Size"), Text("Class"), Text("Version id"))
        yield table
        yield Static(Text("Listing versions…"), id="versions-status")
        yield Footer()

    @property
    def table(self) -> DataTable:
        return self.query_one("#versions", DataTable)

    @property
    def status(self) -> Static:
        return self.query_one("#versions-status", Static)

    def on_mount(self) -> None:
        self.table.focus()
        self._list(self.artefact)

    @work(thread=True, exclusive=True, group="versions", exit_on_error=False)
    def _list(self, artefact: Artefact) -> None:
        try:
            found = artefact.manager.versions(artefact.path)
        except StowError as error:
            self.post_message(self.Listed([], str(error)))
        else:
            self.post_message(self.Listed(found, None))

    @on(Listed)
    def _listed(self, event: Listed) -> None:
        if event.error:
            self.status.update(Text("⚠ " + visible(event.error), style="red"))
            return
        self.versions = event.versions
        rows = []
        for version in self.versions:
            size = "(deleted)" if version.delete_marker else human_size(version.size)
            rows.append([
                Text("★ latest" if version.is_latest else "", style="bold"),
                Text(short_time(version.modified)),
                Text(size),
                Text(visible(version.storage_class or "")),
                Text(visible(version.version_id)),
            ])
        self.table.add_rows(rows)
        count = len(self.versions)
        self.status.update(Text(f"{count} version{'s' if count != 1 else ''} · Enter views one, F5/c copies it"))

    def selected(self) -> Version | None:
        row = self.table.cursor_row
        return self.versions[row] if 0 <= row < len(self.versions) else None

    @on(DataTable.RowSelected, "#versions")
    def _row_selected(self) -> None:
        self.action_view()  # Enter on the table

    def action_view(self) -> None:
        version = self.selected()
        if version is None:
            return
        if version.delete_marker:
            self.notify("A delete marker has no content", severity="warning")
            return
        self.app.push_screen(ViewerScreen(self.artefact, version_id=version.version_id, size=version.size))

    def action_copy(self) -> None:
        version = self.selected()
        if version is None or version.delete_marker:
            return
        default = stow.join(self.target, self.artefact.basename)

        def done(destination: str | None) -> None:
            if destination:
                # A job like any copy: progress, cancel and the conflict question in the jobs panel.
                self.start_copy(self.artefact.manager.version_file(self.artefact.path, version), destination.strip())

        self.app.push_screen(InputDialog(f"Copy version {visible(version.version_id)} to", default), done)

