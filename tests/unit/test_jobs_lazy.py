"""A big job's tasks are made as the workers take them, not all at once: the number of
files submitted and not yet done never exceeds the queue's ``max_pending``, however many
the job holds (so 100,000 files queued cost what a few hundred do; benchmarks/memory.py)."""

from __future__ import annotations

import threading

from sides import LocalSide, seed
from stowtui.jobs import JobQueue, JobState, tasks

FILES = 400
TREE = {f"f{i:04d}.txt": b"%d" % i for i in range(FILES)}


def test_a_big_jobs_tasks_are_made_as_the_workers_take_them(tmp_path, monkeypatch):
    src, dst = LocalSide(tmp_path / "src"), LocalSide(tmp_path / "dst")
    seed(src, TREE, "d")
    queue = JobQueue(workers=2, max_pending=8)
    job = None
    submitted_ahead = []
    planner_full = threading.Event()
    original = tasks.transfer

    def made_ahead():
        return job.tasks_made  # made and not yet over

    def transfer(request):
        # The first files wait until the planner has filled the queue (an eager planner
        # would have made all of the job's tasks by then), then all go at full speed.
        for _ in range(1000):
            if planner_full.is_set() or (job is not None and made_ahead() >= 8):
                break
            planner_full.wait(0.01)
        planner_full.set()
        submitted_ahead.append(made_ahead())
        original(request)

    monkeypatch.setattr(tasks, "transfer", transfer)
    try:
        job = queue.copy([src.url("d")], dst.url())
        assert job.wait(120)
    finally:
        queue.shutdown()

    assert job.state is JobState.DONE, job.failures
    assert dst.files("d") == TREE
    assert len(submitted_ahead) == FILES
    assert max(submitted_ahead) == 8  # filled up to max_pending, never beyond
