"""Copy and move between the panes: by keys (F5/F6 + the dialog) and by mouse drag.

Local folders under tmp_path on one side, the loopback S3 bucket on the
other; every test ends with the bytes where they belong and the panes
showing it.
"""

from __future__ import annotations

import os

import pytest

from stowtui.app import StowApp
from stowtui.screens.dialogs import ConflictDialog, TransferDialog
from uikit import (
    as_tree,
    child,
    entry_names,
    ready,
    row_offset,
    select,
    wait_entry,
    wait_for,
    wait_jobs_done,
    wait_loaded,
    unwrapped,
    widget_text,
)

SIZE = (120, 40)


def s3_bytes(s3, key: str, bucket: str = "bucket") -> bytes | None:
    found = s3.backend.get_object(bucket, key)
    return None if found is None else bytes(found.value)


async def confirm_transfer(pilot, button: str) -> TransferDialog:
    """The transfer dialog is open: press ``button`` (#copy / #move) and wait for it to close."""
    app = pilot.app
    dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the transfer dialog")
    await pilot.click(f"#{button}")
    await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the transfer dialog to close")
    return dialog


# Keys ------------------------------------------------------------------------


async def test_f5_copies_a_local_file_into_the_bucket_and_refreshes_the_bucket_pane(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    (local / "report.csv").write_bytes(b"a,b\n1,2\n")
    s3.backend.put_object("bucket", "existing.txt", b"x")
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert entry_names(screen.right.tree.root) == ["existing.txt"]
        await select(pilot, screen.left, "report.csv")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.kind == "copy"
        assert dialog.query_one("#target").value.rstrip("/") == "s3://bucket"
        assert str(local / "report.csv") in unwrapped(dialog.query_one("#items"))
        await pilot.press("enter")  # the Copy button has the focus
        await wait_jobs_done(pilot)
        assert s3_bytes(s3, "report.csv") == b"a,b\n1,2\n"
        assert (local / "report.csv").read_bytes() == b"a,b\n1,2\n"  # a copy keeps its source
        await wait_entry(pilot, screen.right, "report.csv")
        assert "report.csv" in widget_text(screen.right.tree)


async def test_f6_moves_a_file_from_the_bucket_to_a_local_folder(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    s3.backend.put_object("bucket", "logs/app.log", b"line 1\nline 2\n")
    s3.backend.put_object("bucket", "keep.txt", b"k")
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        logs = await select(pilot, screen.right, "logs")
        await pilot.press("right")  # expand the prefix
        await wait_loaded(pilot, screen.right, logs)
        await select(pilot, screen.right, "app.log", node=logs)
        await pilot.press("f6")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.kind == "move"
        assert dialog.query_one("#target").value == str(local)
        await pilot.press("enter")
        await wait_jobs_done(pilot)
        assert app.jobs.jobs[0].kind == "move" and not app.jobs.jobs[0].failures
        assert (local / "app.log").read_bytes() == b"line 1\nline 2\n"
        assert s3_bytes(s3, "logs/app.log") is None
        # Both panes show the result: the new file on the left, the source gone on the right.
        await wait_entry(pilot, screen.left, "app.log")
        await wait_entry(pilot, screen.right, "app.log", present=False, node=logs)


async def test_f5_copies_marked_entries_from_the_bucket_to_local(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    for name in ("one.txt", "two.txt", "three.txt"):
        s3.backend.put_object("bucket", name, name.encode())
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "one.txt")
        await pilot.press("space")  # mark one.txt, cursor moves on
        await select(pilot, screen.right, "two.txt")
        await pilot.press("insert")
        assert len(screen.right.tree.marked) == 2
        await pilot.press("c")  # the other key for copy
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert "Copy 2 items" in widget_text(dialog.query_one("#dialog-title"))
        await confirm_transfer(pilot, "copy")
        await wait_jobs_done(pilot)
        assert sorted(p.name for p in local.iterdir()) == ["one.txt", "two.txt"]
        assert (local / "two.txt").read_bytes() == b"two.txt"
        await wait_entry(pilot, screen.left, "two.txt")
        assert screen.right.tree.marked == {}  # marks are cleared once the job starts


async def test_f6_moves_a_local_directory_into_the_bucket(tmp_path, s3, bucket):
    local = tmp_path / "local"
    (local / "photos" / "2024").mkdir(parents=True)
    (local / "photos" / "a.jpg").write_bytes(b"A" * 100)
    (local / "photos" / "2024" / "b.jpg").write_bytes(b"B" * 50)
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "photos")
        await pilot.press("m")
        await confirm_transfer(pilot, "move")
        await wait_jobs_done(pilot)
        assert s3_bytes(s3, "photos/a.jpg") == b"A" * 100
        assert s3_bytes(s3, "photos/2024/b.jpg") == b"B" * 50
        assert not (local / "photos").exists()
        await wait_entry(pilot, screen.right, "photos")
        await wait_entry(pilot, screen.left, "photos", present=False)


async def test_escape_in_the_transfer_dialog_starts_nothing(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"a")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the dialog to close")
        assert app.jobs.jobs == []
        assert list(right.iterdir()) == []


async def test_the_target_can_be_edited_in_the_dialog(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"a")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        dialog.query_one("#target").value = str(elsewhere)
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert (elsewhere / "a.txt").read_bytes() == b"a"
        assert list(right.iterdir()) == []


# Mouse drag ------------------------------------------------------------------


async def drag(pilot, source_tree, node, target_tree, target_offset):
    """Press on ``node`` in ``source_tree``, move into ``target_tree``, release there."""
    screen = pilot.app.screen
    assert await pilot.mouse_down(source_tree, row_offset(source_tree, node))
    await pilot.hover(target_tree, target_offset)
    cue = screen.query_one("#drag-cue")
    seen = {
        "cue_displayed": cue.display,
        "cue_text": widget_text(cue) if cue.display else "",
        "drop_target": target_tree.parent.has_class("drop-target"),
    }
    await pilot.mouse_up(target_tree, target_offset)
    return seen


async def test_drag_a_local_file_onto_the_bucket_pane_copies_it(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    (local / "notes.txt").write_bytes(b"dragged bytes")
    s3.backend.put_object("bucket", "z-last.txt", b"z")
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        source = child(screen.left.tree.root, "notes.txt")
        seen = await drag(pilot, screen.left.tree, source, screen.right.tree, (30, 20))  # empty space
        # The cue followed the drag and named what is being dragged; the drop pane lit up.
        assert seen["cue_displayed"]
        assert "copy notes.txt" in seen["cue_text"]
        assert seen["drop_target"]
        assert not screen.query_one("#drag-cue").display  # gone after the release
        assert not screen.right.has_class("drop-target")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.query_one("#target").value.rstrip("/") == "s3://bucket"
        assert str(local / "notes.txt") in unwrapped(dialog.query_one("#items"))
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert s3_bytes(s3, "notes.txt") == b"dragged bytes"
        assert (local / "notes.txt").exists()
        await wait_entry(pilot, screen.right, "notes.txt")


async def test_drop_on_a_directory_row_targets_that_directory(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    s3.backend.put_object("bucket", "inbox/old.txt", b"o")
    s3.backend.put_object("bucket", "other/x.txt", b"x")
    (local / "new.txt").write_bytes(b"new")
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        inbox = child(screen.right.tree.root, "inbox")
        source = child(screen.left.tree.root, "new.txt")
        await drag(pilot, screen.left.tree, source, screen.right.tree, row_offset(screen.right.tree, inbox))
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.query_one("#target").value.rstrip("/") == "s3://bucket/inbox"
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert s3_bytes(s3, "inbox/new.txt") == b"new"
        assert s3_bytes(s3, "new.txt") is None


async def test_drag_from_the_bucket_to_local_can_move_instead(tmp_path, s3, bucket):
    local = tmp_path / "local"
    local.mkdir()
    s3.backend.put_object("bucket", "data.bin", bytes(range(256)))
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        source = child(screen.right.tree.root, "data.bin")
        await drag(pilot, screen.right.tree, source, screen.left.tree, (20, 15))
        await confirm_transfer(pilot, "move")  # the dialog offers both
        await wait_jobs_done(pilot)
        assert (local / "data.bin").read_bytes() == bytes(range(256))
        assert s3_bytes(s3, "data.bin") is None
        await wait_entry(pilot, screen.left, "data.bin")
        await wait_entry(pilot, screen.right, "data.bin", present=False)


async def test_drag_of_a_marked_set_carries_every_marked_entry(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (left / name).write_bytes(name.encode())
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("space")
        await select(pilot, screen.left, "c.txt")
        await pilot.press("space")
        seen = await drag(pilot, screen.left.tree, child(screen.left.tree.root, "c.txt"), screen.right.tree, (20, 15))
        assert "2 items" in seen["cue_text"]
        await confirm_transfer(pilot, "copy")
        await wait_jobs_done(pilot)
        assert sorted(p.name for p in right.iterdir()) == ["a.txt", "c.txt"]


async def test_a_drag_released_in_its_own_pane_does_nothing(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"a")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        seen = await drag(pilot, screen.left.tree, child(screen.left.tree.root, "a.txt"), screen.left.tree, (20, 15))
        assert seen["cue_displayed"] and not seen["drop_target"]
        await pilot.pause()
        assert app.screen is screen
        assert not screen.query_one("#drag-cue").display
        assert app.jobs.jobs == []


# Conflicts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, expected",
    [
        ("overwrite", {"doc.txt": b"NEW"}),
        ("skip", {"doc.txt": b"old"}),
        ("rename", {"doc.txt": b"old", "doc (1).txt": b"NEW"}),
    ],
)
async def test_a_conflict_asks_and_the_answer_is_applied(tmp_path, answer, expected):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "doc.txt").write_bytes(b"NEW")
    (right / "doc.txt").write_bytes(b"old")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "doc.txt")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert dialog.query_one("#policy").value == "ask"  # "Ask for each" is the default
        await pilot.click("#copy")
        conflict = await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen,
                                  "the conflict dialog")
        body = unwrapped(conflict.query_one("#conflict"))
        assert str(right / "doc.txt") in body
        assert str(left / "doc.txt") in body
        await pilot.click(f"#{answer}")
        await wait_jobs_done(pilot)
        found = {p.name: p.read_bytes() for p in right.iterdir()}
        assert found == expected
        await wait_entry(pilot, screen.right, sorted(expected)[-1])
        assert entry_names(screen.right.tree.root) == sorted(expected)


async def test_escape_on_a_conflict_skips_that_file_and_the_job_goes_on(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "clash.txt").write_bytes(b"NEW")
    (left / "fresh.txt").write_bytes(b"fresh")
    (right / "clash.txt").write_bytes(b"old")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "clash.txt")
        await pilot.press("space")
        await select(pilot, screen.left, "fresh.txt")
        await pilot.press("space")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog), "the conflict dialog")
        await pilot.press("escape")
        await wait_jobs_done(pilot)
        assert (right / "clash.txt").read_bytes() == b"old"
        assert (right / "fresh.txt").read_bytes() == b"fresh"
        assert app.jobs.jobs[0].progress.files_skipped == 1
        await wait_entry(pilot, screen.right, "fresh.txt")


async def test_at_80x24_the_dialog_of_a_long_selection_keeps_its_buttons_on_screen(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    for i in range(20):
        (left / f"f{i:02d}.txt").write_bytes(b"x")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        screen.left.tree.focus()
        for _ in range(15):
            await pilot.press("space")
        assert len(screen.left.tree.marked) == 15
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        for selector in ("#target", "#policy", "#cancel", "#move", "#copy"):
            region = dialog.query_one(selector).region
            assert region.bottom <= 24 and region.y >= 0, (selector, region)
        assert await pilot.click("#copy")  # lands on the button, not off screen
        await wait_jobs_done(pilot)
        assert len(list(right.iterdir())) == 15


async def test_apply_to_all_answers_every_later_conflict(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (left / name).write_bytes(b"NEW " + name.encode())
        (right / name).write_bytes(b"old")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.left.tree.focus()
        for name in ("a.txt", "b.txt", "c.txt"):
            await select(pilot, screen.left, name)
            await pilot.press("space")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")
        conflict = await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen, "a conflict")
        await pilot.click("#all")
        assert conflict.query_one("#all").value
        await pilot.click("#overwrite")
        await wait_jobs_done(pilot)
        assert not isinstance(app.screen, ConflictDialog)  # asked once only
        assert {p.name: p.read_bytes() for p in right.iterdir()} == {
            name: b"NEW " + name.encode() for name in ("a.txt", "b.txt", "c.txt")
        }


@pytest.mark.parametrize("how", ["stop", "quit"])
async def test_stop_in_the_conflict_dialog_cancels_the_job(tmp_path, how):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"NEW")
    (right / "a.txt").write_bytes(b"old")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog), "the conflict dialog")
        job = app.jobs.jobs[0]
        if how == "stop":
            await pilot.click("#cancel")
            await wait_jobs_done(pilot)
        else:  # nobody will answer: the planner waiting for the dialog gets "cancel" as the app closes
            await pilot.press("ctrl+q")
    assert job.wait(10), "the job's planner is still waiting for an answer"
    assert job.state.value == "cancelled"
    assert (right / "a.txt").read_bytes() == b"old"


async def test_an_open_conflict_dialog_does_not_hold_up_other_jobs(tmp_path, monkeypatch):
    import threading

    from stowtui.jobs import tasks

    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "big.bin").write_bytes(b"B" * 1000)
    (left / "clash.txt").write_bytes(b"NEW")
    (right / "clash.txt").write_bytes(b"old")
    gate = threading.Event()
    original = tasks.transfer

    def gated(request):
        source = request.source
        if source.basename == "big.bin":
            gate.wait(10)
        original(request)

    monkeypatch.setattr(tasks, "transfer", gated)
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "big.bin")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")  # job 1: held at the gate
        await select(pilot, screen.left, "clash.txt")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")  # job 2: asks
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog), "the conflict dialog")
        first = app.jobs.jobs[0]
        gate.set()
        await wait_for(pilot, lambda: first.state.finished, "the other job to finish while the dialog is open")
        assert first.state.value == "done" and (right / "big.bin").read_bytes() == b"B" * 1000
        assert isinstance(app.screen, ConflictDialog)
        await pilot.click("#overwrite")
        await wait_jobs_done(pilot)
        assert (right / "clash.txt").read_bytes() == b"NEW"


async def test_special_files_left_behind_are_said_when_the_job_ends(tmp_path):
    from uikit import toasts_text

    left, right = tmp_path / "l", tmp_path / "r"
    (left / "tree").mkdir(parents=True)
    right.mkdir()
    (left / "tree" / "a.txt").write_bytes(b"a")
    os.mkfifo(left / "tree" / "pipe")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "tree")
        await pilot.press("f5")
        await confirm_transfer(pilot, "copy")
        await wait_jobs_done(pilot)
        await wait_for(pilot, lambda: "1 left in place" in toasts_text(app), "the skipped notice")
        assert "named pipe, not copied" in toasts_text(app)
        assert "1 skipped" in widget_text(screen.jobs_panel)
    assert (right / "tree" / "a.txt").read_bytes() == b"a"
    assert not (right / "tree" / "pipe").exists()
