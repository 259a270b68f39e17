"""A small file's one request, and listings, sent straight (s3/direct.py), against the
loopback server: GetObject, PutObject, CopyObject and ListObjectsV2 leave without botocore
(from the first on a plain configuration, s3/plain.py; else after a bucket's first request,
botocore's, from which its URL is learnt), and behave as botocore's did: the same requests,
keys of any shape, retries, time limits, errors in the same sentences."""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import socketserver
import subprocess
import sys
import threading
from collections import Counter

import pytest

from s3server import S3Server
from stowtui.managers import exceptions
from stowtui.managers.s3 import S3, direct, wire

pytestmark = pytest.mark.functional

KEYS = ["plain.txt", "a file with spaces", "ü/ñ/日本.txt", "plus+and&equals=", "percent%41%2F",
        "question?hash#semi;", "dots/../up", "double//slash", "tilde~star*quote'", "trailing space "]


def direct_requests(s3, op):
    """The requests of ``op`` the server saw, True where the direct path sent it."""
    return [r.headers.get("user-agent") == wire.USER_AGENT for r in s3.requests if r.op == op]


def direct_errors(action):
    """What the S3 manager's hooks wrap their calls in: botocore's errors made sentences."""
    from stowtui.managers.s3.errors import s3_errors

    return s3_errors(action, "s3://bucket/c")


def warm(manager, bucket="bucket"):
    """One small request through botocore: the bucket's URL is learnt from it."""
    manager.direct_client.put_object(Bucket=bucket, Key="warm.txt", Body=b"warm")


def copy_round(manager, local, tmp_path):
    """A folder of five files up, down and copied within S3 by the manager's hooks."""
    local.mkdir()
    for i in range(5):
        (local / f"f{i}").write_bytes(b"%d" % i * 100)
    manager._put(str(local), "/bucket/up")
    up = manager.artefact("/bucket/up")
    manager._get(up, str(tmp_path / "down"))
    manager._cp(up, "/bucket/copy")


def test_a_plain_configuration_sends_small_files_and_listings_direct_from_the_first(s3m, s3, bucket, tmp_path):
    """Keys and region from the environment, an endpoint URL (s3/plain.py): no request waits
    for botocore, and none is made by it."""
    s3.clear_counts()

    copy_round(s3m, tmp_path / "up", tmp_path)

    assert direct_requests(s3, "PutObject") == [True] * 5
    assert direct_requests(s3, "GetObject") == [True] * 5
    assert direct_requests(s3, "CopyObject") == [True] * 5
    assert set(direct_requests(s3, "ListObjectsV2")) == {True}
    assert {r.op for r in s3.requests} == {"PutObject", "GetObject", "CopyObject", "ListObjectsV2"}
    assert sorted(os.listdir(tmp_path / "down")) == [f"f{i}" for i in range(5)]
    for i in range(5):
        assert s3.backend.get_object("bucket", f"copy/f{i}").value == b"%d" % i * 100
        assert (tmp_path / "down" / f"f{i}").read_bytes() == b"%d" % i * 100


def test_otherwise_a_buckets_place_is_learnt_from_botocores_first_request(s3, bucket, stow, tmp_path, monkeypatch):
    """A config file that says more than s3/plain.py reads (here its own addressing style):
    botocore starts and sends each bucket's first small-file request (and listings before it),
    and the direct path learns from that first request where the bucket is."""
    config = tmp_path / "config"
    config.write_text("[default]\ns3 =\n  addressing_style = path\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    manager = S3(endpoint_url=s3.endpoint_url)
    s3.clear_counts()

    copy_round(manager, tmp_path / "up", tmp_path)

    assert direct_requests(s3, "PutObject") == [False, True, True, True, True]  # the first taught the URL
    assert direct_requests(s3, "GetObject") == [True] * 5
    assert direct_requests(s3, "CopyObject") == [True] * 5
    assert set(direct_requests(s3, "ListObjectsV2")) == {True}  # all after it
    assert sorted(os.listdir(tmp_path / "down")) == [f"f{i}" for i in range(5)]
    s3.clear_counts()
    list(S3(endpoint_url=s3.endpoint_url).object_pages(Bucket="bucket"))  # before any: botocore's
    assert direct_requests(s3, "ListObjectsV2") == [False]


def test_botocore_is_not_even_imported_by_a_small_job_on_a_plain_configuration(s3, bucket, tmp_path):
    """What the plain start saves (~0.2 s a start): a whole job, in a process of its own,
    without importing botocore's client; a request only botocore sends still works after."""
    local = tmp_path / "up"
    local.mkdir()
    (local / "a.txt").write_bytes(b"a")
    script = (
        "import sys\n"
        "from stowtui.jobs import JobQueue, JobState\n"
        "from stowtui.managers import registry\n"
        f"registry.set_defaults('s3', endpoint_url={s3.endpoint_url!r})\n"
        "queue = JobQueue()\n"
        f"job = queue.copy([{str(local)!r}], 's3://bucket/'); job.wait()\n"
        f"back = queue.copy(['s3://bucket/up'], {str(tmp_path / 'down')!r}); back.wait()\n"
        "print(job.state is JobState.DONE and back.state is JobState.DONE, 'botocore.client' in sys.modules)\n"
        "registry.connect('s3', endpoint_url=" + repr(s3.endpoint_url) + ").head('/bucket/up/a.txt')\n"
        "print('botocore.client' in sys.modules)\n"
        "queue.shutdown()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert done.stdout.split() == ["True", "False", "True"], done.stderr
    assert (tmp_path / "down" / "up" / "a.txt").read_bytes() == b"a"


def test_a_listing_sent_direct_is_the_listing_botocore_gives(s3m, s3, s3_client, bucket):
    """Keys url-encoded on the wire and decoded (as botocore asks), pages followed, in its shape."""
    odd = KEYS + ["tab\there", "new\nline", "amp&lt;", "dir/sub/x", "dir/y"]
    for key in odd:
        s3.backend.put_object("bucket", key, b"x" * len(key))
    for params in [{}, {"Delimiter": "/"}, {"Prefix": "dir/", "Delimiter": "/"}, {"MaxKeys": 4},
                   {"Prefix": "ü/"}, {"StartAfter": "plain.txt"}]:
        s3.clear_counts()
        direct_pages = list(s3m.direct_client.object_pages(Bucket="bucket", **params))
        assert set(direct_requests(s3, "ListObjectsV2")) == {True}
        botocore_pages = list(s3_client.get_paginator("list_objects_v2").paginate(Bucket="bucket", **params))
        for page in botocore_pages:
            del page["ResponseMetadata"]
        assert direct_pages == botocore_pages, params
    assert len(direct_pages) == 1 and len(list(s3m.direct_client.object_pages(Bucket="bucket", MaxKeys=4))) == 4  # 15 keys


def test_a_listing_redirected_goes_through_botocore(s3m, s3, bucket):
    s3.backend.put_object("bucket", "k", b"k")
    s3.fail(op="ListObjectsV2", status=301, code="PermanentRedirect", times=1)

    pages = list(s3m.direct_client.object_pages(Bucket="bucket"))

    assert [item["Key"] for item in pages[0]["Contents"]] == ["k"]
    assert direct_requests(s3, "ListObjectsV2") == [True, False]


def test_keys_of_every_shape_are_written_read_and_copied_as_named(s3m, s3, bucket):
    warm(s3m)
    client = s3m.direct_client
    for key in KEYS:
        body = key.encode() * 3
        client.put_object(Bucket="bucket", Key="k/" + key, Body=body,
                          ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode())
        client.copy_object(Bucket="bucket", Key="c/" + key, CopySource={"Bucket": "bucket", "Key": "k/" + key})
        answer = client.get_object(Bucket="bucket", Key="c/" + key)
        assert answer["Body"].read() == body
        answer["Body"].close()
        assert answer["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()

    stored = set(s3.backend.buckets["bucket"].keys)
    assert {"k/" + key for key in KEYS} | {"c/" + key for key in KEYS} <= stored
    assert all(direct_requests(s3, "PutObject")[1:]) and all(direct_requests(s3, "GetObject"))


def test_a_version_is_read_by_its_id(s3m, s3, s3_client, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    first = s3_client.put_object(Bucket="bucket", Key="v", Body=b"first")["VersionId"]
    s3_client.put_object(Bucket="bucket", Key="v", Body=b"second")
    warm(s3m)

    answer = s3m.direct_client.get_object(Bucket="bucket", Key="v", VersionId=first)

    assert answer["Body"].read() == b"first" and answer["VersionId"] == first
    assert [r.query.get("versionId") for r in s3.requests if r.op == "GetObject"] == [first]


def test_a_server_error_is_retried_as_botocore_would(s3m, s3, bucket):
    warm(s3m)
    s3.clear_counts()
    once = s3.fail(op="PutObject", status=500, times=1)

    s3m._putBytes(b"data", "/bucket/a")  # through botocore (put_bytes is no small file's transfer)
    s3m.direct_client.put_object(Bucket="bucket", Key="b", Body=b"data")

    assert once.hits == 1 and s3.counts["PutObject"] == 3  # botocore's: 500 then 200; direct: 200
    always = s3.fail(op="PutObject", status=500, times=None)
    with pytest.raises(exceptions.BackendError, match="S3 answered InternalError"):
        with direct_errors("upload"):
            s3m.direct_client.put_object(Bucket="bucket", Key="c", Body=b"data")
    assert always.hits == 3  # the client's attempts, all of them
    assert "c" not in s3.backend.buckets["bucket"].keys


def test_slow_down_is_told_to_the_request_slot_and_retried(s3m, s3, bucket):
    from stowtui.managers.transfer import RequestSlots

    warm(s3m)
    slots = RequestSlots(8)
    slots.allowed = 8
    s3.fail(op="GetObject", status=503, code="SlowDown", times=1)

    with slots:
        answer = s3m.direct_client.get_object(Bucket="bucket", Key="warm.txt")
    assert answer["Body"].read() == b"warm"
    assert slots.allowed == 4 and slots.cuts == 1
    assert [r.status for r in s3.requests if r.op == "GetObject"] == [503, 200]


def test_a_missing_key_and_a_refused_condition_say_so(s3m, s3, bucket):
    warm(s3m)
    with pytest.raises(exceptions.ArtefactNotFound, match="it does not exist"):
        with direct_errors("read"):
            s3m.direct_client.get_object(Bucket="bucket", Key="nothing")
    from stowtui.managers.paths import DestinationTaken

    with pytest.raises(DestinationTaken):
        with direct_errors("write"):
            s3m.direct_client.put_object(Bucket="bucket", Key="warm.txt", Body=b"x", IfNoneMatch="*")
    assert s3.backend.get_object("bucket", "warm.txt").value == b"warm"


def test_a_body_cut_short_is_asked_for_again(s3m, s3, seed, tmp_path):
    seed("bucket", {"d/f.bin": os.urandom(5000)})
    warm(s3m)
    s3.clear_counts()
    rule = s3.fail(op="GetObject", after_bytes=1000, times=1)

    s3m._get(s3m.artefact("/bucket/d/f.bin"), str(tmp_path / "f.bin"))

    assert rule.hits == 1 and s3.counts["GetObject"] == 2 and all(direct_requests(s3, "GetObject"))
    assert (tmp_path / "f.bin").read_bytes() == s3.backend.get_object("bucket", "d/f.bin").value


def test_a_body_that_fails_the_servers_checksum_is_refused(s3m, s3, s3_client, bucket, tmp_path):
    """An object stored with a CRC32 is sent with it (we ask, as botocore does); bytes hurt on
    the way fail it."""
    body = os.urandom(3000)
    s3_client.put_object(Bucket="bucket", Key="crc.bin", Body=body, ChecksumAlgorithm="CRC32")
    warm(s3m)
    answer = s3m.direct_client.get_object(Bucket="bucket", Key="crc.bin")
    assert answer["Body"].read() == body
    s3.fail(op="GetObject", corrupt=True, times=1)

    answer = s3m.direct_client.get_object(Bucket="bucket", Key="crc.bin")
    with pytest.raises(Exception, match="did not match calculated checksum"):
        answer["Body"].read()
    assert all(r.headers.get("x-amz-checksum-mode") == "ENABLED" for r in s3.requests if r.op == "GetObject")


def test_a_silent_server_times_out_within_the_limit_on_each_attempt(s3, bucket, stow):
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, timeout=0.3)
    warm(manager)
    s3.clear_counts()
    s3.link.delay = 1.0
    try:
        with pytest.raises(exceptions.BackendTimeout, match=r"did not answer within 0.3 s on each of 3 attempts"):
            with direct_errors("read"):
                manager.direct_client.get_object(Bucket="bucket", Key="warm.txt")
    finally:
        s3.link.delay = 0
    assert s3.counts["GetObject"] == 3


def test_an_endpoint_gone_is_reported_as_unreachable(aws_credentials):
    with S3Server() as gone:  # moto's buckets are the process's: a name of its own
        gone.backend.create_bucket("gone-bucket", "us-east-1")
        manager = S3(endpoint_url=gone.endpoint_url)
        warm(manager, "gone-bucket")
        gone.backend.delete_object("gone-bucket", "warm.txt")
        gone.backend.delete_bucket("gone-bucket")
    with pytest.raises(exceptions.BackendError, match=r"the S3 endpoint http://127\.0\.0\.1:\d+ cannot be reached"):
        with direct_errors("read"):
            manager.direct_client.get_object(Bucket="gone-bucket", Key="warm.txt")


def test_a_bucket_in_another_region_goes_through_botocore(s3m, s3):
    """A redirect (PermanentRedirect: the bucket answers elsewhere) is botocore's to follow:
    the bucket's requests go through it from then on."""
    s3.backend.create_bucket("bucket", "us-east-1")
    warm(s3m)
    s3.fail(op="GetObject", status=301, code="PermanentRedirect", times=1)

    answer = s3m.direct_client.get_object(Bucket="bucket", Key="warm.txt")
    assert answer["Body"].read() == b"warm"
    s3m.direct_client.get_object(Bucket="bucket", Key="warm.txt")["Body"].read()

    assert direct_requests(s3, "GetObject") == [True, False, False]


def test_a_client_that_cannot_be_stood_for_is_botocores(s3, monkeypatch, aws_credentials):
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")  # botocore's own rate limiter: not ours to copy
    adaptive = S3(endpoint_url=s3.endpoint_url)
    assert adaptive.direct_client is adaptive.client
    monkeypatch.delenv("AWS_RETRY_MODE")
    assert isinstance(S3(endpoint_url=s3.endpoint_url).direct_client, direct.Client)
    plain = S3(endpoint_url=s3.endpoint_url, direct=False)
    assert plain.direct_client is plain.client and plain.toConfig()["direct"] is False


# Connections kept open ------------------------------------------------------------------------


class _KeepAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: Counter = Counter()

    def do_GET(self):
        type(self).connections[self.client_address] += 1
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def keep_alive_server():
    _KeepAlive.connections = Counter()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _KeepAlive)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_connection_the_server_keeps_open_is_used_again(keep_alive_server):
    port = keep_alive_server.server_address[1]
    place = wire.Place("http", f"127.0.0.1:{port}", "/", wire.Signer("us-east-1"))
    connections = wire.Connections(place, 1, 1, keep=4, context=None)

    for _ in range(5):
        response, connection = connections.exchange("GET", "/k", {"host": place.host}, None)
        assert response.read() == b"hello"
        connections.done(response, connection)

    assert list(_KeepAlive.connections.values()) == [5]  # one connection, five requests
    for connection in connections._idle:  # the server closes them; the next request opens another
        connection.sock.shutdown(2)
    response, connection = connections.exchange("GET", "/k", {"host": place.host}, None)
    assert response.read() == b"hello"
    assert sorted(_KeepAlive.connections.values()) == [1, 5]


def test_a_condition_no_request_may_carry_is_refused_in_a_sentence(s3m, s3, bucket):
    """An ETag from outside with a line break in it is data: it never reaches the wire as a header."""
    warm(s3m)
    s3.clear_counts()
    with pytest.raises(exceptions.BackendError, match="a header cannot be sent"):
        with direct_errors("write"):
            s3m.direct_client.put_object(Bucket="bucket", Key="warm.txt", Body=b"x", IfMatch='"abc"\r\nX-Evil: 1')
    assert s3.counts["PutObject"] == 0
    assert s3.backend.get_object("bucket", "warm.txt").value == b"warm"


def test_retries_stop_once_the_retry_quota_is_spent(s3m, s3, bucket, monkeypatch):
    """botocore's standard mode: 500 of quota, 14 a retry: a down endpoint soon gets one try a request."""
    monkeypatch.setattr(direct.random, "random", lambda: 0.0)  # no back-off sleeps in this test
    warm(s3m)
    s3.clear_counts()
    s3.fail(op="PutObject", status=500, times=None)

    for i in range(20):
        with pytest.raises(exceptions.BackendError, match="S3 answered InternalError"):
            with direct_errors("upload"):
                s3m.direct_client.put_object(Bucket="bucket", Key=f"f{i}", Body=b"x")

    # 17 requests of 3 attempts (34 retries, 476), the 18th of 2 (490), then one attempt each.
    assert s3.counts["PutObject"] == 17 * 3 + 2 + 1 + 1
    s3.clear_faults()
    s3m.direct_client.put_object(Bucket="bucket", Key="back", Body=b"x")  # a success gives 1 back
    assert s3.backend.get_object("bucket", "back").value == b"x"
