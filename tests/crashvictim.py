"""A process that dies (SIGKILL, as kill -9) at a chosen step of a journaled job.

``python crashvictim.py KIND SRC DST STEP N``: copy or move the directory SRC into DST
(a path or an s3:// URL, at $CRASHVICTIM_ENDPOINT), journaled in $XDG_STATE_HOME, and kill itself at STEP, after N files:

* ``planning`` — while planning, as the Nth file is handed to a task;
* ``mid-file`` — half-way through writing the Nth file (a temporary file is left);
* ``verified`` — a move, between the verify of the Nth file and the delete of its source;
* ``multipart`` — once the Nth multipart upload is open and recorded in the journal.

Each file's transfer waits a little (the test's "slow link"), so files are in flight.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from stowtui.jobs import JobQueue, journal, tasks
from stowtui.jobs import planner as planning

kind, source, destination, step, after = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
count = 0
lock = threading.Lock()


def reached() -> bool:
    global count
    with lock:
        count += 1
        return count >= after


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


original_transfer, original_verify = tasks.transfer, tasks.verify


def transfer(request):
    path = request.path
    time.sleep(0.02)
    if step == "mid-file" and reached():
        # Half of the file at the job's temporary name, then the end.
        from stowtui.managers import paths

        with open(os.path.join(os.path.dirname(path), paths.temporary_name()), "wb") as half:
            half.write(b"half")
            half.flush()
            os.fsync(half.fileno())
        die()
    original_transfer(request)


def verify(*args, **kwargs):
    found = original_verify(*args, **kwargs)
    if step == "verified" and reached():
        die()
    return found


submit_file = planning.Planner._submit_file


def submit_then_die(self, *args, **kwargs):
    if step == "planning" and reached():
        die()
    return submit_file(self, *args, **kwargs)


opened = journal.Journal.opened


def opened_then_die(self, url, upload_id):
    opened(self, url, upload_id)
    if step == "multipart" and reached():
        die()


tasks.transfer, tasks.verify = transfer, verify
journal.Journal.opened = opened_then_die
planning.Planner._submit_file = submit_then_die
if os.environ.get("CRASHVICTIM_ENDPOINT"):
    from stowtui.managers import registry

    registry.set_defaults("s3", endpoint_url=os.environ["CRASHVICTIM_ENDPOINT"])
queue = JobQueue(workers=4, journal=True)
job = (queue.move if kind == "move" else queue.copy)([source], destination, conflict="ask")
job.wait(60)
print("the job ended before the crash", job.state, [f.reason for f in job.failures][:3], flush=True)
sys.exit(3)
