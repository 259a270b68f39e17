"""Whose multipart uploads these are: the ids of the uploads a write opens, told to its log.

s3transfer creates, completes and aborts a big object's multipart upload on its own
threads and hands no upload id back. botocore's event system (public API) sees each of
those calls: ``before-parameter-build`` notes the call's ``Bucket``, ``Key`` and
``UploadId`` in the request ``context`` (the dict botocore passes from one event of a
call to the next), and ``after-call`` tells the log of the write to that key (a
``TransferRequest.uploads``, a job's journal) the upload it opened, or that one of its
uploads is closed (completed, aborted, or already gone), whichever thread made the call.

A resumed job then aborts exactly the upload ids its journal holds
(:func:`abort`): never another writer's upload to the same key.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

#: The request context's entry for this module (bucket, key, upload id of the call).
CONTEXT = "stowtui_upload"
OPEN, CLOSE = "CreateMultipartUpload", ("CompleteMultipartUpload", "AbortMultipartUpload")


class OpenUploads:
    """The logs of the writes in progress, by (bucket, key); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str], list] = {}

    def register(self, client) -> None:
        for operation in (OPEN, *CLOSE):
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._note)
            client.meta.events.register(f"after-call.s3.{operation}", self._answered)

    @contextlib.contextmanager
    def watching(self, bucket: str, key: str, log, url: str) -> Iterator[None]:
        """While the block runs, the uploads opened for ``bucket``/``key`` are told to ``log``
        (``log.opened(url, upload_id)``) and so is their end (``log.closed(upload_id)``).
        ``log`` None: nothing is watched."""
        if log is None:
            yield
            return
        entry = (log, url)
        with self._lock:
            self._logs.setdefault((bucket, key), []).append(entry)
        try:
            yield
        finally:
            with self._lock:
                logs = self._logs[(bucket, key)]
                logs.remove(entry)
                if not logs:
                    del self._logs[(bucket, key)]

    def _note(self, params, context, **kwargs) -> None:
        context[CONTEXT] = (params.get("Bucket"), params.get("Key"), params.get("UploadId"))

    def _answered(self, http_response, parsed, model, context, **kwargs) -> None:
        bucket, key, upload_id = context.get(CONTEXT, (None, None, None))
        with self._lock:
            logs = list(self._logs.get((bucket, key), ()))
        if not logs:
            return
        ok = http_response.status_code < 300
        if model.name == OPEN:
            upload_id = parsed.get("UploadId") if ok else None
            if upload_id:
                for log, url in logs:
                    log.opened(url, upload_id)
        elif upload_id and (ok or parsed.get("Error", {}).get("Code") == "NoSuchUpload"):
            for log, _ in logs:
                log.closed(upload_id)


def abort(s3, path: str, upload_id: str) -> bool:
    """Abort the multipart upload ``upload_id`` of the object at ``path``: True if it was
    open, False if it was no more (completed or aborted already)."""
    from botocore.exceptions import ClientError

    from .errors import s3_errors

    bucket, key = s3._split(path)
    with s3_errors("abort the unfinished upload of", s3._abspath(path)):
        try:
            s3.client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchUpload":
                return False
            raise
    return True
