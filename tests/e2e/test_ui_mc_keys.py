"""mc's keys at 80×24: Esc then a digit is an F-key, Ctrl+U swaps the panels, Ctrl+L repaints."""

from __future__ import annotations

import pytest

from stowtui.app import StowApp
from stowtui.keys import EscapeDigits
from stowtui.screens.dialogs import TransferDialog
from uikit import ready, wait_for, wait_loaded

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
