"""The comparison of two sorted levels (jobs/compare.py): pure, from listed artefacts alone."""

import datetime

from stowtui.jobs.compare import Outcome, compare_files, compare_levels, key_order, name_order
from stowtui.managers import Directory, File, location

T1 = datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc)
T2 = datetime.datetime(2022, 1, 1, tzinfo=datetime.timezone.utc)


def manager():
    return location("/tmp")[0]


def file(name, size=1, when=T1, etag=None):
    return File(manager(), "/x/" + name, size, when, when, etag=etag)


def folder(name):
    return Directory(manager(), "/x/" + name)


def test_newer_source_is_sent_newer_destination_is_kept_even_of_another_size():
    assert compare_files(file("a", 1, T2), file("a", 1, T1)) is Outcome.DIFFERENT
    assert compare_files(file("a", 5, T1), file("a", 1, T2)) is Outcome.KEPT
    assert compare_files(file("a", 1, T1), file("a", 1, T2)) is Outcome.SAME


def test_without_times_size_then_single_part_etags_decide():
    assert compare_files(file("a", 2, T1), file("a", 1, T2), check_modified_times=False) is Outcome.DIFFERENT
    assert compare_files(file("a", 1, T1, '"aa"'), file("a", 1, T2, '"bb"'), False) is Outcome.DIFFERENT
    assert compare_files(file("a", 1, T1, '"aa-2"'), file("a", 1, T2, '"bb-2"'), False) is Outcome.SAME  # multipart: no proof
    assert compare_files(file("a", 1, T2, '"aa"'), file("a", 1, T1, '"aa"')) is Outcome.SAME  # same MD5 beats a newer time


def test_the_comparator_replaces_the_rules():
    assert compare_files(file("a", 1, T2), file("a", 1, T1), comparator=lambda s, d: True) is Outcome.SAME
    assert compare_files(file("a", 1, T1), file("a", 1, T2), comparator=lambda s, d: False) is Outcome.DIFFERENT


def test_levels_merge_in_one_pass_missing_extra_and_directories_in_key_order():
    source = sorted([file("a"), file("b", 2, T2), folder("d"), file("d.txt"), file("m")], key=key_order)
    destination = sorted([file("b"), folder("d"), file("z")], key=key_order)

    found = [(d.name, d.outcome) for d in compare_levels(source, destination, order=key_order)]

    assert found == [("a", Outcome.MISSING), ("b", Outcome.DIFFERENT), ("d.txt", Outcome.MISSING),
                     ("d", Outcome.SAME), ("m", Outcome.MISSING), ("z", Outcome.EXTRA)]


def test_in_name_order_a_file_meets_the_directory_of_its_name():
    found = [(d.name, d.outcome) for d in compare_levels([file("x")], [folder("x")], order=name_order)]
    assert found == [("x", Outcome.CLASH)]
