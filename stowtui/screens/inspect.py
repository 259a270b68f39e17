"""Quick inspection, the half of the main screen that looks without downloading.

``MainScreen`` derives from :class:`InspectingScreen` (and lists its keys in
its ``BINDINGS``): a preview pane and an info panel that follow the cursor of
the active pane, directory and bucket sizes counted in the background, links
to the clipboard (OSC 52, so it works over SSH), and object versions. Every
request runs in a worker through the managers; nothing here touches boto3 or
the disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from ..managers import Artefact, Directory, File, Manager
from ..managers.exceptions import StowError
from ..managers.manager import SizeTotals
from ..text import count, exact_size, human_size, visible
from ..widgets.info_panel import InfoPanel
from ..widgets.pane import Pane
from ..widgets.storage_tree import StorageTree
from . import dialogs

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
PRESIGN_DEFAULT = 3600
PRESIGN_MAX = 7 * 24 * 3600  # what SigV4 allows


def size_summary(totals: SizeTotals) -> str:
    text = f"Σ {visible(totals.url)}: {count(totals.objects, 'object')}, {exact_size(totals.bytes, short_first=True)}"
    if len(totals.by_class) > 1 or (totals.by_class and "STANDARD" not in totals.by_class):
        text += " · " + ", ".join(f"{visible(name)} {objects:,}/{human_size(size)}"
                                  for name, (objects, size) in sorted(totals.by_class.items()))
    if totals.skipped:
        text += f" · {totals.skipped} unreadable"
    return text


class InspectingScreen(Screen):
    """Preview, info, sizes, links and versions. Subclasses provide ``active_pane`` and ``other_pane``."""

    class Counted(Message):
        """A running total of a size count (from the worker)."""

        def __init__(self, generation: int, pane: Pane, totals: SizeTotals | None, error: str | None = None):
            super().__init__()
            self.generation = generation
            self.pane = pane
            self.totals = totals
            self.error = error

    class Signed(Message):
        """A presigned link was made (from the worker)."""

        def __init__(self, link: str, seconds: int):
            super().__init__()
            self.link = link
            self.seconds = seconds

    _count_worker: Worker | None = None
    _count_generation: int = 0
    _count_shown: tuple[Pane | None, str] = (None, "")  # the pane counting, and what it shows
    _quick = False  # the preview/info show in place of the other pane (mc's quick view)
    _strips = False  # the strips are mounted (MainScreen mounts them after the first frame)

    # Composition (MainScreen mounts these) -----------------------------

    def make_strips(self) -> tuple[InspectStrip, InspectStrip]:
        """The quick view, which goes between the two panes (it shows when one of them is hidden),
        and the strip under the panes.

        They are mounted once the first frame is drawn: nothing of them shows until a key opens
        them, and their widgets and modules (the preview's readers, DataTable) were a tenth of
        the time to the first paint. Until then the keys that open them are off (``check_action``).
        """
        from ..widgets.inspect_strip import InspectStrip

        return InspectStrip(id="quick", settle=SETTLE), InspectStrip(id="inspect", settle=SETTLE)

    def strips_mounted(self) -> None:
        self._strips = True
        self._follow()

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
    def active_pane(self) -> Pane:  # overridden by MainScreen
        raise NotImplementedError

    @property
    def other_pane(self) -> Pane:  # overridden by MainScreen
        raise NotImplementedError

    def cursor_artefact(self, pane: Pane | None = None) -> Artefact | None:
        """The entry under the cursor of a pane (the active one by default); the root is the pane's directory."""
        node = (pane or self.active_pane).tree.cursor_node
        return node.data.artefact if node is not None and node.data is not None else None

    # Following the cursor ----------------------------------------------

    @property
    def preview_open(self) -> bool:
        return self._strips and self.strip.preview_open

    @property
    def info_open(self) -> bool:
        return self._strips and self.strip.info_open

    def _follow(self) -> None:
        if self._strips:
            self.strip.follow(self.cursor_artefact())

    @on(StorageTree.NodeHighlighted)
    def _inspect_highlighted(self, event: StorageTree.NodeHighlighted) -> None:
        if event.control is self.active_pane.tree:
            self._follow()

    @on(events.DescendantFocus)
    def _inspect_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, StorageTree):
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
        for pane in (self.active_pane, self.other_pane):
            node = pane.tree.cursor_node
            if node is not None and node.data is not None and node.data.artefact is event.artefact:
                pane.tree.refresh_node(node)

    # Sizes ---------------------------------------------------------------

    @property
    def counting(self) -> bool:
        worker = self._count_worker
        return worker is not None and not worker.is_finished and not worker.is_cancelled

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in STRIP_ACTIONS and not self._strips:
            return False
        if action == "cancel_count":
            return self.counting  # otherwise Escape goes on to whoever else wants it
        return super().check_action(action, parameters)

    def action_count_size(self) -> None:
        if self.counting:
            self.action_cancel_count()
            return
        pane = self.active_pane
        artefact = self.cursor_artefact(pane)
        if not isinstance(artefact, Directory):
            artefact = pane.directory
        if artefact is None:
            return
        self._count_generation += 1
        self._count_shown = (pane, f"Σ {visible(artefact.abspath)}: nothing counted yet")
        pane.status.update(Text(f"Σ {visible(artefact.abspath)}: counting… (Esc or z stops)"))
        self._count_worker = self._count(artefact, pane, self._count_generation)

    def action_cancel_count(self) -> None:
        worker = self._count_worker
        if worker is None or not self.counting:
            return
        worker.cancel()
        self._count_generation += 1  # answers still on their way are dropped
        pane, summary = self._count_shown
        if pane is not None:
            pane.status.update(Text(summary + "  (stopped)"))
        self.notify("Size count stopped", timeout=3)

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count(self, directory: Artefact, pane: Pane, generation: int) -> None:
        worker = get_current_worker()
        try:
            for totals in directory.manager.du(directory.path):
                if worker.is_cancelled:
                    return  # the generator is closed: no further listing request
                self.post_message(self.Counted(generation, pane, totals))
        except StowError as error:
            self.post_message(self.Counted(generation, pane, None, str(error)))
        except Exception as error:  # never a traceback
            self.post_message(self.Counted(generation, pane, None, f"{type(error).__name__}: {error}"))

    @on(Counted)
    def _counted(self, event: Counted) -> None:
        if event.generation != self._count_generation:
            return
        status = event.pane.status
        if event.error is not None:
            self._count_shown = (None, "")
            status.update(Text("⚠ " + visible(event.error), style="red"))
            self.notify(event.error, title="Cannot count the size", severity="error", markup=False)
            return
        totals = event.totals
        self.info_panel.set_size(totals)
        summary = size_summary(totals)
        self._count_shown = (event.pane, summary)
        status.update(Text(summary + ("" if totals.done else "  counting… (Esc or z stops)")))
        if totals.done:
            self.notify(summary, title="Size", markup=False)

    # Links and clipboard -------------------------------------------------

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

    # Versions ------------------------------------------------------------

    def action_versions(self) -> None:
        artefact = self.cursor_artefact()
        if not isinstance(artefact, File) or type(artefact.manager).versions is Manager.versions:
            self.notify("Versions are listed for objects in S3 buckets", severity="warning")
            return
        from .versions import VersionsScreen  # a rare screen: its module is not part of the start-up

        self.app.push_screen(VersionsScreen(artefact, self.other_pane.url, self.copy_to))  # MainScreen.copy_to
