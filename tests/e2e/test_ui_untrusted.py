"""Names from disks and buckets are data: never markup, never terminal codes, never actions.

Each test reads what the app would paint (the compositor's strips, segment by
segment), so a name that leaked through as markup (colour instead of
brackets), as an action (``@click`` meta on a segment) or as a terminal code
(a raw ESC or BEL in a segment) fails here.
"""

from __future__ import annotations

import os

import pytest

from stowtui.app import StowApp
from stowtui.screens.dialogs import ConfirmDialog, TransferDialog
from stowtui.screens.viewer import ViewerScreen
from uikit import (
    as_tree,
    child,
    entry_names,
    painted,
    ready,
    row_offset,
    screen_text,
    select,
    toasts_text,
    unwrapped,
    wait_entry,
    wait_for,
    wait_jobs_done,
    wait_loaded,
    widget_text,
)

SIZE = (120, 40)

# Key -> how its (last) name must be painted. On S3 a "/" inside a key makes a
# directory: "a[/b]" is the directory "a[" holding "b]".
KEYS = {
    "[red]x[/red]": "[red]x[/",  # directory "[red]x[" holding "red]"
    "a[/b]": "a[/",
    "[@click=app.quit]x": "[@click=app.quit]x",
    "\x1b[31mred": "\\e[31mred",
    "a\nb": "a\\nb",
    "\x1b]2;pwned\x07": "\\e]2;pwned\\x07",
    "[b]bold [i]plain": "[b]bold [i]plain",
}
CONTROL = ("\x1b", "\x07", "\x9b", "\x00")


def painted_segments(app):
    for _, strips in painted(app):
        for strip in strips:
            yield from strip


def assert_nothing_leaks(app) -> None:
    """No segment carries a terminal control character or a click action."""
    for segment in painted_segments(app):
        assert not any(c in segment.text for c in CONTROL), repr(segment.text)
        meta = segment.style.meta if segment.style is not None else {}
        assert not any(str(key).startswith("@") for key in meta), meta


@pytest.fixture
def odd_bucket(s3, bucket):
    for key in KEYS:
        s3.backend.put_object("bucket", key, key.encode())
    return bucket


async def test_odd_keys_are_painted_literally(tmp_path, s3, odd_bucket):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        right = screen.right
        tree_text = widget_text(right.tree)
        for shown in KEYS.values():
            assert shown in tree_text, (shown, tree_text)
        # The directories made by "/" inside the keys open, and their children are literal too.
        for directory, inside in (("[red]x[", "red]"), ("a[", "b]")):
            node = await select(pilot, right, directory)
            await pilot.press("right")
            await wait_loaded(pilot, right, node)
            assert entry_names(node) == [inside]
            assert inside in widget_text(right.tree)
        assert_nothing_leaks(app)
        assert app.is_running


async def test_entering_an_odd_directory_shows_its_path_literally(tmp_path, s3, odd_bucket):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        right = screen.right
        await select(pilot, right, "[red]x[")
        await pilot.press("enter")
        await wait_entry(pilot, right, "red]")
        assert widget_text(right.path_bar).strip() == "s3://bucket/[red]x["
        assert "red]" in widget_text(right.tree)
        assert_nothing_leaks(app)


async def test_clicking_a_click_action_name_runs_nothing(tmp_path, s3, odd_bucket):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        tree = screen.right.tree
        node = child(tree.root, "[@click=app.quit]x")
        await pilot.click(tree, row_offset(tree, node, column=8))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert tree.cursor_node is node  # a click selects, as for any name...
        assert app.screen is screen  # ...and opens nothing
        # A double click opens the viewer on it (and quits nothing).
        await pilot.click(tree, row_offset(tree, node, column=8), times=2)
        viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
        await wait_for(pilot, lambda: "[@click=app.quit]x" in widget_text(viewer.query_one("#viewer-text")),
                       "the file's bytes in the viewer")
        await pilot.click("#viewer-text")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the main screen")
        assert app.is_running and app.return_code is None


async def test_dialogs_list_odd_names_literally(tmp_path, s3, odd_bucket):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        right = screen.right
        for name in ("[@click=app.quit]x", "\x1b]2;pwned\x07", "[b]bold [i]plain", "a\nb"):
            await select(pilot, right, name)
            await pilot.press("space")
        await pilot.press("f8")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen, "the dialog")
        items = unwrapped(dialog.query_one("#items"))
        for shown in ("[@click=app.quit]x", "\\e]2;pwned\\x07", "[b]bold [i]plain", "a\\nb"):
            assert "s3://bucket/" + shown in items
        assert_nothing_leaks(app)
        await pilot.press("escape")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert "s3://bucket/\\e]2;pwned\\x07" in unwrapped(dialog.query_one("#items"))
        assert_nothing_leaks(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the main screen")
        assert app.jobs.jobs == []
        assert len(s3.backend.get_bucket("bucket").keys) == len(KEYS)


@pytest.mark.parametrize("key, shown", [
    ("\x1b]2;pwned\x07", "\\e]2;pwned\\x07"),
    ("[@click=app.quit]x", "[@click=app.quit]x"),
    ("[b]bold [i]plain", "[b]bold [i]plain"),
])
async def test_copying_an_odd_name_keeps_it_literal_in_toasts_and_jobs_panel(tmp_path, s3, odd_bucket, key, shown):
    local = tmp_path / "local"
    local.mkdir()
    app = StowApp(str(local), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, key)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert (local / key).read_bytes() == key.encode()  # the name itself is kept, byte for byte
        await wait_for(pilot, lambda: "done" in toasts_text(app), "the end-of-job notification")
        toasts = toasts_text(app)
        assert "s3://bucket/" in toasts
        squeezed = "".join(line.strip("▌ ") for line in toasts.splitlines()).replace(" ", "")
        assert shown.replace(" ", "") in squeezed, toasts  # the toast wraps long titles
        jobs = widget_text(screen.jobs_panel)
        assert "Copy s3://bucket/" in jobs
        await wait_entry(pilot, screen.left, key)
        assert shown in widget_text(screen.left.tree)
        assert_nothing_leaks(app)
        assert app.is_running


async def test_odd_local_file_names_are_painted_literally(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    names = {
        "[red]x[/red]".replace("/", "|"): "[red]x[|red]",
        "\x1b[2J\x1b]0;title\x07": "\\e[2J\\e]0;title\\x07",
        "tab\there": "tab\\there",
        "del\x7f": "del\\x7f",
        "c1\u009b31m": "c1\\x9b31m",
        "rtl\u202egnp.exe": "rtl\\u202egnp.exe",
    }
    for name in names:
        (local / name).write_bytes(b"x")
    os.close(os.open(os.path.join(os.fsencode(local), b"bad\xff.txt"), os.O_CREAT | os.O_WRONLY))
    app = StowApp(str(local), str(local))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = screen_text(app)
        for shown in list(names.values()) + ["bad\\xff.txt"]:
            assert shown in text, shown
        assert_nothing_leaks(app)


async def test_a_file_whose_bytes_carry_escape_sequences_is_shown_escaped_in_the_viewer(tmp_path):
    (tmp_path / "ansi.txt").write_bytes(b"plain\n\x1b]2;pwned\x07\x1b[31mred[/red] [@click=app.quit]q\n")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "ansi.txt")
        await pilot.press("f3")
        viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
        body = viewer.query_one("#viewer-text")
        await wait_for(pilot, lambda: "plain" in widget_text(body), "the file's head")
        assert "\\e]2;pwned\\x07\\e[31mred[/red] [@click=app.quit]q" in widget_text(body)
        assert_nothing_leaks(app)


async def test_wide_names_keep_the_columns_in_line(tmp_path):
    """CJK characters take two cells: a long name is cut to the cells it has, not to its length."""
    from rich.cells import cell_len

    folder = tmp_path / ("長いディレクトリの名前" * 3)
    folder.mkdir()
    names = ["ascii.txt", "短い.txt", "日本語のとても長いファイル名はここで切られます.txt", "混合 mixed 名前.csv"]
    stamp = 1_709_294_400  # 2024-03-01: an earlier year, so every row shows the same "Mar 01  2024"
    for name in names:
        (folder / name).write_bytes(b"x" * 2048)
        os.utime(folder / name, (stamp, stamp))
    app = StowApp(str(folder), str(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        shown = {name: None for name in names}
        tree = screen.left.tree.region  # the rows (the mini-status under each pane has its own layout)
        for line in screen_text(app).splitlines()[tree.y : tree.bottom]:
            for name in names:
                if name[:2] in line and "2.0K" in line:
                    # Where the size and the time columns start and end, in cells, in both panes.
                    shown[name] = [cell_len(line[: index]) for index in _all(line, "2.0K")]
        assert all(shown.values()), shown
        assert len({tuple(columns) for columns in shown.values()}) == 1, shown  # in line, both panes
        assert "…" in screen_text(app)  # the long name was cut
        # The path bar drops the start of a long path, never the directory's own name.
        bar = screen.left.path_bar
        path = str(bar.render())
        assert path.startswith("…") and path.endswith(folder.name[-5:])
        assert cell_len(path) <= bar.size.width


def _all(line: str, text: str) -> list[int]:
    found, start = [], line.find(text)
    while start != -1:
        found.append(start)
        start = line.find(text, start + 1)
    return found
