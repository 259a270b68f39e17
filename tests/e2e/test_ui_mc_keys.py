"""mc's keys at 80×24: Esc then a digit is an F-key, Ctrl+U swaps the panels, Ctrl+L repaints."""

from __future__ import annotations

import pytest

from stowtui.app import StowApp
from stowtui.keys import EscapeDigits
from stowtui.screens.dialogs import InputDialog, TransferDialog
from uikit import ready, wait_for, wait_loaded, widget_text

SIZE = (80, 24)


@pytest.fixture
def two_dirs(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"a")
    (right / "b.txt").write_bytes(b"b")
    return left, right


def test_escape_then_a_digit_is_that_f_key_only_while_it_follows_at_once():
    now = [0.0]
    keys = EscapeDigits(clock=lambda: now[0])
    assert keys.translate("alt+5") == "f5"  # the terminal sent ESC 5 in one write
    assert keys.translate("alt+0") == "f10"
    assert keys.translate("infinity", "∞") == "f5"  # what Textual's parser makes of ESC 5 sent at once
    assert keys.translate("º", "º") == "f10"
    assert keys.translate("escape") is None and keys.translate("3") == "f3"
    assert keys.translate("3") is None  # a digit alone is a digit
    keys.translate("escape")
    now[0] += 5
    assert keys.translate("3") is None  # Esc long ago: the digit is its own key
    keys.translate("escape")
    assert keys.translate("x") is None and keys.translate("3") is None  # another key came between


async def test_escape_5_opens_the_copy_dialog(two_dirs):
    app = StowApp(str(two_dirs[0]), str(two_dirs[1]))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("down", "escape", "5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the copy dialog")
        assert dialog.kind == "copy"


async def test_ctrl_u_swaps_the_panels(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+u")
        await wait_loaded(pilot, screen.left)
        await wait_loaded(pilot, screen.right)
        assert screen.left.url.rstrip("/").endswith("/r") and screen.right.url.rstrip("/").endswith("/l")
        assert screen.active_pane is screen.right  # the keys stay with the directory they were in


async def test_t_switches_between_mcs_panel_and_the_tree(tmp_path):
    (tmp_path / "l" / "docs").mkdir(parents=True)
    (tmp_path / "l" / "docs" / "inner.txt").write_bytes(b"x")
    (tmp_path / "r").mkdir()
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane = screen.left
        await pilot.press("down", "right")  # in the panel, Right enters the directory
        await wait_for(pilot, lambda: pane.url.rstrip("/").endswith("/docs") and pane.tree.root.state == "loaded",
                       "docs entered")
        await pilot.press("home", "enter")  # on `..`: back up, the cursor on docs
        await wait_for(pilot, lambda: pane.tree.cursor_node is not None and pane.tree.cursor_node.artefact.basename == "docs",
                       "back up on docs")
        await pilot.press("t", "right")  # the tree: Right opens docs in place
        await wait_for(pilot, lambda: "inner.txt" in widget_text(pane.tree), "docs open in the tree")
        assert pane.url.rstrip("/").endswith("/l") and "Modify time" not in widget_text(pane)
        await pilot.press("t")  # back to the panel: one directory again
        await wait_for(pilot, lambda: "inner.txt" not in widget_text(pane.tree), "the panel")
        assert "Modify time" in widget_text(pane)


async def test_o_completes_and_opens_a_relative_name_from_the_panes_directory(tmp_path):
    (tmp_path / "l" / "subdir").mkdir(parents=True)
    (tmp_path / "r").mkdir()
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("o")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the open dialog")
        dialog.box.value = "sub"
        await pilot.press("tab")
        await wait_for(pilot, lambda: dialog.box.value == "subdir/", "completed from the pane's directory, not /")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.left.url.rstrip("/") == str(tmp_path / "l" / "subdir"), "opened there")
