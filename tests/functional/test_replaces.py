"""A decision to replace a file carries the file as it was compared.

The planner (and the sync planner, and the answers to "ask") decide to replace
a destination file from a listing; the task's ``TransferRequest.replaces`` says
which file that was (S3: size and ETag), so the write can replace only that.
A free path is written with ``no_replace`` and nothing to compare.
"""

from __future__ import annotations

import os
import time

import pytest

from stowtui.jobs import Decision, JobState, tasks


def finished(job, timeout=60):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


@pytest.fixture
def requests(monkeypatch):
    """Every TransferRequest the tasks hand to ``transfer``, by destination path."""
    seen = {}
    original = tasks.transfer

    def recording(request):
        seen[request.manager.url(request.path).removeprefix("s3://bucket/")] = request
        original(request)

    monkeypatch.setattr(tasks, "transfer", recording)
    return seen


def etag_of(s3_client, key: str) -> str:
    return s3_client.head_object(Bucket="bucket", Key=key)["ETag"]


@pytest.mark.parametrize("policy", ["overwrite", "newer", "different", "ask"])
def test_a_replace_carries_the_listed_file(policy, s3, s3_client, bucket, jobs, tmp_path, requests):
    s3_client.put_object(Bucket="bucket", Key="in/old.txt", Body=b"old bytes")
    listed = etag_of(s3_client, "in/old.txt")
    (tmp_path / "old.txt").write_bytes(b"the new bytes")
    (tmp_path / "new.txt").write_bytes(b"nothing was there")
    future = time.time() + 3600  # newer than the object
    os.utime(tmp_path / "old.txt", (future, future))
    asked = []

    def ask(conflict):
        asked.append(conflict.destination)
        return Decision("overwrite")

    job = finished(jobs.copy([str(tmp_path / "old.txt"), str(tmp_path / "new.txt")], "s3://bucket/in/",
                             conflict=policy, ask=ask))

    assert job.state is JobState.DONE, job.failures
    replacing, fresh = requests["in/old.txt"], requests["in/new.txt"]
    assert not replacing.no_replace
    if policy == "overwrite":
        # Into a key store "overwrite" lists nothing (Planner._blind): nothing was compared.
        assert replacing.replaces is None
    else:
        assert (replacing.replaces.etag, replacing.replaces.size) == (listed, len(b"old bytes"))
    assert fresh.replaces is None and fresh.no_replace == (policy != "overwrite")
    assert asked == (["s3://bucket/in/old.txt"] if policy == "ask" else [])
    assert s3_client.get_object(Bucket="bucket", Key="in/old.txt")["Body"].read() == b"the new bytes"


def test_a_sync_replaces_only_what_it_compared(s3, s3_client, bucket, jobs, tmp_path, requests):
    s3_client.put_object(Bucket="bucket", Key="to/a.txt", Body=b"was")
    listed = etag_of(s3_client, "to/a.txt")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_bytes(b"different")
    (tmp_path / "src" / "b.txt").write_bytes(b"missing there")

    job = finished(jobs.sync(str(tmp_path / "src"), "s3://bucket/to/"))

    assert job.state is JobState.DONE, job.failures
    assert requests["to/a.txt"].replaces.etag == listed and not requests["to/a.txt"].no_replace
    assert requests["to/b.txt"].replaces is None and requests["to/b.txt"].no_replace
