"""A small file's one request, and listings, sent straight: ``GetObject``, ``PutObject``,
``CopyObject`` and ``ListObjectsV2`` without botocore's pipeline.

botocore spends 1.1-1.3 ms of CPU on each request (its events, endpoint rules, the
serializer and parser, urllib3), twice what the whole exchange costs over ``http.client``
(benchmarks/FIELD.md, "The direct path"); a small file is one such request, so that CPU
was most of a small file's cost, and on a machine whose CPUs the client shares, wall time.
And making botocore's client at all costs a job ~0.2 s of start-up. :class:`Client` makes
those requests itself (on :mod:`.wire`):

* **where**: on a plain configuration (:mod:`.plain`: keys, region and an endpoint URL read
  without botocore; :meth:`Client.without_botocore`), where botocore would send them, from
  the first request on. Otherwise where botocore itself sent the bucket's first small-file
  request, and the region it signed it for (seen through botocore's public ``before-send``
  event): endpoint, addressing style and region are botocore's, whatever the configuration
  says; that first request of each bucket, and the listings before it, are botocore's;
* **signed** with AWS Signature Version 4 (:class:`wire.Signer`; its day's key kept, not made
  again for each request), with the credentials of the client's session, asked for each
  request (refreshed ones are refreshed), or the plain configuration's keys;
* **sent** over ``http.client`` connections kept for the next request where the server
  allows (:class:`wire.Connections`), with the client's connect and read time limits;
* **answered** in botocore's shapes: the same keys in the dict (those our callers read; a
  listing's pages whole), ``ClientError`` with S3's code and message, botocore's own
  exceptions for what got no answer, so callers and ``errors.s3_errors`` cannot tell the two
  apart; a download's body raises ``IncompleteReadError`` when cut short, and is checked
  against a CRC32, SHA-1 or SHA-256 the server sends (``x-amz-checksum-mode: ENABLED``:
  botocore's default);
* **retried** as botocore's standard mode retries: the client's attempts, exponential
  back-off with jitter (at most 20 s), on no answer, 500/502/503/504, throttling and
  transient codes, while the retry quota lasts; a ``SlowDown``/503 tells the request slot
  (``transfer.throttled``).

Anything else goes to the botocore client (made then, on a plain configuration), with the
same arguments: a client this cannot stand for (:meth:`Client.of` gives the botocore client
back: another retry mode or signature version, a proxy or client certificate in its
configuration), a bucket whose requests are not plain (unsigned, another signing name, a
proxy from the environment, a redirect to another region), a parameter not listed in
:data:`HEADERS` or :data:`LISTING`.
"""

from __future__ import annotations

import hashlib
import http.client
import random
import re
import ssl
import threading
import time
import urllib.parse
from xml.etree import ElementTree

from botocore.retries.quota import RetryQuota

from . import plain, wire
from .client import SLOW_DOWN, parse_timestamp

#: botocore's parameters of the three operations, and the headers they become.
HEADERS = {"ContentMD5": "Content-MD5", "IfMatch": "If-Match", "IfNoneMatch": "If-None-Match"}
#: Transient codes botocore's standard mode retries (besides 500/502/503/504 and throttling).
TRANSIENT = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
                       "InternalError"})
RETRIED_STATUS = frozenset({500, 502, 503, 504})
THROTTLING = SLOW_DOWN | {"ThrottledException", "RequestThrottledException", "TooManyRequestsException",
                          "ProvisionedThroughputExceededException", "BandwidthLimitExceeded",
                          "LimitExceededException", "TransactionInProgressException"}
#: Answers that mean another URL (another region): the bucket goes to botocore, which follows them.
REDIRECTS = frozenset({"PermanentRedirect", "TemporaryRedirect", "AuthorizationHeaderMalformed",
                       "IllegalLocationConstraintException"})
#: botocore's standard mode: at most this many seconds between attempts; what a retry takes
#: of the client's retry quota (a throttled one less), and what a first-time success gives back.
MAX_BACKOFF = 20
RETRY_COST, THROTTLING_RETRY_COST, NO_RETRY_INCREMENT = 14, 5, 1


class _Redirected(Exception):
    """The bucket answers from another URL: its requests go to botocore."""


class Client:
    """``get_object``, ``put_object`` and ``copy_object`` of a botocore S3 client, with its
    parameters and answers, sent straight (see the module's notes).

    Made by :meth:`of`; ``client`` is the botocore client it stands for (and falls back on),
    ``credentials`` its session's.
    """

    def __init__(self, botocore, credentials, attempts: int, timeouts: tuple[float, float], keep: int,
                 context: ssl.SSLContext | None, plain: plain.Plain | None = None):
        self._botocore = botocore
        self._credentials = credentials
        self._attempts = attempts
        self._context = context
        self._timeouts = timeouts
        self._keep = keep
        #: Where every bucket is, when the configuration says (:mod:`.plain`): nothing to learn.
        self._plain = plain
        #: Each bucket's connections once learnt (False: its requests go to botocore).
        self._places: dict[str, wire.Connections | bool] = {}
        self._lock = threading.Lock()
        #: botocore's standard mode stops retrying once a client's retries have used this up
        #: (500, given back by requests that succeed): an endpoint that is down gets one try each.
        self._quota = RetryQuota()
        self._learning = threading.local()

    @property
    def botocore(self):
        """The botocore client this stands for (made when first asked for, where it was not yet)."""
        return self._botocore()

    @classmethod
    def of(cls, client, session):
        """A :class:`Client` for ``client`` (made by ``client.new_client`` from ``session``),
        or ``client`` itself where this one could not send its requests the same way."""
        config = client.meta.config
        retries = config.retries or {}
        mode = retries.get("mode") or session.get_config_variable("retry_mode") or "legacy"
        if mode != "standard" or config.proxies or config.client_cert or config.signature_version not in (None, "s3v4"):
            return client
        attempts = retries.get("total_max_attempts")
        if attempts is None:
            attempts = session.get_config_variable("max_attempts") or 3
        try:
            credentials = session.get_credentials()
        except Exception:  # a profile botocore cannot read: it says why, in its words, at the first request
            return client
        if credentials is None:
            return client
        context = None
        endpoint = client.meta.endpoint_url or ""
        if not endpoint.startswith("http://"):
            from botocore.httpsession import get_cert_path

            context = ssl.create_default_context(cafile=session.get_config_variable("ca_bundle") or get_cert_path(True))
        found = cls(lambda: client, credentials, int(attempts), (config.connect_timeout, config.read_timeout),
                    config.max_pool_connections, context)
        # Last of all: a handler that answers in botocore's stead (moto's mock, a stub) ends
        # the event before it, and a request that never left teaches nothing.
        client.meta.events.register_last("before-send", found._note)
        return found

    @classmethod
    def without_botocore(cls, settings: plain.Plain, botocore, timeouts: tuple[float, float], keep: int) -> Client:
        """A :class:`Client` of a plain configuration (:func:`.plain.read`): every bucket's place
        known from it, and ``botocore()`` (the manager's botocore client, made then) called only
        for a request this does not send."""
        context = None
        if settings.endpoint.scheme == "https":
            context = ssl.create_default_context(cafile=settings.ca_bundle or wire.ca_bundle())
        return cls(botocore, settings.keys, settings.attempts, timeouts, keep, context, settings)

    # Where a bucket is ------------------------------------------------

    def _note(self, request, **kwargs) -> None:
        """botocore's ``before-send``: the URL and signature of a request this thread is learning from."""
        if getattr(self._learning, "key", None) is not None:
            self._learning.sent = (request.url, request.headers.get("Authorization"))

    def _learn(self, name: str, bucket: str, key: str, params: dict):
        """botocore's ``name(**params)``; where it went and how it was signed tell where the
        bucket's objects are (:meth:`_place`) for the requests after it."""
        self._learning.key, self._learning.sent = key, None
        try:
            answer = getattr(self.botocore, name)(**params)
            sent = self._learning.sent
        finally:
            self._learning.key = self._learning.sent = None
        if sent is not None:
            found = self._place(key, *sent)
            with self._lock:
                self._places.setdefault(bucket, found)
        return answer

    def _place(self, key: str, url: str, authorization) -> wire.Connections | bool:
        """The connections to where a request for ``key`` went (``url``, signed
        ``authorization``), or False if this cannot send it the same way."""
        if isinstance(authorization, bytes):
            authorization = authorization.decode("ascii", "replace")
        scope = re.match(r"AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request,",
                         authorization or "")
        parts = urllib.parse.urlsplit(url)
        quoted = wire.quote(key)
        if scope is None or scope.group(2) != "s3" or not parts.path.endswith(quoted) \
                or parts.scheme not in ("http", "https"):
            return False  # unsigned, another signature or service, a path of another shape
        if wire.proxied(parts.scheme, parts.hostname or ""):
            return False  # botocore goes through the proxy
        return self._connections_to(parts.scheme, parts.netloc, parts.path[:len(parts.path) - len(quoted)],
                                    scope.group(1))

    def _connections_to(self, scheme: str, host: str, prefix: str, region: str) -> wire.Connections:
        place = wire.Place(scheme, host, prefix, wire.Signer(region, "s3"))
        return wire.Connections(place, *self._timeouts, self._keep, self._context if scheme == "https" else None)

    def _known(self, bucket: str) -> wire.Connections | bool | None:
        """The bucket's connections: known (a plain configuration's, or learnt), False (its
        requests go to botocore) or None (to be learnt from botocore's first request)."""
        with self._lock:
            found = self._places.get(bucket)
            if found is None and self._plain is not None:
                where = plain.place(self._plain, bucket)
                if where is not None:
                    found = self._places[bucket] = self._connections_to(*where, self._plain.region)
            return found

    # The exchange ------------------------------------------------------

    def _request(self, operation: str, connections: wire.Connections, method: str, key: str | None, query: dict,
                 headers: dict, body: bytes | None, read: bool = True):
        """One request, retried as botocore's standard mode would: the answer (2xx), its
        connection and, if ``read``, its body read whole (then the connection is handed back;
        otherwise the caller hands both to ``connections.done``); ``key`` None: the bucket's own
        request (a listing). Raises ``ClientError``,
        ``_Redirected``, or botocore's exceptions for no answer."""
        import botocore.exceptions as bce

        from ..transfer import throttled

        place = connections.place
        path = place.prefix + wire.quote(key) if key is not None else (place.prefix.rstrip("/") or "/")
        canonical_query = "&".join(f"{wire.quote(k, '-_.~')}={wire.quote(v, '-_.~')}" for k, v in sorted(query.items()))
        target = path + ("?" + canonical_query if canonical_query else "")
        payload = wire.EMPTY_SHA256 if not body else (
            "UNSIGNED-PAYLOAD" if place.scheme == "https" else hashlib.sha256(body).hexdigest())
        headers = {"host": place.host, "User-Agent": wire.USER_AGENT, **headers}
        spent = None  # the retry quota the last retry took
        for attempt in range(1, self._attempts + 1):
            credentials = self._credentials.get_frozen_credentials()
            signed = place.signer.sign(method, path, canonical_query, headers, payload, credentials)
            try:
                response, connection = connections.exchange(method, target, signed, body)
                status = response.status
                answer = response.read() if read or not 200 <= status < 300 else None
            except (bce.ConnectionError, bce.HTTPClientError) as error:
                spent = self._retrying(attempt, RETRY_COST)
                if spent is None:
                    error.attempts = attempt
                    raise
                continue
            except (OSError, http.client.HTTPException) as error:  # the answer's body was cut
                connection.close()
                spent = self._retrying(attempt, RETRY_COST)
                if spent is None:
                    raise wire.failure("ConnectionClosedError", place.origin, error) from error
                continue
            if answer is not None:
                connections.done(response, connection)
            # A CopyObject answered 200 may still have failed: its body is an <Error>
            # (botocore retries it as a 500).
            failed = not 200 <= status < 300 or (operation == "CopyObject" and b"<Error>" in answer[:512])
            if not failed:
                self._quota.release(spent or NO_RETRY_INCREMENT)
                return response, connection, answer
            error = wire.error_response(status if status >= 300 else 500, response.reason,
                                    wire.answer_headers(response), answer)
            code = error["Error"]["Code"]
            if status in (301, 307) or code in REDIRECTS:
                raise _Redirected(code)
            if status == 503 or code in SLOW_DOWN:
                throttled()
            retried = status in RETRIED_STATUS or code in THROTTLING or code in TRANSIENT
            spent = self._retrying(attempt, THROTTLING_RETRY_COST if code in THROTTLING else RETRY_COST) \
                if retried else None
            if spent is None:
                raise bce.ClientError(error, operation)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _retrying(self, attempt: int, cost: int) -> int | None:
        """Whether attempt ``attempt`` that failed is tried again: ``cost`` of the retry quota
        taken and the back-off slept (the cost), or None (no attempt or quota left)."""
        if attempt == self._attempts or not self._quota.acquire(cost):
            return None
        time.sleep(min(random.random() * 2 ** (attempt - 1), MAX_BACKOFF))
        return cost

    def _direct(self, name: str, bucket: str, key: str, params: dict, allowed: set, send):
        """``send(connections)`` where the bucket's place is known and every parameter is one
        this sends; else botocore's call (learning the place from it the first time)."""
        if set(params) - allowed:
            return getattr(self.botocore, name)(**params)
        connections = self._known(bucket)
        if connections is None:
            return self._learn(name, bucket, key, params)
        if connections is not False:
            try:
                return send(connections)
            except _Redirected:
                with self._lock:
                    self._places[bucket] = False
        return getattr(self.botocore, name)(**params)

    # The three operations ---------------------------------------------

    def get_object(self, **params):
        bucket, key = params["Bucket"], params["Key"]

        def send(connections):
            query = {"versionId": params["VersionId"]} if params.get("VersionId") else {}
            response, connection, _ = self._request("GetObject", connections, "GET", key, query,
                                                    {"x-amz-checksum-mode": "ENABLED"}, None, read=False)
            return {
                "Body": wire.Body(response, connection, connections),
                "ETag": response.getheader("ETag"),
                "ContentLength": int(response.getheader("Content-Length") or 0),
                "VersionId": response.getheader("x-amz-version-id"),
                "ServerSideEncryption": response.getheader("x-amz-server-side-encryption"),
                "SSECustomerAlgorithm": response.getheader("x-amz-server-side-encryption-customer-algorithm"),
            }

        return self._direct("get_object", bucket, key, params, {"Bucket", "Key", "VersionId"}, send)

    def put_object(self, **params):
        bucket, key = params["Bucket"], params["Key"]

        def send(connections):
            body = params["Body"]
            headers = {HEADERS[name]: value for name, value in params.items() if name in HEADERS}
            response, _, _ = self._request("PutObject", connections, "PUT", key, {}, headers, body)
            return {"ETag": response.getheader("ETag"), "VersionId": response.getheader("x-amz-version-id")}

        allowed = {"Bucket", "Key", "Body", *HEADERS} if isinstance(params.get("Body"), bytes) else set()
        return self._direct("put_object", bucket, key, params, allowed, send)

    def copy_object(self, **params):
        bucket, key, source = params["Bucket"], params["Key"], params["CopySource"]

        def send(connections):
            copied = wire.quote(f"{source['Bucket']}/{source['Key']}", safe="-._~/")
            if source.get("VersionId"):
                copied += "?versionId=" + source["VersionId"]
            headers = {HEADERS[name]: value for name, value in params.items() if name in HEADERS}
            headers["x-amz-copy-source"] = copied
            response, _, body = self._request("CopyObject", connections, "PUT", key, {}, headers, None)
            etag = None
            try:
                found = ElementTree.fromstring(body).find("{*}ETag")
                etag = found.text if found is not None else None
            except ElementTree.ParseError:
                pass
            return {"CopyObjectResult": {"ETag": etag}, "VersionId": response.getheader("x-amz-version-id")}

        plain = isinstance(source, dict) and not set(source) - {"Bucket", "Key", "VersionId"}
        allowed = {"Bucket", "Key", "CopySource", "IfMatch", "IfNoneMatch"} if plain else set()
        return self._direct("copy_object", bucket, key, params, allowed, send)


    # Listing ------------------------------------------------------------

    def object_pages(self, **params):
        """The pages of a ``ListObjectsV2`` listing, as botocore's paginator gives them (keys
        url-encoded on the wire and decoded here, as botocore asks and decodes them); sent
        straight where the bucket's place is known, else through botocore's paginator."""
        bucket = params["Bucket"]
        connections = self._known(bucket) if not params.keys() - LISTING.keys() else False
        token = None
        while connections:
            query = {name: str(params[param]) for param, name in LISTING.items()
                     if name and params.get(param) is not None}
            query.update({"list-type": "2", "encoding-type": "url"})
            if token is not None:
                query["continuation-token"] = token
            try:
                _, _, body = self._request("ListObjectsV2", connections, "GET", None, query, {}, None)
            except _Redirected:
                with self._lock:
                    self._places[bucket] = connections = False
                break
            page = _listing_page(body)
            yield page
            following = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not following:
                return
            if following == token:
                import botocore.exceptions as bce

                raise bce.PaginationError(message=f"The same next token was received twice: {token}")
            token = following
        if token is not None:
            params = dict(params, ContinuationToken=token)
        yield from self.botocore.get_paginator("list_objects_v2").paginate(**params)


#: The parameters of a listing this sends, and their names in its query.
LISTING = {"Bucket": None, "Prefix": "prefix", "Delimiter": "delimiter", "StartAfter": "start-after",
           "MaxKeys": "max-keys", "ContinuationToken": "continuation-token"}
#: ``ListObjectsV2``'s answer: the numbers in it, and what ``EncodingType=url`` encodes.
LISTING_NUMBERS = frozenset({"MaxKeys", "KeyCount", "Size"})
LISTING_ENCODED = ("Delimiter", "Prefix", "StartAfter")


def _listing_page(body: bytes) -> dict:
    """A ``ListObjectsV2`` answer in botocore's shape: ``Contents`` (``Key``, ``LastModified``
    as a datetime, ``ETag``, ``Size``...), ``CommonPrefixes``, ``IsTruncated``, the tokens."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        import botocore.exceptions as bce

        raise bce.ResponseParserError(f"Unable to parse response ({error}), invalid XML received") from error
    page: dict = {}
    for child in root:
        tag = child.tag.rpartition("}")[2]
        if tag == "Contents":
            page.setdefault("Contents", []).append(_listed_object(child))
        elif tag == "CommonPrefixes":
            page.setdefault("CommonPrefixes", []).append(_fields(child))
        else:
            page[tag] = _value(tag, child.text)
    if page.get("EncodingType") == "url":
        for name in LISTING_ENCODED:
            if name in page:
                page[name] = urllib.parse.unquote_plus(page[name])
        for item in page.get("Contents", ()):
            item["Key"] = urllib.parse.unquote_plus(item["Key"])
        for common in page.get("CommonPrefixes", ()):
            common["Prefix"] = urllib.parse.unquote_plus(common["Prefix"])
    return page


def _value(tag: str, text: str | None):
    text = text or ""
    if tag in LISTING_NUMBERS:
        return int(text)
    if tag == "IsTruncated":
        return text == "true"
    if tag == "LastModified":
        return parse_timestamp(text)
    return text


def _fields(element) -> dict:
    return {child.tag.rpartition("}")[2]: child.text or "" for child in element}


def _listed_object(element) -> dict:
    item: dict = {}
    for child in element:
        tag = child.tag.rpartition("}")[2]
        if tag == "ChecksumAlgorithm":
            item.setdefault(tag, []).append(child.text or "")
        elif len(child):
            item[tag] = _fields(child)  # Owner, RestoreStatus
        else:
            item[tag] = _value(tag, child.text)
    return item
