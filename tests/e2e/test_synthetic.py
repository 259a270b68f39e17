"""The benchmarks' synthetic plug-in: found through its entry point, exact counts in pages."""

import os
import sys

import pytest

from stowtui.managers import exceptions, registry
from stowtui.managers.artefacts import Directory, File

BENCHMARKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks")


@pytest.fixture
def synthetic(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.syspath_prepend(BENCHMARKS)
    monkeypatch.delitem(sys.modules, "synthetic", raising=False)
    import synthetic as module

    module.install(str(tmp_path))
    yield module
    registry.rescan()
    registry.forget_instances()
    sys.modules.pop("synthetic", None)


def test_it_is_found_through_its_entry_point(synthetic):
    assert "synthetic" in registry.available()
    manager, path = registry.resolve("synthetic:///2500")
    assert type(manager).__name__ == "Synthetic" and path == "/2500"
    assert registry.connect(**manager.toConfig()) is manager


@pytest.mark.parametrize("count, pages", [(0, [0]), (999, [999]), (1000, [1000]), (2500, [1000, 1000, 500])])
def test_a_directory_of_n_lists_n_files_in_pages_of_1000(synthetic, count, pages):
    manager, path = registry.resolve(f"synthetic:///{count}")
    listed = list(manager.lsPages(path))

    assert [len(page) for page in listed] == pages
    names = [a.basename for page in listed for a in page]
    assert names == [synthetic.entry_name(i) for i in range(count)]
    assert len(set(names)) == count and all(isinstance(a, File) for page in listed for a in page)


def test_shuffled_pages_hold_every_name_once_out_of_order(synthetic):
    manager = synthetic.Synthetic(page_size=300, shuffled=True)
    names = [a.basename for page in manager.lsPages("/1000") for a in page]

    assert sorted(names) == [synthetic.entry_name(i) for i in range(1000)]
    assert names != sorted(names)


def test_entries_are_looked_up_and_read_without_a_listing(synthetic):
    manager = synthetic.Synthetic()
    entry = manager.artefact("/1000/entry-0000007.dat")

    assert entry.size == synthetic.entry_size(7) and manager.get("/1000/entry-0000007.dat") == b"x" * entry.size
    assert entry.modifiedTime.timestamp() == synthetic.EPOCH + 7
    assert isinstance(manager.artefact("/1000"), Directory)
    assert [a.basename for a in manager.ls("/")] == ["1000", "100000", "1000000"]
    assert not manager.exists("/1000/entry-0001000.dat") and not manager.exists("/1000/other")
    with pytest.raises(exceptions.OperationNotPermitted, match="read-only"):
        manager.touch("/1000/new.txt")


async def test_a_listing_worker_keeps_at_most_one_batch_waiting_for_a_busy_event_loop(synthetic, tmp_path, monkeypatch):
    """A slow event loop gets fewer, bigger batches, not a queue of them for a key to wait behind."""
    import time

    from uikit import wait_for, wait_loaded

    from stowtui.app import StowApp
    from stowtui.widgets.listing import Loader

    counts = {"posted": 0, "handled": 0, "most waiting": 0}
    real_post, real_handle = Loader._post_batch, Loader.page_listed

    def post(loader, node, generation, batch):
        if batch.page:
            counts["posted"] += 1
            counts["most waiting"] = max(counts["most waiting"], counts["posted"] - counts["handled"])
        return real_post(loader, node, generation, batch)

    def handle(loader, event):
        counts["handled"] += 1
        time.sleep(0.1)  # a loop busy for 100 ms per batch: the worker lists pages faster than that
        real_handle(loader, event)

    monkeypatch.setattr(Loader, "_post_batch", post)
    monkeypatch.setattr(Loader, "page_listed", handle)
    app = StowApp("synthetic:///100000", str(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("Pane#left"), "the panes")
        pane = app.screen.left
        await wait_for(pilot, lambda: pane.tree.root is not None, "the root row")
        await wait_loaded(pilot, pane, timeout=60)
        assert pane.tree.root.level.count == 100_000
        assert [e.artefact.basename for e in pane.tree.rows[1:4]] == [synthetic.entry_name(i) for i in range(3)]
    assert counts["most waiting"] <= 2  # the batch being handled, and the last one (sent whatever the loop does)
    assert counts["posted"] < 100  # far fewer messages than pages
