"""End to end: the real ``stowtui`` (in tmux, and over ssh) loses its terminal in the middle of a job.

The job goes on without it, leaves no temporary file, the process exits once the job is
over, and the next start of the same user shows the job as done, with its count.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
import time

import boto3
from botocore.config import Config

from stowtui.runs import alive
from tmuxkit import app_env

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")
FILES = 300
#: The issue's own check: SIGHUP in the middle of a 3,000-object download from an endpoint
#: that answers each request 50 ms late; and kill -9 in the middle of a 3,000-file upload.
ISSUE_FILES = 3000


def _runs() -> list:
    directory = os.path.join(os.environ["XDG_RUNTIME_DIR"], "stowtui")
    if not os.path.isdir(directory):
        return []
    return [os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".json")]


def _until(condition, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # the polling interval of a deadline-bounded wait on the disk
    return found


def test_a_download_goes_on_after_sighup_and_the_next_start_shows_it(s3, work, tmux):
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    FILES = ISSUE_FILES
    for number in range(FILES):
        s3.backend.put_object("far", f"data/f{number:04}.bin", b"x" * 1024)
    s3.link.delay = 0.05  # each request answered 50 ms late: the job takes a while
    destination = work / "local"
    destination.mkdir()
    command = f"{STOWTUI} --endpoint-url {s3.endpoint_url} --path-style s3://far/ {destination}"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=app_env())
    tmux.wait(lambda s: "data/" in s, "the bucket, listed")
    tmux.keys("End")
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    tmux.keys("Enter")
    copied = destination / "data"
    # The total, early: listed ahead of the transfers, it shows long before half of the files are through.
    tmux.wait(lambda s: f"/{FILES:,} files" in s, "the job's total on its row")
    assert not copied.exists() or len(os.listdir(copied)) < FILES // 2
    _until(lambda: copied.is_dir() and len(os.listdir(copied)) >= 20, "the first files", 30)

    tmux.run("kill-session", "-t", tmux.session)  # the terminal goes away: SIGHUP, as sshd sends
    run_file = _until(_runs, "the detached run's file", 10)[0]
    pid = json.loads(open(run_file).read())["pid"]
    assert len(os.listdir(copied)) < FILES  # it was cut off in the middle of the job

    _until(lambda: not alive(pid), "the detached process to exit", 60)
    names = sorted(os.listdir(copied))
    assert names == [f"f{number:04}.bin" for number in range(FILES)]  # no temporary name left
    assert all((copied / name).read_bytes() == b"x" * 1024 for name in names)
    record = json.loads(open(run_file).read())
    assert record["ended"] and [job["state"] for job in record["jobs"]] == ["done"]
    assert record["jobs"][0]["files_done"] == FILES

    # The next start of the same user: the job, done, with its count.
    s3.link.delay = 0.0
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=app_env())
    screen = tmux.wait(lambda s: "ran while you were away" in s, "the summary of the jobs run while away")
    assert "1 job ran while you were away: 1 done" in screen
    tmux.wait(lambda s: f"done: {FILES:,}/{FILES:,} files" in s, "the job's row")
    assert not os.path.exists(run_file)  # shown once
    tmux.run("kill-session", "-t", tmux.session)


def test_an_upload_killed_in_flight_is_offered_at_the_next_start_and_resumed_asking_nothing(s3, work, tmux):
    """kill -9 in the middle of a 3,000-file upload (50 ms endpoint): the next start offers
    the job; Resume completes it, asks nothing, and sends only the missing files, each once."""
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    source = work / "up"
    source.mkdir()
    for number in range(ISSUE_FILES):
        (source / f"f{number:04}.bin").write_bytes(b"%04d" % number * 16)
    s3.link.delay = 0.05
    env = {**app_env(), "XDG_STATE_HOME": str(work / "state")}  # this test's own journals
    command = f"exec {STOWTUI} --endpoint-url {s3.endpoint_url} --path-style {work} s3://far/"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=env)
    tmux.wait(lambda s: "up/" in s and "s3://far" in s, "both panes")
    tmux.keys("Home")
    tmux.keys("Down")  # up/, below ..
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s and "up" in s, "the copy dialog")
    tmux.keys("Enter")

    def uploaded() -> set:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket="far", Prefix="up/")
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    _until(lambda: len(uploaded()) >= 100, "the first objects", 60)
    pid = int(tmux.show("#{pane_pid}"))
    os.kill(pid, signal.SIGKILL)
    _until(lambda: not alive(pid), "the killed process to go", 10)
    before = uploaded()
    assert 100 <= len(before) < ISSUE_FILES // 2  # cut off in the middle
    s3.clear_counts()

    s3.link.delay = 0.0
    tmux.run("kill-session", "-t", tmux.session, check=False)
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=env)
    screen = tmux.wait(lambda s: "did not finish" in s, "the offer to resume the job")
    assert "1 job did not finish" in screen and "Resume" in screen
    tmux.keys("Enter")  # Resume (focused)
    # A conflict question would hold the job (nobody answers it): reaching "done" proves none was asked.
    tmux.wait(lambda s: f"done: {ISSUE_FILES:,}/{ISSUE_FILES:,} files" in s, "the resumed job's row", timeout=120)
    puts = [r.key for r in s3.requests if r.op == "PutObject"]
    assert sorted(puts) == sorted(f"up/f{n:04}.bin" for n in range(ISSUE_FILES) if f"up/f{n:04}.bin" not in before)
    assert uploaded() == {f"up/f{n:04}.bin" for n in range(ISSUE_FILES)}
    for number in (0, 1234, ISSUE_FILES - 1):
        body = client.get_object(Bucket="far", Key=f"up/f{number:04}.bin")["Body"].read()
        assert body == b"%04d" % number * 16
    tmux.run("kill-session", "-t", tmux.session)


#: Starts a program with SIGHUP blocked (as a wrapper may leave it): the hangup is never
#: delivered, and the terminal going away shows only as EOF (poll: POLLHUP) on its reads.
SIGHUP_BLOCKED = ("import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP}); "
                  "os.execv(sys.argv[1], sys.argv[1:])")


def test_a_download_goes_on_when_the_terminal_gives_eof_without_sighup(s3, work, tmux):
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    for number in range(FILES):
        client.put_object(Bucket="far", Key=f"data/f{number:04}.bin", Body=b"x" * 1024)
    s3.link.delay = 0.05
    destination = work / "local"
    destination.mkdir()
    command = (f"{shlex.quote(sys.executable)} -c {shlex.quote(SIGHUP_BLOCKED)} {STOWTUI} "
               f"--endpoint-url {s3.endpoint_url} --path-style s3://far/ {destination}")
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=app_env())
    tmux.wait(lambda s: "data/" in s, "the bucket, listed")
    tmux.keys("End")
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s, "the copy dialog")
    tmux.keys("Enter")
    copied = destination / "data"
    _until(lambda: copied.is_dir() and len(os.listdir(copied)) >= 20, "the first files", 30)

    tmux.run("kill-session", "-t", tmux.session)  # the pty's master closes; the SIGHUP stays blocked
    run_file = _until(_runs, "the detached run's file", 10)[0]
    pid = json.loads(open(run_file).read())["pid"]
    assert len(os.listdir(copied)) < FILES

    _until(lambda: not alive(pid), "the detached process to exit", 60)
    names = sorted(os.listdir(copied))
    assert names == [f"f{number:04}.bin" for number in range(FILES)]  # all there, no temporary name left
    record = json.loads(open(run_file).read())
    assert record["ended"] and [job["state"] for job in record["jobs"]] == ["done"]
    assert record["jobs"][0]["files_done"] == FILES
    os.unlink(run_file)


def test_an_upload_goes_on_when_the_ssh_client_is_killed(s3, work, tmux, sshd):
    """Over a real ssh session: the client killed (the link gone), sshd hangs up the app's
    terminal; the upload goes on to the end and the remote process exits."""
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    source = work / "up"
    source.mkdir()
    for number in range(FILES):
        (source / f"f{number:04}.bin").write_bytes(b"y" * 512)
    s3.link.delay = 0.05
    names = ("XDG_RUNTIME_DIR", "XDG_STATE_HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
             "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED")
    settings = " ".join(f"{name}={shlex.quote(os.environ[name])}" for name in names)
    remote = (f"cd {shlex.quote(str(work))} && exec env {settings} TERM=xterm-256color {shlex.quote(STOWTUI)} "
              f"--endpoint-url {s3.endpoint_url} --path-style {shlex.quote(str(work))} s3://far/")
    command = " ".join(shlex.quote(part) for part in sshd.command(remote))
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "120", "-y", "35", command, env=app_env())
    tmux.wait(lambda s: "up/" in s and "s3://far" in s, "both panes, over ssh")
    tmux.keys("Home")
    tmux.keys("Down")  # up/, below ..
    tmux.keys("F5")
    tmux.wait(lambda s: "Copy 1 item" in s and "up" in s, "the copy dialog")
    tmux.keys("Enter")

    def uploaded() -> int:
        return client.list_objects_v2(Bucket="far", Prefix="up/").get("KeyCount", 0)

    _until(lambda: uploaded() >= 20, "the first objects", 30)
    tmux.run("kill-session", "-t", tmux.session)  # the ssh client is gone: sshd hangs up the app
    run_file = _until(_runs, "the detached run's file", 10)[0]
    pid = json.loads(open(run_file).read())["pid"]
    assert uploaded() < FILES
    _until(lambda: not alive(pid), "the detached process to exit", 60)
    assert uploaded() == FILES
    record = json.loads(open(run_file).read())
    assert record["ended"] and record["jobs"][0]["state"] == "done" and record["jobs"][0]["files_done"] == FILES
    os.unlink(run_file)
