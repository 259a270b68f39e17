"""End to end: the real ``stowtui --demo`` in tmux, driven by keys, checked on screen and on disk.

tmux runs on a private socket (``-L``) with no user config, in a fresh
working directory (which becomes the left pane); the finalizer kills that
tmux server whatever happens. The app draws on stderr, which is left alone.

The pane's shell prints the app's exit status once it ends (``remain-on-exit``
keeps the pane): tmux's own ``pane_dead`` is not reliable here, as tmux 3.3a
sometimes leaves an exited command unreaped for a long while.
"""

from __future__ import annotations

import os
import re
import sys

from stowtui.demo import sample_objects
from tmuxkit import app_env, wait_for_file

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")
EXIT = re.compile(r"stowtui-exit-status=(\d+)")


def left_pane(screen: str) -> str:
    return "\n".join(line[:60] for line in screen.splitlines())


def test_demo_copy_readme_from_the_bucket_into_the_local_folder(work, tmux):
    assert os.access(STOWTUI, os.X_OK), f"{STOWTUI} is not installed"
    tmux.run(
        "new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", "-c", str(work),
        f"{STOWTUI} --demo; echo stowtui-exit-status=$?",
        ";", "set-option", "-t", tmux.session, "remain-on-exit", "on",
        env=app_env(),
    )
    # The demo says where its S3 endpoint is (a notice over the right pane for a few seconds).
    tmux.wait(lambda s: "S3 endpoint http://127.0.0.1:" in s, "the demo's endpoint")
    # The demo bucket is listed in the right pane: its folders, and README.md.
    screen = tmux.wait(lambda s: "s3://demo" in s and "README.md" in s and "odd names/" in s
                       and "6 dirs, 1 file" in s, "the demo bucket, listed")
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
    wait_for_file(target, expected, tmux)
    screen = tmux.wait(lambda s: "Copy done" in s, "the end-of-job notification")
    assert "1/1 files" in screen  # the jobs panel opened by itself
    # The left pane was refreshed and shows the copy.
    tmux.wait(lambda s: "README.md" in left_pane(s) and "0 dirs, 1 file" in left_pane(s), "README.md on the left")
    assert "Traceback" not in tmux.screen()

    tmux.keys("q")
    # (the status line may scroll off the screen as the pane closes: read its history too)
    screen = tmux.wait(lambda s: EXIT.search(s), "stowtui to end", timeout=20, history=True)
    assert EXIT.search(screen).group(1) == "0", screen
    assert "Traceback" not in screen
    assert target.read_bytes() == expected
