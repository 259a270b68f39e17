"""UI benchmark: launch to first paint, and expanding big S3 prefixes (first rows, last rows, memory).

Run:  .venv/bin/python benchmarks/ui.py            (10k and 100k keys)
      .venv/bin/python benchmarks/ui.py --keys 10000
      .venv/bin/python benchmarks/ui.py --local 20000 --keys   (a 20,000-file local directory only)

Everything runs headless (Textual's run_test) against moto's server on 127.0.0.1,
in its own process (listing.Server), so the peak memory is the app's alone.
Results go to stdout; copy them into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

from listing import Server  # noqa: E402

from stowtui.app import StowApp  # noqa: E402
from stowtui.managers import registry  # noqa: E402
from stowtui.widgets.pane import Pane  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def first_paint(left: str, right: str) -> float:
    start = time.perf_counter()
    app = StowApp(left, right)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.query_one("#left", Pane)
        while pane.tree.root.data.state != "loaded":
            await pilot.pause(0.005)
        return time.perf_counter() - start


def timed(method, samples: list):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - t0)
    return wrapper


async def expand(prefix_url: str, keys: int) -> dict:
    """Open a pane on a big prefix: when do the first and last rows show, how long is the
    event loop busy at a time (the worst wait a key press can see) and how much memory."""
    pages: list[float] = []
    finish: list[float] = []
    Pane._add_page, original_add = timed(Pane._add_page, pages), Pane._add_page
    Pane._finish, original_finish = timed(Pane._finish, finish), Pane._finish
    app = StowApp(tempfile.gettempdir(), prefix_url)
    start = time.perf_counter()
    first = None
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.query_one("#right", Pane)
        root = pane.tree.root
        while root.data.state != "loaded":
            if first is None and len(root.children) > 0:
                first = time.perf_counter() - start
            await pilot.pause(0.005)
        last = time.perf_counter() - start
        shown = len(root.children)
    Pane._add_page, Pane._finish = original_add, original_finish
    return {"keys": keys, "first_rows_s": round(first, 2), "last_rows_s": round(last, 2), "rows": shown,
            "longest_page_add_ms": round(max(pages) * 1000, 1), "final_sort_ms": round(max(finish) * 1000, 1),
            "peak_rss_mb": round(rss_mb())}


async def local(folder: str, files: int) -> dict:
    """A pane on a big local directory: from mount to first rows, and to complete and sorted;
    how long the event loop is held at a time (page adds, the end of the listing)."""
    pages: list[float] = []
    finish: list[float] = []
    Pane._add_page, original_add = timed(Pane._add_page, pages), Pane._add_page
    Pane._finish, original_finish = timed(Pane._finish, finish), Pane._finish
    app = StowApp(tempfile.gettempdir(), tempfile.gettempdir())
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.screen.query_one("#right", Pane)
            root = pane.tree.root
            while root.data.state != "loaded":
                await pilot.pause(0.005)
            pages.clear()
            finish.clear()
            start = time.perf_counter()
            pane.open(folder)
            root = pane.tree.root  # a new root for the new directory
            first = None
            while root.data.state != "loaded":
                if first is None and len(root.children) > 0:
                    first = time.perf_counter() - start
                await pilot.pause(0.001)
            last = time.perf_counter() - start
            if first is None:
                first = last
            names = [c.data.artefact.basename for c in root.children]
            assert names == sorted(names, key=str.lower), "not sorted"
            shown = len(root.children)
    finally:
        Pane._add_page, Pane._finish = original_add, original_finish
    t0 = time.perf_counter()
    subprocess.run(["ls", "-l", folder], stdout=subprocess.DEVNULL, check=True)
    ls = time.perf_counter() - t0
    return {"files": files, "ls_l_s": round(ls, 3), "first_rows_s": round(first, 3),
            "complete_sorted_s": round(last, 3), "rows": shown,
            "longest_page_add_ms": round(max(pages, default=0) * 1000, 1),
            "finish_ms": round(max(finish, default=0) * 1000, 1)}


def local_folder(folder: str, files: int) -> None:
    """``files`` small files, created in a shuffled order (scandir order is not name order)."""
    import random
    names = [f"file-{i:06d}.txt" for i in range(files)]
    random.Random(11).shuffle(names)
    for name in names:
        with open(os.path.join(folder, name), "w") as handle:
            handle.write("x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--local", type=int, nargs="*", default=[], help="files in a local directory")
    args = parser.parse_args()
    for files in args.local:
        with tempfile.TemporaryDirectory() as folder:
            local_folder(folder, files)
            print(asyncio.run(local(folder, files)))
    if not args.keys:
        return
    with tempfile.TemporaryDirectory() as folder:
        for i in range(50):
            open(os.path.join(folder, f"file-{i}.txt"), "w").write("x")
        print(f"launch to first painted listing (local): {asyncio.run(first_paint(folder, folder)):.2f} s")
    with Server() as server:
        registry.set_defaults("s3", endpoint_url=server.endpoint_url)
        for count in args.keys:
            registry.forget_instances()
            prefix = server.seed(count)
            server.clear_counts()
            result = asyncio.run(expand(f"s3://bench/{prefix}", count))
            result["list_requests"] = server.counts["ListObjectsV2"]
            print(result)

if __name__ == "__main__":
    main()
