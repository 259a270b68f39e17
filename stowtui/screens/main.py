"""The two-pane screen: bindings, drag-style copy between panes, and jobs.

Follow F5 from here: ``action_copy`` → :class:`TransferDialog` → ``start_job``
→ ``JobQueue.copy`` (stowtui/jobs/) → the managers (see ARCHITECTURE.md); the jobs panel polls the
job's progress, and ``JobsPanel.JobFinished`` refreshes the panes it touched.

Results come back from threads as messages only: the panes' listings
(``Pane.PageListed``), a job's end (``JobsPanel.JobFinished``), a conflict a
job's planner asks about (``ConflictAsked``, answered through a ``Future``).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Footer, Static

from .. import managers
from ..jobs import Conflict, Decision, Job, JobState
from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..text import count, visible
from ..widgets.jobs_panel import JobsPanel
from ..widgets.jobs_summary import JobsSummary
from ..widgets.pane import Pane, pane_of
from ..widgets.storage_tree import StorageTree
from . import dialogs
from .comparing import Comparer
from .drag import DragMixin
from .host_keys import HostKeysMixin
from .marks import BINDINGS as MARK_BINDINGS
from .marks import MarksMixin
from .help import HelpScreen
from .inspect import InspectingScreen

class MainScreen(DragMixin, MarksMixin, HostKeysMixin, InspectingScreen):
    """Two panes side by side, a jobs panel and the footer."""

    BINDINGS = [
        Binding("tab", "switch_pane", "Switch pane", show=False, id="switch"),
        Binding("ctrl+u", "swap_panes", "Swap panels", show=False, id="swap"),
        Binding("ctrl+l", "redraw", "Redraw the screen", show=False, id="redraw"),
        Binding("f5,c", "copy", "Copy", key_display="F5", id="copy"),
        Binding("f6,m", "move", "Move", key_display="F6", id="move"),
        Binding("f7,n", "mkdir", "MkDir", key_display="F7", id="mkdir"),
        Binding("f8,d,delete", "delete", "Delete", key_display="F8", id="delete"),
        Binding("f2,r", "rename", "Rename", key_display="F2", show=False, id="rename"),
        Binding("f3,v", "view", "View", key_display="F3", id="view"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
        Binding("backspace", "up", "Parent", show=False, id="up"),
        Binding("o", "open_url", "Open URL", show=False, id="open"),
        Binding("ctrl+backslash", "bookmarks", "Bookmarks", show=False, id="bookmarks"),
        Binding("slash", "filter", "Filter", show=False, id="filter"),
        Binding("s", "cycle_sort", "Sort", show=False, id="sort"),
        Binding("full_stop", "toggle_hidden", "Hidden files", show=False, id="hidden"),
        Binding("equals_sign", "compare", "Compare panes (Ctrl+X D)", show=False, id="compare"),
        Binding("S", "sync", "Sync to the other pane", show=False, id="sync"),
        Binding("w", "toggle_jobs", "Jobs", key_display="w", id="jobs"),
        Binding("J", "focus_jobs", "Jobs: cancel, retry (keys)", show=False, id="jobs-keys"),
        Binding("f1,question_mark", "help", "Help", key_display="?", id="help"),
        Binding("f10,q", "app.quit", "Quit", key_display="q", id="quit"),
        # Quick inspection (stowtui/screens/inspect.py)
        Binding("ctrl+q", "quick_view", "Quick view", show=False, id="quick-view"),
        Binding("p", "toggle_preview", "Preview", show=False, id="preview"),
        Binding("i", "toggle_info", "Info", show=False, id="info"),
        Binding("z", "count_size", "Size", show=False, id="size"),
        Binding("escape", "cancel_count", "Stop counting", show=False, id="stop-count"),
        Binding("y", "copy_url", "Copy URL", show=False, id="copy-url"),
        Binding("Y", "copy_link", "Copy presigned link", show=False, id="copy-link"),
        Binding("V", "versions", "Versions", show=False, id="versions"),
        *MARK_BINDINGS,  # stowtui/screens/marks.py
        # mc's keys that mean nothing here: each says so rather than doing nothing.
        Binding("f4", "not_here('f4')", show=False),
        Binding("f9", "not_here('f9')", show=False),
        Binding("ctrl+o", "not_here('ctrl+o')", show=False),
    ]

    NOT_HERE = {
        "f4": "F4 edits in mc: stowtui does not edit files (F3 views them)",
        "f9": "F9 is mc's menu: Ctrl+P lists every command here",
        "ctrl+o": "Ctrl+O is mc's subshell: quit (q) to get back to the shell",
    }

    class ConflictAsked(Message):
        """A job's planner waits for ``answer`` about ``conflict`` (posted from its thread)."""

        def __init__(self, conflict: Conflict, answer: Future):
            super().__init__()
            self.conflict = conflict
            self.answer = answer

    class DirectoryMade(Message):
        """F7 made the directory ``url`` in ``pane``'s directory (from the worker)."""

        def __init__(self, pane: Pane, url: str):
            super().__init__()
            self.pane = pane
            self.url = url

    def __init__(self, left: str, right: str):
        super().__init__()
        self._left, self._right = left, right
        self._drag = None
        self._last_pane: Pane | None = None  # the pane the keys go back to (see focus_pane)
        self._seen_a_job = False  # the panel opens by itself on the session's first job only
        self._landings: dict[int, str] = {}  # job id → the entry the cursor goes to when it ends
        self._questions: set[Future] = set()  # conflicts waiting for an answer, each a planner thread
        self._questions_lock = threading.Lock()

    def compose(self) -> ComposeResult:
        # The preview/info strips and the footer come after the first frame (_mount_rest).
        with Horizontal(id="panes"):
            yield Pane(self._left, id="left")
            yield Pane(self._right, id="right")
        yield JobsPanel(id="jobs")
        yield JobsSummary(lambda: self.jobs_panel.jobs, lambda: self.jobs_panel.display, id="jobs-summary")
        yield Static(id="drag-cue", markup=False)
        yield Comparer(id="comparer")

    def on_mount(self) -> None:
        self.left.tree.focus()
        self._last_pane = self.left
        self.jobs_panel.display = False
        self.drag_cue.display = False
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        """Once the panes are drawn: the strips (see ``make_strips``) and the footer, where
        ``compose`` would have put them."""
        if not self.is_attached:
            return  # the app ended first
        quick, inspect = self.make_strips()
        await self.query_one("#panes").mount(quick, after=self.left)  # takes the place of a hidden pane
        await self.mount(inspect, after="#panes")
        await self.mount(Footer(compact=True))
        self.refresh_bindings()  # the footer shows the keys once told they are settled
        self.strips_mounted()

    # Accessors ---------------------------------------------------------

    @property
    def left(self) -> Pane:
        return self.query_one("#left", Pane)

    @property
    def right(self) -> Pane:
        return self.query_one("#right", Pane)

    @property
    def jobs_panel(self) -> JobsPanel:
        return self.query_one("#jobs", JobsPanel)

    @property
    def drag_cue(self) -> Static:
        return self.query_one("#drag-cue", Static)

    @property
    def active_pane(self) -> Pane:
        """The highlighted pane: the one with the focus, or the last one that had it."""
        return pane_of(self.focused) or self._last_pane or self.left

    @property
    def other_pane(self) -> Pane:
        return self.right if self.active_pane is self.left else self.left

    def _panes(self) -> list[Pane]:
        return [self.left, self.right]

    # Focus -------------------------------------------------------------

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        pane = pane_of(event.widget)
        if pane is not None:
            self._last_pane = pane

    def focus_pane(self, pane: Pane | None = None) -> None:
        """Give the keys back to a pane (the last active one) unless a pane or the jobs panel has them."""
        focused = self.focused
        if pane is None and (pane_of(focused) is not None or (focused is self.jobs_panel and focused.display)):
            return
        target = pane or self.active_pane
        if not target.display:
            target = self.other_pane if target is self.active_pane else self.active_pane
        self.set_focus(target.tree)

    def on_screen_resume(self) -> None:
        # A dialog or a screen closed: Textual gives the focus back to what had it; make sure it is a pane.
        self.call_after_refresh(self.focus_pane)

    # Navigation --------------------------------------------------------

    def action_switch_pane(self) -> None:
        if self.quick_view_open:
            self.swap_quick_view()
            return
        # Now, not with focus()'s call_later: keys read in the same batch as Tab are for the new pane.
        self.set_focus(self.other_pane.tree)

    def action_swap_panes(self) -> None:
        """mc's Ctrl+U: the left pane shows what the right one showed and the other way round."""
        left, right = self.left, self.right
        left_url, right_url = right.url, left.url
        left.open(left_url)
        right.open(right_url)
        self.set_focus(self.other_pane.tree)  # the keys stay with the directory they were in

    def action_redraw(self) -> None:
        """mc's Ctrl+L: paint every cell again (whatever else wrote to the terminal goes)."""
        self.refresh(self.region, repaint=True, layout=True)

    def action_up(self) -> None:
        self.active_pane.go_up()

    def action_refresh(self) -> None:
        self.active_pane.refresh_directory()

    async def action_filter(self) -> None:
        await self.active_pane.start_filter()

    def action_cycle_sort(self) -> None:
        pane = self.active_pane
        order = ("name", "size", "time")
        pane.sort = order[(order.index(pane.sort) + 1) % len(order)]

    def action_toggle_hidden(self) -> None:
        pane = self.active_pane
        pane.show_hidden = not pane.show_hidden

    def action_toggle_jobs(self) -> None:
        self._show_jobs(not self.jobs_panel.display)

    def _show_jobs(self, show: bool) -> None:
        panel = self.jobs_panel
        panel.display = show
        self.query_one(JobsSummary).update_line()
        if not show and self.focused is panel:
            self.focus_pane(self.active_pane)

    def action_focus_jobs(self) -> None:
        panel = self.jobs_panel
        if not panel.rows:
            self.notify("No jobs yet: F5 copies, F6 moves, F8 deletes", severity="warning", timeout=3)
            return
        self._show_jobs(True)
        self.set_focus(panel)
        if panel.current_row() is None:
            panel.action_move(len(panel.rows))

    @on(JobsPanel.Left)
    def _jobs_left(self) -> None:
        self.focus_pane(self.active_pane)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings))

    def action_open_url(self) -> None:
        pane = self.active_pane

        def done(url: str | None) -> None:
            if url:
                pane.open(url.strip())
                pane.tree.focus()

        title = "Open a location (path or URL, e.g. s3://bucket/prefix/; Tab completes)"
        self.app.push_screen(dialogs.InputDialog(title, pane.url, complete=True), done)

    def action_bookmarks(self) -> None:
        """mc's hotlist: jump the active pane to a saved location (stowtui/config.py holds them)."""
        pane = self.active_pane

        def done(url: str | None) -> None:
            if url:
                pane.open(url)
                pane.tree.focus()

        self.app.push_screen(dialogs.BookmarksDialog(self.app.config, pane.url), done)

    @on(StorageTree.Activated, "#tree")
    def _activated(self, event: StorageTree.Activated) -> None:
        """Enter on a file (its pane handles directories itself)."""
        from .viewer import ViewerScreen  # a rare screen: its module (the preview's) is not part of the start-up

        self.app.push_screen(ViewerScreen(event.node.data.artefact))

    def action_not_here(self, key: str) -> None:
        self.notify(self.NOT_HERE[key], severity="warning", timeout=4)

    def action_view(self) -> None:
        selection = self.active_pane.tree.cursor_node
        if selection is None or selection.data is None:
            self.notify("Nothing to view", severity="warning", timeout=3)
            return
        if selection.data.is_dir:
            self.notify("F3 views files: Enter opens a directory", severity="warning", timeout=3)
            return
        from .viewer import ViewerScreen

        self.app.push_screen(ViewerScreen(selection.data.artefact))

    # Jobs --------------------------------------------------------------

    def action_copy(self) -> None:
        self.open_transfer("copy")

    def action_compare(self) -> None:
        """Mark the files of the active pane missing or different in the other (mc's Ctrl+X D)."""
        self.query_one(Comparer).compare()

    def action_sync(self) -> None:
        """Make the other pane's directory hold what the active one's holds: a preview first."""
        self.query_one(Comparer).sync()

    def launch_sync(self, source: str, destination: str, delete: bool) -> Job | None:
        return self._launch("sync", lambda: self.app.jobs.sync(source, destination, delete=delete))

    def action_move(self) -> None:
        self.open_transfer("move")

    def open_transfer(self, kind: str, sources: list[Artefact] | None = None, target: str | None = None,
                      source_pane: Pane | None = None) -> None:
        pane = source_pane or self.active_pane
        sources = sources if sources is not None else pane.selection()
        if not sources:
            self.notify("Nothing selected", severity="warning")
            return
        other = self.right if pane is self.left else self.left
        target = target or other.url

        def done(result) -> None:
            if result:
                chosen, destination, policy = result
                job = self.start_job(chosen, sources, destination.strip(), policy)
                if job is not None:
                    pane.clear_marks()
                    # The cursor of a pane showing the destination lands on the (first) copy.
                    self._landings[job.id] = destination.strip().rstrip("/") + "/" + sources[0].basename

        self.app.push_screen(dialogs.TransferDialog(kind, sources, target, policy=self.app.config.conflict), done)

    def start_job(self, kind: str, sources: list[Artefact], destination: str | None = None,
                  policy: str = "ask") -> Job | None:
        queue = self.app.jobs
        if kind == "delete":
            return self._launch(kind, lambda: queue.delete(sources))
        start = queue.move if kind == "move" else queue.copy
        return self._launch(kind, lambda: start(sources, destination, conflict=policy, ask=self._ask))

    def copy_to(self, source: Artefact, destination: str) -> Job | None:
        """Copy one artefact to a path of the user's choosing, as a job (conflicts are asked)."""
        return self._launch("copy", lambda: self.app.jobs.transfer(source, destination, conflict="ask", ask=self._ask))

    def _launch(self, kind: str, make: Callable[[], Job]) -> Job | None:
        """Start a job and show it; ``make`` again is what Retry does once it is cancelled."""
        try:
            job = make()
        except StowError as error:
            self.notify(str(error), title=f"Cannot {kind}", severity="error", markup=False)
            return None
        if not self._seen_a_job:  # the first job of a session opens the panel; later ones the summary line
            self._seen_a_job = True
            self._show_jobs(True)
        self.jobs_panel.add_job(job, rerun=lambda: self._launch(kind, make))
        return job

    def _ask(self, conflict: Conflict) -> Decision:
        """The jobs' ``ask`` callback, on a job's planning thread: put the question, wait for the answer."""
        answer: Future = Future()
        with self._questions_lock:
            self._questions.add(answer)
        try:
            if not self.post_message(self.ConflictAsked(conflict, answer)):
                return Decision("cancel")  # the screen is closing: so is every job
            return answer.result()
        finally:
            with self._questions_lock:
                self._questions.discard(answer)

    @on(ConflictAsked)
    def _conflict_asked(self, event: ConflictAsked) -> None:
        def done(decision: Decision | None) -> None:
            if not event.answer.done():
                event.answer.set_result(decision or Decision("skip"))

        self.app.push_screen(dialogs.ConflictDialog(event.conflict), done)

    def on_unmount(self) -> None:
        # The app is closing (and cancels every job): questions nobody will answer stop their jobs.
        # The dialog is modal, so nothing else can cancel a job while its question is open.
        with self._questions_lock:
            waiting = list(self._questions)
        for answer in waiting:
            if not answer.done():
                answer.set_result(Decision("cancel"))

    def refresh_panes(self, url: str, land: str | None = None) -> None:
        """Something changed at ``url``: every pane showing it lists it again (the cursor to ``land``)."""
        for pane in self._panes():
            pane.refresh_directory(url, land)

    @on(JobsPanel.JobFinished)
    def _job_finished(self, event: JobsPanel.JobFinished) -> None:
        job = event.job
        if job.state is JobState.DONE:
            self.notify(visible(job.title), title=f"{job.kind.title()} done", markup=False)
            if job.skipped:  # special files, and files that appeared at the destination meanwhile
                self.notify(_reasons([s.reason for s in job.skipped]),
                            title=f"{len(job.skipped)} left in place", severity="warning", timeout=10, markup=False)
        elif job.state is JobState.CANCELLED:
            self.notify(visible(job.title), title=f"{job.kind.title()} cancelled", severity="warning", markup=False)
        else:
            failures = job.failures
            self.notify(_reasons([f.reason for f in failures]), title=f"{job.kind.title()}: {len(failures)} failed",
                        severity="error", timeout=10, markup=False)
        land = self._landings.pop(job.id, None)
        for url in job.touched:
            self.refresh_panes(url, land)

    def action_delete(self) -> None:
        sources = self.active_pane.selection()
        if not sources:
            self.notify("Nothing selected", severity="warning")
            return
        pane = self.active_pane

        def done(confirmed: bool | None) -> None:
            if confirmed and self.start_job("delete", sources):
                pane.clear_marks()

        title = f"Delete {count(len(sources), 'item')}? This cannot be undone."
        self.app.push_screen(dialogs.ConfirmDialog(title, sources), done)

    def action_mkdir(self) -> None:
        pane = self.active_pane
        if pane.directory is None:
            self.notify("No directory here to make one in", severity="warning", timeout=3)
            return

        def done(name: str | None) -> None:
            if name and pane.directory is not None:
                self._mkdir(pane, pane.directory, name)

        self.app.push_screen(dialogs.InputDialog("New directory name", placeholder="name"), done)

    @work(thread=True, group="mkdir", exit_on_error=False)
    def _mkdir(self, pane: Pane, directory: Directory, name: str) -> None:
        manager = directory.manager
        try:
            if "/" in name.strip("/"):
                raise managers.exceptions.InvalidPath(f"'{name}' contains '/': give one name")
            path = manager.child(directory.path, name.strip("/"))
            manager.mkdir(path, exist_ok=False)
        except StowError as error:
            self.notify(str(error), title="Cannot make directory", severity="error", markup=False)  # thread-safe
            return
        self.post_message(self.DirectoryMade(pane, manager.url(path)))

    @on(DirectoryMade)
    def _directory_made(self, event: DirectoryMade) -> None:
        event.pane.refresh_directory(land=event.url)

    def action_rename(self) -> None:
        pane = self.active_pane
        node = pane.tree.cursor_node
        if node is None or node.is_root or node.data is None:
            self.notify("Nothing to rename: move the cursor onto an entry", severity="warning", timeout=3)
            return
        artefact = node.data.artefact

        def done(name: str | None) -> None:
            if not name or name == artefact.basename:
                return
            if "/" in name:
                self.notify("A name cannot contain '/'", severity="error")
                return
            siblings = node.parent.level.listing if node.parent and node.parent.level else []
            if any(s.artefact.basename == name for s in siblings):
                self.notify(f"{visible(name)} already exists", severity="error", markup=False)
                return
            manager = artefact.manager
            target = manager.url(manager.child(manager.dirname(artefact.path), name))
            job = self._launch("rename", lambda: self.app.jobs.transfer(artefact, target, move=True))
            if job is not None:
                self._landings[job.id] = target

        self.app.push_screen(dialogs.InputDialog("Rename to", artefact.basename), done)


def _reasons(reasons: list[str], most: int = 3) -> str:
    """The first few reasons of a job's outcome, one a line, as plain text."""
    lines = [visible(reason) for reason in reasons[:most]]
    if len(reasons) > most:
        lines.append(f"… and {len(reasons) - most} more")
    return "\n".join(lines)
