"""The queue's request slots: start small, grow while requests stay quick, halve on SlowDown.

A made-up clock stands for the time each request holds its slot (nothing here waits).
"""

from __future__ import annotations

from stowtui.managers.transfer import RequestSlots


class Clock:
    """A clock for RequestSlots: each request takes ``took`` seconds in its slot."""

    def __init__(self, took=0.03):
        self.now, self.took, self._entering = 0.0, took, True

    def __call__(self):
        if self._entering:
            self._entering = False
        else:
            self.now += self.took
            self._entering = True
        return self.now


def test_request_slots_start_small_grow_to_their_limit_and_halve_once_a_round():
    slots = RequestSlots(64, clock=Clock())
    assert slots.allowed == RequestSlots.START
    for _ in range(100):
        with slots:
            pass
    assert slots.allowed == 64  # one more for each request that ended well, up to the limit

    with slots:  # a request answered SlowDown
        slots.throttled(slots.cuts)
    assert (slots.allowed, slots.cuts) == (32, 1)
    stale = slots.cuts - 1
    slots.throttled(stale)  # one that started before the cut: already answered by it
    assert (slots.allowed, slots.cuts) == (32, 1)
    for _ in range(31):
        with slots:
            pass
    assert slots.allowed == 32  # after a cut it grows by one a round (32 requests), not one a request
    with slots:
        pass
    assert slots.allowed == 33


def test_request_slots_stop_growing_once_requests_wait_longer():
    """Requests that take twice as long as the quickest: more at once would only queue them."""
    clock = Clock(took=0.02)
    slots = RequestSlots(64, clock=clock)
    for _ in range(RequestSlots.START - 1):
        with slots:
            pass
    assert slots.allowed == RequestSlots.START  # a first round is timed before it grows
    for _ in range(4):
        with slots:
            pass
    assert slots.allowed == RequestSlots.START + 4
    clock.took = 0.1  # from now on each waits five times as long (a loopback server's queue)
    for _ in range(100):
        with slots:
            pass
    assert slots.allowed < 20


def test_request_slots_stay_at_the_start_for_a_near_endpoint():
    """Requests of a millisecond (loopback): START at once already outrun the client."""
    slots = RequestSlots(64, clock=Clock(took=0.001))
    for _ in range(100):
        with slots:
            pass
    assert slots.allowed == RequestSlots.START


def test_request_slots_do_not_grow_on_slow_first_requests_of_a_near_endpoint():
    """The first requests open connections (slow anywhere); a round is timed before growing."""
    clock = Clock(took=0.05)
    slots = RequestSlots(64, clock=clock)
    for _ in range(RequestSlots.START - 1):
        with slots:
            pass
    clock.took = 0.001  # the rest are quick: a loopback endpoint
    for _ in range(100):
        with slots:
            pass
    assert slots.allowed == RequestSlots.START
