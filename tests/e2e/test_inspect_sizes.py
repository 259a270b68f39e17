"""Directory and prefix sizes: a flat listing in the background, running totals, cancellable."""

from __future__ import annotations

import os

import pytest

from inspectkit import status_text
from stowtui.app import StowApp
from uikit import ready, select, toasts_text, wait_for, widget_text

SIZE = (120, 40)
CLASSES = ("STANDARD", "GLACIER", "STANDARD_IA")


def seed_5000(s3) -> tuple[int, dict[str, list[int]]]:
    """5,000 keys under big/ of sizes 1..7, in three storage classes; returns (bytes, by class)."""
    total, by_class = 0, {}
    for i in range(5000):
        size, storage = i % 7 + 1, CLASSES[i % 3]
        s3.backend.put_object("bucket", f"big/sub{i % 4}/k{i:05d}", b"x" * size, storage=storage)
        total += size
        counts = by_class.setdefault(storage, [0, 0])
        counts[0] += 1
        counts[1] += size
    return total, by_class


def listings(s3) -> int:
    return s3.counts["ListObjectsV2"]


async def test_the_size_of_a_5000_key_prefix_takes_5_listings_and_is_right(tmp_path, s3, bucket):
    total, by_class = seed_5000(s3)
    s3.backend.put_object("bucket", "outside.txt", b"not counted")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "big")
        await pilot.press("i")  # the info panel shows the totals by storage class
        s3.clear_counts()
        await pilot.press("z")
        status = screen.right.status
        await wait_for(pilot, lambda: "5,000 objects" in status_text(status), "the whole count")
        totals = screen.info_panel.sizes["s3://bucket/big"]
        assert totals.done and totals.objects == 5000 and totals.bytes == total
        assert totals.by_class == by_class
        assert f"({total:,} bytes)" in status_text(status)
        assert listings(s3) == 5  # one per 1,000 keys, no delimiter: the whole tree at once
        assert sum(s3.counts.values()) == 5, s3.counts
        assert all("delimiter" not in r.query for r in s3.requests)
        panel = widget_text(screen.info_panel)
        assert "5,000 objects" in panel
        for storage, (count, size) in by_class.items():
            assert storage in panel and f"{count:,} objects, {size:,} bytes" in panel
        await wait_for(pilot, lambda: "5,000 objects" in toasts_text(app), "the toast")


@pytest.mark.parametrize("key", ["escape", "z"])
async def test_stopping_a_size_count_stops_its_requests(tmp_path, s3, bucket, gate, key):
    seed_5000(s3)
    # Hold every page after the first: the count shows its first running total and waits.
    held = gate(lambda op, k, query: op == "ListObjectsV2" and "continuation-token" in query)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "big")
        s3.clear_counts()
        await pilot.press("z")
        status = screen.right.status
        await wait_for(pilot, lambda: "1,000 objects" in status_text(status), "the first running total")
        assert "counting" in status_text(status)
        await wait_for(pilot, held.arrived.is_set, "the second page to be asked for")
        worker = screen.right.count_worker
        await pilot.press(key)
        assert worker.is_cancelled
        assert "(stopped)" in status_text(status)
        held.release()
        await wait_for(pilot, lambda: worker.is_finished, "the count to end")
        await pilot.pause()
        assert listings(s3) == 2  # the first page, and the one in flight when it was stopped
        assert "1,000 objects" in status_text(status) and "(stopped)" in status_text(status)
        assert not screen.info_panel.sizes["s3://bucket/big"].done
        # Escape with nothing to stop does nothing (and is left to others).
        await pilot.press("escape")
        assert app.is_running


async def test_the_size_of_a_local_directory(tmp_path):
    top = tmp_path / "top"
    (top / "a" / "b").mkdir(parents=True)
    (top / "one").write_bytes(b"1" * 100)
    (top / "a" / "two").write_bytes(b"2" * 2000)
    (top / "a" / "b" / "three").write_bytes(b"3" * 30000)
    os.symlink(str(tmp_path / "elsewhere"), top / "a" / "link")  # counted, never followed
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "big").write_bytes(b"x" * 100000)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "top")
        await pilot.press("z")
        status = screen.left.status
        await wait_for(pilot, lambda: "4 objects" in status_text(status) and "counting" not in status_text(status),
                       "the count")
        assert "32,100 bytes" in status_text(status)
