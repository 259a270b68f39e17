"""Tests for the loopback S3 test endpoint (tests/s3server.py)."""

import io
from collections import Counter

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
    ResponseStreamingError,
)

BUCKET = "test-bucket"
AWKWARD_KEYS = [
    "plain.txt",
    "with space.txt",
    "ünïcødé/ファイル 😀.txt",
    "hash#frag",
    "100%25 sure %",
    "br[acket]",
    "new\nline",
    "plus+sign&amp=1?q",
    "dir/",
    "/leading",
    "double//slash//",
]


def client_for(server, **retries):
    """A path-style client for ``server`` with the given retry config."""
    config = Config(s3={"addressing_style": "path"}, retries=retries or None)
    return boto3.client("s3", endpoint_url=server.endpoint_url, config=config)


@pytest.fixture
def bucket(s3, s3_client):
    """An empty bucket on the loopback server, with counts cleared."""
    s3_client.create_bucket(Bucket=BUCKET)
    s3.clear_counts()
    return BUCKET


def test_server_is_loopback_only(s3):
    assert s3.endpoint_url.startswith("http://127.0.0.1:")
    assert int(s3.endpoint_url.rsplit(":", 1)[1]) > 0


def test_counts_are_exact_for_paginated_listing(s3, s3_client):
    s3_client.create_bucket(Bucket=BUCKET)
    for i in range(3):
        s3_client.put_object(Bucket=BUCKET, Key=f"k{i:05d}", Body=b"x")
    assert s3.counts == Counter(CreateBucket=1, PutObject=3)

    for i in range(3, 2500):  # direct backend seeding is not counted
        s3.backend.put_object(BUCKET, f"k{i:05d}", b"x")
    assert sum(s3.counts.values()) == 4

    s3.clear_counts()
    pages = s3_client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    keys = [obj["Key"] for page in pages for obj in page["Contents"]]
    assert len(keys) == 2500
    assert s3.counts == Counter(ListObjectsV2=3)
    tokens = ["continuation-token" in r.query for r in s3.requests]
    assert tokens == [False, True, True]


def test_awkward_keys_round_trip_and_are_decoded(s3, s3_client, bucket):
    for key in AWKWARD_KEYS:
        s3_client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    listed = s3_client.list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(obj["Key"] for obj in listed) == sorted(AWKWARD_KEYS)

    s3.clear_counts()
    for key in AWKWARD_KEYS:
        body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == key.encode()
    records = s3.requests
    assert [r.key for r in records] == AWKWARD_KEYS
    assert {r.op for r in records} == {"GetObject"}
    assert {r.bucket for r in records} == {bucket}
    assert [r.bytes_sent for r in records] == [len(k.encode()) for k in AWKWARD_KEYS]


def test_copy_of_awkward_key(s3, s3_client, bucket):
    source = "ünï #%[\n/src"
    s3_client.put_object(Bucket=bucket, Key=source, Body=b"payload")
    s3_client.copy_object(
        Bucket=bucket, Key="dst/ü #", CopySource={"Bucket": bucket, "Key": source}
    )
    body = s3_client.get_object(Bucket=bucket, Key="dst/ü #")["Body"].read()
    assert body == b"payload"
    assert [(r.op, r.key) for r in s3.requests] == [
        ("PutObject", source),
        ("CopyObject", "dst/ü #"),
        ("GetObject", "dst/ü #"),
    ]


def test_operations_are_classified(s3, s3_client, bucket):
    c = s3_client
    c.list_buckets()
    c.head_bucket(Bucket=bucket)
    c.get_bucket_location(Bucket=bucket)
    c.get_bucket_versioning(Bucket=bucket)
    c.list_objects(Bucket=bucket)
    c.list_object_versions(Bucket=bucket)
    c.list_multipart_uploads(Bucket=bucket)
    c.put_object(Bucket=bucket, Key="a", Body=b"abcdef")
    c.head_object(Bucket=bucket, Key="a")
    c.get_object(Bucket=bucket, Key="a", Range="bytes=0-1")
    c.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})
    upload = c.create_multipart_upload(Bucket=bucket, Key="m")["UploadId"]
    part = c.upload_part(
        Bucket=bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"p"
    )
    copied = c.upload_part_copy(
        Bucket=bucket,
        Key="m",
        UploadId=upload,
        PartNumber=2,
        CopySource={"Bucket": bucket, "Key": "a"},
    )
    c.abort_multipart_upload(Bucket=bucket, Key="m", UploadId=upload)
    c.delete_object(Bucket=bucket, Key="a")
    c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}]})
    c.delete_bucket(Bucket=bucket)

    assert part["ETag"] and copied["CopyPartResult"]["ETag"]
    assert [r.op for r in s3.requests] == [
        "ListBuckets",
        "HeadBucket",
        "GetBucketLocation",
        "GetBucketVersioning",
        "ListObjects",
        "ListObjectVersions",
        "ListMultipartUploads",
        "PutObject",
        "HeadObject",
        "GetObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "AbortMultipartUpload",
        "DeleteObject",
        "DeleteObjects",
        "DeleteBucket",
    ]
    ranged = s3.requests[9]
    assert (ranged.range, ranged.status, ranged.bytes_sent) == ("bytes=0-1", 206, 2)


def test_transfer_manager_multipart_counts(s3, s3_client, bucket):
    mib = 1024 * 1024
    config = TransferConfig(multipart_threshold=5 * mib, multipart_chunksize=5 * mib)
    s3_client.upload_fileobj(io.BytesIO(b"z" * 12 * mib), bucket, "big", Config=config)
    assert s3.counts == Counter(
        CreateMultipartUpload=1, UploadPart=3, CompleteMultipartUpload=1
    )


def test_fault_500_raises_client_error_without_retries(s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"data")
    s3.clear_counts()
    rule = s3.fail(op="GetObject", key="k")
    no_retry = client_for(s3, total_max_attempts=1, mode="standard")

    with pytest.raises(ClientError) as info:
        no_retry.get_object(Bucket=bucket, Key="k")
    error = info.value.response
    assert error["Error"]["Code"] == "InternalError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert rule.hits == 1
    assert no_retry.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    assert [r.status for r in s3.requests] == [500, 200]


def test_max_attempts_counts_retries_not_attempts(s3, bucket):
    """``retries={'max_attempts': 1}`` is one *retry*: two requests."""
    s3.fail(op="HeadBucket", times=None)
    client = client_for(s3, max_attempts=1, mode="standard")
    with pytest.raises(ClientError):
        client.head_bucket(Bucket=bucket)
    assert s3.counts == Counter(HeadBucket=2)


def test_fault_status_and_key_matching(s3, s3_client, bucket):
    s3.fail(key_contains="secret", status=403, times=None)
    s3_client.put_object(Bucket=bucket, Key="public", Body=b"")
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            s3_client.put_object(Bucket=bucket, Key="a/secret/b", Body=b"")
        assert info.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as info:
        s3_client.head_object(Bucket=bucket, Key="secret")
    assert info.value.response["Error"]["Code"] == "403"

    s3.clear_faults()
    s3_client.put_object(Bucket=bucket, Key="a/secret/b", Body=b"")
    assert [r.status for r in s3.requests] == [200, 403, 403, 403, 200]


def test_fault_times_2_then_succeeds_with_standard_retries(s3, s3_client, bucket):
    s3.fail(op="PutObject", key="k", times=2)
    client = client_for(s3, total_max_attempts=3, mode="standard")
    client.put_object(Bucket=bucket, Key="k", Body=b"ok")
    assert s3.counts == Counter(PutObject=3)
    assert [r.status for r in s3.requests] == [500, 500, 200]
    assert s3_client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"ok"


def test_drop_raises_connection_error(s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"data")
    s3.clear_counts()
    s3.fail(op="GetObject", drop=True)
    no_retry = client_for(s3, total_max_attempts=1, mode="standard")
    connection_errors = (
        ConnectionClosedError,
        EndpointConnectionError,
        ReadTimeoutError,
    )
    with pytest.raises(connection_errors):
        no_retry.get_object(Bucket=bucket, Key="k")
    assert s3.counts == Counter(GetObject=1)
    assert s3.requests[0].status is None
    assert no_retry.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"


def test_drop_during_upload_is_retried(s3, s3_client, bucket):
    s3.fail(op="PutObject", drop=True)
    client = client_for(s3, total_max_attempts=2, mode="standard")
    client.put_object(Bucket=bucket, Key="k", Body=b"x" * 100_000)
    assert s3.counts == Counter(PutObject=2)
    assert s3_client.head_object(Bucket=bucket, Key="k")["ContentLength"] == 100_000


def test_after_bytes_cuts_download(s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"0123456789" * 1000)
    s3.clear_counts()
    s3.fail(key="k", after_bytes=100)
    s3_client.head_object(Bucket=bucket, Key="k")  # not a GetObject: no fault
    response = s3_client.get_object(Bucket=bucket, Key="k")
    assert response["ContentLength"] == 10_000
    with pytest.raises(ResponseStreamingError):
        response["Body"].read()
    record = s3.requests[-1]
    assert (record.op, record.status, record.bytes_sent) == ("GetObject", 200, 100)
    assert len(s3_client.get_object(Bucket=bucket, Key="k")["Body"].read()) == 10_000


def test_reset_empties_state(s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.fail(op="ListBuckets", times=None)
    s3.reset()
    assert s3.counts == Counter() and s3.requests == []
    assert s3_client.list_buckets()["Buckets"] == []
    s3_client.create_bucket(Bucket=bucket)  # the name is free again
    assert s3.counts == Counter(ListBuckets=1, CreateBucket=1)


def test_mock_s3_is_in_process(mock_s3):
    mock_s3.create_bucket(Bucket=BUCKET)
    assert [b["Name"] for b in mock_s3.list_buckets()["Buckets"]] == [BUCKET]


def test_in_flight_is_one_for_requests_one_after_another(s3, s3_client, bucket):
    s3.throttle_above(1)
    for i in range(3):
        s3_client.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
    assert [(r.in_flight, r.status) for r in s3.requests] == [(1, 200)] * 3


def test_throttle_above_answers_slowdown(s3, bucket):
    s3.throttle_above(0)  # every request arrives above it
    no_retry = client_for(s3, total_max_attempts=1, mode="standard")
    with pytest.raises(ClientError) as info:
        no_retry.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert info.value.response["Error"]["Code"] == "SlowDown"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    s3.throttle_above(None)
    no_retry.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert [r.status for r in s3.requests] == [503, 200]


def test_requests_held_by_the_link_delay_are_counted_in_flight(s3, bucket):
    import threading

    s3.link.delay = 0.3  # each request waits there while the others arrive
    client = client_for(s3)
    start = threading.Barrier(4)

    def head():
        start.wait()
        client.head_bucket(Bucket=bucket)

    threads = [threading.Thread(target=head) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(r.in_flight for r in s3.requests) > 1
    assert s3.counts == Counter(HeadBucket=4)
    s3_client_after = client_for(s3)
    s3.link.delay = 0
    s3_client_after.head_bucket(Bucket=bucket)
    assert s3.requests[-1].in_flight == 1  # every one of them was counted out again


def test_bandwidth_cap_passes_bodies_whole_both_ways(s3, s3_client, bucket):
    s3.link.bandwidth = 64 * 1024**2
    data = bytes(range(256)) * 4096  # 1 MiB: four slices of the link
    s3_client.put_object(Bucket=bucket, Key="k", Body=data)
    assert s3_client.get_object(Bucket=bucket, Key="k")["Body"].read() == data
    assert [r.bytes_sent for r in s3.requests if r.op == "GetObject"] == [len(data)]
