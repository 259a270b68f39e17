"""The storage and rendering side of quick inspection: bounded reads, sizes, details, versions, peek."""

from __future__ import annotations

import gzip
import json

import pytest

from stowtui.managers.fs import FS
from stowtui.managers.manager import Manager
from stowtui.peek import GUNZIP_LIMIT, peek

# Reads ------------------------------------------------------------------


def test_fs_read_range_reads_only_the_range(tmp_path, stow):
    (tmp_path / "f.bin").write_bytes(bytes(range(100)))
    manager, path = stow.location(str(tmp_path / "f.bin"))
    assert manager.read_range(path, 10, 5) == bytes(range(10, 15))
    assert manager.read_range(path, 95, 50) == bytes(range(95, 100))
    assert manager.read_range(path, 200, 10) == b""
    assert manager.read_range(path, 0, 0) == b""


def test_the_default_read_range_of_a_plug_in_slices_what_it_reads(tmp_path):
    class Plain(FS):
        read_range = Manager.read_range  # a manager that did not write its own

    (tmp_path / "f.bin").write_bytes(b"0123456789")
    manager = Plain()
    assert manager.read_range(str(tmp_path / "f.bin"), 3, 4) == b"3456"


def test_s3_read_range_of_a_version(s3, s3_client, stow, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    old = s3_client.put_object(Bucket="bucket", Key="k", Body=b"old bytes")["VersionId"]
    s3_client.put_object(Bucket="bucket", Key="k", Body=b"new bytes")
    manager, path = stow.location("s3://bucket/k")
    s3.clear_counts()
    assert manager.read_range(path, 0, 3, version_id=old) == b"old"
    assert manager.read_range(path, 0, 3) == b"new"
    assert [(r.op, r.range, r.query.get("versionId")) for r in s3.requests] == [
        ("GetObject", "bytes=0-2", old), ("GetObject", "bytes=0-2", None)]


# Sizes ------------------------------------------------------------------


def test_s3_du_lists_flat_one_request_per_1000_keys_with_running_totals(s3, stow, bucket):
    for i in range(2500):
        s3.backend.put_object("bucket", f"p/{i % 10}/k{i:05d}", b"x" * (i % 3), storage="GLACIER" if i % 2 else None)
    s3.backend.put_object("bucket", "q/other", b"not counted")
    manager, path = stow.location("s3://bucket/p")
    s3.clear_counts()
    running = list(manager.du(path))
    assert [t.objects for t in running] == [1000, 2000, 2500, 2500]
    assert [t.done for t in running] == [False, False, False, True]
    final = running[-1]
    assert final.bytes == sum(i % 3 for i in range(2500))
    assert final.by_class["GLACIER"][0] == 1250 and final.by_class["STANDARD"][0] == 1250
    assert final.url == "s3://bucket/p"
    assert s3.counts == {"ListObjectsV2": 3}
    assert all(r.query.get("prefix") == "p/" and "delimiter" not in r.query for r in s3.requests)


def test_s3_du_stopped_after_the_first_total_asks_for_nothing_more(s3, stow, bucket):
    for i in range(2500):
        s3.backend.put_object("bucket", f"p/k{i:05d}", b"x")
    manager, path = stow.location("s3://bucket/p")
    s3.clear_counts()
    counting = manager.du(path)
    assert next(counting).objects == 1000
    counting.close()
    assert s3.counts == {"ListObjectsV2": 1}


def test_s3_du_of_the_root_adds_up_every_bucket(s3, s3_client, stow):
    for name, count in (("bucket-a", 3), ("bucket-b", 4)):
        s3_client.create_bucket(Bucket=name)
        for i in range(count):
            s3.backend.put_object(name, f"k{i}", b"12")
    manager, path = stow.location("s3://")
    final = list(manager.du(path))[-1]
    assert (final.objects, final.bytes, final.done) == (7, 14, True)


def test_fs_du_walks_without_following_links(tmp_path, stow):
    (tmp_path / "d" / "e").mkdir(parents=True)
    for i in range(5):
        (tmp_path / "d" / "e" / f"f{i}").write_bytes(b"x" * 10)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "big").write_bytes(b"x" * 1000)
    (tmp_path / "d" / "link").symlink_to(tmp_path / "outside")
    manager, path = stow.location(str(tmp_path / "d"))
    running = list(manager.du(path, every=2))
    assert [t.objects for t in running][:2] == [1, 3]  # e and f0, then f1 and f2 (a total every 2 entries)
    final = running[-1]
    assert final.done and (final.objects, final.directories, final.bytes) == (6, 1, 50)
    assert list(manager.du(str(tmp_path / "d" / "e" / "f0")))[-1].bytes == 10  # a file: its own size


# Details and versions -----------------------------------------------------


def test_s3_describe_costs_one_head_object_and_nothing_for_a_prefix(s3, s3_client, stow, bucket):
    s3_client.put_object(Bucket="bucket", Key="dir/f.txt", Body=b"hello", ContentType="text/plain",
                         Metadata={"a": "b"})
    stow.ls("s3://bucket/")
    manager, _ = stow.location("s3://bucket/")
    s3.clear_counts()
    assert manager.describe("/bucket/dir") == {}
    assert sum(s3.counts.values()) == 0
    details = manager.describe("/bucket/dir/f.txt")
    assert details["ContentType"] == "text/plain" and details["Metadata"] == {"a": "b"}
    assert details["StorageClass"] == "STANDARD" and details["ContentLength"] == 5
    assert "ResponseMetadata" not in details
    assert s3.counts == {"HeadObject": 1}


def test_s3_describe_of_a_bucket_asks_for_its_region_once(s3, s3_client, stow):
    s3_client.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    stow.ls("s3://")
    manager, _ = stow.location("s3://")
    s3.clear_counts()
    assert manager.describe("/eu-bucket") == {"Region": "eu-west-1"}
    assert manager.describe("/eu-bucket") == {"Region": "eu-west-1"}
    assert s3.counts == {"GetBucketLocation": 1}
    assert manager.artefact("/eu-bucket").metadata["region"] == "eu-west-1"


def test_s3_versions_of_exactly_one_key_newest_first(s3, s3_client, stow, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    first = s3_client.put_object(Bucket="bucket", Key="f.txt", Body=b"1")["VersionId"]
    second = s3_client.put_object(Bucket="bucket", Key="f.txt", Body=b"22")["VersionId"]
    s3_client.put_object(Bucket="bucket", Key="f.txt2", Body=b"other key")
    marker = s3_client.delete_object(Bucket="bucket", Key="f.txt")["VersionId"]
    manager, path = stow.location("s3://bucket/f.txt")
    s3.clear_counts()
    versions = manager.versions(path)
    assert [v.version_id for v in versions] == [marker, second, first]
    assert [v.delete_marker for v in versions] == [True, False, False]
    assert [v.is_latest for v in versions] == [True, False, False]
    assert [v.size for v in versions[1:]] == [2, 1]
    assert s3.counts == {"GetBucketVersioning": 1, "ListObjectVersions": 1}


def test_a_version_file_downloads_and_copies_that_version(tmp_path, s3, s3_client, stow, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    old = s3_client.put_object(Bucket="bucket", Key="f.txt", Body=b"old")["VersionId"]
    s3_client.put_object(Bucket="bucket", Key="f.txt", Body=b"new")
    manager, path = stow.location("s3://bucket/f.txt")
    version = next(v for v in manager.versions(path) if v.version_id == old)
    s3.clear_counts()
    (tmp_path / "out").mkdir()
    manager.download(manager.version_file(path, version), str(tmp_path / "out" / "f.txt"))
    assert (tmp_path / "out" / "f.txt").read_bytes() == b"old"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["f.txt"]  # nothing staged left behind
    assert s3.counts == {"GetObject": 1}  # size and ETag from the version listing: no HeadObject
    # S3 to S3: one CopyObject of that version.
    manager.copy_within(manager.version_file(path, version), manager.child("/bucket", "f-old.txt"))
    assert s3.backend.get_object("bucket", "f-old.txt").value == b"old"


def test_fs_has_no_versions(tmp_path, stow):
    (tmp_path / "f").write_bytes(b"x")
    manager, path = stow.location(str(tmp_path / "f"))
    with pytest.raises(stow.exceptions.OperationNotPermitted):
        manager.versions(path)


# Peek: how bytes are shown ----------------------------------------------


def test_a_gzip_head_is_inflated_as_far_as_it_goes():
    text = "".join(f"row {i}\n" for i in range(100_000)).encode()
    head = gzip.compress(text)[:4096]
    shown = peek("rows.txt.gz", head, complete=False)
    assert shown.kind == "text" and shown.text.plain.startswith("row 0\nrow 1\n")
    assert "row 99999" not in shown.text.plain
    assert shown.notes[0].startswith("gzip: ") and "decompressed from 4.0K" in shown.notes[0]


def test_a_gzipped_csv_is_a_table_and_a_gzip_bomb_stays_small():
    shown = peek("t.csv.gz", gzip.compress(b"a,b\n1,2\n3,4\n"), complete=True)
    assert shown.kind == "table" and shown.rows == [["a", "b"], ["1", "2"], ["3", "4"]]
    bomb = gzip.compress(b"\0" * (GUNZIP_LIMIT * 4))
    shown = peek("zeros.gz", bomb, complete=True)
    assert shown.kind == "hex" and "limit reached" in shown.notes[0]


def test_content_encoding_gzip_is_inflated_whatever_the_name():
    assert peek("data", gzip.compress(b"hello"), True, content_encoding="gzip").text.plain == "hello"


def test_partial_heads_are_not_mistaken():
    # A character cut at the end of the head is not binary.
    cut = "héllo wörld é".encode()[:-1]
    assert peek("a.txt", cut, complete=False).text.plain == "héllo wörld "
    # ...but the same bytes as a whole file are.
    assert peek("a.txt", cut, complete=True).kind == "hex"
    # JSON cut short is shown as it is.
    shown = peek("a.json", b'{"a": [1, 2', complete=False)
    assert shown.kind == "json" and "part of a JSON document" in shown.notes[0]
    # A CSV line cut by the head is left out.
    assert peek("a.csv", b"x,y\n1,2\n3,", complete=False).rows == [["x", "y"], ["1", "2"]]


def test_binary_and_images_are_hex_dumps():
    assert peek("a.txt", b"ab\x00cd", True).kind == "hex"
    shown = peek("pic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, True)
    assert shown.kind == "hex" and "PNG image" in shown.notes[0]


def test_json_is_pretty_printed_and_names_stay_literal():
    shown = peek("x.json", json.dumps({"k": "[b]v[/b]\u001b]2;t\u0007"}).encode(), True)
    assert shown.text.plain == '{\n  "k": "[b]v[/b]\\u001b]2;t\\u0007"\n}'  # JSON's own escapes
    # Control characters outside strings (not JSON then) are made visible.
    assert peek("x.json", b'{"k": 1}\x1b[31m', True).text.plain == '{"k": 1}\\e[31m'


def test_fs_refuses_to_read_a_fifo_rather_than_block(tmp_path, stow):
    import os

    os.mkfifo(tmp_path / "pipe")
    manager, path = stow.location(str(tmp_path / "pipe"))
    with pytest.raises(stow.exceptions.ArtefactTypeError, match="not a regular file"):
        manager.read_head(path)
    with pytest.raises(stow.exceptions.ArtefactTypeError):
        manager.read_range(path, 0, 10)
