"""s3/plain.py: which configurations the direct path starts on without botocore, and where
it then sends a bucket's requests: held to botocore's own answers, request by request."""

from __future__ import annotations

import os
import urllib.parse

import botocore.session
import pytest
from botocore.config import Config

from stowtui.managers.s3 import plain

pytestmark = pytest.mark.unit

ENDPOINT = "http://127.0.0.1:9000"
ENV = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "eu-west-1",
       "AWS_CONFIG_FILE": os.devnull, "HOME": "/nonexistent"}


def read(environ=ENV, **given):
    options = dict(endpoint_url=ENDPOINT, profile=None, region=None, path_style=None, unsigned=False, credentials={})
    options.update(given)
    return plain.read(environ=environ, **options)


def with_config(tmp_path, text, **environ):
    path = tmp_path / "config"
    path.write_text(text)
    return dict(ENV, AWS_CONFIG_FILE=str(path), **environ)


def test_keys_region_and_endpoint_from_the_environment_are_plain():
    found = read()
    assert found.keys == plain.Keys("AKID", "secret", None)
    assert (found.region, found.attempts, found.endpoint.netloc) == ("eu-west-1", 3, "127.0.0.1:9000")


def test_the_managers_own_settings_win_over_the_environment():
    found = read(region="us-west-2", credentials={"aws_access_key_id": "MINE", "aws_secret_access_key": "s",
                                                  "aws_session_token": "t"})
    assert found.keys == plain.Keys("MINE", "s", "t") and found.region == "us-west-2"
    token = read(dict(ENV, AWS_SECURITY_TOKEN="old", AWS_SESSION_TOKEN="new"))
    assert token.keys.token == "old"  # botocore's environment provider reads this one first


def test_the_endpoint_comes_from_the_environment_unless_told_to_ignore_it():
    environ = dict(ENV, AWS_ENDPOINT_URL="http://10.0.0.1:1", AWS_ENDPOINT_URL_S3="http://10.0.0.2:2")
    assert read(environ, endpoint_url=None).endpoint.netloc == "10.0.0.2:2"
    ignored = read(dict(environ, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true"), endpoint_url=None)
    assert ignored.aws and ignored.endpoint.netloc == "s3.eu-west-1.amazonaws.com"


@pytest.mark.parametrize("change", [
    {"AWS_PROFILE": "work"},                       # a profile: its own keys, role, region...
    {"AWS_USE_FIPS_ENDPOINT": "true"},             # a variable this does not read
    {"AWS_CREDENTIAL_EXPIRATION": "2026-01-01"},  # keys that expire: botocore refreshes them
    {"AWS_RETRY_MODE": "adaptive"},                # botocore's rate limiter
    {"AWS_MAX_ATTEMPTS": "many"},
    {"AWS_SECRET_ACCESS_KEY": ""},                 # half a pair: botocore says what is missing
    {"AWS_DEFAULT_REGION": ""},
], ids=lambda change: next(iter(change)))
def test_anything_this_does_not_read_is_left_to_botocore(change):
    assert read(dict(ENV, **change)) is None


@pytest.mark.parametrize("given", [dict(profile="work"), dict(unsigned=True), dict(endpoint_url=None, region="xx-1"),
                                   dict(endpoint_url=None, region="us-iso-east-1"), dict(endpoint_url="ftp://host"), dict(endpoint_url="http://host/prefix"),
                                   dict(endpoint_url="http://host:notaport"), dict(endpoint_url="http://u:p@host")],
                         ids=str)
def test_a_manager_this_cannot_stand_for_is_left_to_botocore(given):
    assert read(**given) is None


def test_a_config_file_with_only_what_this_reads_is_plain(tmp_path):
    environ = with_config(tmp_path, "[default]\nregion = ap-south-1\noutput = json\nmax_attempts = 5\n"
                                    "[profile other]\ns3 =\n  addressing_style = virtual\n")
    del environ["AWS_DEFAULT_REGION"]
    found = read(environ)
    assert (found.region, found.attempts) == ("ap-south-1", 5)


@pytest.mark.parametrize("text", ["[default]\ns3 =\n  addressing_style = virtual\n",
                                  "[default]\ncredential_process = /bin/keys\n",
                                  "[default]\nregion = eu-west-1\nretry_mode = legacy\n",
                                  "[default\nregion = x\n",  # not an INI file: botocore's sentence
                                  "\udcff".encode("utf-8", "surrogateescape").decode("latin-1")])
def test_a_config_file_that_says_more_is_left_to_botocore(tmp_path, text):
    assert read(with_config(tmp_path, text)) is None


def test_a_config_file_that_is_a_fifo_is_never_waited_on(tmp_path):
    os.mkfifo(tmp_path / "fifo")  # nobody writes it: reading it would block for ever
    assert read(dict(ENV, AWS_CONFIG_FILE=str(tmp_path / "fifo"))) is None
    assert read(dict(ENV, AWS_CONFIG_FILE=str(tmp_path / "missing"))) is not None


SESSION = botocore.session.get_session()  # one session: its models loaded once
SESSION.set_credentials("AKID", "secret")


class _Sent(Exception):
    pass


def botocore_request(endpoint: str | None, bucket: str, region: str, addressing_style: str | None):
    """The URL and signing region of botocore's GetObject of ``bucket``/k, captured as it leaves."""
    options = {"s3": {"addressing_style": addressing_style}} if addressing_style else {}
    client = SESSION.create_client("s3", endpoint_url=endpoint, region_name=region, config=Config(**options))
    sent = {}

    def capture(request, **kwargs):
        sent["url"], sent["authorization"] = request.url, request.headers["Authorization"].decode()
        raise _Sent()

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Sent):
        client.get_object(Bucket=bucket, Key="k")
    return sent["url"], sent["authorization"].split("/")[2]


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9000", "http://localhost:9000", "https://s3.example.com",
                                      "http://[::1]:9000", "https://minio.local:9000/", "http://s3.example.com"])
@pytest.mark.parametrize("addressing_style", [None, "path"])
def test_a_buckets_requests_go_where_botocore_sends_them(endpoint, addressing_style):
    """The manager's ``path_style`` is botocore's ``addressing_style: path``; without it,
    botocore's default on an endpoint of one's own is the same."""
    settings = plain.Plain(urllib.parse.urlsplit(endpoint), "eu-west-1", plain.Keys("AKID", "secret"), 3, None)
    for bucket in BUCKETS:
        scheme, host, prefix = plain.place(settings, bucket)
        assert (f"{scheme}://{host}{prefix}k", "eu-west-1") == botocore_request(endpoint, bucket, "eu-west-1",
                                                                        addressing_style), bucket


BUCKETS = ["bucket", "my.bucket", "Bucket_Old", "a-b-c", "123", "xn--abc", "a" * 63, "myap-abc123-s3alias", "a--ol-s3"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "il-central-1", "us-gov-west-1",
                                    "cn-north-1"])
@pytest.mark.parametrize("path_style", [False, True])
def test_on_aws_a_buckets_requests_go_where_botocore_sends_them(region, path_style):
    """No endpoint URL: AWS's own, by region and partition; a bucket that may be a host name's
    first label is one, unless the manager says ``path_style``."""
    environ = dict(ENV, AWS_DEFAULT_REGION=region)
    settings = read(environ, endpoint_url=None, path_style=path_style)
    for bucket in BUCKETS:
        scheme, host, prefix = plain.place(settings, bucket)
        assert (f"{scheme}://{host}{prefix}k", region) == botocore_request(None, bucket, region,
                                                                   "path" if path_style else None), bucket


@pytest.mark.parametrize("endpoint", [None, ENDPOINT])
def test_a_directory_bucket_is_left_to_botocore(endpoint):
    """S3 Express: botocore signs its requests with a session of its own (``s3express``)."""
    assert plain.place(read(endpoint_url=endpoint), "b--usw2-az1--x-s3") is None
