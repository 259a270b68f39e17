"""The two-pane screen: its keys, the preview and info strips, drag-style copy, and jobs.

Follow F5 from here: ``action_copy`` → :class:`TransferDialog` → ``start_job``
→ ``JobQueue.copy`` (stowtui/jobs/) → the managers (see ARCHITECTURE.md); the jobs panel polls the
job's progress, and ``JobsPanel.JobFinished`` refreshes the panes it touched.

What the keys change lives with the state it changes: marks in the pane's ``StorageTree``,
listings and size counts in the ``Pane`` (and its ``Loader``), what a drag carries and where it
drops in the ``Pane``, an SSH host key's trust in the app. This screen routes the keys to the
active pane and owns what spans both panes: the strips, the drag cue, the jobs and their questions.

Results come back from threads as messages only: a job's end (``JobsPanel.JobFinished``), a
conflict a job's planner asks about (``ConflictAsked``, answered through a ``Future``).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from .. import managers
from ..jobs import Conflict, Decision, Job, JobState
from ..managers import Artefact, Directory, File, Manager
from ..managers.exceptions import StowError
from ..text import count, size_words, visible
from ..widgets.drag_cue import DragCue
from ..widgets.info_panel import InfoPanel
from ..widgets.jobs_panel import JobsPanel
from ..widgets.jobs_summary import JobsSummary
from ..widgets.pane import Pane, pane_of
from ..widgets.storage_tree import StorageTree
from . import dialogs
from .comparing import Comparer
from .help import HelpScreen

if TYPE_CHECKING:
    from ..widgets.inspect_strip import InspectStrip
    from ..widgets.preview import Preview

#: Seconds the cursor rests on an entry before the preview or info panel reads it.
SETTLE = 0.15
#: Below this many rows the preview and the info panel open in place of the other pane (mc's quick
#: view), not under the panes: a strip under them would leave each pane a handful of rows.
TALL = 32
#: The keys that open the strips or write in them: off until the strips are mounted.
STRIP_ACTIONS = frozenset({"toggle_preview", "toggle_info", "quick_view", "count_size"})
#: The keys of the files in the panes: not in the footer while the jobs panel has the keys.
FILE_ACTIONS = frozenset({"copy", "move", "mkdir", "delete", "view"})
PRESIGN_DEFAULT = 3600
PRESIGN_MAX = 7 * 24 * 3600  # what SigV4 allows


class MainScreen(Screen):
    """Two panes side by side, the preview/info strips, a jobs panel and the footer."""

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
        Binding("f4", "edit", "Edit", key_display="F4", show=False, id="edit"),
        Binding("ctrl+o", "shell", "Shell", show=False, id="shell"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
        Binding("backspace", "up", "Parent", show=False, id="up"),
        Binding("o", "open_url", "Open URL", show=False, id="open"),
        Binding("ctrl+backslash", "bookmarks", "Bookmarks", show=False, id="bookmarks"),
        Binding("slash", "filter", "Filter", show=False, id="filter"),
        Binding("s", "cycle_sort", "Sort", show=False, id="sort"),
        Binding("full_stop", "toggle_hidden", "Hidden files", show=False, id="hidden"),
        Binding("equals_sign", "compare", "Compare panes (Ctrl+X D)", show=False, id="compare"),
        Binding("S", "sync", "Sync to the other pane", show=False, id="sync"),
        Binding("t", "toggle_tree", "Tree / panel", show=False, id="tree-mode"),
        Binding("w", "toggle_jobs", "Jobs", key_display="w", id="jobs"),
        Binding("J", "focus_jobs", "Jobs: cancel, retry (keys)", show=False, id="jobs-keys"),
        Binding("f1,question_mark", "help", "Help", key_display="?", id="help"),
        Binding("f10,q", "app.quit", "Quit", key_display="q", id="quit"),
        # Quick inspection: looks without downloading (the strips, sizes, links, versions)
        Binding("ctrl+q", "quick_view", "Quick view", show=False, id="quick-view"),
        Binding("p", "toggle_preview", "Preview", show=False, id="preview"),
        Binding("i", "toggle_info", "Info", show=False, id="info"),
        Binding("z", "count_size", "Size", show=False, id="size"),
        Binding("escape", "cancel_count", "Stop counting", show=False, id="stop-count"),
        Binding("y", "copy_url", "Copy URL", show=False, id="copy-url"),
        Binding("Y", "copy_link", "Copy presigned link", show=False, id="copy-link"),
        Binding("V", "versions", "Versions", show=False, id="versions"),
        # Marks, as mc (Space and Insert mark one entry: StorageTree.action_mark)
        Binding("asterisk", "invert_marks", "Invert marks", show=False, id="invert-marks"),
        Binding("plus", "mark_pattern(True)", "Mark by pattern", show=False, id="mark-pattern"),
        Binding("minus", "mark_pattern(False)", "Unmark by pattern", show=False, id="unmark-pattern"),
        Binding("ctrl+a", "mark_all", "Mark all", show=False, id="mark-all"),
        # mc's keys that mean nothing here: each says so rather than doing nothing.
        Binding("f9", "not_here('f9')", show=False),
    ]

    NOT_HERE = {
        "f9": "F9 is mc's menu: Ctrl+P lists every command here",
    }

    @dataclass
    class ConflictAsked(Message):
        """A job's planner waits for ``answer`` about ``conflict`` (posted from its thread)."""

        conflict: Conflict
        answer: Future

    @dataclass
    class DirectoryMade(Message):
        """F7 made the directory ``url`` in ``pane``'s directory (from the worker)."""

        pane: Pane
        url: str

    @dataclass
    class Signed(Message):
        """A presigned link was made (from the worker), valid ``seconds``."""

        link: str
        seconds: int

    def __init__(self, left: str, right: str):
        super().__init__()
        self._left, self._right = left, right
        self._editors = None
        self._quick = False  # the preview/info show in place of the other pane (mc's quick view)
        self._strips = False  # the strips are mounted (after the first frame: _mount_rest)
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
        yield DragCue(id="drag-cue")
        yield Comparer(id="comparer")

    def on_mount(self) -> None:
        self.left.tree.focus()
        self._last_pane = self.left
        self.jobs_panel.display = False
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        """Once the panes are drawn: the strips and the footer, where ``compose`` would have put them.

        The quick view goes between the two panes (it shows when one of them is hidden), the other
        strip under the panes. Nothing of them shows until a key opens them, and their widgets and
        modules (the preview's readers, DataTable) were a tenth of the time to the first paint.
        Until then the keys that open them are off (``check_action``).
        """
        if not self.is_attached:
            return  # the app ended first
        from ..widgets.inspect_strip import InspectStrip

        quick, inspect = InspectStrip(id="quick", settle=SETTLE), InspectStrip(id="inspect", settle=SETTLE)
        await self.query_one("#panes").mount(quick, after=self.left)  # takes the place of a hidden pane
        await self.mount(inspect, after="#panes")
        await self.mount(Footer(compact=True))
        self.refresh_bindings()  # the footer shows the keys once told they are settled
        self._strips = True
        self._follow()

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
    def drag_cue(self) -> DragCue:
        return self.query_one("#drag-cue", DragCue)

    @property
    def active_pane(self) -> Pane:
        """The highlighted pane: the one with the focus, or the last one that had it."""
        return pane_of(self.focused) or self._last_pane or self.left

    @property
    def other_pane(self) -> Pane:
        return self.right if self.active_pane is self.left else self.left

    def _panes(self) -> list[Pane]:
        return [self.left, self.right]

    @property
    def strips_ready(self) -> bool:
        """The strips are mounted: the keys that open them work."""
        return self._strips

    @property
    def strip(self) -> InspectStrip:
        """Where the preview and the info panel show now: in place of the other pane, or under the panes."""
        return self.query_one("#quick" if self._quick else "#inspect")  # type: ignore[return-value]

    @property
    def quick_view_open(self) -> bool:
        return self._quick

    @property
    def preview(self) -> Preview:
        return self.strip.preview

    @property
    def info_panel(self) -> InfoPanel:
        return self.strip.info_panel

    @property
    def preview_open(self) -> bool:
        return self._strips and self.strip.preview_open

    @property
    def info_open(self) -> bool:
        return self._strips and self.strip.info_open

    def cursor_artefact(self, pane: Pane | None = None) -> Artefact | None:
        """The entry under the cursor of a pane (the active one by default); the root is the pane's directory."""
        node = (pane or self.active_pane).tree.cursor_node
        return node.artefact if node is not None else None

    # Focus -------------------------------------------------------------

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        pane = pane_of(event.widget)
        if pane is not None:
            self._last_pane = pane
        if isinstance(event.widget, StorageTree):
            self._follow()

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

    @property
    def editors(self):
        """F4 and Ctrl+O (screens/editing.py), made on first use: not part of the start-up."""
        if self._editors is None:
            from .editing import Editors

            self._editors = Editors(self)
        return self._editors

    def action_edit(self) -> None:
        self.editors.edit(self.active_pane)

    def action_shell(self) -> None:
        self.editors.shell(self.active_pane)

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

    def action_toggle_tree(self) -> None:
        self.active_pane.toggle_tree_mode()

    def action_toggle_hidden(self) -> None:
        pane = self.active_pane
        pane.show_hidden = not pane.show_hidden

    def action_toggle_jobs(self) -> None:
        self.show_jobs_panel(not self.jobs_panel.display)

    def show_jobs_panel(self, show: bool) -> None:
        """Show or hide the jobs panel (the summary line says what it holds when hidden)."""
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
        self.show_jobs_panel(True)
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
                from .dialogs.input import resolve

                pane.open(resolve(url.strip(), base))  # a relative name: in the pane's directory
                pane.tree.focus()

        base = pane.url
        title = "Open a location (path or URL, e.g. s3://bucket/prefix/; Tab completes)"
        self.app.push_screen(dialogs.InputDialog(title, pane.url, complete=True, base=pane.url), done)

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

        self.app.push_screen(ViewerScreen(event.node.artefact))

    def action_not_here(self, key: str) -> None:
        self.notify(self.NOT_HERE[key], severity="warning", timeout=4)

    def action_view(self) -> None:
        selection = self.active_pane.tree.cursor_node
        if selection is None:
            self.notify("Nothing to view", severity="warning", timeout=3)
            return
        if selection.is_dir:
            self.notify("F3 views files: Enter opens a directory", severity="warning", timeout=3)
            return
        from .viewer import ViewerScreen

        self.app.push_screen(ViewerScreen(selection.artefact))

    # The preview and the info panel: they follow the active pane's cursor ----

    def _follow(self) -> None:
        if self._strips:
            self.strip.follow(self.cursor_artefact())

    @on(StorageTree.NodeHighlighted)
    def _cursor_moved(self, event: StorageTree.NodeHighlighted) -> None:
        if event.control is self.active_pane.tree:
            self._follow()

    def _open(self, preview: bool, info: bool, quick: bool | None = None) -> None:
        """Show the preview and/or the info panel: in place of the other pane (``quick``; by default
        when the screen is short), or in the strip under the panes."""
        if quick is None:
            quick = self._quick or self.size.height < TALL
        self.strip.open(False, False)  # whichever place they were in
        self._quick = quick and (preview or info)
        active = self.active_pane
        self.other_pane.display = not self._quick
        active.display = True
        self.strip.open(preview, info)
        self._follow()

    def action_toggle_preview(self) -> None:
        self._open(not self.preview_open, self.info_open)

    def action_toggle_info(self) -> None:
        self._open(self.preview_open, not self.info_open)

    def action_quick_view(self) -> None:
        """Ctrl+Q, as in mc: the preview in place of the other pane, or back to two panes."""
        if self._quick and self.preview_open:
            self._open(False, self.info_open, quick=True)
        else:
            self._open(True, self.info_open if self._quick else False, quick=True)

    def swap_quick_view(self) -> None:
        """Tab in the quick view: the other pane comes back, the quick view takes this one's place."""
        active, other = self.active_pane, self.other_pane
        other.display = True
        active.display = False
        self.set_focus(other.tree)
        self._follow()

    @on(InfoPanel.Described)
    def _described(self, event: InfoPanel.Described) -> None:
        # A bucket's region may have just been learnt: its row shows it.
        for pane in self._panes():
            node = pane.tree.cursor_node
            if node is not None and node.artefact is event.artefact:
                pane.tree.refresh_node(node)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in STRIP_ACTIONS and not self._strips:
            return False
        if action == "cancel_count":
            return self._counting() is not None  # otherwise Escape goes on to whoever else wants it
        if action in FILE_ACTIONS and self.focused is not None and self.focused.id == "jobs":
            # The jobs panel has the keys (J): its own fill the footer, which then fits 80 columns;
            # with the files' keys as well it ran past the edge, a key's first letter left by ^p.
            return False
        return super().check_action(action, parameters)

    # Sizes: counted by a pane, in its status line (Pane.count_size) -----

    def _counting(self) -> Pane | None:
        return next((pane for pane in self._panes() if pane.counting), None)

    def action_count_size(self) -> None:
        if self._counting() is not None:
            self.action_cancel_count()  # z again stops it
            return
        self.active_pane.count_size()

    def action_cancel_count(self) -> None:
        pane = self._counting()
        if pane is not None and pane.cancel_count():
            self.notify("Size count stopped", timeout=3)

    @on(Pane.Counted)
    def _counted(self, event: Pane.Counted) -> None:
        if event.totals is not None:
            self.info_panel.set_size(event.totals)

    # Links and versions --------------------------------------------------

    def action_copy_url(self) -> None:
        artefact = self.cursor_artefact()
        if artefact is None:
            return
        self.app.copy_to_clipboard(artefact.abspath)
        self.notify(visible(artefact.abspath), title="Copied to the clipboard", markup=False)

    def action_copy_link(self) -> None:
        artefact = self.cursor_artefact()
        if not isinstance(artefact, File) or getattr(artefact.manager, "presign", None) is None:
            self.notify("Presigned links are for S3 objects", severity="warning")
            return

        def done(answer: str | None) -> None:
            if answer is None:
                return
            try:
                seconds = int(answer.strip() or PRESIGN_DEFAULT)
            except ValueError:
                seconds = 0
            if not 1 <= seconds <= PRESIGN_MAX:
                self.notify(f"Give a number of seconds from 1 to {PRESIGN_MAX}", severity="error")
                return
            self._presign(artefact, seconds)

        prompt = f"A link anyone can use to download {visible(artefact.basename)}: valid for how many seconds?"
        self.app.push_screen(dialogs.InputDialog(prompt, str(PRESIGN_DEFAULT)), done)

    @work(thread=True, group="presign", exit_on_error=False)
    def _presign(self, artefact: File, seconds: int) -> None:
        try:
            link = artefact.manager.presign(artefact.path, seconds)
        except StowError as error:
            self.notify(str(error), title="Cannot sign a link", severity="error", markup=False)  # notify is thread-safe
            return
        self.post_message(self.Signed(link, seconds))

    @on(Signed)
    def _signed(self, event: Signed) -> None:
        self.app.copy_to_clipboard(event.link)
        self.notify(f"Presigned link, valid {event.seconds:,} s", title="Copied to the clipboard", markup=False)

    def action_versions(self) -> None:
        artefact = self.cursor_artefact()
        if not isinstance(artefact, File) or type(artefact.manager).versions is Manager.versions:
            self.notify("Versions are listed for objects in S3 buckets", severity="warning")
            return
        from .versions import VersionsScreen  # a rare screen: its module is not part of the start-up

        self.app.push_screen(VersionsScreen(artefact, self.other_pane.url, self.copy_to))

    # Marks: each acts on the level the cursor is in (StorageTree.mark_level) --

    def _mark_level(self, marked: bool | None, what: str) -> None:
        if not self.active_pane.tree.mark_level(marked)[0]:
            here = "no files here" if marked is None else "no entries here"
            self.notify(f"Nothing to {what}: {here}", severity="warning", timeout=3)

    def action_invert_marks(self) -> None:
        self._mark_level(None, "invert")

    def action_mark_all(self) -> None:
        self._mark_level(True, "mark")

    def action_mark_pattern(self, marked: bool) -> None:
        tree = self.active_pane.tree
        verb = "Mark" if marked else "Unmark"

        def done(pattern: str | None) -> None:
            if not pattern:
                return
            matched, changed = tree.mark_level(marked, pattern)
            if not matched:
                self.notify(f"No entry matches {pattern}", severity="warning", timeout=3, markup=False)
                return
            if not changed:
                state = "marked" if marked else "unmarked"
                self.notify(f"All {matched:,} matching already {state}", timeout=3)
                return
            self.notify(f"{verb}ed {changed:,} {'entry' if changed == 1 else 'entries'}", timeout=3)

        self.app.push_screen(dialogs.InputDialog(f"{verb} the entries matching (e.g. *.txt)", "*"), done)

    # Drag-style copy: a mouse down on an entry (or one of the marked ones) starts a drag; moving
    # shows a cue by the pointer and outlines the pane it would drop on; releasing over the other
    # pane opens the copy dialog for where it dropped (Pane.drop_target). A click outside the
    # panes gives the keys back to a pane.

    def _pane_at(self, x: int, y: int) -> Pane | None:
        try:
            widget, _ = self.get_widget_at(x, y)
        except Exception:
            return None
        return pane_of(widget)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.drag_cue.begin(self._pane_at(event.screen_x, event.screen_y), event.screen_x, event.screen_y)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        target = self._pane_at(event.screen_x, event.screen_y)
        drag = self.drag_cue.move(event.screen_x, event.screen_y, target)
        if drag is not None:
            for pane in self._panes():
                pane.set_class(pane is target and pane is not drag.pane, "drop-target")

    def on_mouse_up(self, event: events.MouseUp) -> None:
        drag = self.drag_cue.end()
        for pane in self._panes():
            pane.remove_class("drop-target")
        target_pane = self._pane_at(event.screen_x, event.screen_y)
        if target_pane is None:
            self.call_after_refresh(self.focus_pane, self.active_pane)  # a click elsewhere: the keys stay on a pane
        if drag is None or target_pane is None or target_pane is drag.pane:
            return
        target = target_pane.drop_target(event.screen_x, event.screen_y)
        self.open_transfer("copy", drag.sources, target, source_pane=drag.pane)

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
            self.show_jobs_panel(True)
        self.jobs_panel.add_job(job, rerun=lambda: self._launch(kind, make))
        return job

    def show_job(self, job) -> None:
        """Show a job started elsewhere (a detached run's, see runs.py) in the jobs panel."""
        if not self._seen_a_job:
            self._seen_a_job = True
            self.show_jobs_panel(True)
        self.jobs_panel.add_job(job)

    def _ask(self, conflict: Conflict) -> Decision:
        """The jobs' ``ask`` callback, on a job's planning thread: put the question, wait for the answer.

        Once the app has detached (its terminal gone) nobody can answer: the file is skipped.
        """
        if getattr(self.app, "detached", False):
            return Decision("skip")
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
        # Detached (the terminal went away, the jobs go on): those files are skipped instead.
        answer_now = Decision("skip") if getattr(self.app, "detached", False) else Decision("cancel")
        for answer in waiting:
            if not answer.done():
                answer.set_result(answer_now)

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

        directories = [source for source in sources if isinstance(source, Directory)]
        counting = threading.Event()  # set: the count stops (the question was answered)

        def done(confirmed: bool | None) -> None:
            counting.set()
            if confirmed and self.start_job("delete", sources):
                pane.clear_marks()

        title = f"Delete {count(len(sources), 'item')}? This cannot be undone."
        if directories:  # how many objects that is, counted while the question is open
            title = f"Delete {count(len(sources), 'item')}? Counting what is under it… This cannot be undone."
        dialog = dialogs.ConfirmDialog(title, sources)
        self.app.push_screen(dialog, done)
        if directories:
            self.run_worker(lambda: self._count_deleted(dialog, sources, counting), thread=True,
                            exit_on_error=False, group="delete-count")

    def _count_deleted(self, dialog, sources: list[Artefact], stop: threading.Event) -> None:
        """In a thread: every object F8 would delete, counted for its question (``stop`` ends it)."""
        files = sum(1 for source in sources if not isinstance(source, Directory))
        size = sum(getattr(source, "size", 0) or 0 for source in sources if not isinstance(source, Directory))
        where = sources[0].abspath if len(sources) == 1 else f"{len(sources):,} items"  # (a URL: made visible)
        for source in sources:
            if not isinstance(source, Directory):
                continue
            totals = None
            try:
                for totals in source.manager.du(source.path):
                    if stop.is_set():
                        return
                    self.app.call_from_thread(dialog.retitle, f"Delete {visible(where)}? Counting… {totals.objects + files:,} "
                                              "objects so far. This cannot be undone.")
            except StowError as error:
                self.app.call_from_thread(dialog.retitle, f"Delete {visible(where)}? (Cannot count what is under it: "
                                          f"{visible(str(error))}) This cannot be undone.")
                return
            if totals is not None:
                files += totals.objects
                size += totals.bytes
        if not stop.is_set():
            within = f"under {visible(where)}" if len(sources) == 1 else f"in {where}"
            self.app.call_from_thread(dialog.retitle, f"Delete {count(files, 'object')} ({size_words(size)}) "
                                      f"{within}? This cannot be undone.")

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
            manager.mkdir(path, ignore_exists=False)
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
        if node is None or node.is_root:
            self.notify("Nothing to rename: move the cursor onto an entry", severity="warning", timeout=3)
            return
        artefact = node.artefact

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
