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
    # (The column header is drawn a frame after the rows may be: waited for as well.)
    screen = tmux.wait(lambda s: "small.txt" in s and "conf.ini" in s and "Modify time" in s, "both panes listed")
    row = next(line for line in left_half(screen).splitlines() if "small.txt" in line)
    assert "5" in row.split("small.txt")[1] and time.strftime("%b") in row, row
    assert "UP--DIR" in screen, screen
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


BORDERS = set("│┃╭╮╰╯┏┓┗┛─━")


def squeezed(text: str) -> str:
    """``text`` without its whitespace: wrapped lines joined again, wherever they were broken."""
    return "".join(text.split())


def test_errors_read_whole_and_toasts_and_the_footer_end_clean_at_80x24(s3, work, tmux):
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    local = work / "l"
    local.mkdir()
    doomed = local / "a-file-with-a-rather-long-name-that-will-vanish.txt"
    doomed.write_bytes(b"bye\n")
    command = f"{STOWTUI} --endpoint-url {s3.endpoint_url} --path-style {shlex.quote(str(local))} s3://far/"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "80", "-y", "24", command, env=app_env())
    screen = tmux.wait(lambda s: "a-file-w~" in s and "s3://far" in s and "Commands" in s, "both panes listed")

    # The footer: no stray bar before its last key, which ends at the edge.
    footer = screen.splitlines()[-1]
    assert "▏" not in footer and footer.rstrip().endswith("^p Commands"), footer
    assert "Quit" in footer and len(footer.rstrip()) == 80, footer

    # A copy that fails: its reason whole in the toast, which reaches the right edge (no border beside it).
    tmux.keys("Down")
    doomed.unlink()  # gone behind the app's back: the copy cannot read it
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    tmux.keys("Enter")
    reason = f"Cannot upload {doomed} to s3://far/{doomed.name}: it does not exist"
    screen = tmux.wait(lambda s: "▌ Copy: 1 failed" in s and s.count("▌") >= 5, "the toast")
    toast = [line for line in screen.splitlines() if "▌" in line]
    for line in toast:  # each row of the toast, its padding rows too, runs to column 80: no pane beside it
        inside = line.partition("▌")[2]
        assert not BORDERS & set(inside) and "…" not in inside, f"the pane shows beside the toast: {line!r}\n{screen}"
    assert squeezed(reason) in squeezed("".join(line.partition("▌")[2] for line in toast)), screen

    # Once the toast has gone, the jobs panel keeps the reason, whole, wrapped under the failed job.
    screen = tmux.wait(lambda s: "▌" not in s and "Jobs" in s, "the toast gone", timeout=30)
    jobs = screen.splitlines()[screen.splitlines().index(next(
        line for line in screen.splitlines() if "─ Jobs ─" in line)):]
    assert "1 failed" in "\n".join(jobs)
    assert squeezed("⚠ " + reason) in squeezed("".join(line.strip("│") for line in jobs)), screen

    # A directory that cannot be listed: the status line says why, whole, a long URL folded.
    missing = "s3://far/nothing/here/at-all/under-a-rather-long-prefix/that-goes-on-and-on/"
    tmux.keys("o")
    screen = tmux.wait(lambda s: "Open a location" in s and f"▊  {local}" in s, "the open box, the pane's path in it")
    for line in screen.splitlines():  # beside the dialog only the panes' borders show, no cell of a row
        if "█" in line:
            outside = line[:line.index("█")] + line[line.rindex("█") + 1:]
            assert set(outside) <= BORDERS | {" "}, f"a stray character beside the dialog: {line!r}\n{screen}"
    tmux.keys("C-u")
    tmux.wait(lambda s: f"▊  {local}" not in s, "the box emptied")
    tmux.keys(missing, literal=True)
    tmux.wait(lambda s: "that-goes-on-and-on/" in s, "the URL typed")
    tmux.keys("Enter")
    said = f"⚠ Nothing exists at {missing.rstrip('/')}"

    def status(screen: str) -> str:  # the left pane's lines from the error down
        left = [line[1:39] for line in screen.splitlines()]
        return "".join(next((left[n:] for n, line in enumerate(left) if line.startswith("⚠ Nothing")), []))

    screen = tmux.wait(lambda s: squeezed(said) in squeezed(status(s)), "the whole error in the status line")
    assert "…" not in status(screen), screen
