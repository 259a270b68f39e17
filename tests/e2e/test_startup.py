"""What the first frame holds, and what comes right after it.

The panes are composed at once; the preview/info strips and the footer are mounted once the
first frame is drawn, the filter box when ``/`` first asks for it. Until the strips are
there, the keys that open them are off rather than failing.
"""

from __future__ import annotations

import gc

from test_ui_features import two_dirs  # noqa: F401 (a fixture: l/a.txt and an empty r/)
from uikit import ready, screen_lines, wait_for

from stowtui.app import StowApp
from stowtui.screens.main import MainScreen

SIZE = (100, 30)


async def test_the_first_frame_has_the_panes_and_the_strips_and_footer_come_after(two_dirs, monkeypatch):
    left, right = two_dirs
    at_mount = {}
    real_on_mount = MainScreen.on_mount

    def on_mount(screen: MainScreen) -> None:
        real_on_mount(screen)
        at_mount["widgets"] = {type(widget).__name__ for widget in screen.query("*")}
        at_mount["preview key"] = screen.check_action("toggle_preview", ())
        at_mount["open"] = screen.preview_open or screen.info_open

    monkeypatch.setattr(MainScreen, "on_mount", on_mount)
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert {"Pane", "StorageTree", "JobsPanel"} <= at_mount["widgets"]
        assert not at_mount["widgets"] & {"InspectStrip", "Preview", "InfoPanel", "Footer", "Input"}
        assert at_mount["preview key"] is False and at_mount["open"] is False  # off, not failing
        assert len(screen.query("InspectStrip")) == 2
        assert screen.query_one("#quick").parent is screen.query_one("#panes")  # between the panes
        assert "q Quit" in screen_lines(app)[-1]
        assert screen.check_action("toggle_preview", ()) is True
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.preview_open, "the preview")

        pane = screen.left
        assert pane.filter_box is None
        await pilot.press("slash")
        await wait_for(pilot, lambda: pane.filter_box is not None and pane.filter_box.has_focus, "the filter box")
        children = list(pane.children)
        assert children.index(pane.filter_box) == children.index(pane.tree) + 1  # under the tree, as before


async def test_garbage_collection_paused_for_the_start_comes_back_after_the_first_frame(two_dirs):
    left, right = two_dirs
    gc.disable()  # as cli.main does
    frozen_before = gc.get_freeze_count()
    try:
        app = StowApp(str(left), str(right))
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await wait_for(pilot, gc.isenabled, "collections back on")
            assert gc.isenabled()
            assert gc.get_freeze_count() > frozen_before  # what the start made is never scanned again
    finally:
        gc.enable()
        gc.unfreeze()
