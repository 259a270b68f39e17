"""A server that answers SlowDown: the queue sends fewer requests at once, and the job finishes.

The loopback server answers ``503 SlowDown`` to a request that arrives while N others
are in flight (``S3Server.throttle_above``) and records how many were in flight as each
request arrived (``Record.in_flight``).
"""

from __future__ import annotations

import os

from sides import LocalSide, seed
from stowtui.jobs import JobQueue, JobState
from stowtui.managers.transfer import RequestSlots

TREE = {f"f{i:03d}.bin": os.urandom(32) + b"%d" % i for i in range(80)}


def finished(job, timeout=120):
    assert job.wait(timeout), f"{job!r} did not finish"
    return job


def test_a_throttled_upload_finishes_with_fewer_requests_in_flight(side, s3, tmp_path):
    src, dst = LocalSide(tmp_path / "src"), side("s3", "dst")
    seed(src, TREE, "d")
    s3.clear_counts()
    s3.throttle_above(2)
    # Each request takes 30 ms at the server, as on a link: requests overlap whenever the queue
    # sends them together (on bare loopback an answer can come before the next task is made).
    s3.link.delay = 0.03
    queue = JobQueue(workers=32)
    try:
        job = finished(queue.copy([src.url("d")], dst.url(), conflict="overwrite"))
    finally:
        queue.shutdown()
        s3.throttle_above(None)
        s3.link.delay = 0

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == TREE  # every file, whole
    puts = [r for r in s3.requests if r.op == "PutObject"]
    throttled = [r for r in puts if r.status == 503]
    assert throttled  # the queue did go above what the server takes
    assert len(puts) == len(TREE) + len(throttled)  # each throttled request was sent again, once
    assert queue.slots.cuts >= 1 and queue.slots.allowed < RequestSlots.START
    # It began with up to START (8) in flight; by the end it kept to about what the server
    # takes (the window grows back by one a round, and a request is counted out a moment
    # after its answer).
    assert max(r.in_flight for r in puts[:RequestSlots.START]) > 2
    assert max(r.in_flight for r in puts[-30:]) <= 4 < RequestSlots.START
