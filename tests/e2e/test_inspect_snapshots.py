"""SVG snapshots of the viewer (Python, CSV, gzip, hex) and of the preview pane.

The files live at a fixed path (/tmp/stowtui-inspect-snap, rebuilt for each
test under a lock) with fixed times, shown in UTC. The info panel is left out
of the pictures: it shows access times, inode numbers and the owner, which
differ from one machine and run to the next.

Regenerate with ``pytest tests/e2e/test_inspect_snapshots.py --snapshot-update``
and look at the pictures in tests/e2e/__snapshots__/test_inspect_snapshots/.
"""

from __future__ import annotations

import fcntl
import gzip
import os
import shutil
import time

import pytest

from stowtui.app import StowApp
from stowtui.screens.viewer import ViewerScreen
from uikit import ready, select, wait_for

ROOT = "/tmp/stowtui-inspect-snap"
STAMP = 1_709_294_400  # 2024-03-01 12:00 UTC
FILES = {
    "app.py": b'import sys\n\n\ndef main(argv):\n    """Say hello."""\n    name = argv[1] if len(argv) > 1 else "[red]world[/red]"\n'
              b'    print(f"hello {name}")  # \x1b]2;title\x07\n    return 0\n\n\nif __name__ == "__main__":\n'
              b'    sys.exit(main(sys.argv))\n',
    "people.csv": b"name,city,born\nAda,London,1815\n[b]Grace[/b],New York,1906\nAlan,Wilmslow,1912\n",
    "events.log.gz": gzip.compress("".join(f"2024-03-01T12:{i // 60:02d}:{i % 60:02d} event {i}\n"
                                           for i in range(3600)).encode()),
    "blob.bin": bytes(range(256)),
    "config.json": b'{"name": "demo", "tags": ["a", "b"], "limits": {"cpu": 2, "memory": "[@click=app.quit]1G"}}',
}
SIZES = [pytest.param((80, 24), id="80x24")]


@pytest.fixture
def snap_dir(monkeypatch):
    from stowtui.managers import registry

    with open(ROOT + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(ROOT, ignore_errors=True)
        os.makedirs(ROOT)
        for name, data in FILES.items():
            path = os.path.join(ROOT, name)
            with open(path, "wb") as handle:
                handle.write(data)
            os.utime(path, (STAMP, STAMP))
        os.utime(ROOT, (STAMP, STAMP))
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        registry.forget_instances()
        try:
            yield ROOT
        finally:
            registry.forget_instances()
            monkeypatch.undo()
            time.tzset()
            shutil.rmtree(ROOT, ignore_errors=True)


def viewing(name: str):
    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, name)
        await pilot.press("f3")
        viewer = await wait_for(pilot, lambda: isinstance(pilot.app.screen, ViewerScreen) and pilot.app.screen,
                                "the viewer")
        await wait_for(pilot, lambda: viewer.preview.peeked is not None, f"{name} to be read")
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("name", ["app.py", "people.csv", "events.log.gz", "blob.bin"])
def test_viewer(snap_compare, snap_dir, name):
    """F3 on each kind: highlighted Python (markup and ESC literal), a CSV table, inflated gzip, hex."""
    assert snap_compare(StowApp(snap_dir, snap_dir), terminal_size=(80, 24), run_before=viewing(name))


def test_preview_pane(snap_compare, snap_dir):
    """p at 80×24: the preview in place of the other pane (mc's quick view), following the cursor onto
    config.json (pretty-printed)."""

    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, "config.json")
        await pilot.press("p")
        await wait_for(pilot, lambda: screen.preview.peeked is not None, "the preview")
        await pilot.pause()

    assert snap_compare(StowApp(snap_dir, snap_dir), terminal_size=(80, 24), run_before=run_before)
