"""Small objects as one plain request each: ``GetObject`` or ``PutObject``.

Below :data:`SINGLE_REQUEST_LIMIT` (s3transfer's multipart threshold) a file
is one request made by the job's own worker thread, on botocore's standard
retries, with the whole-body checks s3transfer gave us and one more:

* a download streams into the handle it is given (the caller's temporary
  name), checking the cancel between chunks; a body cut short (botocore
  raises when fewer bytes came than ``Content-Length`` said) is asked for
  again (a request that got no answer is not: botocore's retries are its one
  budget), up to :data:`DOWNLOAD_ATTEMPTS` times, and the progress it had
  reported is taken back; then its length must be the listing's size and,
  where the ETag is an MD5 of the bytes, its MD5 the ETag, before the caller
  gives it its final name;
* an upload reads the file (checking the cancel between chunks) and sends it
  from memory with ``Content-MD5``, so S3 refuses a body that arrived
  changed (and the ETag it answers, where it is an MD5, must be the file's,
  for servers that do not check); it never waits for ``100 Continue``
  (``client.CONTINUE_THRESHOLD``).

Each request holds one of the queue's request slots while it runs
(:class:`~stowtui.managers.transfer.RequestSlots`), body included.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re

from .. import exceptions
from ..fs import read_regular

MiB = 1024**2
#: Objects below this go as one request; at and above it, s3transfer's multipart path.
SINGLE_REQUEST_LIMIT = 8 * MiB
#: Tries of a download whose body is cut short or arrives changed (the first included).
DOWNLOAD_ATTEMPTS = 3
#: Bytes read (and the cancel checked) at a time.
CHUNK = 256 * 1024

_MD5_ETAG = re.compile(r'^"?([0-9a-fA-F]{32})"?$')


class BodyMismatch(exceptions.BackendError):
    """A body that arrived with other bytes than its ETag says (asked for again)."""


def _retryable():
    """What a body cut short raises: s3transfer's own list, plus our MD5 check (imported when
    a download starts: importing s3transfer would cost every start-up ~40 ms)."""
    from s3transfer.utils import S3_RETRYABLE_DOWNLOAD_ERRORS

    return (*S3_RETRYABLE_DOWNLOAD_ERRORS, BodyMismatch)


def md5_of_etag(response: dict) -> str | None:
    """The MD5 an ETag stands for, or None where it is not one.

    A multipart ETag (``...-3``) and the ETags of SSE-KMS and SSE-C objects
    are not the MD5 of the bytes.
    """
    if response.get("SSECustomerAlgorithm") or str(response.get("ServerSideEncryption", "")).startswith("aws:kms"):
        return None
    match = _MD5_ETAG.match(response.get("ETag") or "")
    return match.group(1).lower() if match else None


def _cancelled(cancel, what: str) -> None:
    if cancel is not None and cancel.is_set():
        raise exceptions.OperationCancelled(f"{what} was cancelled")


def _write_all(handle, chunk: bytes) -> None:
    """Write all of ``chunk``: an unbuffered handle's ``write`` may take only part of it."""
    view = memoryview(chunk)
    while view:
        view = view[handle.write(view):]


def download(client, bucket: str, key: str, extra: dict, handle, size: int | None,
             callback=None, cancel=None, slots=None, where: str = "") -> None:
    """Write the object into ``handle`` (new and empty, or rewound and emptied for another
    attempt), checked whole; see the module's notes. ``handle`` may be unbuffered.

    ``size``: what the listing said (None: not checked). Raises ``BackendError``
    for a body that is whole but not the size listed (the object changed since).
    """
    retryable = _retryable()
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        if attempt > 1:  # what came of the last attempt goes (a new handle is empty already)
            handle.seek(0)
            handle.truncate()
        written, answered = 0, False
        try:
            with slots if slots is not None else contextlib.nullcontext():
                response = client.get_object(Bucket=bucket, Key=key, **extra)
                answered = True
                body = response["Body"]
                digest = hashlib.md5(usedforsecurity=False)
                try:
                    for chunk in body.iter_chunks(CHUNK):  # raises if cut short of Content-Length
                        _cancelled(cancel, f"Download of {where}")
                        _write_all(handle, chunk)
                        digest.update(chunk)
                        written += len(chunk)
                        if callback is not None:
                            callback(len(chunk))
                finally:
                    body.close()
            expected = md5_of_etag(response)
            if expected is not None and digest.hexdigest() != expected:
                raise BodyMismatch(
                    f"Cannot download {where}: the bytes that arrived do not match its ETag (their MD5 differs)"
                )
        except retryable:
            if callback is not None and written:
                callback(-written)  # what came of a cut body no longer counts
            # A request that got no answer was retried by botocore already (its attempts
            # are the one budget): only a body cut short after an answer is asked for again.
            if not answered or attempt == DOWNLOAD_ATTEMPTS:
                raise
            continue
        if size is not None and written != size:
            raise exceptions.BackendError(
                f"Cannot download {where}: {written:,} bytes arrived where its listing said {size:,}; "
                "it changed since it was listed, so it was not saved (list it again and retry)"
            )
        handle.flush()
        return


def upload(client, bucket: str, key: str, source: str, callback=None, cancel=None, slots=None,
           condition: dict | None = None) -> None:
    """Send the file ``source`` as one ``PutObject`` with ``Content-MD5``; see the module's notes.

    ``condition``: ``IfNoneMatch``/``IfMatch`` parameters (``transfers.Conditions.condition``).

    The caller has looked at ``source`` (a regular file: ``fs.refuse_special``).
    """
    data = read_regular(source, CHUNK, lambda: _cancelled(cancel, f"Upload of {source}"))
    digest = hashlib.md5(data, usedforsecurity=False)
    _cancelled(cancel, f"Upload of {source}")
    with slots if slots is not None else contextlib.nullcontext():
        response = client.put_object(
            Bucket=bucket, Key=key, Body=data, ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
            **(condition or {}),
        )
    stored = md5_of_etag(response)  # a server that does not check Content-MD5 still tells its ETag
    if stored is not None and stored != digest.hexdigest():
        raise exceptions.BackendError(
            f"Cannot upload {source} to s3://{bucket}/{key}: the object stored there does not match "
            "what was sent (its ETag is not the MD5 of the file)"
        )
    if callback is not None:
        callback(len(data))
