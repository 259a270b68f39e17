"""Moving bytes: get, put, copy, delete and create, through s3transfer where it pays.

Plain functions of the S3 manager (``s3``: its ``client``, ``_split`` and
cache), called by its hooks (``_get`` → :func:`get`, ``_put`` → :func:`put`...). An object below the multipart threshold is one plain
``GetObject`` or ``PutObject`` made by the calling (job worker) thread, with
whole-body checks (:mod:`.single`); bigger ones go through a shared s3transfer
``TransferManager`` with byte callbacks (:mod:`.managed`), and a subscriber
hands it what a listing already told (size, ETag), so it makes no HeadObject;
a big download is as few ranged GETs as the queue's part threads can run at
once (``managed.download_part``).
Copies stay on the server: one ``CopyObject`` below :data:`COPY_OBJECT_LIMIT`,
parts above. A small object's request counts against the job queue's request
slots (``TransferRequest.slots``), so ``--workers N`` is N of them in flight;
the parts of big ones go through the queue's s3transfer managers, at most
``managed.PARTS_IN_FLIGHT`` at a time.

Safety: a download goes to a short temporary name in its destination
directory and is put in place only when complete (and not cancelled); a
directory download never writes outside its destination (:mod:`..paths`);
``no_replace`` writes carry ``IfNoneMatch: "*"`` and those that replace a file
compared ``IfMatch: <its ETag>`` (:class:`Conditions`); a
cancelled transfer still blocked after :data:`CANCEL_GRACE` is abandoned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import threading
from typing import Iterator

from .. import anchored, exceptions, paths
from ..artefacts import Artefact, Directory, File
from ..fs import refuse_special
from . import managed, single
from .errors import s3_errors
from .managed import transfer_manager

GiB = 1024**3
#: The largest object one ``CopyObject`` may copy; above it a copy goes part by part.
COPY_OBJECT_LIMIT = 5 * GiB
#: Keys per ``DeleteObjects`` request (S3 takes at most 1,000).
DELETE_BATCH = 1000
#: Seconds a cancelled transfer may take to wind up (its requests in flight end,
#: a multipart upload is aborted) before it is abandoned to finish on its own.
CANCEL_GRACE = 5.0


class Conditions:
    """Keys being written on a condition: never over an object already there
    (``no_replace``: ``IfNoneMatch: "*"``), or only over the one compared
    (``TransferRequest.replaces``: ``IfMatch: <its ETag>``); S3 answers 412 otherwise.

    Our own single ``PutObject`` and ``CopyObject`` pass the condition as the real
    parameter (:meth:`writing` gives it). s3transfer refuses both among an upload's or
    a copy's arguments, so for its requests a handler on the client adds the key's
    condition to the ``PutObject``, ``CopyObject`` or ``CompleteMultipartUpload`` it
    sends, from whichever thread sends it.

    What the loopback moto server (5.2.x) honours, by test: ``IfMatch`` and
    ``IfNoneMatch`` on ``PutObject`` (``IfMatch`` of a key that went: 404 NoSuchKey),
    ``IfNoneMatch`` on ``CompleteMultipartUpload``. It ignores ``IfMatch`` on
    ``CompleteMultipartUpload`` and both on ``CopyObject``: there the tests check that
    the condition is sent, not that it holds (S3 itself honours them all).
    """

    OPERATIONS = ("PutObject", "CopyObject", "CompleteMultipartUpload")
    #: The answers of a write whose condition did not hold (``NoSuchKey``: ``IfMatch``
    #: of an object that was deleted meanwhile).
    REFUSED = {"PreconditionFailed", "ConditionalRequestConflict"}

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], list[dict]] = {}

    def register(self, client) -> None:
        for operation in self.OPERATIONS:
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._add_condition)

    @staticmethod
    def condition(no_replace: bool, replaces=None) -> dict:
        """The parameters that make a write conditional (``replaces``: a ``transfer.SourceState``)."""
        if no_replace:
            return {"IfNoneMatch": "*"}
        if replaces is not None and replaces.etag:
            return {"IfMatch": replaces.etag}
        return {}

    @contextlib.contextmanager
    def writing(self, bucket: str, key: str, no_replace: bool, replaces=None,
                where: str = "") -> Iterator[dict]:
        """While the block runs, writes of ``bucket``/``key`` are conditional (``no_replace``, or
        ``replaces``); gives the condition's parameters. A refused ``IfMatch`` (the object
        changed or went since it was compared) raises ``paths.DestinationChanged``."""
        condition = self.condition(no_replace, replaces)
        if not condition:
            yield condition
            return
        with self._lock:
            self._keys.setdefault((bucket, key), []).append(condition)
        try:
            yield condition
        except Exception as error:
            if "IfMatch" in condition and _refused(error, self.REFUSED | {"NoSuchKey"}):
                raise paths.DestinationChanged(
                    f"Cannot write {where or f's3://{bucket}/{key}'}: the object there changed since it was "
                    "compared; it was not replaced"
                ) from error
            raise
        finally:
            with self._lock:
                conditions = self._keys[(bucket, key)]
                conditions.remove(condition)
                if not conditions:
                    del self._keys[(bucket, key)]

    def _add_condition(self, params, **kwargs) -> None:
        with self._lock:
            conditions = self._keys.get((params.get("Bucket"), params.get("Key")))
            condition = conditions[-1] if conditions else {}
        if condition and not ("IfMatch" in params or "IfNoneMatch" in params):
            params.update(condition)


def _refused(error: BaseException, codes: set[str]) -> bool:
    """Whether ``error`` (a botocore ``ClientError``, or what s3transfer raised for one) is
    S3's answer with one of ``codes``."""
    while error is not None:
        response = getattr(error, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in codes:
            return True
        error = error.__cause__ or getattr(error, "last_exception", None)
    return False


def _subscriber(size: int | None, etag: str | None, callback, done: threading.Event):
    """An s3transfer subscriber: provides what a listing told (so no HeadObject is made),
    relays progress and flags completion."""
    from s3transfer.subscribers import BaseSubscriber

    class Subscriber(BaseSubscriber):
        def on_queued(self, future, **kwargs):
            if size is not None:
                future.meta.provide_transfer_size(size)
            if etag is not None:
                future.meta.provide_object_etag(etag)

        def on_progress(self, future, bytes_transferred, **kwargs):
            if callback is not None:
                callback(bytes_transferred)

        def on_done(self, future, **kwargs):
            done.set()

    return Subscriber()


def _version(source: Artefact) -> dict:
    """``VersionId`` for a file that stands for one version of an object (``S3.version_file``)."""
    version_id = getattr(source, "version_id", None)
    return {"VersionId": version_id} if version_id else {}



def shared_transfer_manager(s3, kind: str, slots=None, part: int = managed.UPLOAD_PART):
    """The shared s3transfer TransferManager of ``kind`` (``"io"`` for up/downloads,
    ``"copy"`` for copies) with parts of ``part`` bytes, whose requests count
    against ``slots`` (one per queue)."""
    client = s3.client
    threshold = COPY_OBJECT_LIMIT if kind == "copy" else single.SINGLE_REQUEST_LIMIT
    with s3._client_lock:
        # A queue's own go when the queue does (its slots are the key).
        managers = s3._transfers if slots is None else s3._queued_transfers.setdefault(slots, {})
        if (kind, part) not in managers:
            managers[(kind, part)] = transfer_manager(client, kind, threshold, slots, part)
        return managers[(kind, part)]

def await_future(s3, future, done: threading.Event, cancel: threading.Event | None):
    """Wait for an s3transfer future; cancel it (aborting multipart uploads) if asked.

    A cancelled transfer ends once its requests in flight do; one still
    blocked after :data:`CANCEL_GRACE` (a silent endpoint) is abandoned:
    s3transfer finishes it on its own threads, and nothing uses its result.
    """
    while not done.wait(0.1):
        if cancel is not None and cancel.is_set():
            future.cancel()
            if not done.wait(CANCEL_GRACE):
                raise exceptions.OperationCancelled("Cancelled; the request in flight was abandoned")
            break
    return future.result()

# Reading -----------------------------------------------------------

def get_bytes(s3, source: Artefact) -> bytes:
    bucket, key = s3._split(source.path)
    with s3_errors("read", source.abspath):
        return s3.client.get_object(Bucket=bucket, Key=key, **_version(source))["Body"].read()

def download(s3, source: File, destination: str, callback=None, cancel=None, no_replace=False, request=None,
             within: str | None = None) -> None:
    """One object to the local path ``destination`` (held inside the local folder ``within``)."""
    bucket, key = s3._split(source.path)
    if key.endswith("/"):
        raise exceptions.InvalidPath(
            f"Cannot save {source.abspath} to local disk: a file name cannot end in '/'"
        )
    done = threading.Event()
    with s3_errors("download", f"{source.abspath} to {destination}"):
        # Into a new file made in the destination's folder (anchored.staged: reached by
        # directory descriptors, a temporary name, put in place only when complete); the
        # engine's (``request.staged``) is written as it is. A cut download never shows
        # under the final name; a body cut short is asked for again.
        staged = request.staged if request is not None else None
        staging = contextlib.nullcontext(staged) if staged is not None else anchored.staged(
            destination, within, replace=not no_replace)
        slots = request.slots if request is not None else None
        small = source.size is not None and source.size < single.SINGLE_REQUEST_LIMIT
        with staging as staged:
            handle = staged.handle  # unbuffered: a small body is written whole, chunk by chunk
            if small:
                single.download(s3.direct_client, bucket, key, _version(source), handle, source.size,
                                callback, cancel, slots, where=source.abspath)
            else:
                # Few big ranged GETs (managed.download_part); each TransferManager
                # has one part size, so there is one per size used (at most four).
                part = managed.download_part(source.size, managed.concurrency_of(slots))
                future = shared_transfer_manager(s3, "io", slots, part).download(
                    bucket, key, handle, extra_args=_version(source),
                    subscribers=[_subscriber(source.size, source.etag, callback, done)],
                )
                await_future(s3, future, done, cancel)
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled(f"Download of {source.abspath} was cancelled")
            if source.modifiedTime is not None:
                stamp = source.modifiedTime.timestamp()
                staged.set_times(stamp, stamp)

def get(s3, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
    if isinstance(source, File):
        download(s3, source, destination, callback, cancel, no_replace, request)
        return
    anchored.download_tree(source, s3._walk(source), destination,
                        lambda artefact, local: download(s3, artefact, local, callback, cancel, no_replace, request,
                                                         within=destination),
                        key=lambda artefact: s3._split(artefact.path)[1])

# Writing -----------------------------------------------------------

def upload(s3, source: str, destination: str, callback=None, cancel=None, no_replace=False,
           stats: os.stat_result | None = None, request=None) -> None:
    """``stats``: ``os.stat(source)`` where the caller made it already."""
    bucket, key = s3._split(destination)
    if not key:
        raise exceptions.InvalidPath(f"Cannot upload {source} to {s3._abspath(destination)}: name a key inside a bucket")
    done = threading.Event()
    with s3_errors("upload", f"{source} to {s3._abspath(destination)}"):
        key.encode("utf-8")
        if stats is None:
            stats = os.stat(source)
        refuse_special(source, stats.st_mode)  # reading a FIFO would block for ever
        if cancel is not None and cancel.is_set():
            raise exceptions.OperationCancelled(f"Upload of {source} was cancelled")
        slots = request.slots if request is not None else None
        replaces = request.replaces if request is not None else None
        with s3._conditions.writing(bucket, key, no_replace, replaces, s3._abspath(destination)) as condition:
            if stats.st_size < single.SINGLE_REQUEST_LIMIT:
                single.upload(s3.direct_client, bucket, key, source, callback, cancel, slots, condition)
                return
            # Each part carries a CRC the server checks (client.LEAN leaves
            # checksums to us; s3transfer would add this one by default).
            future = shared_transfer_manager(s3, "io", slots).upload(
                source, bucket, key, extra_args={"ChecksumAlgorithm": "CRC32"},
                subscribers=[_subscriber(None, None, callback, done)],
            )
            await_future(s3, future, done, cancel)

def _each(request):
    """The request for each file of a directory written: ``replaces`` is one file's, not theirs."""
    if request is None or request.replaces is None:
        return request
    return dataclasses.replace(request, replaces=None)

def put(s3, source: str, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
    try:
        try:
            stats = os.stat(source)  # one stat, for isdir and for _upload
        except OSError:
            stats = None  # _upload says why, in its words
        if stats is None or not stat.S_ISDIR(stats.st_mode):
            upload(s3, source, destination, callback, cancel, no_replace, stats, request)
            return
        each = _each(request)
        paths.upload_tree(source, destination, s3._child,
                          lambda local, path: upload(s3, local, path, callback, cancel, no_replace, request=each),
                          s3._mkdir, empty_only=True)
    finally:
        s3._forget(destination)

def put_bytes(s3, fileBytes: bytes, destination: str):
    bucket, key = s3._split(destination)
    with s3_errors("write", s3._abspath(destination)):
        s3.client.put_object(Bucket=bucket, Key=key, Body=fileBytes)
    s3._forget(destination)

def copy_object(s3, source: File, destination: str, callback=None, cancel=None, no_replace=False, request=None) -> None:
    src_bucket, src_key = s3._split(source.path)
    bucket, key = s3._split(destination)
    done = threading.Event()
    replaces = request.replaces if request is not None else None
    with s3_errors("copy", f"{source.abspath} to {s3._abspath(destination)}"), \
            s3._conditions.writing(bucket, key, no_replace, replaces, s3._abspath(destination)) as condition:
        if source.size < COPY_OBJECT_LIMIT:  # what s3transfer would do too: one CopyObject
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled(f"Copy of {source.abspath} was cancelled")
            slots = request.slots if request is not None else None
            with slots if slots is not None else contextlib.nullcontext():
                s3.direct_client.copy_object(
                    CopySource={"Bucket": src_bucket, "Key": src_key, **_version(source)}, Bucket=bucket, Key=key,
                    **condition,
                )
            if callback is not None:
                callback(source.size)
            return
        future = shared_transfer_manager(s3, "copy", request.slots if request is not None else None).copy(
            {"Bucket": src_bucket, "Key": src_key, **_version(source)},
            bucket,
            key,
            # Above 5 GiB s3transfer's own HeadObject keeps the metadata of a multipart copy.
            subscribers=[_subscriber(source.size, source.etag, callback, done)]
            if source.etag and source.size < COPY_OBJECT_LIMIT
            else [_subscriber(None, None, callback, done)],
        )
        await_future(s3, future, done, cancel)

def copy(s3, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
    try:
        if isinstance(source, File):
            copy_object(s3, source, destination, callback, cancel, no_replace, request)
            return
        each = _each(request)
        for artefact in s3._walk(source):
            target = destination + artefact.path[len(source.path):]
            if isinstance(artefact, File):
                copy_object(s3, artefact, target, callback, cancel, no_replace, each)
            elif not len(artefact):
                mkdir(s3, target)
    finally:
        s3._forget(destination)

def move(s3, source: Artefact, destination: str):
    copy(s3, source, destination)
    delete(s3, source)

def mkdir(s3, managerPath: str) -> None:
    bucket, key = s3._split(managerPath)
    with s3_errors("create", s3._abspath(managerPath)):
        if key:
            s3.client.put_object(Bucket=bucket, Key=key + "/", Body=b"")
            return
        region = s3.region or s3.client.meta.region_name
        options = {}
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.client.create_bucket(Bucket=bucket, **options)

# Deleting ----------------------------------------------------------

def delete_keys(s3, bucket: str, keys: list[str], where: str) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = keys[start:start + DELETE_BATCH]
        response = s3.client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise exceptions.BackendError(
                f"Cannot delete {len(errors)} object(s) under {where}: "
                f"s3://{bucket}/{first.get('Key')}: {first.get('Code')} {first.get('Message', '')}".rstrip()
            )

def delete(s3, artefact: Artefact, *, callback=None, cancel=None):
    bucket, key = s3._split(artefact.path)
    url = artefact.abspath
    with s3_errors("delete", url):
        if isinstance(artefact, File):
            s3.client.delete_object(Bucket=bucket, Key=key)
        else:
            prefix = key + "/" if key else ""
            pages = s3.object_pages(Bucket=bucket, Prefix=prefix)
            for page in pages:
                if cancel is not None and cancel.is_set():
                    raise exceptions.OperationCancelled(f"Deletion of {url} was cancelled")
                keys = [item["Key"] for item in page.get("Contents", [])]
                if keys:
                    delete_keys(s3, bucket, keys, url)
                    if callback is not None:
                        callback(len(keys))
            if not key:
                s3.client.delete_bucket(Bucket=bucket)
    s3._forget(artefact.path)

def source_state(s3, source: Artefact):
    """The listing's size and ETag (no request); a HeadObject where the artefact has no ETag."""
    from ..transfer import SourceState

    state = SourceState(source.size, source.etag or None)
    if state.etag is None:
        bucket, key = s3._split(source.path)
        with s3_errors("look at", source.abspath):
            head = s3.client.head_object(Bucket=bucket, Key=key, **_version(source))
        state = SourceState(head.get("ContentLength"), head.get("ETag"))
    return state

def delete_if_unchanged(s3, source: Artefact, state) -> None:
    """``DeleteObject`` with ``IfMatch=<ETag copied>``: S3 refuses it (412) if the key changed since."""
    import botocore.exceptions as bce

    from ..transfer import changed

    bucket, key = s3._split(source.path)
    # A version is never rewritten: it is deleted by its id alone.
    condition = {"IfMatch": state.etag} if state.etag and not _version(source) else {}
    with s3_errors("delete", source.abspath):
        try:
            s3.client.delete_object(Bucket=bucket, Key=key, **condition, **_version(source))
        except bce.ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise changed(source.abspath) from error
            if code not in ("NoSuchKey", "404"):  # gone already: nothing of ours to delete
                raise

def rmdir(s3, directory: Directory) -> None:
    bucket, key = s3._split(directory.path)
    with s3_errors("remove directory", directory.abspath):
        if key:
            s3.client.delete_object(Bucket=bucket, Key=key + "/")
        else:
            s3.client.delete_bucket(Bucket=bucket)
    s3._forget(directory.path)

