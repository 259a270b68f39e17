"""Destination paths reserved for the job writing them, process-wide.

Two jobs writing one destination path at once is how overlapping moves lost
files: each checked the path, found it free, and wrote. So a planner *claims*
a destination file's path before it decides what to do about it, and the
task writing it releases the claim once the file is in place (or failed, or
was cancelled). A second job wanting the same path waits for the first to
release it, then looks again (a fresh lookup, not its listing) and applies
its own conflict policy to what it finds.

Listings are taken once per destination directory, so a path can also have
been written by another job *between* a planner's listing and its claim:
each release records when a path was written (a tick), and a claim says
whether the path was written by another job after a given tick, so that the
planner looks again only then (no extra request when no job overlaps).

No deadlock: tasks never wait for a claim, and a planner waits for one only
while every claim it holds has been handed to a task (asking the person
about a conflict is not waiting for a claim).
"""

from __future__ import annotations

import threading

#: How often a waiting claim looks at its job's cancel event (seconds).
POLL = 0.2


class Reservations:
    """Claims on destination paths (keys are full URLs), shared by every queue."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._held: dict[str, list] = {}  # key -> [owner, count]
        self._written: dict[str, tuple[int, object]] = {}  # key -> (tick, owner) of its last write
        self._tick = 0
        self._jobs = 0

    # Jobs -----------------------------------------------------------------

    def join(self) -> None:
        """A job starts (what was written is remembered while any job runs)."""
        with self._changed:
            self._jobs += 1

    def leave(self) -> None:
        """A job is over; once none is left, no listing is left to be out of date."""
        with self._changed:
            self._jobs -= 1
            if self._jobs <= 0:
                self._jobs = 0
                self._written.clear()

    def now(self) -> int:
        """A tick to stamp a listing with (take it before the listing is asked for)."""
        with self._changed:
            self._tick += 1
            return self._tick

    # Claims -----------------------------------------------------------------

    def claim(self, key: str, owner, since: int, cancel: threading.Event) -> bool | None:
        """Claim ``key`` for ``owner``, waiting while another owner holds it.

        True: another owner wrote ``key`` after tick ``since`` (look again);
        False: a listing stamped ``since`` still tells the truth about it;
        None: ``cancel`` was set while waiting (nothing claimed).
        """
        with self._changed:
            while True:
                held = self._held.get(key)
                if held is None or held[0] is owner:
                    break
                if cancel.is_set():
                    return None
                self._changed.wait(POLL)  # woken by a release; the timeout looks at ``cancel``
            return self._take(key, owner, since)

    def try_claim(self, key: str, owner, since: int) -> bool | None:
        """:meth:`claim` without waiting: None when another owner holds ``key``."""
        with self._changed:
            held = self._held.get(key)
            if held is not None and held[0] is not owner:
                return None
            return self._take(key, owner, since)

    def _take(self, key: str, owner, since: int) -> bool:
        held = self._held.setdefault(key, [owner, 0])
        held[1] += 1
        written = self._written.get(key)
        return written is not None and written[1] is not owner and written[0] > since

    def release(self, key: str, owner, wrote: bool) -> None:
        """Give ``key`` back; ``wrote``: something may have been written there."""
        with self._changed:
            held = self._held.get(key)
            if held is None or held[0] is not owner:
                return
            held[1] -= 1
            if held[1] <= 0:
                del self._held[key]
            if wrote and self._jobs:
                self._tick += 1
                self._written[key] = (self._tick, owner)
            self._changed.notify_all()

    def holder(self, key: str):
        """Who holds ``key`` now (None: nobody)."""
        with self._changed:
            held = self._held.get(key)
            return held[0] if held is not None else None


#: The claims of every job in this process (the app's queue and the stateless one alike).
RESERVATIONS = Reservations()
