"""Big objects through s3transfer's managed (multipart) transfer, bounded per queue.

A job queue of N workers has one :class:`~stowtui.managers.transfer.RequestSlots`
of N for the requests of its small files; an S3 manager keeps one
``TransferManager`` per kind, part size and queue (uploads go in 8 MiB parts; a
download in as few ranged GETs as can run at once, :func:`download_part`), whose
request threads (``max_request_concurrency``: N, at most :data:`PARTS_IN_FLIGHT`)
bound the parts of all of the queue's big files together. So a queue has at most
N small-file requests and :data:`PARTS_IN_FLIGHT` parts in flight.

Through s3transfer's public configuration only. The parts used to take the
queue's slots too, through a pool swapped into ``TransferManager._request_executor``
(private: s3transfer builds it from the same ``executor_cls`` as its submission and
disk threads, which must not wait for slots). It served the bound, not speed, and
no benchmark showed it worth a private attribute (kept only where one shows >= 10 %),
so it went; the parts' own bound is public configuration.
"""

from __future__ import annotations

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
    """Request threads of a queue's TransferManager (``slots``: the queue's; None: no queue)."""
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


def transfer_manager(client, kind: str, threshold: int, slots=None, part: int = UPLOAD_PART):
    """A new s3transfer ``TransferManager``: ``"io"`` for up/downloads, ``"copy"`` for copies.

    ``threshold``: the size from which it goes part by part; ``part``: the size of
    each part of an upload or download (copies: 256 MiB). ``slots``: the queue's
    request slots, which size its request threads (None: 16 requests at a time).
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

    return TransferManager(client, config)
