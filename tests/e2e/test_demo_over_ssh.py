"""End to end over a real SSH session: ``ssh -t`` into a private sshd, ``stowtui --demo`` at 80×24.

What people do over SSH, driven as a terminal would: a copy with the
keyboard, a drag between the panes with SGR mouse sequences, ``y`` sending
the URL through OSC 52 to the terminal's clipboard (tmux's paste buffer,
``set-clipboard on``), and the terminal restored when the app quits.
"""

from __future__ import annotations

import os
import re
import shlex
import sys

from stowtui.demo import sample_objects
from tmuxkit import app_env, wait_for_file

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")
EXIT = re.compile(r"stowtui-exit-status=(\d+)")
WIDTH, HEIGHT = 80, 24


def sgr(button: int, x: int, y: int, release: bool = False) -> str:
    """An SGR (1006) mouse report at 0-based screen cell (x, y)."""
    return f"\x1b[<{button};{x + 1};{y + 1}{'m' if release else 'M'}"


def find(screen: str, text: str, right_half: bool) -> tuple[int, int]:
    """The (x, y) cell where ``text`` starts in one half of the screen."""
    for y, line in enumerate(screen.splitlines()):
        start = WIDTH // 2 if right_half else 0
        x = line.find(text, start)
        if x != -1 and (x >= WIDTH // 2) == right_half:
            return x, y
    raise AssertionError(f"{text!r} is not on the screen:\n{screen}")


def test_demo_over_ssh_copy_drag_clipboard_and_clean_exit(sshd, tmux, work):
    remote = f"cd {shlex.quote(str(work))} && exec {shlex.quote(STOWTUI)} --demo"
    command = " ".join(shlex.quote(part) for part in sshd.command(remote))
    tmux.run(
        "new-session", "-d", "-s", tmux.session, "-x", str(WIDTH), "-y", str(HEIGHT), "-c", str(work),
        # The shell keeps the pane alive after the app (``read``): a dead pane's modes are tmux's own.
        f"TERM=xterm-256color {command}; echo stowtui-exit-status=$?; read line",
        ";", "set-option", "-t", tmux.session, "remain-on-exit", "on",
        ";", "set-option", "-s", "set-clipboard", "on",  # OSC 52 from the app fills a paste buffer
        env=app_env(),
    )
    screen = tmux.wait(lambda s: "s3://demo" in s and "README.md" in s and "logs" in s, "the demo bucket over ssh")
    assert tmux.show("#{alternate_on}") == "1"  # the app took the alternate screen

    # 1. A copy with the keyboard: the bucket's README.md into the local folder.
    tmux.keys("Tab")
    tmux.keys("End")
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    tmux.keys("Enter")
    wait_for_file(work / "README.md", sample_objects()["README.md"], tmux)

    # 2. A drag with the mouse: the bucket's logs/ folder onto the left pane.
    # (once the layout has settled: the jobs panel opens under the panes and shortens them)
    screen = tmux.wait(lambda s: "done" in s and "0 dirs, 1 file" in s, "the copy done and shown on the left")
    x, y = find(screen, "logs", right_half=True)
    _, status = find(screen, "0 dirs, 1 file", right_half=False)
    drop = (10, status - 2)                                # an empty row of the left pane
    tmux.keys(sgr(0, x + 1, y), literal=True)              # press on the row
    tmux.keys(sgr(32, x - 10, y), literal=True)            # drag (button 0 held: 0 + 32)
    tmux.keys(sgr(32, *drop), literal=True)                # ... over the left pane's empty rows
    tmux.keys(sgr(0, *drop, release=True), literal=True)
    tmux.wait(lambda s: "Copy 1 item" in s and "s3://demo/logs" in s, "the copy dialog of the drop")
    tmux.keys("Enter")
    wait_for_file(work / "logs" / "app.log", sample_objects()["logs/app.log"], tmux)

    # 3. y: the URL under the cursor reaches the terminal's clipboard through OSC 52.
    screen = tmux.screen()
    x, y = find(screen, "README.md", right_half=True)
    tmux.keys(sgr(0, x + 1, y), literal=True)
    tmux.keys(sgr(0, x + 1, y, release=True), literal=True)
    tmux.keys("y")
    deadline_screen = tmux.wait(lambda s: tmux.run("show-buffer", check=False).stdout == "s3://demo/README.md",
                                "the URL in tmux's paste buffer")
    assert "Traceback" not in deadline_screen

    # 4. Quit: the terminal is given back as it was.
    tmux.keys("q")
    screen = tmux.wait(lambda s: EXIT.search(s), "stowtui to end", timeout=20, history=True)
    assert EXIT.search(screen).group(1) == "0", screen
    assert "Traceback" not in screen
    assert tmux.show("#{alternate_on}") == "0"
    assert tmux.show("#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}") == "000"
    assert tmux.show("#{cursor_flag}") == "1"
