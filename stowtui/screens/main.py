"""The two-pane screen: bindings, drag-style copy between panes, and jobs.

Follow F5 from here: ``action_copy`` → :class:`TransferDialog` → ``start_job``
→ ``JobQueue.copy`` (stowtui/jobs/) → the managers (see ARCHITECTURE.md); the jobs panel polls the
job's progress, and ``JobsPanel.JobFinished`` refreshes the panes it touched.

Results come back from threads as messages only: the panes' listings
(``Pane.PageListed``), a job's end (``JobsPanel.JobFinished``), a conflict a
job's planner asks about (``ConflictAsked``, answered through a ``Future``).
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import Future

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Static

from .. import managers
from ..jobs import Conflict, Decision, Job, JobState
from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..text import visible
from ..widgets.jobs_panel import JobsPanel
from ..widgets.pane import Pane
from ..widgets.storage_tree import StorageTree
from .dialogs import ConfirmDialog, ConflictDialog, InputDialog, TransferDialog
from .help import HelpScreen
from .inspect import InspectingScreen
from .viewer import ViewerScreen

DRAG_THRESHOLD = 1


@dataclasses.dataclass
class Drag:
    pane: Pane
    sources: list[Artefact]
    start: tuple[int, int]
    moved: bool = False


class MainScreen(InspectingScreen):
    """Two panes side by side, a jobs panel and the footer."""

    BINDINGS = [
        Binding("tab", "switch_pane", "Switch pane", show=False, id="switch"),
        Binding("f5,c", "copy", "Copy", key_display="F5", id="copy"),
        Binding("f6,m", "move", "Move", key_display="F6", id="move"),
        Binding("f7,n", "mkdir", "MkDir", key_display="F7", id="mkdir"),
        Binding("f8,d,delete", "delete", "Delete", key_display="F8", id="delete"),
        Binding("f2,r", "rename", "Rename", key_display="F2", show=False, id="rename"),
        Binding("f3,v", "view", "View", key_display="F3", id="view"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
        Binding("backspace", "up", "Parent", show=False, id="up"),
        Binding("o", "open_url", "Open URL", show=False, id="open"),
        Binding("slash", "filter", "Filter", show=False, id="filter"),
        Binding("s", "cycle_sort", "Sort", show=False, id="sort"),
        Binding("full_stop", "toggle_hidden", "Hidden files", show=False, id="hidden"),
        Binding("J,w", "toggle_jobs", "Jobs", key_display="w", id="jobs"),
        Binding("f1,question_mark", "help", "Help", key_display="?", id="help"),
        Binding("f10,q", "app.quit", "Quit", key_display="q", id="quit"),
        # Quick inspection (stowtui/screens/inspect.py)
        Binding("p", "toggle_preview", "Preview", show=False, id="preview"),
        Binding("i", "toggle_info", "Info", show=False, id="info"),
        Binding("z", "count_size", "Size", show=False, id="size"),
        Binding("escape", "cancel_count", "Stop counting", show=False, id="stop-count"),
        Binding("y", "copy_url", "Copy URL", show=False, id="copy-url"),
        Binding("Y", "copy_link", "Copy presigned link", show=False, id="copy-link"),
        Binding("V", "versions", "Versions", show=False, id="versions"),
    ]

    class ConflictAsked(Message):
        """A job's planner waits for ``answer`` about ``conflict`` (posted from its thread)."""

        def __init__(self, conflict: Conflict, answer: Future):
            super().__init__()
            self.conflict = conflict
            self.answer = answer

    class DirectoryMade(Message):
        """F7 made a directory in ``pane``'s directory (from the worker)."""

        def __init__(self, pane: Pane):
            super().__init__()
            self.pane = pane

    def __init__(self, left: str, right: str):
        super().__init__()
        self._left, self._right = left, right
        self._drag: Drag | None = None
        self._questions: set[Future] = set()  # conflicts waiting for an answer, each a planner thread
        self._questions_lock = threading.Lock()

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield Pane(self._left, id="left")
            yield Pane(self._right, id="right")
        yield from self.compose_inspect()
        yield JobsPanel(id="jobs")
        yield Static(id="drag-cue", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.left.tree.focus()
        self.jobs_panel.display = False
        self.drag_cue.display = False

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
        return _pane_of(self.focused) or self.left

    @property
    def other_pane(self) -> Pane:
        return self.right if self.active_pane is self.left else self.left

    def _panes(self) -> list[Pane]:
        return [self.left, self.right]

    # Navigation --------------------------------------------------------

    def action_switch_pane(self) -> None:
        # Now, not with focus()'s call_later: keys read in the same batch as Tab are for the new pane.
        self.set_focus(self.other_pane.tree)

    def action_up(self) -> None:
        self.active_pane.go_up()

    def action_refresh(self) -> None:
        self.active_pane.refresh_directory()

    def action_filter(self) -> None:
        self.active_pane.start_filter()

    def action_cycle_sort(self) -> None:
        pane = self.active_pane
        order = ("name", "size", "time")
        pane.sort = order[(order.index(pane.sort) + 1) % len(order)]

    def action_toggle_hidden(self) -> None:
        pane = self.active_pane
        pane.show_hidden = not pane.show_hidden

    def action_toggle_jobs(self) -> None:
        self.jobs_panel.display = not self.jobs_panel.display

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.active_bindings))

    def action_open_url(self) -> None:
        pane = self.active_pane

        def done(url: str | None) -> None:
            if url:
                pane.open(url.strip())
                pane.tree.focus()

        self.app.push_screen(InputDialog("Open a location (path or URL, e.g. s3://bucket/prefix/)", pane.url), done)

    @on(StorageTree.Activated, "#tree")
    def _activated(self, event: StorageTree.Activated) -> None:
        """Enter on a file (its pane handles directories itself)."""
        self.app.push_screen(ViewerScreen(event.node.data.artefact))

    def action_view(self) -> None:
        selection = self.active_pane.tree.cursor_node
        if selection is None or selection.data is None or selection.data.is_dir:
            return
        self.app.push_screen(ViewerScreen(selection.data.artefact))

    # Jobs --------------------------------------------------------------

    def action_copy(self) -> None:
        self.open_transfer("copy")

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
                if self.start_job(chosen, sources, destination.strip(), policy):
                    pane.clear_marks()

        self.app.push_screen(TransferDialog(kind, sources, target), done)

    def start_job(self, kind: str, sources: list[Artefact], destination: str | None = None,
                  policy: str = "ask") -> Job | None:
        queue = self.app.jobs
        try:
            if kind == "delete":
                job = queue.delete(sources)
            elif kind == "move":
                job = queue.move(sources, destination, conflict=policy, ask=self._ask)
            else:
                job = queue.copy(sources, destination, conflict=policy, ask=self._ask)
        except StowError as error:
            self.notify(str(error), title=f"Cannot {kind}", severity="error", markup=False)
            return None
        self.jobs_panel.display = True
        self.jobs_panel.add_job(job)
        return job

    def copy_to(self, source: Artefact, destination: str) -> Job | None:
        """Copy one artefact to a path of the user's choosing, as a job (conflicts are asked)."""
        try:
            job = self.app.jobs.transfer(source, destination, conflict="ask", ask=self._ask)
        except StowError as error:
            self.notify(str(error), title="Cannot copy", severity="error", markup=False)
            return None
        self.jobs_panel.display = True
        self.jobs_panel.add_job(job)
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

        self.app.push_screen(ConflictDialog(event.conflict), done)

    def on_unmount(self) -> None:
        # The app is closing (and cancels every job): questions nobody will answer stop their jobs.
        # The dialog is modal, so nothing else can cancel a job while its question is open.
        with self._questions_lock:
            waiting = list(self._questions)
        for answer in waiting:
            if not answer.done():
                answer.set_result(Decision("cancel"))

    def refresh_panes(self, url: str) -> None:
        """Something changed at ``url``: every pane showing it lists it again."""
        for pane in self._panes():
            pane.refresh_directory(url)

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
        for url in job.touched:
            self.refresh_panes(url)

    def action_delete(self) -> None:
        sources = self.active_pane.selection()
        if not sources:
            self.notify("Nothing selected", severity="warning")
            return
        pane = self.active_pane

        def done(confirmed: bool | None) -> None:
            if confirmed and self.start_job("delete", sources):
                pane.clear_marks()

        title = f"Delete {len(sources)} item(s)? This cannot be undone."
        self.app.push_screen(ConfirmDialog(title, sources), done)

    def action_mkdir(self) -> None:
        pane = self.active_pane
        if pane.directory is None:
            return

        def done(name: str | None) -> None:
            if name and pane.directory is not None:
                self._mkdir(pane, pane.directory, name)

        self.app.push_screen(InputDialog("New directory name", placeholder="name"), done)

    @work(thread=True, group="mkdir", exit_on_error=False)
    def _mkdir(self, pane: Pane, directory: Directory, name: str) -> None:
        manager = directory.manager
        try:
            if "/" in name.strip("/"):
                raise managers.exceptions.InvalidPath(f"'{name}' contains '/': give one name")
            manager.mkdir(manager.child(directory.path, name.strip("/")), exist_ok=False)
        except StowError as error:
            self.notify(str(error), title="Cannot make directory", severity="error", markup=False)  # thread-safe
            return
        self.post_message(self.DirectoryMade(pane))

    @on(DirectoryMade)
    def _directory_made(self, event: DirectoryMade) -> None:
        event.pane.refresh_directory()

    def action_rename(self) -> None:
        pane = self.active_pane
        node = pane.tree.cursor_node
        if node is None or node.is_root or node.data is None:
            return
        artefact = node.data.artefact

        def done(name: str | None) -> None:
            if not name or name == artefact.basename:
                return
            if "/" in name:
                self.notify("A name cannot contain '/'", severity="error")
                return
            siblings = node.parent.data.children if node.parent and node.parent.data else []
            if any(s.basename == name for s in siblings):
                self.notify(f"{visible(name)} already exists", severity="error", markup=False)
                return
            manager = artefact.manager
            target = manager.url(manager.child(manager.dirname(artefact.path), name))
            try:
                job = self.app.jobs.transfer(artefact, target, move=True)
            except StowError as error:
                self.notify(str(error), title="Cannot rename", severity="error", markup=False)
                return
            self.jobs_panel.add_job(job)

        self.app.push_screen(InputDialog("Rename to", artefact.basename), done)

    # Drag-style copy ---------------------------------------------------

    def _pane_at(self, x: int, y: int) -> Pane | None:
        try:
            widget, _ = self.get_widget_at(x, y)
        except Exception:
            return None
        return _pane_of(widget)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        pane = self._pane_at(event.screen_x, event.screen_y)
        self._drag = None
        if pane is None:
            return
        node = pane.tree.node_at_screen(event.screen_x, event.screen_y)
        if node is None or node.is_root or node.data is None:
            return
        if node.id in pane.tree.marked:
            sources = [n.data.artefact for n in pane.tree.marked.values() if n.data]
        else:
            sources = [node.data.artefact]
        self._drag = Drag(pane, sources, (event.screen_x, event.screen_y))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        drag = self._drag
        if drag is None:
            return
        x, y = event.screen_x, event.screen_y
        if not drag.moved and abs(x - drag.start[0]) + abs(y - drag.start[1]) < DRAG_THRESHOLD:
            return
        drag.moved = True
        cue = self.drag_cue
        names = visible(drag.sources[0].basename) if len(drag.sources) == 1 else f"{len(drag.sources)} items"
        target = self._pane_at(x, y)
        arrow = "⇢ copy " if target is not None and target is not drag.pane else "⇢ "
        cue.update(Text(arrow + names, no_wrap=True))
        cue.styles.offset = (min(x + 2, max(0, self.size.width - 24)), y)
        cue.display = True
        for pane in self._panes():
            pane.set_class(pane is target and pane is not drag.pane, "drop-target")

    def on_mouse_up(self, event: events.MouseUp) -> None:
        drag, self._drag = self._drag, None
        self.drag_cue.display = False
        for pane in self._panes():
            pane.remove_class("drop-target")
        if drag is None or not drag.moved:
            return
        target_pane = self._pane_at(event.screen_x, event.screen_y)
        if target_pane is None or target_pane is drag.pane:
            return
        node = target_pane.tree.node_at_screen(event.screen_x, event.screen_y)
        if node is not None and node.data is not None and node.data.is_dir:
            target = node.data.artefact.abspath
        else:
            target = target_pane.url
        self.open_transfer("copy", drag.sources, target, source_pane=drag.pane)


def _reasons(reasons: list[str], most: int = 3) -> str:
    """The first few reasons of a job's outcome, one a line, as plain text."""
    lines = [visible(reason) for reason in reasons[:most]]
    if len(reasons) > most:
        lines.append(f"… and {len(reasons) - most} more")
    return "\n".join(lines)


def _pane_of(widget: Widget | None) -> Pane | None:
    """The pane a widget is part of (or is), if any."""
    if widget is None or isinstance(widget, Pane):
        return widget
    try:
        return widget.query_ancestor(Pane)
    except NoMatches:
        return None
