"""Helpers for the Pilot tests (tests/e2e/): read the screen, wait for real conditions.

Every wait here polls a condition with a deadline; ``pilot.pause`` lets the
app process its messages (and thread workers post theirs) between polls.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from rich.cells import cell_len
from textual.errors import NoWidget
from textual.geometry import Region
from textual.strip import Strip

from stowtui.widgets.pane import Pane
from stowtui.widgets.storage_tree import StorageTree

TIMEOUT = 10.0


async def wait_for(pilot, condition, what: str, timeout: float = TIMEOUT):
    """Poll ``condition()`` until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            await pilot.pause()
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.01)


def painted(app) -> list[tuple[Region, list[Strip]]]:
    """What each widget of the active screen paints now, back to front: its visible region on the
    screen and its lines there (Textual's public ``Screen.find_widget`` and ``Widget.render_lines``)."""
    screen = app.screen
    found = []
    for widget in _with_scrollbars(screen.walk_children(with_self=True)):
        if not widget.display:
            continue
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:
            continue
        region, clip = geometry.region, geometry.clip
        visible = region.intersection(clip).intersection(screen.region)
        if not visible:
            continue
        found.append((geometry.order, visible, widget.render_lines(visible.translate((-region.x, -region.y)))))
    found.sort(key=lambda item: item[0])
    return [(visible, strips) for _, visible, strips in found]


def _with_scrollbars(widgets):
    """Each widget, then the scrollbars it shows (widgets too, though not among its children)."""
    for widget in widgets:
        yield widget
        if widget.show_vertical_scrollbar:
            yield widget.vertical_scrollbar
        if widget.show_horizontal_scrollbar:
            yield widget.horizontal_scrollbar
        if widget.show_vertical_scrollbar and widget.show_horizontal_scrollbar:
            yield widget.scrollbar_corner


def screen_lines(app, region: Region | None = None) -> list[str]:
    """The text of every line of the active screen as it would be painted now (a wide character
    once, as a terminal shows it)."""
    width, height = app.screen.size
    cells = [[" "] * width for _ in range(height)]
    for visible, strips in painted(app):
        for y, strip in enumerate(strips[: visible.height], start=visible.y):
            x = visible.x
            for segment in strip:
                for char in segment.text:
                    size = cell_len(char)
                    if size == 0 or x >= visible.right:
                        continue
                    cells[y][x] = char
                    for extra in range(1, size):  # the cells a wide character covers
                        if x + extra < width:
                            cells[y][x + extra] = ""
                    x += size
    lines = ["".join(row) for row in cells]
    if region is None:
        return lines
    return ["".join(row[region.x : region.right]) for row in cells[region.y : region.bottom]]


def screen_text(app, region: Region | None = None) -> str:
    return "\n".join(screen_lines(app, region))


def widget_text(widget) -> str:
    """What a widget shows, read from the screen inside its region."""
    return screen_text(widget.app, widget.region)


def entry_names(node) -> list[str]:
    """The basenames of a tree node's children, in display order."""
    return [child.artefact.basename for child in node.children]


def child(node, name: str):
    """The child node of ``node`` whose artefact is called ``name``."""
    for candidate in node.children:
        if candidate.artefact.basename == name:
            return candidate
    raise AssertionError(f"no entry {name!r} under {node.artefact.abspath}: {entry_names(node)}")


def loaded(node) -> bool:
    return node.state in ("loaded", "error")


async def wait_loaded(pilot, pane: Pane, node=None, timeout: float = TIMEOUT):
    """Wait until the listing of ``node`` (default: the pane's root) has finished."""
    await wait_for(
        pilot,
        lambda: loaded(node if node is not None else pane.tree.root),
        f"the listing of {(node or pane.tree.root).artefact.abspath} in #{pane.id}",
        timeout,
    )
    return node if node is not None else pane.tree.root


async def wait_entry(pilot, pane: Pane, name: str, present: bool = True, node=None, timeout: float = TIMEOUT):
    """Wait until the pane's root (or ``node``) has, or no longer has, an entry ``name``, fully listed."""

    def check():
        where = node if node is not None else pane.tree.root
        return loaded(where) and ((name in entry_names(where)) == present)

    await wait_for(pilot, check, f"{name!r} {'in' if present else 'gone from'} #{pane.id}", timeout)


async def ready(pilot):
    """Both panes listed, and what the screen mounts after its first frame."""
    from stowtui.screens.main import MainScreen

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.query("#right Pane, Pane#right"),
                   "the main screen to be composed")
    screen = app.screen
    await wait_loaded(pilot, screen.left)
    await wait_loaded(pilot, screen.right)
    await wait_for(pilot, lambda: screen.strips_ready, "the strips and the footer, mounted after the first frame")
    return screen


async def select(pilot, pane: Pane, name: str, node=None):
    """Focus the pane's tree and move its cursor onto ``name`` with the Down key."""
    tree: StorageTree = pane.tree
    tree.focus()
    await pilot.pause()
    target = child(node if node is not None else tree.root, name)
    line = tree.line_of(target)
    if tree.cursor_line > line:
        tree.cursor_line = 0
    for _ in range(line + 1):
        if tree.cursor_node is target:
            break
        await pilot.press("down")
    assert tree.cursor_node is target, f"cursor on {tree.cursor_node}, wanted {name!r}"
    return target


async def as_tree(pilot, *panes: Pane) -> None:
    """Show ``panes`` as trees (what ``t`` does), where directories open in place, rather than mc's panels."""
    for pane in panes:
        if not pane.tree.tree_mode:
            pane.toggle_tree_mode()
    await pilot.pause()


def row_offset(tree: StorageTree, node, column: int = 6) -> tuple[int, int]:
    """An offset relative to ``tree``'s region that lands on ``node``'s row."""
    content = tree.content_region
    y = tree.line_of(node) - int(tree.scroll_offset.y)
    assert 0 <= y < content.height, f"{node!r} is not on screen"
    return (content.x - tree.region.x + column, content.y - tree.region.y + y)


async def wait_jobs_done(pilot, timeout: float = TIMEOUT):
    """Every job of the app has ended (and the app processed its end)."""
    app = pilot.app
    await wait_for(pilot, lambda: app.jobs.jobs and all(j.state.finished for j in app.jobs.jobs),
                   "every job to finish", timeout)
    for job in app.jobs.jobs:
        assert job.wait(timeout)
    await pilot.pause()


def toasts_text(app) -> str:
    """The text of every notification on screen."""
    return "\n".join(widget_text(toast) for toast in app.screen.query("Toast"))


def unwrapped(widget) -> str:
    """A widget's text with its soft-wrapped lines joined again (long paths wrap in dialogs)."""
    return "".join(line.rstrip() for line in screen_lines(widget.app, widget.region))


@pytest.fixture
def gated_transfers(monkeypatch):
    """Transfers that move half their bytes, then wait for ``gate`` (or a cancel)."""
    gate = threading.Event()
    started = threading.Event()
    from stowtui.jobs import tasks
    from stowtui.managers import exceptions

    original = tasks.transfer

    def transfer_file(request):
        source, callback, cancel = request.source, request.callback, request.cancel
        if callback is not None:
            callback(source.size / 2)
        started.set()
        while not gate.wait(0.02):
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled("cancelled")
        if callback is not None:
            callback(source.size - source.size / 2)
        original(dataclasses.replace(request, callback=None))

    monkeypatch.setattr(tasks, "transfer", transfer_file)
    yield gate, started
    gate.set()
