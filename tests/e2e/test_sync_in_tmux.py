"""Compare and sync in the real command at 100×30 (tmux): mc's Ctrl+X D marks the files the bucket
lacks or holds differently, S shows the preview's counts, and confirming makes the bucket equal the folder."""

from __future__ import annotations

import os
import shlex
import sys

import boto3
from botocore.config import Config

from tmuxkit import app_env

STOWTUI = os.path.join(os.path.dirname(sys.executable), "stowtui")


def test_compare_then_sync_a_folder_onto_a_bucket(s3, work, tmux):
    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket="far")
    local = work / "l"
    local.mkdir(parents=True)
    for i in range(6):
        (local / f"f{i}.txt").write_bytes(b"same")
        os.utime(local / f"f{i}.txt", (1_500_000_000, 1_500_000_000))  # older than anything in the bucket
    for i in range(4):  # f0..f3 there already; f4, f5 missing
        client.put_object(Bucket="far", Key=f"f{i}.txt", Body=b"same")
    (local / "f0.txt").write_bytes(b"changed, longer")  # newer than the bucket's
    client.put_object(Bucket="far", Key="only-here.txt", Body=b"x")
    command = f"{STOWTUI} --endpoint-url {s3.endpoint_url} --path-style {shlex.quote(str(local))} s3://far/"
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", "100", "-y", "30", command, env=app_env())
    tmux.wait(lambda s: "f5.txt" in s and "only-here.txt" in s, "both panes listed")

    tmux.keys("C-x", "d")
    tmux.wait(lambda s: "3 marked" in s, "f0, f4 and f5 marked")

    tmux.keys("S")
    tmux.wait(lambda s: "2 files to send, 1 to replace" in s and "1 only at the destination" in s, "the preview")
    tmux.keys("Tab", "Tab", "Enter")  # Cancel → Sync (3) → Sync and delete 1
    tmux.wait(lambda s: "Sync done" in s, "the job's end")

    keys = {o["Key"]: client.get_object(Bucket="far", Key=o["Key"])["Body"].read()
            for o in client.list_objects_v2(Bucket="far")["Contents"]}
    assert keys == {p.name: p.read_bytes() for p in local.iterdir()}
