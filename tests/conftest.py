"""Shared pytest fixtures for the stowtui test suite."""

import os
import pathlib

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from s3server import S3Server

# Fixtures kept beside their helpers: tmux and a private sshd for the end-to-end tests,
# ``gate`` (inspectkit), which holds chosen requests inside the loopback server, and
# ``gated_transfers`` (uikit), which holds a job's file transfers until released.
pytest_plugins = ("tmuxkit", "sshkit", "inspectkit", "uikit")

# ---------------------------------------------------------------------------
# S3 test endpoints
#
# ``s3`` / ``s3_client`` talk to a real HTTP server on 127.0.0.1 (moto behind
# tests.s3server.S3Server); ``mock_s3`` patches botocore in-process instead.
# Both share moto's global state, and entering ``mock_aws()`` resets it, so
# don't combine ``mock_s3`` with ``s3`` in one test.
# ---------------------------------------------------------------------------

_AWS_ENV_REMOVED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_S3_ADDRESSING_STYLE",
)


@pytest.fixture(scope="session", autouse=True)
def aws_credentials():
    """Fake credentials and no user AWS config, so nothing reaches real AWS."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in _AWS_ENV_REMOVED:
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def private_state(tmp_path_factory):
    """The journal and the registry of detached runs in temporary directories, never the user's own."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ("XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
            mp.setenv(name, str(tmp_path_factory.mktemp(name.lower())))
        yield


@pytest.fixture(scope="session")
def s3_server(aws_credentials):
    """One loopback S3Server for the whole session."""
    with S3Server() as server:
        yield server


@pytest.fixture
def s3(s3_server):
    """The session S3Server, reset: no buckets, counts or fault rules."""
    s3_server.reset()
    yield s3_server
    s3_server.clear_faults()


@pytest.fixture
def s3_client(s3):
    """A boto3 S3 client for the loopback endpoint (path-style, us-east-1)."""
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def mock_s3(aws_credentials, monkeypatch):
    """moto's in-process ``mock_aws()``; yields a boto3 S3 client.

    Its S3 managers send every request through botocore, where moto answers them: the
    direct path (``s3/direct.py``, started without botocore on this plain configuration by
    ``s3/plain.py``) would send requests out of the process, to AWS."""
    from stowtui.managers.s3 import direct, plain

    monkeypatch.setattr(plain, "read", lambda **options: None)
    monkeypatch.setattr(direct.Client, "of", classmethod(lambda cls, client, session: client))
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


# ---------------------------------------------------------------------------
# Storage managers
#
# ``stow`` is the stateless interface with a clean registry: ``s3://`` URLs go
# to the loopback endpoint, and no manager (or its cached listings) survives
# from one test to the next.
# ---------------------------------------------------------------------------


@pytest.fixture
def stow(s3):
    from stowtui import stow as managers
    from stowtui.managers import registry

    registry.forget_instances()
    registry.set_defaults("s3", endpoint_url=s3.endpoint_url)
    yield managers
    registry.set_defaults("s3")
    registry.forget_instances()


@pytest.fixture
def bucket(stow, s3_client):
    """An empty bucket on the loopback endpoint; yields its URL ``s3://bucket``."""
    s3_client.create_bucket(Bucket="bucket")
    return "s3://bucket"


# ---------------------------------------------------------------------------
# Transfer engine (tests/functional/test_jobs*.py)
#
# ``jobs`` is a private JobQueue, shut down (its jobs cancelled) after the
# test. ``side(kind, name)`` is a place to put a tree and read it back around
# stowtui: ``"fs"`` a directory under tmp_path, ``"s3"`` a prefix in
# ``s3://bucket`` (see tests/sides.py).
# ---------------------------------------------------------------------------


@pytest.fixture
def jobs():
    from stowtui.jobs import JobQueue

    queue = JobQueue(workers=4)
    yield queue
    queue.shutdown()


@pytest.fixture
def side(tmp_path, s3, bucket):
    from sides import make_side

    def make(kind, name):
        return make_side(kind, name, tmp_path, s3)

    return make


# ---------------------------------------------------------------------------
# Storage manager tests (tests/unit/test_artefacts.py, unit/test_fs.py, functional/test_s3.py,
# test_registry.py, test_stateless.py, test_plugin.py)
#
# ``s3m`` is the S3 manager of the ``stow`` registry (loopback endpoint);
# ``seed`` writes objects straight into the server's backend, uncounted;
# ``mock_stow`` is the stateless interface on moto's in-process mock.
# ---------------------------------------------------------------------------


@pytest.fixture
def s3m(stow, s3):
    """The S3 manager that ``s3://`` URLs resolve to in this test."""
    return stow.connect("s3", endpoint_url=s3.endpoint_url)


@pytest.fixture
def seed(s3):
    """``seed(bucket, {key: bytes})`` or ``seed(bucket, prefix=..., count=N)``: uncounted objects.

    The bucket is created if needed; returns the keys written.
    """

    def write(bucket, objects=None, *, prefix="", count=0, body=b"x"):
        if bucket not in s3.backend.buckets:
            s3.backend.create_bucket(bucket, "us-east-1")
        objects = dict(objects or {})
        objects.update({f"{prefix}k{i:05d}": body for i in range(count)})
        for key, data in objects.items():
            s3.backend.put_object(bucket, key, data)
        return list(objects)

    return write


@pytest.fixture
def mock_stow(mock_s3):
    """The stateless interface with ``s3://`` on moto's in-process mock (no wire, fast)."""
    from stowtui import stow as managers
    from stowtui.managers import registry

    registry.forget_instances()
    registry.set_defaults("s3")
    mock_s3.create_bucket(Bucket="bucket")
    yield managers
    registry.forget_instances()


# ---------------------------------------------------------------------------
# Kinds: a test's folder is its marker, so `pytest -m "not e2e"` is the quick inner loop.
# ---------------------------------------------------------------------------

_KINDS = ("unit", "functional", "e2e")
_TESTS = pathlib.Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    astray = set()
    for item in items:
        kind = item.path.relative_to(_TESTS).parts[0]
        if kind in _KINDS:
            item.add_marker(kind)
        else:
            astray.add(str(item.path))
    if astray:
        raise pytest.UsageError(f"tests outside tests/{{{','.join(_KINDS)}}}/: {', '.join(sorted(astray))}")
