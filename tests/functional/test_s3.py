"""The S3 manager against the loopback endpoint, where every request is counted.

Counts are exact: ``s3.counts`` is a Counter of S3 operations as the server saw
them. Each test starts from a fresh manager (the ``stow`` fixture drops every
cached manager), seeds objects without counting, then clears the counts.
"""

import base64
import hashlib
import socket
from collections import Counter

import pytest
import pytz

from stowtui.managers import exceptions
from stowtui.managers.artefacts import Directory, File
from stowtui.managers.s3 import S3, listing


def requests_of(s3, op):
    return [r for r in s3.requests if r.op == op]


# ---------------------------------------------------------------------------
# Listing: one ListObjectsV2 per 1,000 entries, never a HeadObject per entry
# ---------------------------------------------------------------------------


def test_listing_2500_keys_costs_3_list_requests_and_a_cached_hit_inside_the_operation_nothing(stow, s3, seed):
    seed("bucket", prefix="logs/", count=2500)
    manager, path = stow.location("s3://bucket/logs")
    s3.clear_counts()

    listed = stow.ls("s3://bucket/logs")

    assert len(listed) == 2500
    assert s3.counts == Counter(ListObjectsV2=3)
    assert all(r.query.get("delimiter") == "/" for r in s3.requests)
    assert ["continuation-token" in r.query for r in s3.requests] == [False, True, True]

    # Inside one operation (cached=True, what the engine asks for) a listed entry costs nothing...
    s3.clear_counts()
    sizes = [manager.artefact(f"{path}/k{i:05d}", cached=True).size for i in (0, 1234, 2499)]
    assert sizes == [1, 1, 1]
    assert s3.counts == Counter()
    # ...while a stateless call asks again: one one-key lookup each, never a HeadObject.
    assert [stow.artefact(f"s3://bucket/logs/k{i:05d}").size for i in (0, 1234, 2499)] == [1, 1, 1]
    assert s3.counts == Counter(ListObjectsV2=3)
    assert [r.query.get("prefix") for r in s3.requests] == ["logs/k00000", "logs/k01234", "logs/k02499"]


def test_listing_gives_size_time_etag_and_storage_class_of_every_child(stow, s3, s3_client, bucket):
    s3_client.put_object(Bucket="bucket", Key="d/cold.bin", Body=b"12345", StorageClass="GLACIER")
    s3_client.put_object(Bucket="bucket", Key="d/warm.txt", Body=b"hi")
    s3.clear_counts()

    children = {a.basename: a for a in stow.ls("s3://bucket/d")}

    assert s3.counts == Counter(ListObjectsV2=1)
    cold, warm = children["cold.bin"], children["warm.txt"]
    assert (cold.size, cold.storage_class) == (5, "GLACIER")
    assert (warm.size, warm.storage_class) == (2, "STANDARD")
    assert warm.metadata["ETag"].strip('"') == "49f68a5c8493ec2c0bf489821c21fc3b"  # md5("hi")
    assert warm.modifiedTime.tzinfo is pytz.UTC
    assert warm.createdTime == warm.modifiedTime


def test_recursive_listing_of_2500_keys_pages_without_a_delimiter(stow, s3, seed):
    seed("bucket", prefix="tree/a/", count=1250)
    seed("bucket", prefix="tree/b/c/", count=1250)
    s3.clear_counts()

    found = stow.ls("s3://bucket/tree", recursive=True)

    files = [a for a in found if isinstance(a, File)]
    folders = sorted(a.path for a in found if isinstance(a, Directory))
    assert len(files) == 2500
    assert folders == ["/bucket/tree/a", "/bucket/tree/b", "/bucket/tree/b/c"]
    assert s3.counts == Counter(ListObjectsV2=3)
    assert all("delimiter" not in r.query for r in s3.requests)
    # the walk filled the cache of every level it crossed: inside one operation, a hit costs nothing
    manager, _ = stow.location("s3://bucket/tree")
    s3.clear_counts()
    assert manager.isdir("/bucket/tree/b/c", cached=True) and manager.isfile("/bucket/tree/a/k00000", cached=True)
    assert s3.counts == Counter()
    # a stateless listing lists again, and sees what was written since (by anyone)
    s3.backend.put_object("bucket", "tree/b/new", b"new")
    assert len(stow.ls("s3://bucket/tree", recursive=True)) == len(found) + 1
    assert s3.counts == Counter(ListObjectsV2=3)


def test_buckets_are_listed_at_the_root_with_creation_dates(stow, s3, s3_client):
    for name in ("alpha", "beta"):
        s3_client.create_bucket(Bucket=name)
    s3.clear_counts()

    buckets = stow.ls("s3://")

    assert [b.basename for b in buckets] == ["alpha", "beta"]
    assert all(isinstance(b, Directory) for b in buckets)
    assert all(b.createdTime is not None and b.createdTime.tzinfo is pytz.UTC for b in buckets)
    assert [b.abspath for b in buckets] == ["s3://alpha", "s3://beta"]
    assert s3.counts == Counter(ListBuckets=1)


def test_markers_are_hidden_and_make_empty_directories(stow, s3, seed):
    seed("bucket", {"d/": b"", "d/empty/": b"", "d/full/": b"", "d/full/f": b"f"})
    s3.clear_counts()

    top = stow.ls("s3://bucket/d")
    empty = stow.ls("s3://bucket/d/empty")
    full = stow.ls("s3://bucket/d/full")

    assert sorted((type(a).__name__, a.basename) for a in top) == [("Directory", "empty"), ("Directory", "full")]
    assert empty == []
    assert [a.basename for a in full] == ["f"]
    # One page a level: the empty level's own marker shows it is there, with no second request.
    assert s3.counts == Counter(ListObjectsV2=3)
    assert stow.isdir("s3://bucket/d/empty")
    assert s3.counts == Counter(ListObjectsV2=4)  # isdir asks again: one one-key lookup


def test_recursive_listing_hides_markers(stow, s3, seed):
    seed("bucket", {"t/": b"", "t/x/": b"", "t/x/y/": b"", "t/x/f": b"1"})

    found = sorted((type(a).__name__, a.path) for a in stow.ls("s3://bucket/t", recursive=True))

    assert found == [("Directory", "/bucket/t/x"), ("Directory", "/bucket/t/x/y"), ("File", "/bucket/t/x/f")]


def test_an_object_and_a_prefix_of_the_same_name_both_show(stow, s3, seed):
    seed("bucket", {"a": b"object a", "a/b": b"object a/b"})

    listed = sorted((type(a).__name__, a.path) for a in stow.ls("s3://bucket"))

    assert listed == [("Directory", "/bucket/a"), ("File", "/bucket/a")]
    assert [a.path for a in stow.ls("s3://bucket/a")] == ["/bucket/a/b"]
    assert stow.get("s3://bucket/a") == b"object a"


def test_an_object_and_a_prefix_of_the_same_name_are_both_found_without_a_listing(stow, s3, seed):
    seed("bucket", {"a": b"object a", "a/b": b"object a/b"})
    s3.clear_counts()

    assert stow.isfile("s3://bucket/a")
    assert stow.isdir("s3://bucket/a")
    assert s3.counts["HeadObject"] == 0


def test_an_empty_object_beside_a_prefix_of_its_name(stow, s3, seed):
    """An empty file has len() 0; it must still count as found."""
    seed("bucket", {"a": b"", "a/b": b"1"})

    assert stow.isfile("s3://bucket/a") and stow.isdir("s3://bucket/a")
    assert [a.basename for a in stow.ls("s3://bucket/a")] == ["b"]
    assert stow.get("s3://bucket/a") == b""


def test_one_lookup_finds_an_object_and_a_directory_past_a_page_of_siblings(s3m, s3, seed):
    """Keys such as ``a.0001`` sort between ``a`` and ``a/``: the lookup pages until it passes ``a/``."""
    seed("bucket", {"a": b"1", "a/b": b"2", **{f"a.{i:04d}": b"" for i in range(1200)}, "b": b""})
    s3.clear_counts()

    file, folder = listing.look_up(s3m, "/bucket/a")

    assert isinstance(file, File) and file.size == 1
    assert isinstance(folder, Directory)
    assert s3.counts == Counter(ListObjectsV2=2)


def test_listing_a_file_as_a_directory_is_a_type_error(stow, s3, seed):
    seed("bucket", {"f": b"1"})
    with pytest.raises(exceptions.ArtefactTypeError, match="s3://bucket/f is a file"):
        stow.ls("s3://bucket/f")


def test_reading_the_head_of_an_empty_object(s3m, s3, seed):
    seed("bucket", {"empty": b"", "short": b"abc"})
    assert s3m.read_head("/bucket/empty") == b""
    assert s3m.read_head("/bucket/short") == b"abc"
    assert s3m.read_range("/bucket/short", 10, 5) == b""


def test_an_unknown_path_is_not_found_with_a_readable_message(stow, s3, seed):
    seed("bucket", {"present": b"1"})

    with pytest.raises(exceptions.ArtefactNotFound, match="s3://bucket/absent"):
        stow.artefact("s3://bucket/absent")
    with pytest.raises(exceptions.ArtefactNotFound, match="s3://bucket/absent"):
        stow.ls("s3://bucket/absent")
    assert not stow.exists("s3://bucket/absent")


def test_an_empty_bucket_lists_as_empty(stow, s3, s3_client):
    s3_client.create_bucket(Bucket="empty")
    assert stow.ls("s3://empty") == []
    assert stow.isdir("s3://empty")


def test_a_bucket_missing_from_list_buckets_is_still_reachable(stow, s3, seed):
    """ListBuckets names only our own buckets: a public bucket of another account never shows."""
    seed("mine", {"k": b"1"})
    assert [b.basename for b in stow.ls("s3://")] == ["mine"]
    seed("theirs", {"k": b"2"})  # not in the cached root listing, as if it were not ours

    assert stow.get("s3://theirs/k") == b"2"
    assert [a.basename for a in stow.ls("s3://theirs")] == ["k"]
    assert stow.isdir("s3://theirs")


# ---------------------------------------------------------------------------
# Writing and transferring: each small object costs one request
# ---------------------------------------------------------------------------


def test_mkdir_writes_exactly_one_marker(stow, s3, bucket):
    s3.clear_counts()

    made = stow.mkdir("s3://bucket/new/dir")

    assert isinstance(made, Directory)
    assert [(r.op, r.key) for r in s3.requests] == [("PutObject", "new/dir/")]
    assert stow.ls("s3://bucket/new/dir") == []
    assert [a.basename for a in stow.ls("s3://bucket/new")] == ["dir"]


def test_mkdir_of_an_existing_directory_with_exist_ok_false_is_refused(stow, s3, seed):
    seed("bucket", {"d/f": b"1"})
    with pytest.raises(exceptions.ArtefactExists, match="s3://bucket/d"):
        stow.mkdir("s3://bucket/d", ignore_exists=False)


def test_mkdir_beside_an_object_of_the_same_name_is_allowed(stow, s3, seed):
    seed("bucket", {"same": b"object"})
    stow.mkdir("s3://bucket/same")
    assert stow.isfile("s3://bucket/same") and stow.isdir("s3://bucket/same")
    assert sorted(type(a).__name__ for a in stow.ls("s3://bucket")) == ["Directory", "File"]
    assert s3.backend.get_object("bucket", "same").value == b"object"


def test_mkdir_at_the_root_creates_a_bucket(stow, s3):
    stow.mkdir("s3://fresh-bucket")
    assert s3.counts["CreateBucket"] == 1
    assert [b.basename for b in stow.ls("s3://")] == ["fresh-bucket"]


def test_copy_of_a_listed_small_object_is_one_copy_object(stow, s3, seed):
    seed("bucket", {"src/one.txt": b"hello"})
    stow.ls("s3://bucket/src")
    s3.clear_counts()

    copied = stow.cp("s3://bucket/src/one.txt", "s3://bucket/dst/one.txt")

    assert s3.counts["CopyObject"] == 1
    assert s3.counts["HeadObject"] == 0
    assert set(s3.counts) <= {"CopyObject", "ListObjectsV2"}
    assert copied.size == 5
    assert s3.backend.get_object("bucket", "dst/one.txt").value == b"hello"


def test_copy_keeps_user_metadata(stow, s3, s3_client, bucket):
    s3_client.put_object(Bucket="bucket", Key="m", Body=b"1", Metadata={"owner": "ana"}, ContentType="text/csv")
    stow.cp("s3://bucket/m", "s3://bucket/m2")
    head = s3_client.head_object(Bucket="bucket", Key="m2")
    assert (head["Metadata"], head["ContentType"]) == ({"owner": "ana"}, "text/csv")


def test_download_of_a_listed_small_file_is_one_get(stow, s3, seed, tmp_path):
    seed("bucket", {"d/f.txt": b"content"})
    stow.ls("s3://bucket/d")
    s3.clear_counts()

    stow.get("s3://bucket/d/f.txt", tmp_path / "f.txt")
    data = stow.get("s3://bucket/d/f.txt")

    assert (tmp_path / "f.txt").read_bytes() == data == b"content"
    # Each get asks what is there now (a one-key lookup, which also tells the size s3transfer
    # would otherwise ask a HeadObject for), then one GET.
    assert s3.counts == Counter(GetObject=2, ListObjectsV2=2)
    assert [r.query.get("prefix") for r in requests_of(s3, "ListObjectsV2")] == ["d/f.txt", "d/f.txt"]


def test_download_keeps_the_objects_modification_time(stow, s3, seed, tmp_path):
    seed("bucket", {"f": b"1"})
    listed = stow.artefact("s3://bucket/f")
    stow.get("s3://bucket/f", tmp_path / "f")
    assert int((tmp_path / "f").stat().st_mtime) == int(listed.modifiedTime.timestamp())


@pytest.mark.parametrize("source", ["file", "bytes"])
def test_upload_of_a_small_file_is_one_put(stow, s3, bucket, tmp_path, source):
    local = tmp_path / "up.txt"
    local.write_bytes(b"uploaded")
    s3.clear_counts()

    made = stow.put(local if source == "file" else b"uploaded", "s3://bucket/dir/up.txt")

    assert [r.op for r in s3.requests if r.op != "ListObjectsV2"] == ["PutObject"]
    assert made.size == 8
    assert s3.backend.get_object("bucket", "dir/up.txt").value == b"uploaded"


@pytest.mark.parametrize("size", [4096, 2 * 1024 * 1024])
@pytest.mark.parametrize("direct", [True, False], ids=["direct", "botocore"])
def test_a_small_upload_never_waits_for_100_continue_and_carries_its_md5(stow, s3, bucket, tmp_path, size, direct):
    """botocore asks every file body to wait for ``100 Continue``: a round trip per small file.
    An object sent as one request (below 8 MiB) goes at once, with its Content-MD5, whether
    sent direct (s3/direct.py) or through botocore (``client._no_continue_for_small_bodies``)."""
    local = tmp_path / "up.bin"
    local.write_bytes(b"x" * size)
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, direct=direct)
    s3.clear_counts()

    manager._put(str(local), "/bucket/up.bin")
    manager._put(str(local), "/bucket/again.bin")

    md5 = base64.b64encode(hashlib.md5(b"x" * size).digest()).decode()
    sent = [(r.key, r.headers.get("expect"), r.headers.get("content-md5")) for r in requests_of(s3, "PutObject")]
    assert sent == [("up.bin", None, md5), ("again.bin", None, md5)]
    assert [r.headers["user-agent"].startswith("stowtui") for r in requests_of(s3, "PutObject")] == [direct] * 2
    assert stow.get("s3://bucket/up.bin") == stow.get("s3://bucket/again.bin") == b"x" * size


def test_many_puts_into_one_directory_cost_a_constant_number_of_requests_each(stow, s3, bucket):
    """Neither the check for a directory in the way nor returning the new artefact lists the whole directory."""
    for i in range(30):
        stow.put(b"x", f"s3://bucket/many/f{i:03d}")
    s3.clear_counts()

    stow.put(b"x", "s3://bucket/many/last")

    assert s3.counts == Counter(ListObjectsV2=2, PutObject=1)
    assert [r.query.get("prefix") for r in requests_of(s3, "ListObjectsV2")] == ["many/last", "many/last"]


def test_deleting_a_prefix_of_2500_keys_uses_3_batched_deletes(stow, s3, seed):
    seed("bucket", prefix="old/", count=2500)
    seed("bucket", {"keep": b"1"})
    stow.ls("s3://bucket")
    s3.clear_counts()

    stow.rm("s3://bucket/old", recursive=True)

    # One lookup of what is at s3://bucket/old now, then 3 pages listed and deleted.
    assert s3.counts == Counter(DeleteObjects=3, ListObjectsV2=4)
    assert [k for k in s3.backend.buckets["bucket"].keys] == ["keep"]
    assert [a.basename for a in stow.ls("s3://bucket")] == ["keep"]


def test_a_non_empty_prefix_is_not_deleted_without_recursive(stow, s3, seed):
    seed("bucket", {"d/f": b"1"})
    with pytest.raises(exceptions.OperationNotPermitted, match="recursive=True"):
        stow.rm("s3://bucket/d")
    assert s3.counts["DeleteObjects"] == s3.counts["DeleteObject"] == 0


def test_set_metadata_copies_the_object_onto_itself_with_replace(stow, s3, s3m, seed, s3_client):
    seed("bucket", {"doc.txt": b"body"})
    s3.clear_counts()

    updated = s3m.set_metadata("/bucket/doc.txt", {"reviewed": "yes"}, content_type="text/plain")

    (copy,) = requests_of(s3, "CopyObject")
    assert copy.key == "doc.txt"
    head = s3_client.head_object(Bucket="bucket", Key="doc.txt")
    assert head["Metadata"] == {"reviewed": "yes"}
    assert head["ContentType"] == "text/plain"
    assert updated.metadata["reviewed"] == "yes" and updated.content_type == "text/plain"
    assert s3.backend.get_object("bucket", "doc.txt").value == b"body"


def test_set_metadata_sends_the_replace_directive(mock_s3):
    """The header itself, seen by botocore before the request leaves."""
    mock_s3.create_bucket(Bucket="bucket")
    mock_s3.put_object(Bucket="bucket", Key="k", Body=b"1")
    manager = S3()
    sent = []
    manager.client.meta.events.register(
        "before-send.s3.CopyObject", lambda request, **_: sent.append(dict(request.headers))
    )

    manager.set_metadata("/bucket/k", {"a": "b"})

    assert sent[0]["x-amz-metadata-directive"] == b"REPLACE"
    assert sent[0]["x-amz-meta-a"] == b"b"


def test_copy_above_the_copy_object_limit_uses_multipart_copy(mock_s3, monkeypatch):
    """Above 5 GiB (shrunk here to 5 MiB) a copy goes part by part; below, one CopyObject."""
    import stowtui.managers.s3.transfers as s3module

    mock_s3.create_bucket(Bucket="bucket")
    mock_s3.put_object(Bucket="bucket", Key="small", Body=b"s" * 1024)
    mock_s3.put_object(Bucket="bucket", Key="large", Body=b"l" * (12 * 1024 * 1024))
    monkeypatch.setattr(s3module, "COPY_OBJECT_LIMIT", 5 * 1024 * 1024)
    manager = S3()
    listed = {a.basename: a for a in manager.ls("/bucket")}
    calls = Counter()
    manager.client.meta.events.register("before-call.s3", lambda model, **_: calls.update([model.name]))

    manager._cp(listed["small"], "/bucket/small-copy")
    assert calls == Counter(CopyObject=1)
    calls.clear()
    manager._cp(listed["large"], "/bucket/large-copy")

    assert calls["CopyObject"] == 0
    assert calls["CreateMultipartUpload"] == calls["UploadPartCopy"] == calls["CompleteMultipartUpload"] == 1
    assert mock_s3.get_object(Bucket="bucket", Key="large-copy")["Body"].read() == b"l" * (12 * 1024 * 1024)


def test_transfers_report_bytes_through_the_callback(stow, s3, s3m, seed, tmp_path):
    seed("bucket", {"f": b"z" * 3000})
    moved = []
    local = tmp_path / "f"

    s3m._get(s3m.artefact("/bucket/f"), str(local), callback=moved.append)
    s3m._put(str(local), "/bucket/g", callback=moved.append)

    assert sum(moved) == 6000


# ---------------------------------------------------------------------------
# Errors: a sentence that says what failed and where
# ---------------------------------------------------------------------------


def test_a_missing_bucket_is_not_found_with_its_name(stow, s3):
    for action in (stow.ls, stow.artefact, stow.get):
        with pytest.raises(exceptions.ArtefactNotFound, match="bucket nosuchbucket does not exist") as info:
            action("s3://nosuchbucket/x")
        assert "s3://nosuchbucket/x" in str(info.value)
    assert not stow.exists("s3://nosuchbucket/x")


@pytest.mark.parametrize(
    "op, action",
    [
        ("ListObjectsV2", lambda stow: stow.ls("s3://bucket/d")),
        ("GetObject", lambda stow: stow.get("s3://bucket/d/f")),
        ("PutObject", lambda stow: stow.put(b"1", "s3://bucket/d/new")),
        ("DeleteObject", lambda stow: stow.rm("s3://bucket/d/f")),
        ("ListBuckets", lambda stow: stow.ls("s3://")),
    ],
)
def test_access_denied_is_operation_not_permitted(stow, s3, seed, op, action):
    seed("bucket", {"d/f": b"1"})
    if not op.startswith("List"):
        stow.ls("s3://bucket/d")
    s3.fail(op=op, status=403, times=None)

    with pytest.raises(exceptions.OperationNotPermitted, match="access denied") as info:
        action(stow)

    message = str(info.value)
    assert message.startswith("Cannot ")
    assert "An error occurred" not in message  # botocore's own wording


def test_an_object_can_be_read_where_listing_is_denied(stow, s3, seed):
    """A policy may allow GetObject on keys but no ListBucket: the object is then found by name."""
    seed("bucket", {"d/f": b"readable"})
    s3.fail(op="ListObjectsV2", status=403, times=None)

    assert stow.get("s3://bucket/d/f") == b"readable"
    assert s3.counts["HeadObject"] == 1
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.get("s3://bucket/d/missing")


def test_an_unreachable_endpoint_is_a_backend_error_naming_it(stow, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the standard AWS setting, honoured
    manager = stow.connect("s3", endpoint_url=f"http://127.0.0.1:{port}")

    with pytest.raises(exceptions.BackendError) as info:
        manager.ls("/bucket/x")

    message = str(info.value)
    assert f"http://127.0.0.1:{port}" in message
    assert "s3://bucket/x" in message
    assert "list-type" not in message  # the endpoint, not the raw request URL


def test_a_server_error_keeps_the_code_in_a_sentence(stow, s3, seed, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    seed("bucket", {"f": b"1"})
    s3.fail(op="ListObjectsV2", status=500)

    with pytest.raises(exceptions.BackendError, match=r"Cannot list s3://bucket/d: S3 answered InternalError"):
        stow.ls("s3://bucket/d")


def test_retries_follow_the_standard_configuration(stow, s3, seed, monkeypatch):
    """AWS_MAX_ATTEMPTS (here 2, where our own default is 5) decides how often a request is tried."""
    seed("bucket", {"f": b"1"})
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    s3.fail(op="GetObject", status=503, times=None)

    with pytest.raises(exceptions.BackendError, match="Cannot read s3://bucket/f: S3 answered SlowDown"):
        stow.get("s3://bucket/f")

    assert s3.counts["GetObject"] == 2


# ---------------------------------------------------------------------------
# Configuration: the standard AWS settings are honoured
# ---------------------------------------------------------------------------


def test_aws_endpoint_url_from_the_environment_is_used(s3, seed, monkeypatch):
    seed("envbucket", {"k": b"from env"})
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint_url)

    manager = S3()

    assert manager.get("/envbucket/k") == b"from env"
    assert "endpoint_url" not in manager.toConfig()


def test_a_profile_supplies_credentials_and_region(s3, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text("[work]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
    config = tmp_path / "config"
    config.write_text("[profile work]\nregion = eu-west-3\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "work")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    client = S3(endpoint_url=s3.endpoint_url).client

    assert client.meta.region_name == "eu-west-3"
    assert client._request_signer._credentials.access_key == "AKIDPROFILE"


def test_path_style_and_unsigned_access_are_configured(s3):
    import botocore

    manager = S3(endpoint_url=s3.endpoint_url, path_style=True, unsigned=True)

    assert manager.client.meta.config.s3["addressing_style"] == "path"
    assert manager.client.meta.config.signature_version is botocore.UNSIGNED
    assert manager.toConfig() == {
        "manager": "S3", "endpoint_url": s3.endpoint_url, "path_style": True, "unsigned": True
    }


def test_unsigned_access_reads_a_public_bucket(stow, s3, s3_client):
    s3_client.create_bucket(Bucket="public", ACL="public-read")
    s3_client.put_object(Bucket="public", Key="readme", Body=b"open data", ACL="public-read")
    manager = stow.connect("s3", endpoint_url=s3.endpoint_url, unsigned=True)
    assert manager.get("/public/readme") == b"open data"


def test_explicit_keys_are_used_but_never_in_the_config(s3):
    manager = S3(endpoint_url=s3.endpoint_url, aws_access_key_id="AKIDEXPLICIT", aws_secret_access_key="s3cr3t")

    assert manager.client._request_signer._credentials.access_key == "AKIDEXPLICIT"
    text = repr(manager.toConfig()) + repr(manager)
    assert "s3cr3t" not in text and "AKIDEXPLICIT" not in text
