"""An S3 manager's configuration read without botocore, where it is plain.

Importing botocore and making its client costs about 0.2 s of CPU (its models, its
endpoint rules, its credential chain: benchmarks/FIELD.md, "Starting without botocore"),
which is a fifth of a small job's time at 30 ms a request. The direct path
(:mod:`.direct`) needs only keys, a region, an endpoint and the retry settings; where
every one of them comes from a place read here, it starts without botocore, which is
then made only if a request needs it.

"Plain" is narrow on purpose, and anything else is botocore's to decide:

* keys given to the manager, or ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (with
  ``AWS_SECURITY_TOKEN``/``AWS_SESSION_TOKEN``) and no profile named: botocore's
  environment provider, first in its chain;
* an endpoint URL: the manager's, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``
  (AWS's own endpoints, and their regions' rules, are learnt from botocore's first request);
* a region: the manager's, else ``AWS_DEFAULT_REGION``, else the config file's default
  profile;
* retries in standard mode (``AWS_RETRY_MODE``/``retry_mode``), ``AWS_MAX_ATTEMPTS``/
  ``max_attempts`` attempts, else ours;
* no other ``AWS_*`` variable, no other key in the config file's default profile, no proxy
  for the endpoint, not unsigned.

:func:`place` is where botocore sends a bucket's requests on such an endpoint.
"""

from __future__ import annotations

import configparser
import os
import stat
import urllib.parse
import urllib.request
from dataclasses import dataclass

#: ``AWS_*`` variables this reads, or that do not change an S3 client's requests.
KNOWN_VARIABLES = frozenset({
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_CA_BUNDLE",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED",
    "AWS_PAGER", "AWS_DEFAULT_OUTPUT", "AWS_CLI_AUTO_PROMPT", "AWS_CLI_FILE_ENCODING",
})
#: Keys of the config file's default profile this reads, or that only the AWS CLI reads.
KNOWN_SETTINGS = frozenset({
    "region", "retry_mode", "max_attempts", "aws_access_key_id", "aws_secret_access_key",
    "aws_session_token", "output", "cli_pager", "cli_timestamp_format", "cli_binary_format",
    "cli_history", "cli_auto_prompt",
})
#: A config file bigger than this is left to botocore.
CONFIG_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Keys:
    """Credentials as botocore's ``Credentials`` hands them to a signer."""

    access_key: str
    secret_key: str
    token: str | None = None

    def get_frozen_credentials(self) -> Keys:
        return self


@dataclass(frozen=True)
class Plain:
    """What the direct path needs, read without botocore."""

    endpoint: urllib.parse.SplitResult  # scheme and host[:port], no path
    region: str
    keys: Keys
    attempts: int
    ca_bundle: str | None


def read(*, endpoint_url: str | None, profile: str | None, region: str | None, unsigned: bool, credentials: dict, environ=os.environ) -> Plain | None:
    """The manager's configuration if it is plain (see the module's notes), else None."""
    if unsigned or profile is not None or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE"):
        return None
    if any(name.startswith("AWS_") and name not in KNOWN_VARIABLES for name in environ):
        return None
    settings = _default_profile(environ)
    if settings is None:
        return None
    keys = _keys(credentials, environ)
    region = region or environ.get("AWS_DEFAULT_REGION") or settings.get("region")
    endpoint = _endpoint(endpoint_url, environ)
    mode = environ.get("AWS_RETRY_MODE") or settings.get("retry_mode") or "standard"
    attempts = environ.get("AWS_MAX_ATTEMPTS") or settings.get("max_attempts") or "3"
    if keys is None or not region or endpoint is None or mode != "standard" or not attempts.isdigit() \
            or int(attempts) < 1:
        return None
    proxies = urllib.request.getproxies()
    if endpoint.scheme in proxies and not urllib.request.proxy_bypass(endpoint.hostname):
        return None
    return Plain(endpoint, region, keys, int(attempts), environ.get("AWS_CA_BUNDLE") or None)


def _keys(credentials: dict, environ) -> Keys | None:
    if credentials:
        access, secret = credentials.get("aws_access_key_id"), credentials.get("aws_secret_access_key")
        token = credentials.get("aws_session_token")
    else:
        access, secret = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
        token = next((environ[name] for name in ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN") if name in environ), None)
    return Keys(access, secret, token or None) if access and secret else None


def _endpoint(endpoint_url: str | None, environ) -> urllib.parse.SplitResult | None:
    if endpoint_url is None and environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        endpoint_url = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if not endpoint_url:
        return None
    try:
        parts = urllib.parse.urlsplit(endpoint_url)
        parts.port  # noqa: B018  (raises on a port that is not one)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return parts


def _default_profile(environ) -> dict | None:
    """The config file's default profile ({} where there is no file); None where it holds
    anything this does not read, or cannot be read whole."""
    path = os.path.expanduser(os.path.expandvars(environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))
    try:  # a name is checked where it is read: never blocked by a FIFO, never reading a device
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return {} if not os.path.lexists(path) else None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return {} if path == os.devnull else None
        data = handle.read(CONFIG_LIMIT + 1)
    if len(data) > CONFIG_LIMIT:
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(data.decode("utf-8"))
    except (UnicodeDecodeError, configparser.Error):
        return None  # botocore says what is wrong with it, in its words
    if not parser.has_section("default"):
        return {}
    settings = dict(parser.items("default"))
    return settings if set(settings) <= KNOWN_SETTINGS else None


def place(plain: Plain, bucket: str) -> tuple[str, str]:
    """(``scheme://host[:port]``, the bucket's path prefix ending in ``/``) where botocore sends
    requests for ``bucket``'s objects on ``plain.endpoint``: with an endpoint URL of its own
    and no ``addressing_style`` in the configuration, botocore writes the bucket in the path,
    whatever the bucket's name or the host (tests/unit/test_plain.py holds this to botocore's
    answers)."""
    endpoint = plain.endpoint
    return f"{endpoint.scheme}://{endpoint.netloc}", "/" + urllib.parse.quote(bucket, safe="") + "/"
