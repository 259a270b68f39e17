"""The progress meter of one job: its counts, what is moving now, and the
byte rate and ETA worked out from when the bytes moved.

The meter is plain data guarded by its job's lock (see :mod:`.ledger`): the
tasks add to it, and :meth:`Meter.snapshot` turns it into a
:class:`~stowtui.jobs.model.Progress` for the UI.
"""

from __future__ import annotations

import collections
import time

from .model import Progress

#: How many (time, bytes) samples the rate is worked out from, at most.
SAMPLES = 50
#: The rate is over the last this many seconds (once that much has passed).
WINDOW = 5.0


class Meter:
    """Counts and bytes of one job; every change is made under the job's lock."""

    def __init__(self) -> None:
        self.files_done = self.files_total = self.files_failed = self.files_skipped = 0
        self.bytes_done = 0.0
        self.bytes_total = 0
        #: What the survey found of the sources (files and bytes), and whether it listed them all.
        self.found_files = self.found_bytes = 0
        self.listed = False
        #: What each worker thread is moving now, by thread id.
        self.current: dict[int, str] = {}
        self._samples: collections.deque = collections.deque(maxlen=SAMPLES)
        self._first_byte: float | None = None  # when bytes began to move

    def moved(self, amount: float) -> None:
        """``amount`` more bytes are through (the rate is timed from the first)."""
        if self._first_byte is None:
            self._first_byte = time.monotonic()
        self.bytes_done += amount

    def snapshot(self, now: float, finished: bool, planning: bool) -> Progress:
        """The progress at ``now`` (the end time, once the job has finished)."""
        done = self.bytes_done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > WINDOW:
            self._samples.popleft()
        first_time, first_bytes = self._samples[0]
        if now - first_time >= 1.0 and not finished:
            rate = (done - first_bytes) / (now - first_time)  # the last few seconds
        elif self._first_byte is not None and now - self._first_byte >= 0.05:
            rate = done / (now - self._first_byte)  # on average, since bytes began to move
        else:
            rate = 0.0
        rate = max(rate, 0.0)
        files_total, bytes_total = self.files_total, self.bytes_total
        if planning and self.listed:
            # Every source listed: the total is known though the planner still goes on.
            planning = False
            files_total, bytes_total = max(files_total, self.found_files), max(bytes_total, self.found_bytes)
        if finished:
            eta = 0.0
        elif planning or rate <= 0:
            eta = None  # the total is still growing, or nothing is moving yet
        else:
            eta = max(bytes_total - done, 0) / rate
        return Progress(
            files_done=self.files_done,
            files_total=files_total,
            files_failed=self.files_failed,
            files_skipped=self.files_skipped,
            bytes_done=int(done),
            bytes_total=bytes_total,
            current=tuple(self.current.values()),
            rate=rate,
            eta=eta,
            planning=planning,
            files_planned=self.found_files if self.listed else None,
        )
