"""F4 edits with $EDITOR (a local file in place, a remote one through a copy written back only if
it changed and the remote did not), Ctrl+O runs $SHELL in the pane's directory. Pilot at 80×24:
headless, the program runs without a terminal to hand over (the real one: the tmux test)."""

from __future__ import annotations

import os
import stat

import pytest

from stowtui.app import StowApp
from stowtui.screens.dialogs import ChoiceDialog
from uikit import ready, select, toasts_text, wait_for

SIZE = (80, 24)


def script(path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """$EDITOR: a script that appends a line to the file it is given and logs its calls."""
    log = tmp_path / "editor.log"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", script(tmp_path / "ed.sh", f'echo "$1" >> {log}\necho edited >> "$1"\n'))
    return log


def said(app) -> str:
    """The toasts' text as one line (their wrapping and left edge taken out)."""
    return " ".join(toasts_text(app).replace("▌", " ").split())


def s3_bytes(s3, key: str) -> bytes | None:
    try:
        return s3.backend.get_object("bucket", key).value
    except Exception:
        return None


async def test_f4_edits_a_local_file_in_place(tmp_path, editor):
    (tmp_path / "l").mkdir()
    (tmp_path / "r").mkdir()
    (tmp_path / "l" / "notes.txt").write_text("first\n")
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "notes.txt")
        await pilot.press("f4")
        await wait_for(pilot, lambda: (tmp_path / "l" / "notes.txt").read_text() == "first\nedited\n", "the edit")
        assert editor.read_text() == f"{tmp_path}/l/notes.txt\n"  # the file itself, not a copy


async def test_f4_writes_an_edited_s3_object_back(tmp_path, s3, bucket, editor):
    s3.backend.put_object("bucket", "conf.ini", b"a=1\n")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        await pilot.press("f4")
        await wait_for(pilot, lambda: s3_bytes(s3, "conf.ini") == b"a=1\nedited\n", "the edited bytes in the bucket")
        await wait_for(pilot, lambda: "Saved s3://bucket/conf.ini" in said(app), "said")
        copy = editor.read_text().strip()
        await wait_for(pilot, lambda: not os.path.exists(copy), "the local copy removed")


async def test_f4_on_an_s3_object_changed_meanwhile_asks_and_save_as_keeps_both(tmp_path, s3, bucket, monkeypatch):
    s3.backend.put_object("bucket", "conf.ini", b"a=1\n")
    # The editor edits its copy while someone else writes the object.
    monkeypatch.setenv("EDITOR", script(tmp_path / "ed.sh", 'echo mine >> "$1"\n'))
    from stowtui import edits

    original = edits.Editing.changed

    def changed(self):
        s3.backend.put_object("bucket", "conf.ini", b"theirs\n")
        return original(self)

    monkeypatch.setattr(edits.Editing, "changed", changed)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press("enter")  # the default: save as a new name
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "InputDialog", "the name")
        await pilot.press("enter")  # conf.ini.edited
        await wait_for(pilot, lambda: s3_bytes(s3, "conf.ini.edited") == b"a=1\nmine\n", "the edits beside it")
        assert s3_bytes(s3, "conf.ini") == b"theirs\n"  # theirs untouched


async def test_f4_on_an_unchanged_copy_writes_nothing(tmp_path, s3, bucket, monkeypatch):
    s3.backend.put_object("bucket", "conf.ini", b"a=1\n")
    monkeypatch.setenv("EDITOR", "true")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        s3.clear_counts()
        await pilot.press("f4")
        await wait_for(pilot, lambda: "unchanged: nothing written" in said(app), "said")
        assert "PutObject" not in s3.counts


async def test_ctrl_o_runs_the_shell_in_the_panes_directory(tmp_path, monkeypatch):
    (tmp_path / "l").mkdir()
    (tmp_path / "r").mkdir()
    monkeypatch.setenv("SHELL", script(tmp_path / "sh.sh", "pwd > where.txt\n"))
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: (tmp_path / "l" / "where.txt").exists(), "the shell ran in l/")
        assert (tmp_path / "l" / "where.txt").read_text().strip() == str(tmp_path / "l")
        await wait_for(pilot, lambda: "where.txt" in [c.artefact.basename for c in screen.left.tree.root.children],
                       "the pane listed again")


@pytest.fixture
def theirs_while_editing(tmp_path, s3, bucket, monkeypatch):
    """conf.ini in the bucket; the editor appends "mine" to its copy while someone else writes
    "theirs" to the object."""
    s3.backend.put_object("bucket", "conf.ini", b"a=1\n")
    monkeypatch.setenv("EDITOR", script(tmp_path / "ed.sh", f'echo "$1" > {tmp_path}/copy.txt\necho mine >> "$1"\n'))
    from stowtui import edits

    original = edits.Editing.changed

    def changed(self):
        s3.backend.put_object("bucket", "conf.ini", b"theirs\n")
        return original(self)

    monkeypatch.setattr(edits.Editing, "changed", changed)
    return tmp_path / "copy.txt"


@pytest.mark.parametrize("choice, left, kept", [("overwrite", b"a=1\nmine\n", False), ("discard", b"theirs\n", False)])
async def test_f4_changed_meanwhile_overwrite_and_discard_do_what_they_say(tmp_path, s3, theirs_while_editing,
                                                                           choice, left, kept):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        assert "changed since it was opened" in " ".join(app.screen.query_one("#body").render().plain.split())
        await pilot.click(f"#{choice}")
        notice = "Saved s3://bucket/conf.ini" if choice == "overwrite" else "Edits discarded"
        await wait_for(pilot, lambda: notice in said(app), notice)
        assert s3_bytes(s3, "conf.ini") == left
        assert s3_bytes(s3, "conf.ini.edited") is None
        copy = theirs_while_editing.read_text().strip()
        assert os.path.exists(copy) is kept  # the local copy goes once written or discarded


async def test_f4_a_write_between_the_check_and_the_put_is_not_written_over(tmp_path, s3, bucket, monkeypatch):
    """The remote is checked, then written on the condition that it is still what was opened
    (S3: IfMatch of its ETag): someone writing in between makes the write fail and the app ask."""
    s3.backend.put_object("bucket", "conf.ini", b"a=1\n")
    monkeypatch.setenv("EDITOR", script(tmp_path / "ed.sh", 'echo mine >> "$1"\n'))
    from stowtui import edits

    original = edits.Editing.remote_unchanged

    def remote_unchanged(self):
        unchanged = original(self)  # True: nobody wrote it yet...
        s3.backend.put_object("bucket", "conf.ini", b"theirs\n")  # ...but someone does now
        return unchanged

    monkeypatch.setattr(edits.Editing, "remote_unchanged", remote_unchanged)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        s3.clear_counts()
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question, after the refused write")
        assert s3.counts.get("PutObject") == 1  # tried once, on its condition, and refused
        assert s3_bytes(s3, "conf.ini") == b"theirs\n"


async def test_f4_save_as_never_writes_over_the_new_name(tmp_path, s3, theirs_while_editing):
    s3.backend.put_object("bucket", "conf.ini.edited", b"older edits\n")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "conf.ini")
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog), "the question")
        await pilot.press("enter")  # save as a new name
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "InputDialog", "the name")
        await pilot.press("enter")  # conf.ini.edited: taken
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog) and "Not saved" in said(app),
                       "said, and asked again")
        assert s3_bytes(s3, "conf.ini.edited") == b"older edits\n"
        assert s3_bytes(s3, "conf.ini") == b"theirs\n"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "InputDialog", "the name again")
        box = app.screen.query_one("Input")
        box.value = "conf.mine.ini"
        await pilot.press("enter")
        await wait_for(pilot, lambda: s3_bytes(s3, "conf.mine.ini") == b"a=1\nmine\n", "saved under another name")
