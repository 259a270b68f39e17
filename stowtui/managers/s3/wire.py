"""The wire under the direct path (:mod:`.direct`): a request signed (AWS Signature Version 4)
and sent over ``http.client``, and its answer read as botocore would read it.

* :class:`Signer`: SigV4 in headers, the day's signing key kept;
* :class:`Place` and :class:`Connections`: where a bucket's objects are, and the
  connections to there, kept for the next request while the server keeps them open;
* :class:`Body`: a download's body, checked against its length and the server's checksum;
* :func:`failure`, :func:`error_response`: what got no answer, and an error answer, in
  botocore's exceptions and shapes, so that callers cannot tell the two paths apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

USER_AGENT = "stowtui (direct)"
#: Headers left out of the signature, as botocore leaves them (a proxy may change them).
UNSIGNED_HEADERS = frozenset({"user-agent", "expect", "transfer-encoding", "x-amzn-trace-id"})
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: Checksums a download is checked against, in botocore's order of preference (those
#: it checks without the CRT): the first the server sends.
CHECKSUMS = (
    ("x-amz-checksum-crc32", lambda: _Crc32()),
    ("x-amz-checksum-sha1", lambda: hashlib.sha1(usedforsecurity=False)),
    ("x-amz-checksum-sha256", hashlib.sha256),
    ("x-amz-checksum-sha512", hashlib.sha512),
)


def proxied(scheme: str, host: str) -> bool:
    """Whether the environment sends requests to ``host`` through a proxy (botocore follows
    ``HTTP_PROXY``/``HTTPS_PROXY`` and ``NO_PROXY``; the direct path does not)."""
    return scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host)


def quote(text: str, safe: str = "/~") -> str:
    """Percent-encode as botocore does for S3 paths (RFC 3986, ``/`` and ``~`` kept)."""
    return urllib.parse.quote(text, safe=safe)


class Signer:
    """AWS Signature Version 4 of one region and service, in headers (``Authorization``).

    The signing key is derived once a day per secret (four HMACs botocore makes for every
    request); a request then costs one SHA-256 and one HMAC.
    """

    def __init__(self, region: str, service: str = "s3"):
        self.region, self.service = region, service
        self._keys: dict[tuple[str, str], bytes] = {}

    def _key(self, secret: str, day: str) -> bytes:
        found = self._keys.get((secret, day))
        if found is None:
            found = hmac.new(("AWS4" + secret).encode(), day.encode(), hashlib.sha256).digest()
            for part in (self.region, self.service, "aws4_request"):
                found = hmac.new(found, part.encode(), hashlib.sha256).digest()
            self._keys = {(secret, day): found}  # yesterday's key goes
        return found

    def sign(self, method: str, path: str, query: str, headers: dict, payload_hash: str,
             credentials, now: float | None = None) -> dict:
        """``headers`` (with ``host``) and the signature's own: ``x-amz-date``,
        ``x-amz-content-sha256``, ``x-amz-security-token``, ``Authorization``.
        ``path`` is percent-encoded already; ``query`` is canonical (sorted, encoded)."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        signed = dict(headers)
        signed["x-amz-date"] = stamp
        signed["x-amz-content-sha256"] = payload_hash
        if credentials.token:
            signed["x-amz-security-token"] = credentials.token
        canonical = {name.lower(): " ".join(str(value).split()) for name, value in signed.items()
                     if name.lower() not in UNSIGNED_HEADERS}
        names = sorted(canonical)
        listed = ";".join(names)
        request = "\n".join((method, path, query, "".join(f"{n}:{canonical[n]}\n" for n in names),
                             listed, payload_hash))
        day = stamp[:8]
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
        signature = hmac.new(self._key(credentials.secret_key, day), to_sign.encode(), hashlib.sha256).hexdigest()
        signed["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
                                   f"SignedHeaders={listed}, Signature={signature}")
        return signed


@dataclass(frozen=True)
class Place:
    """Where one bucket's objects are: ``scheme://host`` + ``prefix`` + the quoted key."""

    scheme: str
    host: str  # host[:port], the Host header as botocore sends it
    prefix: str  # the bucket's path, ending in "/" ("/" for a virtual-hosted bucket)
    signer: Signer

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"


class Connections:
    """``http.client`` connections to one origin, kept for the next request while the server
    keeps them open (at most ``keep`` of them idle)."""

    def __init__(self, place: Place, connect_timeout: float, read_timeout: float, keep: int,
                 context: ssl.SSLContext | None):
        self.place = place
        self._address = urllib.parse.urlsplit(place.origin)
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._keep = keep
        self._context = context
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _new(self) -> http.client.HTTPConnection:
        parts, connect, read = self._address, self.connect_timeout, self.read_timeout
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=connect,
                                                     context=self._context)
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect)
        try:
            connection.connect()
        except (socket.timeout, TimeoutError) as error:
            raise failure("ConnectTimeoutError", self.place.origin, error, connect) from error
        except OSError as error:
            raise failure("EndpointConnectionError", self.place.origin, error) from error
        connection.sock.settimeout(read)
        return connection

    def exchange(self, method: str, target: str, headers: dict, body: bytes | None):
        """Send one request; the answer's ``http.client.HTTPResponse`` and its connection
        (hand both to :meth:`done`). Raises botocore's exceptions when no answer came."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is not None:
            try:  # a kept connection the server closed meanwhile fails at once: a new one, not an attempt
                return self._send(connection, method, target, headers, body, kept=True)
            except _Stale:
                pass
        return self._send(self._new(), method, target, headers, body, kept=False)

    def _send(self, connection, method, target, headers, body, kept: bool):
        try:
            connection.request(method, target, body=body, headers=headers)
            return connection.getresponse(), connection
        except (socket.timeout, TimeoutError) as error:
            connection.close()
            raise failure("ReadTimeoutError", self.place.origin, error, self.read_timeout) from error
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            connection.close()
            if kept:
                raise _Stale() from error
            raise failure("ConnectionClosedError", self.place.origin, error) from error
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise failure("ConnectionClosedError", self.place.origin, error) from error
        except ValueError as error:  # a header value no HTTP request may carry (a line break in an ETag)
            connection.close()
            import botocore.exceptions as bce

            raise bce.ParamValidationError(report=f"a header cannot be sent ({error})") from error

    def done(self, response, connection, whole: bool = True) -> None:
        """Keep ``connection`` for the next request if its answer was read ``whole`` and the
        server keeps it open; else close it."""
        if whole and not response.will_close:
            with self._lock:
                if len(self._idle) < self._keep:
                    self._idle.append(connection)
                    return
        connection.close()


def failure(kind: str, origin: str, error: BaseException, waited: float | None = None):
    """botocore's exception ``kind`` for a request that got no answer (``waited``: its time limit)."""
    import botocore.exceptions as bce

    failure = getattr(bce, kind)(endpoint_url=origin, error=error)
    if waited is not None:
        failure.waited = waited
    return failure


class _Stale(Exception):
    """A kept connection the server had closed."""


class _Crc32:
    """CRC32 with hashlib's ``update``/``digest``, as S3's ``x-amz-checksum-crc32`` is written."""

    def __init__(self):
        self._value = 0

    def update(self, data) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


class Body:
    """A download's body: ``iter_chunks``/``read``/``close`` as botocore's ``StreamingBody``;
    cut short of its ``Content-Length`` it raises ``IncompleteReadError``, and read whole it
    is checked against the server's checksum (``FlexibleChecksumError``)."""

    def __init__(self, response, connection, connections: Connections):
        self._response, self._connection, self._connections = response, connection, connections
        length = response.getheader("Content-Length")
        self._length = int(length) if length is not None and length.isdigit() else None
        self._read = 0
        self._whole = False
        self._checksum = None
        for header, make in CHECKSUMS:
            expected = response.getheader(header)
            if expected and "-" not in expected:  # "...-3": a checksum of the parts' checksums
                self._checksum = (header, expected, make())
                break

    def _chunk(self, size: int) -> bytes:
        try:
            chunk = self._response.read(size)
        except (socket.timeout, TimeoutError) as error:
            raise failure("ReadTimeoutError", self._connections.place.origin, error,
                           self._connections.read_timeout) from error
        except (OSError, http.client.HTTPException) as error:
            raise self._cut() from error
        if chunk:
            self._read += len(chunk)
            if self._checksum is not None:
                self._checksum[2].update(chunk)
        elif self._length is not None and self._read < self._length:
            raise self._cut()
        else:
            self._whole = True
            self._verify()
        return chunk

    def _cut(self):
        import botocore.exceptions as bce

        return bce.IncompleteReadError(actual_bytes=self._read, expected_bytes=self._length)

    def _verify(self) -> None:
        if self._checksum is None:
            return
        header, expected, checksum = self._checksum
        self._checksum = None
        if checksum.digest() != base64.b64decode(expected):
            import botocore.exceptions as bce

            raise bce.FlexibleChecksumError(
                error_msg=f"Expected checksum {expected} did not match calculated checksum: "
                          f"{base64.b64encode(checksum.digest()).decode()}"
            )

    def iter_chunks(self, chunk_size: int = 1024):
        while chunk := self._chunk(chunk_size):
            yield chunk

    def read(self) -> bytes:
        return b"".join(self.iter_chunks(256 * 1024))

    def close(self) -> None:
        self._response.close()
        self._connections.done(self._response, self._connection, self._whole)


def ca_bundle() -> str:
    """The certificates botocore trusts by default (``botocore.httpsession.get_cert_path``):
    certifi's where it is installed, else those botocore ships."""
    try:
        import certifi
    except ImportError:
        import botocore

        return os.path.join(os.path.dirname(botocore.__file__), "cacert.pem")
    return certifi.where()


def answer_headers(response) -> dict:
    return {name.lower(): value for name, value in response.getheaders()}


def error_response(status: int, reason: str, headers: dict, body: bytes) -> dict:
    """botocore's ``ClientError.response`` for an S3 error answer (its XML, or the status alone)."""
    error = {"Code": str(status), "Message": reason}
    if body:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            root = None
        if root is not None and root.tag.rpartition("}")[2] == "Error":
            error = {child.tag.rpartition("}")[2]: (child.text or "") for child in root}
            error.setdefault("Code", str(status))
            error.setdefault("Message", reason)
    return {"Error": error, "ResponseMetadata": {
        "HTTPStatusCode": status, "HTTPHeaders": headers,
        "RequestId": error.get("RequestId") or headers.get("x-amz-request-id", "")}}
