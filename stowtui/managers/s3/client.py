"""Making the boto3 client of an S3 manager: session, configuration, credentials.

Each manager has its own botocore session (its own profile and keys) but they
share one loader of service models. Explicit access keys are filed under an
opaque name, so a manager's config can be handed round without the secret.
"""

from __future__ import annotations

import datetime
import email.utils
import threading

from .. import exceptions
from ..secret_store import SecretStore
from .errors import s3_errors

MiB = 1024**2
#: Below this, a PUT sends its body at once instead of waiting for ``100 Continue``:
#: every object sent as one request (``single.SINGLE_REQUEST_LIMIT``), and the
#: last, short part of a multipart upload.
CONTINUE_THRESHOLD = 8 * MiB

# Time limits for an interactive tool (botocore's own are 60 s a read, 5
# attempts: five minutes before a silent endpoint is reported). A silent
# listing now ends within READ_TIMEOUT * ATTEMPTS + CONNECT_TIMEOUT (29 s) plus
# the retries' short back-off; ``timeout=`` (``--timeout``) raises the read
# timeout for slow links, and the AWS configuration's own ``max_attempts`` and
# ``retry_mode`` win over ours where set.
#: Seconds to open a connection (at most; never more than the read timeout).
CONNECT_TIMEOUT = 5
#: Seconds to wait for the server to answer (or to send more of a body).
READ_TIMEOUT = 8
#: Attempts of one request in all, the first included.
ATTEMPTS = 3


#: Client options that save CPU on every request (on a loopback endpoint the
#: client's CPU is wall time). Our own code builds every request's parameters,
#: so botocore's validation of them finds nothing. A small PUT carries our
#: Content-MD5 (``single``), so botocore adds no CRC of its own where an
#: operation does not require one (DeleteObjects does); a multipart upload asks
#: for CRC32 parts by name (``transfers._upload``). Responses are still checked
#: against a checksum the server sends (botocore's default): for an object whose
#: ETag is not an MD5 that is the only whole-body check of a small download.
LEAN = dict(
    parameter_validation=False,
    request_checksum_calculation="when_required",
)


#: Explicit keys given to an S3 manager, by the opaque name ``toConfig`` uses for them.
_explicit_credentials = SecretStore("explicit")

_data_loader = None
_data_loader_lock = threading.Lock()


def credentials_name(credentials: dict) -> str:
    """The name under which these explicit keys are filed (filing them the first time)."""
    return _explicit_credentials.name(credentials)


def named_credentials(name: str) -> dict:
    """The explicit keys ``toConfig()`` named ``name`` earlier in this process."""
    found = _explicit_credentials.get(name)
    if not found:
        raise exceptions.InvalidPath(
            f"This S3 configuration refers to access keys ({name}) that were given "
            "to another process; pass aws_access_key_id and aws_secret_access_key again"
        )
    return found


def _botocore_session():
    """A new botocore session (each manager has its own profile and credentials)
    sharing one loader of service models: loading them again costs ~0.1 s a client."""
    global _data_loader
    import botocore.session

    session = botocore.session.get_session()
    with _data_loader_lock:
        if _data_loader is None:
            _data_loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _data_loader)
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)
    return session


def parse_timestamp(value):
    """A response's time as an aware datetime: ``LastModified`` of a listing is ISO 8601, which
    ``datetime.fromisoformat`` reads with the one shared ``timezone.utc``. botocore's default
    (dateutil) made three tz objects per key: 400 bytes an entry held by every listed artefact,
    and 5 % of a small download's CPU; an HTTP date goes to ``email.utils``. Anything else
    (epoch seconds) goes to botocore's parser."""
    if isinstance(value, str):
        try:
            if value.endswith("GMT"):  # a header's HTTP date (GetObject's Last-Modified): dateutil took 0.2 ms
                return email.utils.parsedate_to_datetime(value)
            parsed = datetime.datetime.fromisoformat(value)
        except (ValueError, TypeError):
            pass
        else:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.timezone.utc)
    from botocore.utils import parse_timestamp as botocore_parse

    return botocore_parse(value)


def _no_continue_for_small_bodies(params, **kwargs):
    """botocore asks for ``Expect: 100-continue`` on every file-like body (bytes are
    made one too): a whole extra round trip per small file. It only pays off for
    big bodies the server may refuse."""
    headers = params.get("headers", {})
    if headers.get("Expect") not in ("100-continue", b"100-continue"):
        return
    from botocore.utils import determine_content_length

    size = determine_content_length(params.get("body"))  # leaves the body's position alone
    if size is not None and size < CONTINUE_THRESHOLD:
        del headers["Expect"]


#: Error codes with which S3 (and S3-compatible stores) ask a client to send less at once.
SLOW_DOWN = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded",
                       "TooManyRequests", "RequestThrottled", "ServiceUnavailable"})


def _noting_slow_down(response=None, **kwargs):
    """A ``needs-retry`` handler: an answer ``503``/``SlowDown`` tells the request slot the
    thread holds (``transfer.throttled``), so the queue sends fewer requests at once.
    It leaves the retry itself to botocore (it answers None)."""
    if response is None:
        return None
    http, parsed = response
    code = (parsed or {}).get("Error", {}).get("Code")
    if http.status_code == 503 or code in SLOW_DOWN:
        from ..transfer import throttled

        throttled()
    return None


def _noting_timeouts(config):
    """An ``after-call-error`` handler that tells a timeout how long was waited
    (``error.waited``: seconds, attempts), for the sentence ``s3_errors`` makes."""

    def note(exception=None, **kwargs):
        import botocore.exceptions as bce

        if isinstance(exception, bce.ConnectTimeoutError):
            exception.waited = config.connect_timeout
        elif isinstance(exception, bce.ReadTimeoutError):
            exception.waited = config.read_timeout
        else:
            return
        exception.attempts = (config.retries or {}).get("total_max_attempts")

    return note


def new_session(*, profile: str | None, region: str | None, credentials: dict):
    """The botocore session of one S3 manager: its profile, region and explicit keys."""
    with s3_errors("connect to", "S3"):
        core = _botocore_session()
        if profile is not None:
            core.set_config_variable("profile", profile)
        if credentials:
            core.set_credentials(
                credentials.get("aws_access_key_id"),
                credentials.get("aws_secret_access_key"),
                credentials.get("aws_session_token"),
            )
        if region is not None:
            core.set_config_variable("region", region)
    return core


def time_limits(timeout: float | None) -> tuple[float, float]:
    """(connect, read) time limits in seconds of a client whose ``timeout`` is given (or None)."""
    read_timeout = READ_TIMEOUT if timeout is None else timeout
    return min(CONNECT_TIMEOUT, read_timeout), read_timeout


def new_client(
    core,
    *,
    endpoint_url: str | None,
    path_style: bool | None,
    unsigned: bool,
    max_pool_connections: int,
    timeout: float | None = None,
):
    """A botocore S3 client of the session ``core`` (:func:`new_session`) with our time
    limits and retry defaults and the 100-Continue handler.

    ``timeout``: seconds to wait for an answer (default :data:`READ_TIMEOUT`).

    Made straight from botocore (what ``boto3.session.Session.client`` does
    too, less its resource machinery): importing boto3 would also import
    s3transfer, ~40 ms of every start-up that only big files need.
    Per request it skips what is done elsewhere (:data:`LEAN`).
    """
    import botocore
    from botocore.config import Config

    with s3_errors("connect to", endpoint_url or "S3"):
        # Our defaults, unless the AWS configuration (AWS_MAX_ATTEMPTS,
        # AWS_RETRY_MODE, the profile) says otherwise.
        retries = {}
        if core.get_config_variable("retry_mode") is None:
            retries["mode"] = "standard"
        if core.get_config_variable("max_attempts") is None:
            retries["total_max_attempts"] = ATTEMPTS
    connect_timeout, read_timeout = time_limits(timeout)
    options = dict(
        LEAN,
        retries=retries,
        max_pool_connections=max_pool_connections,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    if path_style:
        options["s3"] = {"addressing_style": "path"}
    if unsigned:
        options["signature_version"] = botocore.UNSIGNED
    with s3_errors("connect to", "S3"):
        client = core.create_client("s3", endpoint_url=endpoint_url, config=Config(**options))
    # Same event as botocore's own handler, registered after it: so it runs after it.
    client.meta.events.register("before-call.s3", _no_continue_for_small_bodies)
    client.meta.events.register("after-call-error.s3", _noting_timeouts(client.meta.config))
    client.meta.events.register("needs-retry.s3", _noting_slow_down)
    return client
