"""Listing in the panes: lazy, paged, in workers; failures shown in the pane, never raised."""

from __future__ import annotations

import socket

from stowtui.app import StowApp
from stowtui.screens.dialogs import InputDialog
from stowtui.widgets.storage_tree import StorageTree
from uikit import (
    as_tree,
    child,
    entry_names,
    ready,
    screen_text,
    select,
    wait_entry,
    wait_for,
    wait_loaded,
    widget_text,
)

SIZE = (120, 40)


def seed_prefix(s3, prefix: str, count: int, bucket: str = "bucket") -> None:
    for i in range(count):
        s3.backend.put_object(bucket, f"{prefix}k{i:05d}", b"x")


async def test_expanding_a_prefix_of_2500_keys_lists_it_in_3_requests_and_shows_every_entry(tmp_path, s3, bucket):
    seed_prefix(s3, "big/", 2500)
    s3.backend.put_object("bucket", "top.txt", b"x")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        right = screen.right
        assert entry_names(right.tree.root) == ["big", "top.txt"]  # directories first
        s3.clear_counts()
        big = await select(pilot, right, "big")
        await pilot.press("right")
        await wait_loaded(pilot, right, big)
        assert big.state == "loaded"
        assert len(big.children) == 2500
        assert entry_names(big)[0] == "k00000" and entry_names(big)[-1] == "k02499"
        assert len(set(entry_names(big))) == 2500
        counts = s3.counts
        assert counts["ListObjectsV2"] == 3
        assert counts["HeadObject"] == 0
        assert sum(counts.values()) == 3, counts  # no other request at all: sizes and times came from the listing
        # The last entry can be reached and is painted.
        await pilot.press("end")  # the last line: top.txt, after big/'s 2,500 entries
        assert right.tree.cursor_node.artefact.basename == "top.txt"
        await pilot.press("up")
        assert right.tree.cursor_node.artefact.basename == "k02499"
        await pilot.pause()
        assert "k02499" in widget_text(right.tree)


def second_pages(op, key, query) -> bool:
    """What the gate holds: every listing page after a prefix's first (only big/ has more than one)."""
    return op == "ListObjectsV2" and "continuation-token" in query


async def test_a_big_prefix_shows_its_first_page_at_once_and_keys_work_while_it_fills(tmp_path, s3, bucket, gate):
    seed_prefix(s3, "big/", 2500)
    held = gate(second_pages)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        right = screen.right
        big = await select(pilot, right, "big")
        await pilot.press("right")
        await wait_for(pilot, lambda: len(big.children) == 1000, "the first page")
        assert big.state == "loading"
        assert "listing… 1,000" in widget_text(right.tree)  # the node says it is still loading
        # Keys are answered while the listing waits for its next page.
        await pilot.press("down", "down")
        assert right.tree.cursor_node.artefact.basename == "k00001"
        held.release()
        await wait_loaded(pilot, right, big)
        assert len(big.children) == 2500
        assert "listing…" not in widget_text(right.tree)


async def test_collapsing_a_directory_cancels_its_listing(tmp_path, s3, bucket, gate):
    seed_prefix(s3, "big/", 2500)
    held = gate(second_pages)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        right = screen.right
        big = await select(pilot, right, "big")
        await pilot.press("right")
        await wait_for(pilot, lambda: len(big.children) == 1000, "the first page")
        s3.clear_counts()
        await pilot.press("left")  # collapse: nobody waits for the rest
        assert not big.is_expanded
        assert big.state == "unloaded"
        held.release()
        await wait_for(pilot, lambda: not [w for w in app.workers if w.group.startswith("list") and w.is_running],
                       "the listing worker to stop")
        assert len(big.children) == 0
        assert s3.counts["ListObjectsV2"] <= 1  # it stopped at the page it was on
        # Expanding again lists afresh, completely.
        await pilot.press("right")
        await wait_loaded(pilot, right, big)
        assert len(big.children) == 2500


async def check_app_still_works(pilot, tmp_path):
    """Tab to the other pane, enter a directory there, come back up: all answered."""
    app = pilot.app
    screen = app.screen
    assert app.is_running and app.return_code is None
    screen.right.tree.focus()
    await pilot.press("tab")
    assert screen.active_pane is screen.left
    await select(pilot, screen.left, "sub")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.left.url == str(tmp_path / "sub"), "the left pane to enter sub/")
    await wait_entry(pilot, screen.left, "inner.txt")
    await pilot.press("backspace")
    await wait_for(pilot, lambda: screen.left.url == str(tmp_path), "the left pane to go back up")
    await wait_entry(pilot, screen.left, "sub")
    await pilot.press("tab")
    assert screen.active_pane is screen.right


def local_tree(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_bytes(b"i")
    return tmp_path


async def test_access_denied_shows_a_short_message_in_the_pane_and_the_app_keeps_working(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "a.txt", b"x")
    s3.fail(op="ListObjectsV2", status=403, times=None)
    local_tree(tmp_path)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        right = screen.right
        root = right.tree.root
        assert root.state == "error"
        assert "access denied" in root.error.lower()
        status = widget_text(right.status)
        assert "⚠" in status and "access denied" in status.lower()
        assert "⚠ Cannot list" in widget_text(right.tree)
        text = screen_text(app)
        assert "Traceback" not in text and "ClientError" not in text
        assert len(root.error) < 120 and "\n" not in root.error
        await check_app_still_works(pilot, tmp_path)
        # Once access is back, a refresh (Ctrl+R) shows the bucket.
        s3.clear_faults()
        right.tree.focus()
        await pilot.press("ctrl+r")
        await wait_entry(pilot, right, "a.txt")
        assert root.state == "loaded"
        assert "⚠" not in widget_text(right.status)


async def test_a_missing_bucket_says_so_and_another_location_can_be_opened(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "here.txt", b"x")
    local_tree(tmp_path)
    app = StowApp(str(tmp_path), "s3://no-such-bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        right = screen.right
        assert right.tree.root.state == "error"
        assert "does not exist" in right.tree.root.error
        assert "⚠" in widget_text(right.status)
        await check_app_still_works(pilot, tmp_path)
        # "o" points the pane at another URL.
        await pilot.press("o")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the URL prompt")
        dialog.query_one("#value").value = "s3://bucket/"
        await pilot.press("enter")
        await wait_entry(pilot, right, "here.txt")
        assert widget_text(right.path_bar).strip() == "s3://bucket"


async def test_an_unreachable_endpoint_shows_a_message_not_a_traceback(tmp_path, stow):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stow.set_defaults("s3", endpoint_url=f"http://127.0.0.1:{port}")
    local_tree(tmp_path)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        error = screen.right.tree.root.error
        assert "cannot be reached" in error
        assert "Traceback" not in screen_text(app)
        await check_app_still_works(pilot, tmp_path)


async def test_an_unknown_scheme_is_reported_and_the_pane_stays_usable(tmp_path):
    local_tree(tmp_path)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        screen.right.open("nosuchscheme://x/y")
        await pilot.pause()
        assert app.is_running
        assert screen.right.url == str(tmp_path)  # the pane kept its place
        await check_app_still_works(pilot, tmp_path)


async def test_s3_alone_lists_the_buckets(tmp_path, s3, stow, s3_client):
    for name in ("alpha", "beta"):
        s3_client.create_bucket(Bucket=name)
    app = StowApp(str(tmp_path), "s3://")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert entry_names(screen.right.tree.root) == ["alpha", "beta"]
        assert all(node.is_dir for node in screen.right.tree.root.children)


async def test_entries_show_size_and_time_directories_first(tmp_path):
    (tmp_path / "zdir").mkdir()
    (tmp_path / "a.bin").write_bytes(b"x" * 2048)
    import os

    os.utime(tmp_path / "a.bin", (1_700_000_000, 1_700_000_000))  # 14 Nov 2023
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert entry_names(screen.left.tree.root) == ["zdir", "a.bin"]
        lines = widget_text(screen.left.tree).splitlines()
        row = next(line for line in lines if "a.bin" in line)
        assert "2.0K" in row and "2023" in row and "Nov 14" in row


async def test_left_or_backspace_on_the_root_goes_up_and_enter_goes_in(tmp_path):
    (tmp_path / "child" / "grandchild").mkdir(parents=True)
    app = StowApp(str(tmp_path / "child"), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        left = screen.left
        left.tree.focus()
        await pilot.press("home")
        assert left.tree.cursor_node is left.tree.root
        await pilot.press("left")
        await wait_for(pilot, lambda: left.url == str(tmp_path), "the parent")
        await wait_entry(pilot, left, "child")
        await select(pilot, left, "child")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.url == str(tmp_path / "child"), "child/")
        await wait_entry(pilot, left, "grandchild")
        await pilot.press("backspace")
        await wait_for(pilot, lambda: left.url == str(tmp_path), "the parent again")
        shown = widget_text(left.path_bar).strip()
        # A long path loses its start, never the current directory's name.
        assert shown.startswith("…") and str(tmp_path).endswith(shown[1:])


async def test_sort_filter_and_hidden_files(tmp_path):
    import os

    for name, size, stamp in (("b.txt", 30, 1_000), ("a.txt", 10, 3_000), ("c.txt", 20, 2_000), (".hidden", 1, 1)):
        (tmp_path / name).write_bytes(b"x" * size)
        os.utime(tmp_path / name, (1_700_000_000 + stamp,) * 2)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        left = screen.left
        root = left.tree.root
        left.tree.focus()
        assert entry_names(root) == ["a.txt", "b.txt", "c.txt"]  # hidden files hidden by default
        await select(pilot, left, "c.txt")
        await pilot.press("s")
        assert left.sort == "size"
        assert entry_names(root) == ["b.txt", "c.txt", "a.txt"]
        assert left.tree.cursor_node.artefact.basename == "c.txt"  # the cursor stays on its entry
        await pilot.press("s")
        assert left.sort == "time"
        assert entry_names(root) == ["a.txt", "c.txt", "b.txt"]
        await pilot.press("s")
        assert left.sort == "name"
        await pilot.press("full_stop")
        assert entry_names(root) == [".hidden", "a.txt", "b.txt", "c.txt"]
        await pilot.press("full_stop")
        await pilot.press("slash")
        await pilot.press("b")
        await wait_for(pilot, lambda: entry_names(root) == ["b.txt"], "the filter to apply")
        assert widget_text(left.status).startswith("filter /b · ")  # first: at 80 columns too
        await pilot.press("escape")  # clears the filter and returns to the tree
        await wait_for(pilot, lambda: entry_names(root) == ["a.txt", "b.txt", "c.txt"], "the filter to clear")
        assert isinstance(app.focused, StorageTree)
        await pilot.press("slash", "c", "enter")  # a filter kept: Enter gives the keys back to the list
        await wait_for(pilot, lambda: entry_names(root) == ["c.txt"] and isinstance(app.focused, StorageTree),
                       "the filter kept, the list focused")
        await pilot.press("escape")  # Esc in the list clears it too
        await wait_for(pilot, lambda: entry_names(root) == ["a.txt", "b.txt", "c.txt"], "the filter cleared from the list")
        assert "filter" not in widget_text(left.status)
        # Filtering never lists again: it works on what was listed.
        assert child(root, "a.txt").artefact.size == 10


async def test_the_cursor_starts_on_the_first_entry_of_each_pane(tmp_path):
    (tmp_path / "zdir").mkdir()
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "b.txt").write_bytes(b"b")
    app = StowApp(str(tmp_path), str(tmp_path / "zdir"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        first = screen.left.tree.cursor_node
        assert first is not None and first.artefact.basename == "zdir"  # directories first
        assert screen.right.tree.cursor_node is screen.right.tree.root  # an empty directory: the root
        await pilot.press("f5")  # so F5 at once copies the entry under the cursor
        dialog = await wait_for(pilot, lambda: not isinstance(app.screen, type(screen)) and app.screen, "a dialog")
        assert str(tmp_path / "zdir") in "".join(widget_text(dialog.query_one("#items")).split())


async def test_keys_typed_right_after_tab_go_to_the_pane_tab_switched_to(tmp_path):
    """Tab then End in one read from the terminal (fast typing, a paste, tmux): End is for the new pane."""
    from textual import events

    (tmp_path / "l").mkdir()
    (tmp_path / "l" / "left.txt").write_bytes(b"l")
    (tmp_path / "r").mkdir()
    for name in ("a.txt", "b.txt", "z.txt"):
        (tmp_path / "r" / name).write_bytes(b"r")
    app = StowApp(str(tmp_path / "l"), str(tmp_path / "r"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        assert screen.active_pane is screen.left
        app.post_message(events.Key("tab", "\t"))  # both queued before either is handled,
        app.post_message(events.Key("end", None))  # as the driver does with one read
        await wait_for(pilot, lambda: screen.active_pane is screen.right, "the right pane to have the focus")
        await pilot.pause()
        assert screen.right.tree.cursor_node.artefact.basename == "z.txt"


async def test_double_click_on_a_directory_enters_it(tmp_path):
    from uikit import row_offset

    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "deep.txt").write_bytes(b"d")
    (tmp_path / "file.txt").write_bytes(b"f")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        tree = screen.right.tree
        node = child(tree.root, "inside")
        await pilot.click(tree, row_offset(tree, node))
        assert tree.cursor_node is node and screen.right.url == str(tmp_path)  # one click only selects
        await pilot.click(tree, row_offset(tree, node), times=2)
        await wait_for(pilot, lambda: screen.right.url == str(tmp_path / "inside"), "the pane to enter inside/")
        await wait_entry(pilot, screen.right, "deep.txt")
