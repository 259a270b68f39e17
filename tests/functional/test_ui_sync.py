"""Compare (= and mc's Ctrl+X D) and sync (S) between a local pane and an S3 pane, through Pilot."""

from __future__ import annotations

from collections import Counter

from stowtui.app import StowApp
from stowtui.screens.dialogs import ChoiceDialog, SyncDialog
from synctree import local_files, make_hundred, remote_files
from uikit import ready, wait_for, wait_jobs_done, widget_text

SIZE = (100, 30)


def marked_names(pane) -> set[str]:
    return {entry.artefact.basename for entry in pane.tree.marked.values()}


async def test_compare_marks_the_15_and_the_sync_preview_says_15_before_anything_is_sent(tmp_path, s3, seed, stow):
    folder = make_hundred(tmp_path, s3, seed)
    app = StowApp(str(folder), "s3://bucket/mirror/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.left.tree.focus()
        await pilot.press("ctrl+x", "d")  # mc's compare directories
        await wait_for(pilot, lambda: len(marked_names(screen.left)) == 15, "the 15 files marked")
        assert marked_names(screen.left) == {f"f{i:03d}.txt" for i in range(15)}
        assert "15 marked" in widget_text(screen.left.status)

        s3.clear_counts()
        await pilot.press("S")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncDialog), "the sync preview")
        dialog = app.screen
        summary = str(dialog.query_one("#sync-summary").render())
        assert "5 files to send, 10 to replace" in summary and "3 only at the destination" in summary
        items = str(dialog.query_one("#items").render())
        assert items.count("+ ") == 5 and items.count("~ ") == 10 and items.count("- ") == 3
        assert s3.counts["PutObject"] == 0 and s3.counts["DeleteObject"] == 0  # nothing sent yet

        await pilot.click("#delete")
        await wait_jobs_done(pilot)
        assert s3.counts["PutObject"] == 15 and s3.counts["GetObject"] == 0 and s3.counts["DeleteObject"] == 3
        assert remote_files(s3) == local_files(folder)
        assert app.jobs.jobs[-1].kind == "sync"


async def test_equals_compares_two_local_panes_by_content_when_asked(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir(), right.mkdir()
    for name, one, other in (("same.txt", b"abc", b"abc"), ("diff.txt", b"abc", b"abd"), ("new.txt", b"n", None)):
        (left / name).write_bytes(one)
        if other is not None:
            (right / name).write_bytes(other)
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.left.tree.focus()
        await pilot.press("equals_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), "quick or by content")
        await pilot.click("#content")
        await wait_for(pilot, lambda: marked_names(screen.left) == {"diff.txt", "new.txt"}, "the two marked")


async def test_compare_and_sync_are_in_the_help_and_the_palette(tmp_path):
    from stowtui.screens.help import HelpScreen
    from uikit import screen_text

    (tmp_path / "l").mkdir(), (tmp_path / "r").mkdir()
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=(120, 70)) as pilot:
        screen = await ready(pilot)
        commands = [c.title for c in app.get_system_commands(screen)]
        assert "Compare panes (Ctrl+X D)" in commands and "Sync to the other pane" in commands
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = screen_text(app)
        assert "Ctrl+X D" in text and "Sync to the other pane" in text
