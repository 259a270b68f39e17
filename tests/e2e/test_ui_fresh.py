"""The UI lists afresh: a level is listed again whenever it is opened,
expanded again or refreshed (Ctrl+R: the pane's root and the level under the cursor), and a
location typed into ``o`` opens if it exists now, whatever was listed before it was made.

Changes are made behind stowtui's back: plain ``os`` calls, or a raw boto3 client."""

from __future__ import annotations

import pytest

from stowtui.app import StowApp
from stowtui.screens.dialogs import InputDialog
from uikit import as_tree, entry_names, child, ready, select, wait_entry, wait_for, wait_loaded

SIZE = (80, 24)


@pytest.fixture
def where(request, tmp_path, s3_client, bucket):
    """("fs" | "s3"): the pane's URL, and add(name) / remove(name) / mkdir(name) behind its back."""
    if request.param == "fs":
        root = tmp_path / "here"
        root.mkdir()
        (root / "old.txt").write_bytes(b"old")
        (root / "sub").mkdir()
        (root / "sub" / "in.txt").write_bytes(b"in")
        return (str(root),
                lambda name: (root / name).write_bytes(b"new"),
                lambda name: (root / name).unlink(),
                lambda name: (root / name).mkdir(parents=True))
    for key in ("here/old.txt", "here/sub/in.txt"):
        s3_client.put_object(Bucket="bucket", Key=key, Body=b"x")
    return ("s3://bucket/here/",
            lambda name: s3_client.put_object(Bucket="bucket", Key=f"here/{name}", Body=b"new"),
            lambda name: s3_client.delete_object(Bucket="bucket", Key=f"here/{name}"),
            lambda name: s3_client.put_object(Bucket="bucket", Key=f"here/{name}/", Body=b""))


@pytest.mark.parametrize("where", ["fs", "s3"], indirect=True)
async def test_ctrl_r_shows_a_file_added_and_drops_one_removed(where, tmp_path):
    url, add, remove, _ = where
    other = tmp_path / "other"
    other.mkdir()
    app = StowApp(url, str(other))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane = screen.left
        await wait_entry(pilot, pane, "old.txt")
        add("new.txt")
        remove("old.txt")
        await pilot.press("ctrl+r")
        await wait_entry(pilot, pane, "new.txt")
        await wait_entry(pilot, pane, "old.txt", present=False)
        assert "new.txt" in entry_names(pane.tree.root) and "old.txt" not in entry_names(pane.tree.root)


@pytest.mark.parametrize("where", ["fs", "s3"], indirect=True)
async def test_ctrl_r_and_expanding_again_list_the_level_under_the_cursor(where, tmp_path):
    url, add, _, _ = where
    other = tmp_path / "other"
    other.mkdir()
    app = StowApp(url, str(other))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await as_tree(pilot, screen.left, screen.right)
        pane = screen.left
        sub = await select(pilot, pane, "sub")
        await pilot.press("right")
        await wait_loaded(pilot, pane, sub)
        await select(pilot, pane, "in.txt", node=sub)
        add("sub/later.txt")
        await pilot.press("ctrl+r")  # the root, and the open level the cursor is in
        await wait_for(pilot, lambda: pane.tree.root.state == "loaded", "the root listed")
        sub = child(pane.tree.root, "sub")
        await wait_entry(pilot, pane, "later.txt", node=sub)
        assert sub.is_expanded
        await wait_for(pilot, lambda: pane.tree.cursor_node.artefact.basename == "in.txt", "the cursor kept")
        add("sub/again.txt")
        await select(pilot, pane, "sub")
        await pilot.press("left")  # collapse, then expand again: listed again
        await pilot.press("right")
        await wait_entry(pilot, pane, "again.txt", node=sub)


@pytest.mark.parametrize("where", ["fs", "s3"], indirect=True)
async def test_o_opens_a_directory_made_after_its_parent_was_listed(where, tmp_path):
    url, _, _, mkdir = where
    other = tmp_path / "other"
    other.mkdir()
    app = StowApp(url, str(other))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane = screen.left
        await wait_entry(pilot, pane, "old.txt")  # the parent is listed (and cached)
        mkdir("fresh")
        add_file = url.rstrip("/") + "/fresh"
        await pilot.press("o")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the open box")
        dialog.query_one("#value").value = add_file
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.url.rstrip("/") == add_file, "the new directory opened")
        await wait_loaded(pilot, pane)
        assert pane.tree.root.state == "loaded", pane.tree.root.error
