"""Small cases of untrusted input, each with a sentence or the right behaviour."""

from __future__ import annotations

import os

import pytest

from stowtui.managers import exceptions


def test_open_for_writing_a_key_of_300_bytes_works(stow, s3_client, bucket):
    name = "n" * 300
    with stow.open(f"s3://bucket/{name}", "w") as handle:
        handle.write("long")
    assert s3_client.get_object(Bucket="bucket", Key=name)["Body"].read() == b"long"


def test_open_of_a_prefix_says_directory_before_downloading_anything(stow, s3, s3_client, bucket):
    s3_client.put_object(Bucket="bucket", Key="pre/x", Body=b"x" * 1000)
    s3.clear_counts()
    with pytest.raises(exceptions.ArtefactTypeError, match="Cannot open s3://bucket/pre: it is a directory"):
        stow.open("s3://bucket/pre", "rb")
    assert s3.counts["GetObject"] == 0


def test_open_to_write_and_closed_with_nothing_written_empties_the_object(stow, s3_client, bucket, tmp_path):
    s3_client.put_object(Bucket="bucket", Key="old.txt", Body=b"old")
    stow.open("s3://bucket/new.txt", "w").close()
    stow.open("s3://bucket/old.txt", "wb").close()
    local = tmp_path / "old.txt"
    local.write_bytes(b"old")
    stow.open(str(local), "wb").close()  # what local disk does
    assert local.read_bytes() == b""
    for key in ("new.txt", "old.txt"):
        assert s3_client.get_object(Bucket="bucket", Key=key)["Body"].read() == b""


def test_cp_of_a_fifo_says_it_was_not_copied(stow, bucket, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(exceptions.OperationNotPermitted, match=f"{fifo}: named pipe, not copied"):
        stow.cp(str(fifo), "s3://bucket/fifo")


def test_put_of_a_url_is_refused_not_read_as_a_local_path(stow, bucket):
    with pytest.raises(exceptions.InvalidPath, match="put sends bytes or a local file; to copy from a URL use cp"):
        stow.put("s3://bucket/a", "s3://bucket/b")


def test_an_error_never_carries_a_names_raw_escape_bytes(stow, bucket):
    with pytest.raises(exceptions.ArtefactNotFound) as raised:
        stow.get("s3://bucket/\x1b[31mred\x07")
    assert "\x1b" not in str(raised.value) and "\x07" not in str(raised.value)
    assert "\\x1b[31mred\\x07" in str(raised.value)


@pytest.mark.parametrize("name", ["a", "bkt..x", "192.168.1.1", "-bkt", "b" * 64])
def test_bucket_names_s3_refuses_get_a_sentence(stow, name):
    with pytest.raises(exceptions.InvalidPath, match="is not a bucket name S3 takes: 3 to 63 letters"):
        stow.ls(f"s3://{name}/")


def test_an_sftp_url_with_half_an_ipv6_address_is_refused(stow):
    with pytest.raises(exceptions.InvalidPath, match=r"an IPv6 address is written in brackets"):
        stow.ls("sftp://[::1/x")
