"""Big levels in a pane: filter and sort off the event loop, applied to pages that come later;
a stale answer never replaces a newer one; marks survive sorting; expanding and collapsing splice rows."""

from __future__ import annotations

import pytest

from test_ui_listing import second_pages, seed_prefix
from uikit import entry_names, ready, wait_for, wait_loaded

from stowtui.app import StowApp
from stowtui.widgets.listing import Loader
from stowtui.widgets.pane import Pane

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
        assert root.state == "loading"
        assert "Listing… 1,000" in str(right.status.render())  # the running count
        await right.start_filter()
        await pilot.press("k", "0", "2", "4")
        assert right.filter_box.value == "k024"
        await wait_for(pilot, lambda: root.level.view and not root.children, "the filter over the first page")
        assert root.state == "loading"  # k024.. are all in the held pages
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
        await pane.start_filter()
        await pilot.press("a")
        await wait_for(pilot, lambda: entry_names(root) == ["apple", "avocado", "banana"], "the filter a")
        older = root.level.view
        await pilot.press("backspace", "b")
        await wait_for(pilot, lambda: entry_names(root) == ["banana", "blueberry"], "the filter b")
        assert root.level.view > older
        # The answer to the older filter, coming late: dropped.
        stale = list(root.level.listing)
        pane.post_message(Loader.ViewReady(root, root.level.generation, older, stale[:1], ("name", "a", False), stale, 5,
                                         False))
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
        tree.set_marks([n for n in root.children if n.artefact.basename in ("a.txt", "c.txt")], True)
        pane.sort = "size"
        await wait_for(pilot, lambda: entry_names(root) == ["d.txt", "b.txt", "c.txt", "a.txt"], "sorted by size")
        assert sorted(a.basename for a in pane.selection()) == ["a.txt", "c.txt"]
        assert all(node in root.children for node in tree.marked.values())  # the nodes shown, not old ones
        assert "2 marked" in str(pane.status.render())
        pane.refresh_directory()
        await wait_loaded(pilot, pane)
        assert sorted(n.artefact.basename for n in tree.marked.values()) == ["a.txt", "c.txt"]


def visible_names(tree) -> list[str]:
    """Every row of the pane's flat list, indented by depth, as drawn from top to bottom."""
    return ["  " * row.depth + row.artefact.basename for row in tree.rows[1:]]


async def test_expanding_and_collapsing_splice_rows_into_the_flat_list(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "inner").mkdir()
    (tmp_path / "a" / "inner" / "deep.txt").write_text("x")
    (tmp_path / "a" / "one.txt").write_text("x")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("x")
    (tmp_path / "z.txt").write_text("x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane: Pane = screen.left
        tree, root = pane.tree, pane.tree.root
        assert visible_names(tree) == ["  a", "  b", "  z.txt"]
        b = next(e for e in root.children if e.artefact.basename == "b")
        tree.expand(b)
        await wait_loaded(pilot, pane, b)
        a = root.children[0]
        tree.expand(a)
        await wait_loaded(pilot, pane, a)
        inner = a.children[0]
        tree.expand(inner)
        await wait_loaded(pilot, pane, inner)
        assert visible_names(tree) == ["  a", "    inner", "      deep.txt", "    one.txt", "  b", "    two.txt",
                                       "  z.txt"]
        tree.move_cursor(b.children[0])
        tree.collapse(a)  # its rows and its open child's go; the cursor stays on its entry
        assert visible_names(tree) == ["  a", "  b", "    two.txt", "  z.txt"]
        assert tree.cursor_node is b.children[0] and tree.cursor_line == 3
        assert "a/" in "".join(tree.render_line(i).text for i in range(tree.last_line + 1))
        await pane.start_filter()
        await pilot.press("t", "w")  # the filter is for files (directories stay), on every open level
        await wait_for(pilot, lambda: visible_names(tree) == ["  a", "  b", "    two.txt"], "the filter on open levels")
        await pilot.press("escape")
        await wait_for(pilot, lambda: visible_names(tree) == ["  a", "  b", "    two.txt", "  z.txt"], "cleared")
        tree.expand(a)  # expanded again: listed again, and its open child with it
        await wait_for(pilot, lambda: "      deep.txt" in visible_names(tree), "a and inner listed again")
        assert visible_names(tree)[:4] == ["  a", "    inner", "      deep.txt", "    one.txt"]


async def test_rows_spliced_in_above_the_cursor_leave_it_on_its_entry(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("x.txt", "y.txt", "z.txt"):
        (tmp_path / "a" / name).write_text("x")
    (tmp_path / "m.txt").write_text("x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        pane: Pane = screen.left
        tree, root = pane.tree, pane.tree.root
        a, m = root.children
        tree.move_cursor(m)
        assert tree.cursor_line == 2
        tree.expand(a)
        await wait_loaded(pilot, pane, a)
        assert tree.cursor_node is m and tree.cursor_line == 5  # three rows came in above it
        tree.collapse(a)
        assert tree.cursor_node is m and tree.cursor_line == 2


async def test_only_the_rows_on_screen_are_drawn(tmp_path):
    for i in range(3000):
        (tmp_path / f"f{i:04d}").write_text("")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        tree = screen.left.tree
        assert len(tree.rows) == 3001
        drawn = []
        original = tree.render_label
        tree.render_label = lambda entry, *args: drawn.append(entry) or original(entry, *args)
        await pilot.press("end")
        await wait_for(pilot, lambda: tree.cursor_line == 3000 and drawn, "the end drawn")
        assert tree.rows[-1] in drawn
        assert len(set(drawn)) <= tree.scrollable_content_region.height  # not the 3,000 others


def test_a_listing_worker_sleeps_for_the_cpu_its_last_page_took(monkeypatch):
    """A source that never waits leaves the event loop half the interpreter; one that waited pays nothing."""
    from stowtui.widgets import listing

    clock = {"cpu": 10.0}
    slept = []
    monkeypatch.setattr(listing.time, "thread_time", lambda: clock["cpu"])
    monkeypatch.setattr(listing.time, "sleep", slept.append)

    clock["cpu"] += 0.012  # a page built in 12 ms of the thread's CPU
    started = listing.share_the_gil(10.0)
    clock["cpu"] += 0.0001  # a page that mostly waited on the network: 0.1 ms of CPU
    listing.share_the_gil(started)
    clock["cpu"] += 2.0  # a huge page: the sleep is capped
    started = listing.share_the_gil(started + 0.0001)
    clock["cpu"] += 0.012  # a level of SHARE_AFTER rows or fewer lists at full speed
    listing.share_the_gil(started, listing.SHARE_AFTER)

    assert slept == [pytest.approx(0.012 * listing.YIELD_SHARE), 0.05]
