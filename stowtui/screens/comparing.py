"""Comparing the two panes (mc's Ctrl+X D, and ``=``) and syncing one onto the other (``S``).

:class:`Comparer` is a part of the main screen with no looks of its own: it
lists both panes' directories in a thread worker (fresh listings, in one
order: ``Manager.lsOrdered``), compares them (:mod:`stowtui.jobs.compare`)
and answers with a message; its handlers mark, in the active pane, the files
that are missing or different on the other side. Quick compares by size and
time, as a sync does; by content reads both files, offered where both panes
are on local disk.

Sync plans first, doing nothing (``SyncPlanner.preview``), shows how many
files would be sent, replaced and deleted with the list of them, and only
once confirmed starts a normal job (``JobQueue.sync``: progress, cancel,
retry in the jobs panel).
"""

from __future__ import annotations

import dataclasses
import filecmp
import os

from textual import on, work
from textual.message import Message
from textual.widget import Widget

from ..jobs.compare import Outcome, compare_levels, ordering
from ..managers import File, exceptions, location
from ..text import count
from ..widgets.pane import Pane
from . import dialogs


def same_bytes(one: File, other: File) -> bool:
    """Whether two local files hold the same bytes (read, not guessed from size and time)."""
    return one.size == other.size and filecmp.cmp(os.fspath(one), os.fspath(other), shallow=False)


def differing(source_url: str, destination_url: str, content: bool = False) -> list[str]:
    """The names of the files at ``source_url`` missing or different at ``destination_url`` (one level)."""
    source_manager, source_path = location(source_url)
    manager, path = location(destination_url)
    order = ordering(source_manager, manager)

    def level(of, where, required: bool):
        try:
            for page in of.lsOrdered(where, order):
                yield from page
        except exceptions.ArtefactNotFound:
            if required:
                raise

    comparator = same_bytes if content else None
    names = []
    for difference in compare_levels(level(source_manager, source_path, True), level(manager, path, False),
                                     order=order, comparator=comparator):
        if isinstance(difference.source, File) and (difference.outcome.sends or difference.outcome is Outcome.CLASH):
            names.append(difference.name)
    return names


class Comparer(Widget):
    """Compare and sync for the main screen (which gives ``active_pane`` and ``other_pane``)."""

    DEFAULT_CSS = "Comparer { display: none; }"

    @dataclasses.dataclass
    class Compared(Message):
        pane: Pane
        url: str  # the directory compared (the pane may have moved on since)
        names: list[str]

    @dataclasses.dataclass
    class Planned(Message):
        source: str
        destination: str
        plan: object  # a jobs.sync.Plan

    @dataclasses.dataclass
    class Failed(Message):
        title: str
        reason: str

    # Compare -----------------------------------------------------------

    def both_local(self) -> bool:
        screen = self.screen
        return all(location(p.url)[0].IS_LOCAL for p in (screen.active_pane, screen.other_pane))

    def compare(self) -> None:
        """Ask quick or by content where both panes are local; compare quickly elsewhere."""
        screen = self.screen
        pane, other = screen.active_pane, screen.other_pane
        if not self.both_local():
            self._compare(pane, pane.url, other.url, False)
            return

        def chosen(answer) -> None:
            if answer is not None:
                self._compare(pane, pane.url, other.url, answer == "content")

        question = dialogs.ChoiceDialog(
            "Compare the panes", "Quick compares sizes and times; by content reads both files of each pair.",
            [("quick", "Quick (size and time)"), ("content", "By content")])
        self.app.push_screen(question, chosen)

    @work(thread=True, exit_on_error=False, group="compare", exclusive=True)
    def _compare(self, pane: Pane, url: str, other: str, content: bool) -> None:
        try:
            self.post_message(self.Compared(pane, url, differing(url, other, content)))
        except exceptions.StowError as error:
            self.post_message(self.Failed("Cannot compare", str(error)))

    @on(Compared)
    def _compared(self, event: Compared) -> None:
        pane = event.pane
        if pane.url != event.url or pane.tree.root is None:
            return  # the pane went elsewhere meanwhile
        wanted = set(event.names)
        entries = list(pane.tree.root.children)
        pane.tree.clear_marks(post=False)
        pane.tree.set_marks([e for e in entries if not e.is_dir and e.artefact.basename in wanted], True)
        found = len(wanted)
        self.notify(f"{count(found, 'file')} missing or different on the other side" if found
                    else "The panes hold the same files", title="Compare", timeout=5, markup=False)

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        self.notify(event.reason, title=event.title, severity="error", markup=False)

    # Sync --------------------------------------------------------------

    def sync(self) -> None:
        """Plan a sync of the active pane's directory onto the other's, then show the preview."""
        screen = self.screen
        self.notify("Comparing both sides…", title="Sync", timeout=3)
        self._plan(screen.active_pane.url, screen.other_pane.url)

    @work(thread=True, exit_on_error=False, group="sync-plan", exclusive=True)
    def _plan(self, source: str, destination: str) -> None:
        from ..jobs.ledger import Ledger
        from ..jobs.sync import SyncOptions, SyncPlanner

        try:
            manager, path = location(source)
            artefact = manager.artefact(path)
            target_manager, target_path = location(destination)
            planner = SyncPlanner(Ledger("sync"), None, None, artefact, target_manager, target_path,
                                  SyncOptions(delete=True))
            self.post_message(self.Planned(source, destination, planner.preview()))
        except exceptions.StowError as error:
            self.post_message(self.Failed("Cannot sync", str(error)))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        def answered(answer) -> None:
            if answer is None:
                return
            delete = answer == "delete"
            self.screen.launch_sync(event.source, event.destination, delete)

        self.app.push_screen(dialogs.SyncDialog(event.source, event.destination, event.plan), answered)

