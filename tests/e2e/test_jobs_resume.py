"""Jobs cut short and taken up again: a rerun of a cancelled job, and a resume after
a process running a journaled job was killed (-9) at a chosen step (tests/crashvictim.py).

Nothing is lost, nothing is sent twice, no question is asked about what the job
completed itself, and its temporary files go.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from stowtui.jobs import JobQueue, JobState, journal, tasks
from stowtui.managers import paths

VICTIM = os.path.join(os.path.dirname(os.path.dirname(__file__)), "crashvictim.py")
FILES = 24


def tree(root, files=FILES):
    contents = {f"d{n % 3}/f{n:02}.txt": f"file {n} ".encode() * (n + 1) for n in range(files)}
    for name, data in contents.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return contents


def complete(root) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and not paths.is_temporary(p.name)}


def leftovers(root) -> list:
    return [p for p in root.rglob("*") if paths.is_temporary(p.name)]


@pytest.fixture
def state(tmp_path, monkeypatch):
    """This test's own journal directory (the victim's too)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def sent(monkeypatch):
    """Every file a transfer sends, by destination path."""
    record, original = [], tasks.transfer

    def counting(request):
        path = request.path
        record.append(path)
        original(request)

    monkeypatch.setattr(tasks, "transfer", counting)
    return record


def never_asked(conflict):
    raise AssertionError(f"asked about {conflict.destination}")


def kill_victim(kind, source, destination, step, env=None):
    done = subprocess.run([sys.executable, VICTIM, kind, str(source), str(destination), step, "8"],
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stdout + done.stderr


@pytest.mark.parametrize("step", ["planning", "mid-file"])
def test_a_copy_killed_at_a_step_resumes_sending_only_what_is_missing(tmp_path, state, sent, step):
    contents = tree(tmp_path / "src" / "tree")
    destination = tmp_path / "dst"
    destination.mkdir()
    kill_victim("copy", tmp_path / "src" / "tree", destination, step)
    before = complete(destination / "tree") if (destination / "tree").exists() else {}
    assert len(before) < FILES
    if step == "mid-file":
        assert leftovers(destination)  # the half-written file of the dead process

    (record,) = journal.interrupted()
    queue = JobQueue(workers=4, journal=True)
    try:
        job = queue.resume(record, ask=never_asked)  # "ask" was its policy: nothing may be asked
        assert job.wait(60)
    finally:
        queue.shutdown()
    assert job.state is JobState.DONE, job.failures
    assert complete(destination / "tree") == contents
    assert leftovers(destination) == []
    assert len(sent) == FILES - len(before)  # the missing files, each once
    assert journal.interrupted() == [] and not list(state.glob("stowtui/jobs/*"))


def test_a_move_killed_between_verify_and_delete_resumes_with_nothing_lost(
        tmp_path, state, sent, s3, s3_client, stow):
    s3_client.create_bucket(Bucket="far")
    contents = {f"tree/d{n % 3}/f{n:02}.txt": f"object {n}".encode() for n in range(FILES)}
    for key, data in contents.items():
        s3_client.put_object(Bucket="far", Key=key, Body=data)
    destination = tmp_path / "dst"
    destination.mkdir()
    kill_victim("move", "s3://far/tree", destination, "verified", {"CRASHVICTIM_ENDPOINT": s3.endpoint_url})
    before = complete(destination / "tree")
    left = {o["Key"] for o in s3_client.list_objects_v2(Bucket="far").get("Contents", [])}
    # The 8th file was verified at the destination and its source is still there.
    assert len(before) + len(left) > FILES

    (record,) = journal.interrupted()
    queue = JobQueue(workers=4, journal=True)
    try:
        job = queue.resume(record, ask=never_asked)
        assert job.wait(60)
    finally:
        queue.shutdown()
    assert job.state is JobState.DONE, job.failures
    assert complete(destination / "tree") == {key[len("tree/"):]: data for key, data in contents.items()}
    assert s3_client.list_objects_v2(Bucket="far").get("KeyCount") == 0  # every source gone, once copied
    assert len(sent) == FILES - len(before)


def test_retry_of_a_cancelled_copy_sends_only_what_it_had_not_and_asks_nothing(tmp_path, monkeypatch):
    contents = tree(tmp_path / "src" / "tree")
    destination = tmp_path / "dst"
    destination.mkdir()
    gate, through = threading.Event(), []
    original = tasks.transfer

    def held(request):
        path = request.path
        if len(through) >= 10:
            gate.wait(10)
        original(request)
        through.append(path)

    monkeypatch.setattr(tasks, "transfer", held)
    queue = JobQueue(workers=2)
    try:
        job = queue.copy([str(tmp_path / "src" / "tree")], str(destination), conflict="ask", ask=never_asked)
        while len(through) < 10:
            assert not job.wait(0.01)  # the polling interval of a wait bounded by the job's end
        job.cancel()
        gate.set()
        assert job.wait(10) and job.state is JobState.CANCELLED
        first = len(complete(destination / "tree"))
        progress = job.progress
        assert progress.files_planned == FILES and progress.files_done == first
        sent_before = len(through)
        again = job.rerun()
        assert again.wait(30) and again.state is JobState.DONE, again.failures
    finally:
        queue.shutdown()
    assert complete(destination / "tree") == contents
    # What the first run completed is counted done, not sent again, and not asked about.
    assert len(through) - sent_before == FILES - first
    assert again.progress.files_done == FILES


def test_an_upload_killed_in_flight_resumes_sending_only_what_is_missing(tmp_path, state, sent, s3, s3_client, stow):
    contents = tree(tmp_path / "src" / "tree")
    s3_client.create_bucket(Bucket="far")
    kill_victim("copy", tmp_path / "src" / "tree", "s3://far/", "planning", {"CRASHVICTIM_ENDPOINT": s3.endpoint_url})
    before = {o["Key"] for o in s3_client.list_objects_v2(Bucket="far").get("Contents", [])}
    assert len(before) < FILES

    (record,) = journal.interrupted()
    queue = JobQueue(workers=4, journal=True)
    try:
        job = queue.resume(record, ask=never_asked)
        assert job.wait(60)
    finally:
        queue.shutdown()
    assert job.state is JobState.DONE, job.failures
    uploaded = {o["Key"]: s3_client.get_object(Bucket="far", Key=o["Key"])["Body"].read()
                for o in s3_client.list_objects_v2(Bucket="far")["Contents"]}
    assert uploaded == {f"tree/{name}": data for name, data in contents.items()}
    assert len(sent) == FILES - len(before)  # the missing objects, each once
