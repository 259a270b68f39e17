"""A loopback S3 endpoint for tests: moto's server app behind a counting,
fault-injecting WSGI middleware, served by werkzeug in a background thread.

Only path-style addressing (``http://127.0.0.1:PORT/bucket/key``) is
understood by the accounting.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import s3_backends
from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

# Sub-resource query parameter -> operation, per (method, target) where
# target is "service", "bucket" or "key". First match wins; the default
# applies when no sub-resource is present.
_BUCKET_SUBRESOURCES = [
    ("cors", "BucketCors"),
    ("lifecycle", "BucketLifecycleConfiguration"),
    ("policy", "BucketPolicy"),
    ("tagging", "BucketTagging"),
    ("website", "BucketWebsite"),
    ("encryption", "BucketEncryption"),
    ("acl", "BucketAcl"),
    ("logging", "BucketLogging"),
    ("notification", "BucketNotificationConfiguration"),
    ("replication", "BucketReplication"),
    ("ownershipControls", "BucketOwnershipControls"),
    ("publicAccessBlock", "PublicAccessBlock"),
    ("object-lock", "ObjectLockConfiguration"),
    ("accelerate", "BucketAccelerateConfiguration"),
    ("requestPayment", "BucketRequestPayment"),
]
_GET_BUCKET = [
    ("list-type", "ListObjectsV2"),
    ("uploads", "ListMultipartUploads"),
    ("versions", "ListObjectVersions"),
    ("location", "GetBucketLocation"),
    ("versioning", "GetBucketVersioning"),
] + [(q, "Get" + name) for q, name in _BUCKET_SUBRESOURCES]
_PUT_BUCKET = [("versioning", "PutBucketVersioning")] + [
    (q, "Put" + name) for q, name in _BUCKET_SUBRESOURCES
]
_DELETE_BUCKET = [(q, "Delete" + name) for q, name in _BUCKET_SUBRESOURCES]
_KEY_SUBRESOURCES = [
    ("tagging", "ObjectTagging"),
    ("acl", "ObjectAcl"),
    ("retention", "ObjectRetention"),
    ("legal-hold", "ObjectLegalHold"),
]
_GET_KEY = [("uploadId", "ListParts"), ("attributes", "GetObjectAttributes")] + [
    (q, "Get" + name) for q, name in _KEY_SUBRESOURCES
]
_PUT_KEY = [(q, "Put" + name) for q, name in _KEY_SUBRESOURCES]
_DELETE_KEY = [
    ("uploadId", "AbortMultipartUpload"),
    ("tagging", "DeleteObjectTagging"),
]
_POST_KEY = [
    ("uploads", "CreateMultipartUpload"),
    ("uploadId", "CompleteMultipartUpload"),
    ("restore", "RestoreObject"),
    ("select", "SelectObjectContent"),
]

_ERROR_CODES = {
    400: "InvalidRequest",
    403: "AccessDenied",
    404: "NoSuchKey",
    409: "OperationAborted",
    429: "SlowDown",
    500: "InternalError",
    501: "NotImplemented",
    503: "SlowDown",
}


def _subresource(query, table, default):
    for param, op in table:
        if param in query:
            return op
    return default


def classify(method, bucket, key, query, headers):
    """Return the boto3 operation name for a path-style S3 request."""
    copy = "HTTP_X_AMZ_COPY_SOURCE" in headers
    if bucket is None:
        return "ListBuckets" if method == "GET" else f"Other:{method}"
    if key is None:
        if method == "GET":
            return _subresource(query, _GET_BUCKET, "ListObjects")
        if method == "PUT":
            return _subresource(query, _PUT_BUCKET, "CreateBucket")
        if method == "DELETE":
            return _subresource(query, _DELETE_BUCKET, "DeleteBucket")
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST" and "delete" in query:
            return "DeleteObjects"
        return f"Other:{method}"
    if method == "GET":
        return _subresource(query, _GET_KEY, "GetObject")
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        return _subresource(query, _PUT_KEY, "CopyObject" if copy else "PutObject")
    if method == "DELETE":
        return _subresource(query, _DELETE_KEY, "DeleteObject")
    if method == "POST":
        return _subresource(query, _POST_KEY, f"Other:{method}")
    return f"Other:{method}"


def split_path(environ):
    """Decode ``(bucket, key)`` from the raw request target (path-style).

    Uses RAW_URI so percent-escapes are decoded exactly once, as UTF-8.
    """
    raw = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
    raw = raw.encode("latin-1").decode("utf-8")
    path = raw.partition("?")[0] if raw.startswith("/") else urlsplit(raw).path
    bucket, _, key = path[1:].partition("/")
    bucket = unquote(bucket) or None
    key = unquote(key) if bucket and key else None
    return bucket, key


@dataclass
class Record:
    """One request as seen by the middleware."""

    op: str
    method: str
    bucket: str | None
    key: str | None
    query: dict
    range: str | None
    status: int | None = None
    bytes_sent: int = 0
    #: Requests in flight when this one arrived, itself included.
    in_flight: int = 0
    #: The request's ``If-Match`` and ``If-None-Match`` headers (None: not sent).
    if_match: str | None = None
    if_none_match: str | None = None
    #: Every header the request came with, by lower-case name (``content-md5``, ``expect``...).
    headers: dict = field(default_factory=dict)


@dataclass
class Fault:
    """A fault rule; ``None`` criteria match anything."""

    op: str | None = None
    key: str | None = None
    key_contains: str | None = None
    status: int = 500
    times: int | None = 1
    drop: bool = False
    after_bytes: int | None = None
    code: str | None = None
    #: Answer as moto does, but with the body's first byte changed (bytes hurt on the way).
    corrupt: bool = False
    hits: int = 0

    def matches(self, record):
        return (
            (self.op is None or self.op == record.op)
            and (self.key is None or self.key == record.key)
            and (
                self.key_contains is None
                or (record.key is not None and self.key_contains in record.key)
            )
        )


class Link:
    """What the wire between client and server adds: ``delay`` seconds before each
    request is answered (a region's time to first byte) and, when ``bandwidth`` is
    set, at most that many bytes a second of bodies, both ways, shared by every
    connection (one link)."""

    #: Bytes paced at a time.
    SLICE = 256 * 1024

    def __init__(self):
        self.delay = 0.0
        self.bandwidth: float | None = None
        self._lock = threading.Lock()
        self._free_at = 0.0

    def pace(self, size: int) -> None:
        """Wait until ``size`` more bytes have had their turn on the link."""
        if not self.bandwidth or size <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._free_at = max(now, self._free_at) + size / self.bandwidth
            until = self._free_at
        pause = until - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    def slices(self, chunk: bytes):
        """``chunk`` in pieces, each sent in its turn."""
        if not self.bandwidth:
            yield chunk
            return
        for start in range(0, len(chunk), self.SLICE):
            piece = chunk[start:start + self.SLICE]
            self.pace(len(piece))
            yield piece


class _PacedInput:
    """A request's body read at the link's pace."""

    def __init__(self, stream, link):
        self._stream = stream
        self._link = link

    def read(self, size=-1):
        data = self._stream.read(size)
        self._link.pace(len(data))
        return data

    def readline(self, size=-1):
        data = self._stream.readline(size)
        self._link.pace(len(data))
        return data

    def __iter__(self):
        return iter(self.readline, b"")


class _QuietHandler(MotoRequestHandler):
    """Moto's request handler without per-request logging."""

    def log_request(self, *args, **kwargs):
        pass


def _cut(environ):
    """Close the client connection abruptly (FIN, no HTTP response)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("connection cut by S3Server fault")


class S3Server:
    """Moto S3 on ``127.0.0.1:<free port>`` with request accounting and faults."""

    def __init__(self):
        self._app = DomainDispatcherApplication(create_backend_app)
        self._lock = threading.Lock()
        #: Held by a conditional write while moto checks and writes: S3 decides each one
        #: atomically; moto checks, then writes, and another thread may write in between.
        self._conditional = threading.Lock()
        self._counts = Counter()
        self._requests = []
        self._faults = []
        self._hooks = []
        self._in_flight = 0
        self._throttle_above: int | None = None
        #: The link's delay and bandwidth (none by default: plain loopback).
        self.link = Link()
        self._server = None
        self._thread = None
        self.endpoint_url = None

    # -- lifecycle -------------------------------------------------------

    def start(self):
        self._server = make_server(
            "127.0.0.1", 0, self, threaded=True, request_handler=_QuietHandler
        )
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="S3Server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        """Wipe all moto state (every service, not only S3), counts and faults."""
        moto_api_backend.reset()
        with self._lock:
            self._counts.clear()
            self._requests.clear()
            self._faults.clear()
            self._hooks.clear()
            self._throttle_above = None
        self.link = Link()

    @property
    def backend(self):
        """Moto's S3 backend, for fast, uncounted seeding in tests."""
        return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]

    # -- accounting ------------------------------------------------------

    @property
    def counts(self):
        """A snapshot ``Counter`` of operation names."""
        with self._lock:
            return Counter(self._counts)

    @property
    def requests(self):
        """A snapshot list of :class:`Record`, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_counts(self):
        with self._lock:
            self._counts.clear()
            self._requests.clear()

    # -- faults ----------------------------------------------------------

    def fail(
        self,
        op=None,
        key=None,
        key_contains=None,
        status=500,
        times=1,
        drop=False,
        after_bytes=None,
        code=None,
        corrupt=False,
    ):
        """Add a fault rule; returns it (``rule.hits`` counts applications).

        ``after_bytes`` and ``corrupt`` rules only match GetObject unless ``op`` says otherwise.
        """
        if (after_bytes is not None or corrupt) and op is None:
            op = "GetObject"
        rule = Fault(op, key, key_contains, status, times, drop, after_bytes, code, corrupt)
        with self._lock:
            self._faults.append(rule)
        return rule

    def clear_faults(self):
        with self._lock:
            self._faults.clear()
            self._hooks.clear()
            self._throttle_above = None

    def when(self, op, run, key=None, times=1):
        """Call ``run(record)`` once moto has answered a request for ``op`` (of ``key``,
        if given), before the client reads the answer: another client's write landing
        just after ours was served (a race made certain). ``times`` requests (None: every one).
        Returns the hook; ``hook.hits`` counts the calls."""
        hook = Fault(op, key, times=times)
        hook.run = run
        with self._lock:
            self._hooks.append(hook)
        return hook

    def _take_hook(self, record):
        with self._lock:
            for hook in self._hooks:
                if hook.matches(record):
                    hook.hits += 1
                    if hook.times is not None:
                        hook.times -= 1
                        if hook.times <= 0:
                            self._hooks.remove(hook)
                    return hook
        return None

    def throttle_above(self, limit: int | None) -> None:
        """Answer ``503 SlowDown`` to a request that arrives while ``limit`` others are
        in flight (as S3 does to a client sending more than a prefix takes); None: never."""
        with self._lock:
            self._throttle_above = limit

    def _take_fault(self, record):
        with self._lock:
            for rule in self._faults:
                if rule.matches(record):
                    rule.hits += 1
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._faults.remove(rule)
                    return rule
        return None

    # -- WSGI ------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._app(environ, start_response)
        bucket, key = split_path(environ)
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), True))
        record = Record(
            op=classify(method, bucket, key, query, environ),
            method=method,
            bucket=bucket,
            key=key,
            query=query,
            range=environ.get("HTTP_RANGE"),
            if_match=environ.get("HTTP_IF_MATCH"),
            if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
            headers={name[5:].replace("_", "-").lower(): value
                     for name, value in environ.items() if name.startswith("HTTP_")},
        )
        with self._lock:
            self._counts[record.op] += 1
            self._requests.append(record)
            self._in_flight += 1
            record.in_flight = self._in_flight
            throttled = self._throttle_above is not None and record.in_flight > self._throttle_above
        try:
            link = self.link
            if link.delay:
                time.sleep(link.delay)
            if link.bandwidth:
                environ["wsgi.input"] = _PacedInput(environ["wsgi.input"], link)
            # Flask routes keys with ``.+``, which stops at a newline; moto reads
            # the key itself from RAW_URI, so only the routing copy is patched.
            environ["PATH_INFO"] = environ.get("PATH_INFO", "").replace("\n", " ")
            if throttled:
                rule = Fault(status=503, code="SlowDown")
            else:
                rule = self._take_fault(record)
            if rule is not None and rule.drop:
                _cut(environ)
            if rule is not None and rule.after_bytes is None and not rule.corrupt:
                body = self._error(environ, start_response, record, rule)
            else:

                def counting_start_response(status, headers, exc_info=None):
                    with self._lock:
                        record.status = int(status.split(None, 1)[0])
                    return start_response(status, headers, exc_info)

                conditional = method in ("PUT", "POST") and (record.if_match or record.if_none_match)
                with self._conditional if conditional else contextlib.nullcontext():
                    body = self._app(environ, counting_start_response)
                hook = self._take_hook(record)
                if hook is not None:  # moto has answered; the client has not read the answer yet
                    hook.run(record)
            limit = rule.after_bytes if rule is not None else None
        except BaseException:
            self._done()
            raise
        return self._stream(environ, body, record, limit, link, corrupt=rule is not None and rule.corrupt)

    def _done(self):
        with self._lock:
            self._in_flight -= 1

    def _stream(self, environ, body, record, limit, link, corrupt=False):
        """Yield the body at the link's pace, counting bytes; cut the connection after ``limit``;
        ``corrupt``: the first byte changed."""
        try:
            for chunk in body:
                if corrupt and chunk:
                    chunk, corrupt = bytes([chunk[0] ^ 0xFF]) + chunk[1:], False
                if limit is not None:
                    chunk = chunk[: max(0, limit - record.bytes_sent)]
                for piece in link.slices(chunk):
                    with self._lock:
                        record.bytes_sent += len(piece)
                    yield piece
                if limit is not None and record.bytes_sent >= limit:
                    break
            if limit is not None:
                _cut(environ)
        finally:
            self._done()
            if hasattr(body, "close"):
                body.close()

    def _error(self, environ, start_response, record, rule):
        get_input_stream(environ).read()  # drain the request body
        code = rule.code or _ERROR_CODES.get(rule.status, "InternalError")
        resource = "/" + "/".join(p for p in (record.bucket, record.key) if p)
        payload = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code>"
            f"<Message>Injected fault ({rule.status})</Message>"
            f"<Resource>{escape(resource)}</Resource>"
            f"<RequestId>{uuid.uuid4().hex}</RequestId></Error>"
        ).encode()
        if record.method == "HEAD":
            payload = b""
        with self._lock:
            record.status = rule.status  # its bytes are counted as _stream sends them
        start_response(
            f"{rule.status} Injected",
            [
                ("Content-Type", "application/xml"),
                ("Content-Length", str(len(payload))),
                ("x-amz-request-id", "injected"),
            ],
        )
        return [payload]
