"""Big levels in a pane: filter and sort off the event loop, applied to pages that come later;
a stale answer never replaces a newer one; marks survive sorting; the tree's bulk add and clear."""

from __future__ import annotations

from test_ui_listing import second_pages, seed_prefix
from uikit import entry_names, ready, wait_for, wait_loaded

from stowtui.app import StowApp
from stowtui.widgets.pane import NO_LABEL, Pane
from stowtui.widgets.storage_tree import Entry

SIZE = (120, 40)


async def test_a_filter_typed_while_a_prefix_loads_takes_in_the_pages_that_come_later(tmp_path, s3, bucket, gate):
    seed_prefix(s3, "big/", 2500)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        right = screen.right
        held = gate(second_pages)
        right.open("s3://bucket/big/")
        root = right.tree.root
        await wait_for(pilot, lambda: len(root.children) == 1000, "the first page")
        assert root.data.state == "loading"
        assert "Listing… 1,000" in str(right.status.render())  # the running count
        right.start_filter()
        await pilot.press("k", "0", "2", "4")
        assert right.filter_box.value == "k024"
        await wait_for(pilot, lambda: root.data.view and not root.children, "the filter over the first page")
        assert root.data.state == "loading"  # k024.. are all in the held pages
        held.release()
        await wait_loaded(pilot, right)
        await wait_for(pilot, lambda: len(root.children) == 100, "the matching rows of the later pages")
        assert entry_names(root) == [f"k{i:05d}" for i in range(2400, 2500)]
        assert "2,500" not in str(right.status.render())
        await pilot.press("escape")  # cleared: every row again, in order
        await wait_for(pilot, lambda: len(root.children) == 2500, "every row back")
        assert entry_names(root) == sorted(entry_names(root))


async def test_an_older_filter_answer_never_replaces_a_newer_one(tmp_path):
    for name in ("apple", "avocado", "banana", "blueberry", "cherry"):
        (tmp_path / name).write_text("x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane: Pane = screen.left
        root = pane.tree.root
        pane.start_filter()
        await pilot.press("a")
        await wait_for(pilot, lambda: entry_names(root) == ["apple", "avocado", "banana"], "the filter a")
        older = root.data.view
        await pilot.press("backspace", "b")
        await wait_for(pilot, lambda: entry_names(root) == ["banana", "blueberry"], "the filter b")
        assert root.data.view > older
        # The answer to the older filter, coming late: dropped.
        stale = [c.data.artefact for c in root.children]
        pane.post_message(Pane.ViewReady(root, root.data.generation, older, stale[:1], 5, ("name", "a", False)))
        await pilot.pause()
        await pilot.pause()
        assert entry_names(root) == ["banana", "blueberry"]


async def test_marks_survive_sorting_and_a_refresh(tmp_path):
    for name, size in (("a.txt", 1), ("b.txt", 3), ("c.txt", 2), ("d.txt", 4)):
        (tmp_path / name).write_text("x" * size)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane: Pane = screen.left
        tree, root = pane.tree, pane.tree.root
        tree.set_marks([n for n in root.children if n.data.artefact.basename in ("a.txt", "c.txt")], True)
        pane.sort = "size"
        await wait_for(pilot, lambda: entry_names(root) == ["d.txt", "b.txt", "c.txt", "a.txt"], "sorted by size")
        assert sorted(a.basename for a in pane.selection()) == ["a.txt", "c.txt"]
        assert all(node in root.children for node in tree.marked.values())  # the nodes shown, not old ones
        assert "2 marked" in str(pane.status.render())
        pane.refresh_directory()
        await wait_loaded(pilot, pane)
        assert sorted(n.data.artefact.basename for n in tree.marked.values()) == ["a.txt", "c.txt"]


async def test_bulk_add_and_clear_give_what_the_public_tree_api_gives(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "f.txt").write_text("x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        tree, root = screen.left.tree, screen.left.tree.root
        entries = [Entry(node.data.artefact, 1) for node in root.children]
        before = len(tree._tree_nodes)
        made = tree.add_entries(root, entries, NO_LABEL)
        assert [n.allow_expand for n in made] == [True, False]
        assert list(root.children[-2:]) == made
        assert tree.last_line == 4  # lines built afresh: the root, two entries, the two added
        assert [tree.get_node_at_line(n.line) for n in made] == made
        tree.set_marks(made, True)
        tree.clear_children(root)
        assert not root.children and not tree.marked
        assert len(tree._tree_nodes) == before - len(entries)  # the originals went too
        assert tree.last_line == 0
