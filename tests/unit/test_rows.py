"""The pane's row model (stowtui/widgets/rows.py): sorting in short steps gives the plain sort's order,
a replaced job stops, the filter keeps directories, release lets rows go."""

from __future__ import annotations

import random

import pytest

from stowtui import managers
from stowtui.managers import Directory, File
from stowtui.widgets import rows
from stowtui.widgets.rows import Cancelled, Entry, in_pages, matching, ordered, release


@pytest.fixture
def level(tmp_path):
    manager, _ = managers.location(str(tmp_path))
    root = Entry(Directory(manager, "/x/"))
    names = [f"{'N' if i % 3 else 'n'}{i}" for i in range(2_000)] + [".hidden", "é", "[b]", "a b"]
    random.Random(5).shuffle(names)
    made = [Entry(File(manager, f"/x/{name}", size=i % 97, modifiedTime=1.7e9 + (i % 41)), root, 1)
            for i, name in enumerate(names)]
    made += [Entry(Directory(manager, f"/x/d{i}/"), root, 1) for i in range(5)]
    return made


def plain_key(sort):
    """The order the pane promises, written as a tuple: directories first, then by sort, then by name."""

    def key(entry):
        artefact = entry.artefact
        is_file = not isinstance(artefact, Directory)
        name = artefact.basename
        if sort == "size":
            return (is_file, -(artefact.size if is_file else 0), name.lower(), name)
        if sort == "time":
            return (is_file, -(artefact.modified_timestamp or 0), name.lower(), name)
        return (is_file, name.lower(), name)

    return key


@pytest.mark.parametrize("sort", ["name", "size", "time"])
def test_a_sort_in_chunks_and_merges_gives_the_plain_order(level, sort, monkeypatch):
    monkeypatch.setattr(rows, "CHUNK", 64)  # 32 runs, merged two by two
    got = ordered(level, sort, hidden=False)
    assert got == sorted([e for e in level if e.artefact.basename != ".hidden"], key=plain_key(sort))
    assert len(ordered(level, sort, hidden=True)) == len(level)


def test_a_replaced_job_stops_between_chunks(level, monkeypatch):
    monkeypatch.setattr(rows, "CHUNK", 64)
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Cancelled):
        ordered(level, "name", False, cancelled)
    with pytest.raises(Cancelled):
        matching(level, "n", lambda: True)
    assert len(asked) == 4


def test_pages_are_sorted_one_by_one_while_a_level_loads(level):
    paged = in_pages(level, "name", False, size=100)
    for start in range(0, 1900, 100):
        page = [e for e in level[start:start + 100] if e.artefact.basename != ".hidden"]
        assert paged[:len(page)] == sorted(page, key=plain_key("name"))
        paged = paged[len(page):]


def test_a_filter_is_for_files_and_keeps_directories(level):
    found = matching(level, "[b")
    assert [e.artefact.basename for e in found if not e.is_dir] == ["[b]"]
    assert sum(e.is_dir for e in found) == 5


def test_release_drops_the_rows_below_and_their_answers(level):
    root = level[0].parent
    root.level = rows.Level()
    root.level.listing = list(level)
    root.level.shown = list(level)
    child = next(e for e in level if e.is_dir)
    child.level = rows.Level()
    child.level.shown = [Entry(File(child.artefact.manager, "/x/d/f"), child, 2)]
    child.expanded = True
    root.level.open.add(child)
    root.level.generation = child.level.generation = 7
    release(root)
    assert root.level.listing == root.level.shown == [] and not root.level.open
    assert child.level.shown == [] and not child.expanded
    assert root.level.generation == child.level.generation == -1
