"""The panes the way an mc user expects them at 80×24: names first with a
mini-status, cursor memory, marks, quick view, and the small keys."""

from __future__ import annotations

import datetime
import os

import pytest
from textual.widgets import Checkbox, Input

from stowtui.app import StowApp
from stowtui.screens.dialogs import ConflictDialog, InputDialog, TransferDialog
from stowtui.jobs import Conflict
from stowtui.managers import File, location
from stowtui.text import short_time
from uikit import (
    ready,
    screen_lines,
    select,
    toasts_text,
    wait_entry,
    wait_for,
    wait_jobs_done,
    wait_loaded,
    widget_text,
)

SIZE = (80, 24)
LONG = "quarterly-report-final-version-2.pdf"  # 36 characters


@pytest.fixture
def two_dirs(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    for name in ("alpha", "beta", "gamma"):
        (left / name).mkdir()
        (left / name / "inside.txt").write_bytes(b"in\n")
    for name, size in (("a.txt", 10), ("b.txt", 2048), ("c.log", 5), (LONG, 3000)):
        (left / name).write_bytes(b"x" * size)
    return left, right


# 5. Names first, the mini-status ------------------------------------------------


async def test_at_80x24_the_panel_shows_size_and_time_and_the_mini_status_the_whole_name(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        lines = widget_text(screen.left.tree).splitlines()
        assert lines[0].startswith(" ..") and "UP--DIR" in lines[0]  # mc's `..` row
        assert "Name" in widget_text(screen.left) and "Modify time" in widget_text(screen.left)
        row = next(line for line in lines if line.startswith(" " + LONG[:8] + "~"))  # cut in the middle
        assert LONG[-7:] in row and LONG not in row
        await select(pilot, screen.left, LONG)
        mini = screen.left.mini
        await wait_for(pilot, lambda: LONG in widget_text(mini), "the whole name in the mini-status")
        await select(pilot, screen.left, "b.txt")
        await wait_for(pilot, lambda: widget_text(mini).startswith("b.txt") and "2.0K" in widget_text(mini), "b.txt")
        stamp = datetime.datetime.fromtimestamp(os.stat(left / "b.txt").st_mtime, datetime.timezone.utc)
        row = next(line for line in widget_text(screen.left.tree).splitlines() if line.startswith(" b.txt"))
        assert "2.0K" in row and short_time(stamp) in row  # the row has its size and its time
        # Plurals, and the footer is not cut.
        assert "3 dirs, 4 files" in widget_text(screen.left.status)
        assert "0 dirs, 0 files, 0B" in widget_text(screen.right.status)
        (right / "one").mkdir()
        (right / "one.txt").write_bytes(b"1")
        screen.right.refresh_directory()
        await wait_entry(pilot, screen.right, "one.txt")
        assert "1 dir, 1 file, 1B" in widget_text(screen.right.status)
        assert "q Quit" in screen_lines(app)[-1]


async def test_the_time_column_shows_when_there_is_room(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await ready(pilot)
        row = next(line for line in widget_text(screen.left.tree).splitlines() if "b.txt" in line)
        stamp = datetime.datetime.fromtimestamp(os.stat(left / "b.txt").st_mtime, datetime.timezone.utc)
        assert short_time(stamp) in row


# 6. Cursor memory ---------------------------------------------------------------


async def test_going_up_lands_on_the_directory_we_came_from(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left / "beta"), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.left.url.rstrip("/") == str(left), "the parent")
        await wait_loaded(pilot, screen.left)
        await wait_for(pilot, lambda: screen.left.tree.cursor_node.artefact.basename == "beta", "the cursor on beta")
        assert screen.left.tree.cursor_node.artefact.basename == "beta"


async def test_after_a_delete_the_cursor_is_on_the_next_entry(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "b.txt")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen is not screen, "the confirmation")
        await pilot.press("right", "enter")  # from Cancel to Delete
        await wait_jobs_done(pilot)
        await wait_entry(pilot, screen.left, "b.txt", present=False)
        await wait_for(pilot, lambda: screen.left.tree.cursor_node.artefact.basename == "c.log", "the next entry")
        assert not (left / "b.txt").exists()


async def test_after_mkdir_rename_and_copy_the_cursor_is_on_the_new_entry(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        tree = screen.left.tree
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), "the name")
        await pilot.press(*"delta", "enter")
        await wait_entry(pilot, screen.left, "delta")
        await wait_for(pilot, lambda: tree.cursor_node.artefact.basename == "delta", "the cursor on delta")
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), "the new name")
        app.screen.query_one(Input).value = "zz.txt"
        await pilot.press("enter")
        await wait_jobs_done(pilot)
        await wait_entry(pilot, screen.left, "zz.txt")
        await wait_for(pilot, lambda: tree.cursor_node.artefact.basename == "zz.txt", "the cursor on zz.txt")
        (right / "first.txt").write_bytes(b"1")
        screen.right.refresh_directory()
        await wait_entry(pilot, screen.right, "first.txt")
        await select(pilot, screen.left, "c.log")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the copy dialog")
        await pilot.press("enter")
        await wait_jobs_done(pilot)
        await wait_entry(pilot, screen.right, "c.log")
        await wait_for(pilot, lambda: screen.right.tree.cursor_node.artefact.basename == "c.log", "on the copy")
        assert (right / "c.log").exists() and (left / "zz.txt").exists() and (left / "delta").is_dir()


# 7. Marks -------------------------------------------------------------------------


async def test_marks_show_a_glyph_a_count_and_a_size_star_inverts_files_and_plus_minus_say_exactly_what_changed(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        tree, status = screen.left.tree, screen.left.status

        def marked() -> set[str]:
            return {n.artefact.basename for n in tree.marked.values()}

        await select(pilot, screen.left, "a.txt")
        await pilot.press("space", "space")  # a.txt and b.txt
        assert marked() == {"a.txt", "b.txt"}
        await wait_for(pilot, lambda: "2 marked, 2.0K" in widget_text(status), "the count and size")
        rows = [line for line in widget_text(tree).splitlines() if "a.txt" in line or "b.txt" in line]
        assert all("*" in row for row in rows), rows  # a glyph, not colour alone
        assert not any("*" in line for line in widget_text(tree).splitlines() if "c.log" in line)
        await pilot.press("asterisk")  # invert, as mc: the files only
        assert marked() == {"c.log", LONG}
        await pilot.press("ctrl+a")
        assert marked() == {"alpha", "beta", "gamma", "a.txt", "b.txt", "c.log", LONG}
        await wait_for(pilot, lambda: "7 marked" in widget_text(status) and "+ 3 dirs unknown" in widget_text(status),
                       "all seven counted, the directories' size said unknown")
        for pattern, left_marked, said in (("*.txt", 5, "Unmarked 2 entries"), ("*", 0, "Unmarked 5 entries")):
            await pilot.press("minus")
            dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the pattern")
            dialog.query_one(Input).value = pattern
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(marked()) == left_marked and said in toasts_text(app), said)
        await select(pilot, screen.left, "alpha")
        await pilot.press("space", "space")  # alpha and beta
        await wait_for(pilot, lambda: "2 marked, size unknown" in widget_text(status), "no '0 bytes' for directories")
        await pilot.press("plus")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the pattern")
        dialog.query_one(Input).value = "alpha"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "All 1 matching already marked" in toasts_text(app), "nothing changed, said so")


# 8. Quick view --------------------------------------------------------------------


async def test_ctrl_q_shows_the_preview_in_place_of_the_other_pane(two_dirs):
    left, right = two_dirs
    (left / "a.txt").write_text("hello from a\n")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("ctrl+q")
        assert app.is_running  # not App's quit
        assert not screen.right.display and screen.query_one("#quick").display
        quick = screen.query_one("#quick")
        await wait_for(pilot, lambda: "hello from a" in widget_text(quick), "the preview in the right half")
        assert quick.region.x >= 40 and screen.left.tree.has_focus
        assert screen.left.tree.region.height >= 15  # the pane keeps its height
        await pilot.press("tab")  # the quick view swaps sides
        assert screen.right.display and not screen.left.display and screen.right.tree.has_focus
        await wait_for(pilot, lambda: quick.region.x < 40, "the quick view on the left")
        await pilot.press("ctrl+q")
        assert screen.left.display and screen.right.display and not quick.display
        await pilot.press("i")  # at 80×24 the info panel opens in place of the other pane too
        await wait_for(pilot, lambda: quick.display and "Info" in widget_text(quick), "the info panel")
        assert not screen.left.display


async def test_the_hex_quick_view_shows_whole_rows_of_as_many_bytes_as_fit(two_dirs):
    left, right = two_dirs
    (left / "blob.bin").write_bytes(bytes(range(256)))
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "blob.bin")
        await pilot.press("ctrl+q")
        preview = screen.preview
        # A 38-column pane: 4 bytes a row, each row whole (offset, hex, ASCII), no sideways scroll.
        await wait_for(pilot, lambda: "00000004  04 05 06 07" in widget_text(preview.body), "4 bytes a row")
        shown = screen_lines(app, preview.body.region)
        assert shown[0].rstrip() == "00000000  00 01 02 03  ...."
        assert any(line.rstrip() == "00000040  40 41 42 43  @ABC" for line in shown)
        assert preview.body.virtual_size.width <= preview.body.scrollable_content_region.width
        await pilot.resize_terminal(120, 30)  # a 58-column pane: 8 a row
        await wait_for(pilot, lambda: "00000008  08 09" in widget_text(preview.body), "8 bytes a row")
        assert "00000040  40 41 42 43 44 45 46 47  @ABCDEFG" in widget_text(preview.body)
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: "00000004  04 05" in widget_text(preview.body), "4 a row again")
        await pilot.press("ctrl+q", "f3")  # the viewer, 80 columns: 16 a row
        await wait_for(pilot, lambda: len(app.screen.query("#viewer")) == 1, "the viewer")
        viewer = app.screen.query_one("#viewer")
        await wait_for(pilot, lambda: "00000010  10 11" in widget_text(viewer.body), "16 a row")
        assert "00000040  40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f  @ABCDEFGHIJKLMNO" in widget_text(viewer.body)


async def test_a_read_that_fails_is_said_whole_in_the_quick_view_and_a_missing_directory_in_the_status(two_dirs):
    left, right = two_dirs
    doomed = left / "a-file-with-a-long-name-that-goes-away-before-it-is-read.txt"
    doomed.write_text("soon gone\n")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, doomed.name)
        doomed.unlink()  # gone behind the app's back: the preview's read fails
        await pilot.press("ctrl+q")
        preview = screen.preview
        await wait_for(pilot, lambda: preview.error is not None, "the read failed")
        shown = screen_lines(app, preview.body.region)
        assert all(line.rstrip() == line.rstrip()[:preview.body.region.width] for line in shown)
        said = "".join(line.strip() for line in shown)
        assert str(doomed).replace(" ", "") in said.replace(" ", ""), shown  # whole, folded to the pane
        assert preview.body.virtual_size.width <= preview.body.region.width  # nothing off to the right
        await pilot.press("ctrl+q")

        missing = left / "no-such-directory" / "under-a-rather-long-name-indeed"
        screen.left.open(str(missing))
        status = screen.left.status
        await wait_for(pilot, lambda: status.has_class("error"), "the error in the status line")
        lines = [line.strip() for line in screen_lines(app, status.region)]
        assert "".join(lines[1:]).startswith(str(missing)[:30]) and str(missing) in "".join(lines), lines
        assert "…" not in "".join(lines)
        assert widget_text(screen.left.mini).startswith("..")  # not the entry the cursor was on before


# 9. Small things ------------------------------------------------------------------


async def test_keys_that_do_nothing_say_why(two_dirs):
    left, right = two_dirs
    app = StowApp(str(right), str(left))  # an empty left pane
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        for key, notice in (("f4", "F4 edits a file"), ("f9", "F9"), ("f5", "Nothing selected"),
                            ("f3", "directory")):
            await pilot.press(key)
            await wait_for(pilot, lambda: notice in toasts_text(app), f"a notice for {key}")
            assert notice in toasts_text(app)
            for toast in app.screen.query("Toast"):
                toast.remove()
            await pilot.pause()


async def test_left_and_right_move_between_dialog_buttons_and_an_unchecked_box_draws_no_x(two_dirs, tmp_path):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        source = File(*location(str(left / "a.txt")))
        existing = File(*location(str(left / "b.txt")))
        app.push_screen(ConflictDialog(Conflict(source, existing, str(right / "a.txt"))))
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen, "the dialog")
        assert dialog.focused.id == "skip"
        await pilot.press("right")
        assert dialog.focused.id == "rename"
        await pilot.press("left", "left")
        assert dialog.focused.id == "overwrite"
        box = dialog.query_one(Checkbox)
        assert "X" not in widget_text(box)
        box.value = True
        await pilot.pause()
        assert "X" in widget_text(box)


async def test_tab_completes_a_path_in_the_open_box(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("o")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the open box")
        box = dialog.query_one(Input)
        box.value = str(left / "gam")
        box.cursor_position = len(box.value)
        await pilot.press("tab")
        await wait_for(pilot, lambda: box.value == str(left / "gamma") + "/", "gamma/ completed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.left.url.rstrip("/") == str(left / "gamma"), "gamma opened")
        assert screen.left.url.rstrip("/") == str(left / "gamma")
