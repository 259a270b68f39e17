"""mc's panel and keys in the real command at 80×24 (tmux): a row's size and time, long names told
apart, `*`, Esc 5, Ctrl+L after garbage, Ctrl+U, F4 on an S3 object with $EDITOR, Ctrl+O with $SHELL."""

from __future__ import annotations

import os
import shlex
import stat
import sys
import time

import boto3
from botocore.config import Config

from tmuxkit import app_env

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")
WEST = "quarterly_report_final_version_2026_eu_west.csv"
EAST = "quarterly_report_final_version_2026_us_east.csv"


def script(path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def left_half(screen: str) -> str:
    return "\n".join(line[:40] for line in screen.splitlines())


def test_mc_at_80x24(s3, work, tmux):
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    client.put_object(Bucket="far", Key="conf.ini", Body=b"a=1\n")
    local = work / "l"
    for name in ("d1", "d2"):
        (local / name).mkdir(parents=True)
    for name in (WEST, EAST, "small.txt"):
        (local / name).write_bytes(b"12345")
    editor = script(work / "ed.sh", 'echo edited >> "$1"\n')
    shell = script(work / "sh.sh", "pwd > shell-was-here.txt\n")
    command = (f"env EDITOR={shlex.quote(editor)} SHELL={shlex.quote(shell)} {STOWTUI} "
               f"--endpoint-url {s3.endpoint_url} --path-style {shlex.quote(str(local))} s3://far/")
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "80", "-y", "24", command, env=app_env())

    # The panel: `..`, a row with its size and time, the two long names apart.
    screen = tmux.wait(lambda s: "small.txt" in s and "conf.ini" in s, "both panes listed")
    row = next(line for line in left_half(screen).splitlines() if "small.txt" in line)
    assert "5" in row.split("small.txt")[1] and time.strftime("%b") in row, row
    assert "UP--DIR" in screen and "Modify time" in screen
    assert "quarterl~est.csv" in screen and "quarterl~ast.csv" in screen

    tmux.keys("*")  # the 3 files, not the 2 directories
    tmux.wait(lambda s: "3 marked" in s, "the files marked")
    tmux.keys("*")
    tmux.wait(lambda s: "3 marked" not in s, "unmarked again")

    tmux.keys("Escape", "5")  # F5 of a terminal that sends none
    tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    tmux.keys("Escape")
    tmux.wait(lambda s: "Copy 1 item" not in s, "the dialog closed")

    tty = tmux.show("#{pane_tty}")
    with open(tty, "w") as terminal:  # another program writes over the screen
        terminal.write("\x1b[12;5HGARBAGE-GARBAGE")
    tmux.wait(lambda s: "GARBAGE-GARBAGE" in s, "the garbage on screen")
    tmux.keys("C-l")
    tmux.wait(lambda s: "GARBAGE" not in s and "small.txt" in s, "the screen repainted")

    tmux.keys("C-u")  # the panels swap
    tmux.wait(lambda s: "s3://far" in left_half(s) and "small.txt" not in left_half(s), "swapped")
    tmux.keys("C-u")
    tmux.wait(lambda s: "small.txt" in left_half(s), "swapped back")

    tmux.keys("Tab")  # the bucket; its cursor on conf.ini
    tmux.keys("F4")
    deadline = time.monotonic() + 30
    while client.get_object(Bucket="far", Key="conf.ini")["Body"].read() != b"a=1\nedited\n":
        assert time.monotonic() < deadline, f"conf.ini never written back; the screen was:\n{tmux.screen()}"
        time.sleep(0.1)  # the polling interval of a deadline-bounded wait on the bucket
    tmux.wait(lambda s: "Saved s3://far/conf.ini" in s and "UP--DIR" in s, "the app back, the save said")

    tmux.keys("Tab")  # the local pane
    tmux.keys("C-o")
    tmux.wait(lambda s: "shell-wa~ere.txt" in s, "the shell ran, the app back and listed again")
    assert (local / "shell-was-here.txt").read_text().strip() == str(local)
