"""The viewer (F3) and the preview pane: a bounded head, rendered by kind, never markup."""

from __future__ import annotations

import gzip
import json

import pytest
from textual.widgets import DataTable

from inspectkit import status_text
from stowtui.app import StowApp
from stowtui.screens.viewer import ViewerScreen
from uikit import ready, screen_text, select, wait_for, widget_text

SIZE = (120, 40)
HEAD = 64 * 1024
MIB = 1024 * 1024
LOG_LINES = 40_000  # log.txt.gz: 760K of text, 220K compressed (more than twice the head)


async def open_viewer(pilot, pane, name: str, key: str = "f3") -> ViewerScreen:
    app = pilot.app
    await select(pilot, pane, name)
    await pilot.press(key)
    viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
    preview = viewer.preview
    await wait_for(pilot, lambda: preview.peeked is not None or preview.error, f"{name} to be read")
    await pilot.pause()
    return viewer


def gets(s3):
    return [r for r in s3.requests if r.op == "GetObject"]


async def test_viewing_a_1_mib_object_reads_only_its_head_and_more_on_request(tmp_path, s3, bucket):
    # Many times the head and the next range: what is read is counted in bytes sent, whatever the size.
    s3.backend.put_object("bucket", "huge.txt", b"a" * MIB)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        s3.clear_counts()
        viewer = await open_viewer(pilot, screen.right, "huge.txt")
        requests = s3.requests
        assert [r.op for r in requests] == ["GetObject"], requests  # no HeadObject, no listing
        assert requests[0].range == "bytes=0-65535"
        assert 0 < requests[0].bytes_sent <= HEAD
        preview = viewer.preview
        assert len(preview.data) == HEAD and not preview.complete
        assert "showing the first 64K of 1.0M" in status_text(preview.status)
        assert "showing the first 64K of 1.0M" in str(preview.body.render())  # where the text stops
        # "+" reads the next range, and only it.
        await pilot.press("plus")
        await wait_for(pilot, lambda: len(preview.data) > HEAD and not preview.reading, "the next range")
        more = gets(s3)[1]
        assert more.range == f"bytes={HEAD}-{HEAD + 256 * 1024 - 1}"
        assert more.bytes_sent <= 256 * 1024
        assert len(preview.data) == HEAD + 256 * 1024
        assert "showing the first 320K of 1.0M" in status_text(preview.status)
        assert sum(r.bytes_sent for r in s3.requests) <= HEAD + 256 * 1024 + 4096
        assert s3.counts == {"GetObject": 2}


async def test_a_small_file_is_read_whole_in_one_request_and_says_so(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "small.txt", b"just this\n")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        s3.clear_counts()
        viewer = await open_viewer(pilot, screen.right, "small.txt")
        assert viewer.preview.complete
        assert "all 10B" in status_text(viewer.preview.status)
        await pilot.press("plus")  # nothing more to read: no request
        await pilot.pause()
        assert s3.counts == {"GetObject": 1}


@pytest.fixture
def samples(tmp_path):
    folder = tmp_path / "samples"
    folder.mkdir()
    files = {
        "code.py": b'def main():\n\treturn "[red]x[/red]"  # [@click=app.quit]q \x1b]2;pwned\x07\n',
        "doc.json": json.dumps({"name": "[red]x[/red]", "list": [1, 2], "click": "[@click=app.quit]q"}).encode(),
        "table.csv": b"name,size,note\nalpha,1,[red]x[/red]\nbeta,22,[@click=app.quit]q\n",
        "table.tsv": b"name\tsize\ngamma\t3\n",
        "notes.md": b"# The Title\n\nSome *emphasis*, [red]x[/red] and [@click=app.quit]q.\n\n- item one\n",
        "blob.bin": bytes(range(256)) * 2,
        "empty.txt": b"",
        "broken.json": b'{"a": [1, 2',
    }
    # More than the head even compressed: the viewer inflates a partial stream.
    lines = "".join(f"line {i:06d} {i * 7919 % 100003:06d}\n" for i in range(LOG_LINES)).encode()
    files["log.txt.gz"] = gzip.compress(lines)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, files


async def test_the_viewer_renders_each_kind(samples):
    folder, files = samples
    assert len(files["log.txt.gz"]) > 2 * HEAD
    app = StowApp(str(folder), str(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)

        # Python: highlighted by extension, markup and escape sequences shown literally.
        viewer = await open_viewer(pilot, screen.left, "code.py")
        preview = viewer.preview
        body = widget_text(preview.body)
        assert 'return "[red]x[/red]"  # [@click=app.quit]q \\e]2;pwned\\x07' in body
        assert preview.peeked.language == "python" and preview.peeked.text.spans  # colours
        assert "python" in status_text(preview.status) and "all " in status_text(preview.status)
        await pilot.click("#viewer-text", offset=(30, 1))  # on the [@click=...] text: nothing runs
        assert app.is_running and app.screen is viewer
        await pilot.press("escape")

        # JSON: pretty-printed.
        viewer = await open_viewer(pilot, screen.left, "doc.json")
        body = widget_text(viewer.preview.body)
        assert '"name": "[red]x[/red]",' in body and '"list": [' in body and '"click": "[@click=app.quit]q"' in body
        assert "JSON" in status_text(viewer.preview.status)
        await pilot.press("escape")

        # A JSON document that does not parse is shown as it is, and says so.
        viewer = await open_viewer(pilot, screen.left, "broken.json")
        assert '{"a": [1, 2' in widget_text(viewer.preview.body)
        assert "not valid JSON" in status_text(viewer.preview.status)
        await pilot.press("escape")

        # CSV: a table, every cell literal.
        viewer = await open_viewer(pilot, screen.left, "table.csv")
        table = viewer.query_one("#viewer-table", DataTable)
        assert table.display and not viewer.preview.body.display and viewer.focused is table
        assert [str(c.label) for c in table.columns.values()] == ["name", "size", "note"]
        assert table.row_count == 2
        assert [str(cell) for cell in table.get_row_at(0)] == ["alpha", "1", "[red]x[/red]"]
        shown = widget_text(table)
        assert "[red]x[/red]" in shown and "[@click=app.quit]q" in shown and "beta" in shown
        assert "2 rows × 3 columns" in status_text(viewer.preview.status)
        await pilot.press("escape")

        # TSV: a table too.
        viewer = await open_viewer(pilot, screen.left, "table.tsv")
        table = viewer.query_one("#viewer-table", DataTable)
        assert [str(cell) for cell in table.get_row_at(0)] == ["gamma", "3"]
        await pilot.press("escape")

        # Markdown: rendered (no '#' left on the title), markup in it literal.
        viewer = await open_viewer(pilot, screen.left, "notes.md")
        body = widget_text(viewer.preview.markdown)
        assert "The Title" in body and "# The Title" not in body
        assert "[red]x[/red]" in body and "[@click=app.quit]q" in body
        assert "• item one" in body or "item one" in body
        await pilot.press("escape")

        # gzip: only the head of the compressed file is read, and inflated on the fly.
        viewer = await open_viewer(pilot, screen.left, "log.txt.gz")
        preview = viewer.preview
        assert len(preview.data) == HEAD
        body = widget_text(preview.body)
        assert "line 000000 000000" in body and "line 000001 007919" in body
        status = status_text(preview.status)
        assert "gzip:" in status and "decompressed from 64K" in status and "showing the first 64K of" in status
        assert f"line {LOG_LINES - 1:06d}" not in str(preview.body.render())
        await pilot.press("escape")

        # Binary: a hex dump.
        viewer = await open_viewer(pilot, screen.left, "blob.bin")
        body = widget_text(viewer.preview.body)
        assert "00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  ................" in body
        assert "00000040  40 41 42 43" in body and "@ABC" in body
        assert "binary" in status_text(viewer.preview.status)
        await pilot.press("escape")

        # Empty.
        viewer = await open_viewer(pilot, screen.left, "empty.txt")
        assert "(empty)" in widget_text(viewer.preview.body)
        await pilot.press("escape")
        assert app.is_running


async def test_the_preview_pane_follows_the_cursor(samples):
    folder, _ = samples
    app = StowApp(str(folder), str(folder))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        preview = screen.preview
        assert not screen.preview_open and not preview.region.area  # nothing of it on screen
        await select(pilot, screen.left, "code.py")
        await pilot.press("p")
        assert screen.preview_open and not screen.info_open
        await wait_for(pilot, lambda: "def main" in widget_text(preview.body), "code.py in the preview")
        await select(pilot, screen.left, "doc.json")
        await wait_for(pilot, lambda: '"list": [' in widget_text(preview.body), "doc.json in the preview")
        # The other pane's cursor, once it is the active pane.
        await pilot.press("tab")
        await select(pilot, screen.right, "table.csv")
        await wait_for(pilot, lambda: preview.table.display and "alpha" in widget_text(preview.table), "the table")
        assert screen.left.tree.has_focus is False
        await pilot.press("p")
        await pilot.pause()
        assert not screen.preview_open and not preview.region.area


async def test_moving_on_drops_a_preview_still_being_read(tmp_path, s3, bucket, gate):
    s3.backend.put_object("bucket", "a-slow.txt", b"SLOW CONTENT\n")
    s3.backend.put_object("bucket", "b-fast.txt", b"FAST CONTENT\n")
    held = gate(lambda op, key, query: op == "GetObject" and key == "a-slow.txt")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        preview = screen.preview
        await select(pilot, screen.right, "a-slow.txt")
        await pilot.press("p")
        await wait_for(pilot, held.arrived.is_set, "the read of a-slow.txt to reach the server")
        slow = [w for w in app.workers if w.group == "preview" and w.node is preview]
        assert len(slow) == 1
        await pilot.press("down")
        await wait_for(pilot, lambda: "FAST CONTENT" in widget_text(preview.body), "b-fast.txt in the preview")
        assert slow[0].is_cancelled
        held.release()
        await wait_for(pilot, lambda: slow[0].is_finished, "the held read to end")
        await pilot.pause()
        assert "FAST CONTENT" in widget_text(preview.body)
        assert "SLOW" not in screen_text(app)  # its answer came too late and was dropped
        assert preview.artefact.basename == "b-fast.txt"
