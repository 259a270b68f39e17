"""One of several processes moving into one destination at once (tests of races between processes).

``python racemover.py POLICY DESTINATION SOURCE...``: moves each SOURCE into DESTINATION
(a path, or an s3:// URL at $RACEMOVER_ENDPOINT) with the conflict policy POLICY.
It prints ``ready`` once imported, waits for a line on stdin (so several start at
once), runs the job and prints its outcome as one JSON line: state, failures
(source, reason), skipped (source, reason) and its progress's files done and skipped.
"""

from __future__ import annotations

import json
import os
import sys

from stowtui.jobs import JobQueue
from stowtui.managers import registry

policy, destination, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
if os.environ.get("RACEMOVER_ENDPOINT"):
    registry.set_defaults("s3", endpoint_url=os.environ["RACEMOVER_ENDPOINT"])
queue = JobQueue(workers=4)
print("ready", flush=True)
sys.stdin.readline()
job = queue.move(sources, destination, conflict=policy)
ended = job.wait(120)
print(json.dumps({
    "ended": ended,
    "state": job.state.value,
    "failures": [(f.source, f.reason) for f in job.failures],
    "skipped": [(s.source, s.reason) for s in job.skipped],
    "files_done": job.progress.files_done,
    "files_skipped": job.progress.files_skipped,
}), flush=True)
queue.shutdown()
