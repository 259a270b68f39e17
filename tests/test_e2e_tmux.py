"""End to end: the real ``stowtui --demo`` in tmux, driven by keys, checked on screen and on disk.

tmux runs on a private socket (``-L``) with no user config, in a fresh
working directory (which becomes the left pane); the finalizer kills that
tmux server whatever happens. The app draws on stderr, which is left alone.

The pane's shell prints the app's exit status once it ends (``remain-on-exit``
keeps the pane): tmux's own ``pane_dead`` is not reliable here, as tmux 3.3a
sometimes leaves an exited command unreaped for a long while.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from stowtui.demo import sample_objects

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")
EXIT = re.compile(r"stowtui-exit-status=(\d+)")


class Tmux:
    def __init__(self, socket: str, session: str):
        self.socket = socket
        self.session = session

    def run(self, *args: str, check: bool = True, env=None) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull, *args],
                              capture_output=True, text=True, check=check, timeout=20, env=env)

    def screen(self, history: bool = False) -> str:
        """The visible screen; with ``history``, the lines scrolled off above it too."""
        return self.run("capture-pane", "-p", *(("-S", "-") if history else ()), "-t", self.session).stdout

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait(self, condition, what: str, timeout: float = 30.0, history: bool = False) -> str:
        """Poll the screen until ``condition(text)`` holds; fail with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen(history)
            if condition(text):
                return text
            time.sleep(0.1)  # a poll interval inside the deadline: tmux has no way to wait for a change
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{text}")


@pytest.fixture
def work():
    """A short working directory (it is shown whole in the copy dialog's target)."""
    path = tempfile.mkdtemp(prefix="stowe2e-", dir="/tmp")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def tmux():
    socket = f"stowtui-e2e-{uuid.uuid4().hex[:12]}"
    server = Tmux(socket, "e2e")
    yield server
    server.run("kill-server", check=False)
    tmpdir = os.environ.get("TMUX_TMPDIR", "/tmp")
    with contextlib.suppress(OSError):  # the socket file tmux leaves behind
        os.unlink(os.path.join(tmpdir, f"tmux-{os.getuid()}", socket))


def left_pane(screen: str) -> str:
    return "\n".join(line[:60] for line in screen.splitlines())


def test_demo_copy_readme_from_the_bucket_into_the_local_folder(work, tmux):
    assert os.access(STOWTUI, os.X_OK), f"{STOWTUI} is not installed"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")}
    env["TERM"] = "xterm-256color"
    tmux.run(
        "new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", "-c", str(work),
        f"{STOWTUI} --demo; echo stowtui-exit-status=$?",
        ";", "set-option", "-t", tmux.session, "remain-on-exit", "on",
        env=env,
    )
    # The demo bucket is listed in the right pane: its folders, and README.md.
    screen = tmux.wait(lambda s: "s3://demo" in s and "README.md" in s and "odd names/" in s
                       and "6 dirs, 1 files" in s, "the demo bucket, listed")
    assert str(work) in screen  # the left pane: the working directory
    assert "F5 Copy" in screen  # the footer
    assert not EXIT.search(screen)

    tmux.keys("Tab")  # to the bucket pane
    tmux.keys("End")  # README.md: the bucket root's only file, after its folders
    tmux.keys("F5")
    screen = tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    assert "s3://demo/README.md" in screen, screen
    assert str(work) in screen, screen  # the target: the left pane's folder
    tmux.keys("Enter")  # the Copy button has the focus

    expected = sample_objects()["README.md"]
    target = work / "README.md"
    deadline = time.monotonic() + 30
    while not (target.exists() and target.read_bytes() == expected):
        assert time.monotonic() < deadline, f"README.md never arrived; the screen was:\n{tmux.screen()}"
        time.sleep(0.1)  # a poll interval inside the deadline, as in Tmux.wait
    screen = tmux.wait(lambda s: "Copy done" in s, "the end-of-job notification")
    assert "1/1 files" in screen  # the jobs panel opened by itself
    # The left pane was refreshed and shows the copy.
    tmux.wait(lambda s: "README.md" in left_pane(s) and "0 dirs, 1 files" in left_pane(s), "README.md on the left")
    assert "Traceback" not in tmux.screen()

    tmux.keys("q")
    # (the status line may scroll off the screen as the pane closes: read its history too)
    screen = tmux.wait(lambda s: EXIT.search(s), "stowtui to end", timeout=20, history=True)
    assert EXIT.search(screen).group(1) == "0", screen
    assert "Traceback" not in screen
    assert target.read_bytes() == expected
