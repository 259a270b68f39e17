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
* an endpoint URL: the manager's, else ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``;
  or none, and AWS's own endpoint of a region of the ``aws``, ``aws-us-gov`` or ``aws-cn``
  partition (others, and their rules, are learnt from botocore's first request);
* a region: the manager's, else ``AWS_DEFAULT_REGION``, else the config file's default
  profile;
* retries in standard mode (``AWS_RETRY_MODE``/``retry_mode``), ``AWS_MAX_ATTEMPTS``/
  ``max_attempts`` attempts, else ours;
* no other ``AWS_*`` variable, no other key in the config file's default profile, no proxy
  for the endpoint, not unsigned.

:func:`place` is where botocore sends a bucket's requests on such an endpoint (none for an S3
Express directory bucket, whose requests botocore signs with a session of its own).
"""

from __future__ import annotations

import configparser
import os
import re
import stat
import urllib.parse
from dataclasses import dataclass

from . import wire

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
#: A bucket name botocore puts in the host name on https (``aws.isVirtualHostableS3Bucket``: no dots).
VIRTUAL_HOSTABLE = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
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
    #: AWS's own endpoint (no endpoint URL given), where a bucket may be its host's first label.
    aws: bool = False
    #: The manager's ``path_style``: the bucket always in the path.
    path_style: bool = False


def read(*, endpoint_url: str | None, profile: str | None, region: str | None, path_style: bool | None,
         unsigned: bool, credentials: dict, environ=os.environ) -> Plain | None:
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
    aws = endpoint is None
    if aws and region:
        endpoint = _aws_endpoint(region)
    mode = environ.get("AWS_RETRY_MODE") or settings.get("retry_mode") or "standard"
    attempts = environ.get("AWS_MAX_ATTEMPTS") or settings.get("max_attempts") or "3"
    if keys is None or not region or not endpoint or mode != "standard" or not attempts.isdigit() \
            or int(attempts) < 1:
        return None
    if wire.proxied(endpoint.scheme, endpoint.hostname):
        return None
    return Plain(endpoint, region, keys, int(attempts), environ.get("AWS_CA_BUNDLE") or None, aws, bool(path_style))


def _keys(credentials: dict, environ) -> Keys | None:
    if credentials:
        access, secret = credentials.get("aws_access_key_id"), credentials.get("aws_secret_access_key")
        token = credentials.get("aws_session_token")
    else:
        access, secret = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
        token = next((environ[name] for name in ("AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN") if name in environ), None)
    return Keys(access, secret, token or None) if access and secret else None


def _endpoint(endpoint_url: str | None, environ) -> urllib.parse.SplitResult | bool | None:
    """The endpoint URL given (None: none; False: one this does not read)."""
    if endpoint_url is None and environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        endpoint_url = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if not endpoint_url:
        return None
    try:
        parts = urllib.parse.urlsplit(endpoint_url)
        parts.port  # noqa: B018  (raises on a port that is not one)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment or "@" in parts.netloc:
        return False
    return parts


#: The regions of the partitions whose S3 endpoints are ``s3.<region>.<domain>`` (botocore's
#: ``partitions.json``), and that domain; us-east-1 is ``s3.amazonaws.com`` (botocore's default).
PARTITIONS = ((re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+"), "amazonaws.com"),
              (re.compile(r"us-gov-\w+-\d+"), "amazonaws.com"),
              (re.compile(r"cn-\w+-\d+"), "amazonaws.com.cn"))


def _aws_endpoint(region: str) -> urllib.parse.SplitResult | None:
    if region == "us-east-1":
        return urllib.parse.urlsplit("https://s3.amazonaws.com")
    for pattern, domain in PARTITIONS:
        if pattern.fullmatch(region):
            return urllib.parse.urlsplit(f"https://s3.{region}.{domain}")
    return None


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


def place(plain: Plain, bucket: str) -> tuple[str, str, str] | None:
    """(scheme, ``host[:port]``, the bucket's path prefix ending in ``/``) where botocore sends
    requests for ``bucket``'s objects, or None (botocore's to send: an S3 Express directory
    bucket). On an endpoint URL of one's own botocore writes the bucket in the path, whatever
    its name or the host; on AWS's own, a bucket that may be a host name's first label is one
    (virtual-hosted style), unless ``path_style`` (tests/unit/test_plain.py holds this to
    botocore's answers)."""
    if bucket.endswith("--x-s3"):
        return None
    endpoint = plain.endpoint
    if plain.aws and not plain.path_style and VIRTUAL_HOSTABLE.fullmatch(bucket):
        return endpoint.scheme, f"{bucket}.{endpoint.netloc}", "/"
    return endpoint.scheme, endpoint.netloc, "/" + urllib.parse.quote(bucket, safe="") + "/"
