"""Big objects through s3transfer's managed (multipart) transfer, counted against the queue's slots.

A job queue of N workers has one :class:`~stowtui.managers.transfer.RequestSlots`
of N; an S3 manager keeps one ``TransferManager`` per kind and per slots. Its
request threads (``max_request_concurrency`` = N) each take a slot for the
request they run, the body included, as the workers do for small files: so the
queue's small and big files together never have more than N requests in flight.

s3transfer has no public hook for this: its request executor is built inside
``TransferManager.__init__`` from one ``executor_cls`` it also uses for its
submission and disk-writing threads, which must not wait for slots (a part
waiting on the disk thread would then hold a slot the disk thread waits for).
:func:`transfer_manager` swaps the request executor's pool alone;
``tests/test_s3_speed.py`` checks every request is made under a slot.
"""

from __future__ import annotations

import concurrent.futures

MiB = 1024**2
#: Request threads of a TransferManager not tied to a queue (a manager used directly).
UNCOUNTED_CONCURRENCY = 16


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


def transfer_manager(client, kind: str, threshold: int, slots=None):
    """A new s3transfer ``TransferManager``: ``"io"`` for up/downloads, ``"copy"`` for copies.

    ``threshold``: the size from which it goes part by part. ``slots``: the
    queue's request slots (None: not counted, 16 requests at a time).
    """
    from s3transfer.manager import TransferConfig, TransferManager

    concurrency = slots.limit if slots is not None else UNCOUNTED_CONCURRENCY
    if kind == "copy":
        config = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=256 * MiB,
            max_request_concurrency=concurrency,
        )
    else:
        config = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=8 * MiB,
            max_request_concurrency=concurrency,
            max_submission_concurrency=min(concurrency, 8),
        )

    manager = TransferManager(client, config)
    if slots is not None:  # the request threads alone take slots (see the module's notes)
        uncounted = manager._request_executor._executor
        manager._request_executor._executor = _SlotPool(concurrency, slots)
        uncounted.shutdown(wait=False)  # never used: no thread of it was started
    return manager
