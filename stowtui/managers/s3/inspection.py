"""Looking closer at objects: ranged reads, sizes, details, versions, links, metadata.

Plain functions of the S3 manager (``s3``: its ``client``, ``_split``,
``_prefix`` and cache); its methods of the same names call them instead of the
generic defaults of :class:`~stowtui.managers.manager.Manager`, with one bounded
request each: a viewer never downloads a whole object to show its start.
"""

from __future__ import annotations

from typing import Iterator

from ..artefacts import Directory, File
from ..exceptions import StowError
from ..inspection import SizeTotals, Version
from .errors import error_code, s3_errors



def read_head(s3, path: str, limit: int = 64 * 1024) -> bytes:
    """The first ``limit`` bytes with one ranged GET: never the whole object."""
    return read_range(s3, path, 0, limit)

def read_range(s3, path: str, start: int, length: int, version_id: str | None = None) -> bytes:
    """Read ``length`` bytes from ``start`` with one ranged GET (``b""`` past the end, as a file read).

    ``version_id`` reads an older version of the object (a versioned bucket).
    """
    import botocore.exceptions as bce

    path = s3.normalise(path)
    bucket, key = s3._split(path)
    if length <= 0:
        return b""
    version = {"VersionId": version_id} if version_id else {}
    with s3_errors("read", s3._abspath(path)):
        try:
            response = s3.client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes={start}-{start + length - 1}", **version
            )
        except bce.ClientError as error:
            # S3 refuses any range of an empty object, and a range that starts past the end.
            if error_code(error) == "InvalidRange":
                return b""
            raise
        return response["Body"].read()

def presign(s3, path: str, expires: int = 3600) -> str:
    """A presigned GET URL for an object."""
    path = s3.normalise(path)
    bucket, key = s3._split(path)
    with s3_errors("sign a link to", s3._abspath(path)):
        return s3.client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(expires)
        )

def du(s3, path: str, every: int = 1000) -> Iterator[SizeTotals]:
    """Sizes below a prefix from a flat listing: one ``ListObjectsV2`` per 1,000 keys.

    Totals go by storage class too. A running total is yielded after each page;
    stop iterating to cancel, and no further page is asked for.
    """
    path = s3.normalise(path)
    totals = SizeTotals(s3._abspath(path))
    if path == "/":
        with s3_errors("list the buckets of", s3.endpoint_url or "S3"):
            names = [b["Name"] for b in s3.client.list_buckets().get("Buckets", [])]
        places = [(name, "") for name in names]
    else:
        places = [s3._prefix(path)]
    for bucket, prefix in places:
        with s3_errors("measure", s3._abspath(f"/{bucket}/{prefix}")):
            pages = s3.object_pages(Bucket=bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    totals.add(item.get("Size", 0), item.get("StorageClass") or "STANDARD")
                if not totals.done:
                    yield totals.snapshot()
    yield totals.finish()

def describe(s3, path: str) -> dict:
    """One object's ``HeadObject`` (content type, encoding, metadata, encryption, version...);
    a bucket's region (one ``GetBucketLocation``, unless the bucket listing gave it);
    nothing for a prefix, without a request."""
    path = s3.normalise(path)
    bucket, key = s3._split(path)
    if path == "/":
        return {}
    if not key:
        known = s3._cache.get(path)
        region = known.metadata.get("region") if known is not None else None
        if not region:
            with s3_errors("look at", s3._abspath(path)):
                answer = s3.client.get_bucket_location(Bucket=bucket)
            region = answer.get("LocationConstraint") or "us-east-1"
            if known is not None:
                known.metadata["region"] = region
        return {"Region": region}
    if isinstance(s3._cache.get(path), Directory):
        return {}
    with s3_errors("look at", s3._abspath(path)):
        head = s3.client.head_object(Bucket=bucket, Key=key)
    details = {k: v for k, v in head.items() if k not in ("ResponseMetadata", "AcceptRanges")}
    details.setdefault("StorageClass", "STANDARD")  # S3 leaves it out for STANDARD
    return details

def set_metadata(s3, path: str, metadata: dict, content_type: str | None = None) -> File:
    """Replace an object's user metadata (a server-side copy onto itself)."""
    path = s3.normalise(path)
    bucket, key = s3._split(path)
    extra = {"ContentType": content_type} if content_type else {}
    with s3_errors("change the metadata of", s3._abspath(path)):
        s3.client.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": key},
            Metadata=metadata,
            MetadataDirective="REPLACE",
            **extra,
        )
    s3._forget(path)
    return s3.head(path)

# Versions ----------------------------------------------------------

def versions(s3, path: str) -> list[Version]:
    """Every version of one object, newest first (``ListObjectVersions`` with the key as prefix).

    A bucket where versioning was never turned on has nothing to list: ``GetBucketVersioning``
    first says so at once, rather than a listing of every key under the name's prefix."""
    path = s3.normalise(path)
    bucket, key = s3._split(path)
    try:
        with s3_errors("ask about versioning in", f"s3://{bucket}"):
            status = s3.client.get_bucket_versioning(Bucket=bucket).get("Status")
    except StowError:
        status = "unknown"  # not allowed to ask: the listing says what there is
    if not status:
        raise StowError(f"Versioning is off in s3://{bucket}: {key} has only its current version")
    found: list[Version] = []
    after = key.encode("utf-8")
    with s3_errors("list the versions of", s3._abspath(path)):
        pages = s3.client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
        for page in pages:
            markers = page.get("DeleteMarkers", [])
            listed = page.get("Versions", []) + markers
            marker_ids = {id(marker) for marker in markers}
            for item in listed:
                if item["Key"] != key:
                    continue
                found.append(
                    Version(
                        version_id=item.get("VersionId") or "null",
                        size=item.get("Size", 0),
                        modified=item.get("LastModified"),
                        is_latest=bool(item.get("IsLatest")),
                        etag=item.get("ETag"),
                        storage_class=item.get("StorageClass"),
                        delete_marker=id(item) in marker_ids,
                    )
                )
            if any(item["Key"].encode("utf-8") > after for item in listed):
                break  # listings are in key order: the rest is about other keys
    found.sort(key=lambda v: (not v.is_latest, -(v.modified.timestamp() if v.modified else 0)))
    return found

def version_file(s3, path: str, version: Version) -> File:
    """One version of an object as a file to copy or view: transfers fetch that version.

    Downloads and copies of it (``download``, ``copy_within``, a job) send its
    ``VersionId``; its size and ETag come from the version listing, so no
    ``HeadObject`` is spent.
    """
    path = s3.normalise(path)
    found = File(s3, path, version.size, modifiedTime=version.modified,
                 metadata={"ETag": version.etag} if version.etag else {}, storage_class=version.storage_class)
    found.version_id = version.version_id
    return found
