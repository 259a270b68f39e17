"""Driving a real terminal program in tmux: keys in, screen text out.

tmux runs on a private socket (``-L``) with no user config; the fixture kills
that tmux server whatever happens. ``Tmux.wait`` polls the screen until a
condition holds, bounded by a deadline: a terminal gives nothing else to wait on.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest


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

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", self.session, *(("-l",) if literal else ()), *keys)

    def show(self, fmt: str) -> str:
        """A tmux format of the pane (``#{alternate_on}``, ``#{mouse_any_flag}``...)."""
        return self.run("display-message", "-p", "-t", self.session, fmt).stdout.strip()

    def wait(self, condition, what: str, timeout: float = 30.0, history: bool = False) -> str:
        """Poll the screen until ``condition(text)`` holds; fail with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen(history)
            if condition(text):
                return text
            time.sleep(0.1)  # the polling interval of a deadline-bounded wait on the screen
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{text}")


def wait_for_file(path: pathlib.Path, expected: bytes, tmux: Tmux, timeout: float = 30.0) -> None:
    """Wait until ``path`` holds ``expected``; fail with the screen otherwise."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_bytes() == expected):
        assert time.monotonic() < deadline, f"{path.name} never arrived; the screen was:\n{tmux.screen()}"
        time.sleep(0.1)  # the polling interval of a deadline-bounded wait on the disk


def app_env() -> dict:
    """The environment for the app: ours, with no size or tmux variables, and a 256-colour TERM."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")}
    env["TERM"] = "xterm-256color"
    return env


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
