"""The transfer engine: conflict policies and refusals."""

from __future__ import annotations

import os
import time

import pytest

from sides import pairs, seed
from stowtui.jobs import Conflict, Decision, JobState


def finished(job, timeout=30):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


# Conflicts -----------------------------------------------------------------


@pairs
def test_skip_keeps_the_source_of_a_move(side, jobs, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, {"a.txt": b"new a", "b.txt": b"new b", "sub/c.txt": b"new c"}, "d")
    seed(dst, {"a.txt": b"old a", "sub/c.txt": b"old c"}, "d")

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == {"a.txt": b"old a", "b.txt": b"new b", "sub/c.txt": b"old c"}
    # The skipped files stay where they were, and so do their directories.
    assert src.files("d") == {"a.txt": b"new a", "sub/c.txt": b"new c"}
    assert job.progress.files_skipped == 2
    assert job.progress.files_done == 1


@pairs
def test_skip_keeps_a_single_file_source_of_a_move(side, jobs, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    src.write("a.txt", b"new")
    dst.write("a.txt", b"old")

    job = finished(jobs.move([src.url("a.txt")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE
    assert src.read("a.txt") == b"new" and dst.read("a.txt") == b"old"


@pytest.mark.parametrize("src_kind,dst_kind", [("fs", "s3"), ("s3", "fs"), ("s3", "s3")])
def test_overwrite_inside_a_directory_that_is_merged(side, jobs, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, {"a.txt": b"new a", "sub/c.txt": b"new c"}, "d")
    seed(dst, {"a.txt": b"old", "keep.txt": b"kept", "sub/c.txt": b"old"}, "d")

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="overwrite"))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == {"a.txt": b"new a", "keep.txt": b"kept", "sub/c.txt": b"new c"}
    assert not src.exists("d")


@pytest.mark.parametrize("src_kind,dst_kind", [("fs", "fs"), ("fs", "s3"), ("s3", "fs"), ("s3", "s3")])
def test_rename_picks_a_free_name(side, jobs, src_kind, dst_kind):
    src, dst = side(src_kind, "src"), side(dst_kind, "dst")
    seed(src, {"report.csv": b"3", "README": b"r2", "dir/x": b"x2"}, "s")
    seed(dst, {"report.csv": b"1", "report (1).csv": b"2", "README": b"r1", "dir/x": b"x1"}, "")
    sources = [src.url("s/report.csv"), src.url("s/README"), src.url("s/dir")]

    job = finished(jobs.copy(sources, dst.url(), conflict="rename"))

    assert job.state is JobState.DONE, job.failures
    assert dst.read("report.csv") == b"1" and dst.read("report (1).csv") == b"2"
    assert dst.read("report (2).csv") == b"3"
    assert dst.read("README") == b"r1" and dst.read("README (1)") == b"r2"
    assert dst.files("dir") == {"x": b"x1"} and dst.files("dir (1)") == {"x": b"x2"}


def test_rename_keeps_both_directories_on_a_move(side, jobs):
    src, dst = side("fs", "src"), side("s3", "dst")
    seed(src, {"a.txt": b"new", "sub/b.txt": b"b"}, "d")
    seed(dst, {"a.txt": b"old"}, "d")

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="rename"))

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == {"a.txt": b"old"}
    assert dst.files("d (1)") == {"a.txt": b"new", "sub/b.txt": b"b"}
    assert not src.exists("d")


@pytest.mark.parametrize("dst_kind", ["fs", "s3"])
def test_newer_overwrites_only_older_copies(side, jobs, dst_kind):
    src, dst = side("fs", "src"), side(dst_kind, "dst")
    seed(dst, {"old-there.txt": b"there", "new-there.txt": b"there"}, "")
    seed(src, {"old-there.txt": b"fresh", "new-there.txt": b"stale"}, "")
    now = time.time()
    os.utime(src.url("old-there.txt"), (now + 3600, now + 3600))  # source is newer
    os.utime(src.url("new-there.txt"), (now - 86400, now - 86400))  # source is older
    if dst_kind == "fs":
        os.utime(dst.url("old-there.txt"), (now - 60, now - 60))
        os.utime(dst.url("new-there.txt"), (now - 60, now - 60))

    job = finished(jobs.copy([src.url("old-there.txt"), src.url("new-there.txt")], dst.url(), conflict="newer"))

    assert job.state is JobState.DONE, job.failures
    assert dst.read("old-there.txt") == b"fresh"
    assert dst.read("new-there.txt") == b"there"
    assert job.progress.files_skipped == 1


def test_different_compares_size_and_etag(side, jobs, s3):
    src, dst = side("s3", "src"), side("s3", "dst")
    seed(src, {"same.txt": b"abc", "sametoo.txt": b"abc", "longer.txt": b"abcdef"}, "")
    seed(dst, {"same.txt": b"abc", "sametoo.txt": b"xyz", "longer.txt": b"abc"}, "")
    s3.clear_counts()

    job = finished(
        jobs.copy([src.url(n) for n in ("same.txt", "sametoo.txt", "longer.txt")], dst.url(), conflict="different")
    )

    assert job.state is JobState.DONE, job.failures
    assert dst.read("sametoo.txt") == b"abc"  # same size, different ETag
    assert dst.read("longer.txt") == b"abcdef"  # different size
    assert job.progress.files_skipped == 1
    assert s3.counts["CopyObject"] == 2  # the identical object is not copied
    assert s3.counts["HeadObject"] == 0


def test_different_on_local_disk_compares_size(side, jobs):
    src, dst = side("fs", "src"), side("fs", "dst")
    seed(src, {"same.txt": b"abc", "grown.txt": b"abcdef"}, "")
    seed(dst, {"same.txt": b"xyz", "grown.txt": b"abc"}, "")

    job = finished(jobs.copy([src.url("same.txt"), src.url("grown.txt")], dst.url(), conflict="different"))

    assert job.state is JobState.DONE
    assert dst.read("same.txt") == b"xyz" and dst.read("grown.txt") == b"abcdef"


def test_ask_is_called_per_conflict_until_apply_to_all(side, jobs):
    src, dst = side("fs", "src"), side("s3", "dst")
    names = [f"f{i}.txt" for i in range(5)]
    seed(src, {n: b"new " + n.encode() for n in names}, "d")
    seed(dst, {n: b"old" for n in names}, "d")
    asked: list[Conflict] = []
    answers = iter([Decision("overwrite"), Decision("skip", apply_to_all=True)])

    def ask(conflict):
        asked.append(conflict)
        return next(answers)

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="ask", ask=ask))

    assert job.state is JobState.DONE, job.failures
    assert len(asked) == 2
    first = asked[0]
    assert first.destination == dst.url("d/" + first.source.basename)
    assert first.existing.basename == first.source.basename and first.existing.size == 3
    overwritten = first.source.basename
    assert dst.read("d/" + overwritten) == b"new " + overwritten.encode()
    assert sum(dst.read(f"d/{n}") == b"old" for n in names) == 4
    # The moved file is gone from the source; the four skipped ones stay.
    assert set(src.files("d")) == set(names) - {overwritten}


def test_ask_may_cancel_the_job(side, jobs):
    src, dst = side("fs", "src"), side("fs", "dst")
    seed(src, {"a": b"new a", "b": b"new b"}, "d")
    seed(dst, {"a": b"old a", "b": b"old b"}, "d")

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="ask", ask=lambda c: Decision("cancel")))

    assert job.state is JobState.CANCELLED
    assert src.files("d") == {"a": b"new a", "b": b"new b"}
    assert dst.files("d") == {"a": b"old a", "b": b"old b"}


def test_conflicts_cost_one_listing_per_destination_directory(side, jobs, s3):
    src, dst = side("fs", "src"), side("s3", "dst")
    tree = {f"{d}f{i}.txt": b"x" for d in ("", "sub/", "sub/deeper/") for i in range(20)}
    seed(src, tree, "d")
    seed(dst, {rel: b"old" for rel in list(tree)[::2]}, "d")
    s3.clear_counts()

    job = finished(jobs.copy([src.url("d")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE, job.failures
    counts = s3.counts
    listings = [r for r in s3.requests if r.op == "ListObjectsV2"]
    # s3://bucket/dst, then .../d, .../d/sub, .../d/sub/deeper: one page each.
    assert sorted(r.query.get("prefix") for r in listings) == ["dst/", "dst/d/", "dst/d/sub/", "dst/d/sub/deeper/"]
    assert counts["HeadObject"] == 0
    assert counts["PutObject"] == 30
    assert job.progress.files_skipped == 30


def test_a_directory_merged_on_local_disk_sees_its_conflicts(side, jobs):
    src, dst = side("s3", "src"), side("fs", "dst")
    seed(src, {"a.txt": b"new", "b.txt": b"b"}, "d")
    seed(dst, {"a.txt": b"old"}, "d")

    job = finished(jobs.copy([src.url("d")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE
    assert dst.files("d") == {"a.txt": b"old", "b.txt": b"b"}


# Refusals ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fs", "s3"])
@pytest.mark.parametrize("verb", ["copy", "move"])
def test_a_directory_into_itself_is_refused(side, jobs, kind, verb):
    here = side(kind, "here")
    seed(here, {"x.txt": b"x"}, "d")

    job = finished(getattr(jobs, verb)([here.url("d")], here.url("d/inner")))

    assert job.state is JobState.FAILED
    (failure,) = job.failures
    assert failure.source == here.url("d")
    assert "into itself" in failure.reason and here.url("d") in failure.reason
    assert here.files("d") == {"x.txt": b"x"}


@pytest.mark.parametrize("kind", ["fs", "s3"])
@pytest.mark.parametrize("conflict", ["overwrite", "rename"])
def test_a_file_onto_itself_is_refused(side, jobs, kind, conflict):
    here = side(kind, "here")
    here.write("x.txt", b"x")

    job = finished(jobs.move([here.url("x.txt")], here.url(), conflict=conflict))

    assert job.state is JobState.FAILED
    (failure,) = job.failures
    assert "onto itself" in failure.reason and here.url("x.txt") in failure.reason
    assert here.read("x.txt") == b"x"


@pytest.mark.parametrize("dst_kind", ["fs", "s3"])
def test_an_empty_file_in_the_way_is_a_conflict_too(side, jobs, dst_kind):
    src, dst = side("fs", "src"), side(dst_kind, "dst")
    seed(src, {"zero": b"not empty", "other": b"o"}, "d")
    seed(dst, {"zero": b""}, "d")

    job = finished(jobs.move([src.url("d")], dst.url(), conflict="skip"))

    assert job.state is JobState.DONE
    assert dst.files("d") == {"zero": b"", "other": b"o"}
    assert src.files("d") == {"zero": b"not empty"}
