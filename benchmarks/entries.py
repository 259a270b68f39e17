"""What one listed entry costs the storage layer: CPU to list, bytes kept per entry.

Run:  .venv/bin/python benchmarks/entries.py                 (20,000 entries, 5 runs)
      .venv/bin/python benchmarks/entries.py --entries 100000 --runs 3

Three sources, each listed into a new manager (its cache holds what a pane shows):

- ``local``: a directory of N one-byte files, ``FS.lsPages`` (one ``os.scandir`` pass);
- ``s3``: ``S3.lsPages`` over N keys in pages of 1,000, from a client stub that
  hands out ready-parsed ``ListObjectsV2`` pages (what botocore gives: a dict per
  key with a tz-aware ``LastModified``), so only stowtui's own work is timed,
  not moto's nor botocore's;
- ``synthetic``: the benchmark plug-in (``benchmarks/synthetic.py``), if present.

CPU is ``time.process_time`` of the listing, median of the runs; bytes per entry
are what ``tracemalloc`` still sees allocated once the listing is done (the
manager's cache, the artefacts, their strings and times), divided by N; the
parsed pages of the s3 case are made inside the traced region and dropped, so
what an entry keeps of them (its ETag, its time) is counted.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from stowtui.managers.fs import FS  # noqa: E402


class Paginator:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **kwargs):
        return iter(self.pages)


class StubClient:
    """Only what ``S3._lsPages`` asks: a ``list_objects_v2`` paginator over given pages."""

    def __init__(self, pages):
        self.pages = pages

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return Paginator(self.pages)


def s3_pages(count: int) -> list[dict]:
    from dateutil.tz import tzutc  # what botocore parses LastModified with

    base = datetime.datetime(2026, 1, 1, tzinfo=tzutc())
    pages = []
    for start in range(0, count, 1000):
        contents = [
            {
                "Key": f"bench/prefix/key-{i:08d}.json",
                "LastModified": base + datetime.timedelta(seconds=i),
                "ETag": f'"{i:032x}"',
                "Size": 1000 + i,
                "StorageClass": "STANDARD",
            }
            for i in range(start, min(start + 1000, count))
        ]
        pages.append({"Contents": contents, "KeyCount": len(contents)})
    return pages


def s3_manager(pages):
    from stowtui.managers.s3 import S3

    manager = S3()
    manager._client_instance = StubClient(pages)
    return manager


def list_all(manager, path: str) -> int:
    return sum(len(page) for page in manager.lsPages(path))


def cpu(make, path: str, runs: int, expected: int) -> float:
    times = []
    for _ in range(runs):
        manager = make()
        gc.collect()
        start = time.process_time()
        listed = list_all(manager, path)
        times.append(time.process_time() - start)
        assert listed == expected, (listed, expected)
        del manager
    return statistics.median(times)


def bytes_per_entry(make, path: str, expected: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    manager = make()
    listed = list_all(manager, path)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert listed == expected
    del manager
    return (after - before) / expected


def bytes_per_s3_entry(count: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    pages = s3_pages(count)
    manager = s3_manager(pages)
    listed = list_all(manager, "/bench/prefix")
    del pages
    manager._client_instance = None
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert listed == count
    return (after - before) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    count = args.entries
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(count):
            with open(os.path.join(folder, f"file-{i:06d}.txt"), "w") as handle:
                handle.write("x")
        rows.append(("local (FS, scandir)", cpu(FS, folder, args.runs, count), bytes_per_entry(FS, folder, count)))
    pages = s3_pages(count)
    rows.append(("s3 (parsed pages)", cpu(lambda: s3_manager(pages), "/bench/prefix", args.runs, count),
                 bytes_per_s3_entry(count)))
    try:
        from synthetic import Synthetic
    except ImportError:
        pass
    else:
        path = f"/{count}"
        rows.append(("synthetic plug-in", cpu(Synthetic, path, args.runs, count),
                     bytes_per_entry(Synthetic, path, count)))
    print(f"{count:,} entries, median of {args.runs} runs; Python {sys.version.split()[0]}")
    print("| source | listing CPU | per entry | bytes kept per entry |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds, size in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / count * 1e6:.2f} µs | {size:.0f} |")


if __name__ == "__main__":
    main()
