"""Big objects through s3transfer's managed (multipart) transfer, counted against the queue's slots.

A job queue of N workers has one :class:`~stowtui.managers.transfer.RequestSlots`
of N; an S3 manager keeps one ``TransferManager`` per kind, part size and slots
(uploads go in 8 MiB parts; a download in as few ranged GETs as its slots can
run at once, :func:`download_part`). Its request threads
(``max_request_concurrency`` = N) each take a slot for the request they run,
the body included, as the workers do for small files: so the queue's small and
big files together never have more than N requests in flight.

s3transfer has no public hook for this: its request executor is built inside
``TransferManager.__init__`` from one ``executor_cls`` it also uses for its
submission and disk-writing threads, which must not wait for slots (a part
waiting on the disk thread would then hold a slot the disk thread waits for).
:func:`transfer_manager` swaps the request executor's pool alone;
``tests/functional/test_s3_speed.py`` checks every request is made under a slot.
"""

from __future__ import annotations

import concurrent.futures

MiB = 1024**2
#: Request threads of a TransferManager not tied to a queue (a manager used directly).
UNCOUNTED_CONCURRENCY = 16
#: Parts in flight at most, for all the big files of a queue together (aws-cli's 10): a
#: queue of 64 workers sends 64 small objects at once, but a 200 MiB file in 25 parts
#: at once would only split the same link (and the machine's memory) more ways.
PARTS_IN_FLIGHT = 10
#: Parts of a multipart upload (aws-cli's size; measured no slower than bigger ones here).
UPLOAD_PART = 8 * MiB
#: The smallest and largest ranged GET of a big download (see :func:`download_part`).
DOWNLOAD_PART_MIN = 8 * MiB
DOWNLOAD_PART_MAX = 64 * MiB


def concurrency_of(slots) -> int:
    """Request threads of a TransferManager counted against ``slots`` (None: not counted)."""
    return min(slots.limit, PARTS_IN_FLIGHT) if slots is not None else UNCOUNTED_CONCURRENCY


def download_part(size: int, concurrency: int) -> int:
    """The ranged GET size for a download of ``size`` bytes: the power of two
    (8 to 64 MiB) that splits it into at most ``concurrency`` parts, or as few
    as the largest part allows.

    Every GET costs a request (and, on servers that read the stored value for
    each range, a pass over it); parts beyond the requests that can run at
    once only add that cost. A 200 MiB object with 8 slots is 7 GETs of
    32 MiB, not 25 of 8 MiB.
    """
    part = DOWNLOAD_PART_MIN
    while part < DOWNLOAD_PART_MAX and -(-size // part) > concurrency:
        part *= 2
    return part


class _SlotPool(concurrent.futures.ThreadPoolExecutor):
    """A thread pool whose every task holds one of ``slots`` while it runs."""

    def __init__(self, max_workers: int, slots) -> None:
        super().__init__(max_workers, thread_name_prefix="stowtui-s3-part")
        self._slots = slots

    def submit(self, fn, /, *args, **kwargs):
        def counted():
            with self._slots:
                return fn(*args, **kwargs)

        return super().submit(counted)


def transfer_manager(client, kind: str, threshold: int, slots=None, part: int = UPLOAD_PART):
    """A new s3transfer ``TransferManager``: ``"io"`` for up/downloads, ``"copy"`` for copies.

    ``threshold``: the size from which it goes part by part; ``part``: the size of
    each part of an upload or download (copies: 256 MiB). ``slots``: the queue's
    request slots (None: not counted, 16 requests at a time).
    """
    from s3transfer.manager import TransferConfig, TransferManager

    concurrency = concurrency_of(slots)
    if kind == "copy":
        config = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=256 * MiB,
            max_request_concurrency=concurrency,
        )
    else:
        config = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=part,
            max_request_concurrency=concurrency,
            max_submission_concurrency=min(concurrency, 8),
        )

    manager = TransferManager(client, config)
    if slots is not None:  # the request threads alone take slots (see the module's notes)
        uncounted = manager._request_executor._executor
        manager._request_executor._executor = _SlotPool(concurrency, slots)
        uncounted.shutdown(wait=False)  # never used: no thread of it was started
    return manager
