"""Reading the shape of S3: listings, lookups, walking a prefix.

Plain functions of the S3 manager (``s3``: its ``client``, ``_split``,
``_prefix`` and cache), called by its hooks. Everything here is one
``ListObjectsV2`` page per 1,000 keys where it can be: a listing tells the
size, time, ETag and storage class of each object, which ``HeadObject``
would tell one object at a time.
"""

from __future__ import annotations

import sys
from typing import Iterator

from ..artefacts import Artefact, Directory, File
from ..manager import Manager
from .errors import CODES_DENIED, error_code, s3_errors



def file_from_listing(s3, bucket: str, item: dict) -> File:
    # An S3 object is immutable: its LastModified is when this object was created
    # (one datetime, kept as botocore gave it; the artefact converts it when read).
    # The ETag waits in a slot, not a dict; storage classes are one shared string each.
    when = item.get("LastModified")
    storage_class = item.get("StorageClass")
    return File(
        s3,
        f"/{bucket}/{item['Key']}",
        item.get("Size", 0),
        when,
        when,
        etag=item.get("ETag") or None,
        storage_class=sys.intern(storage_class) if storage_class else storage_class,
    )

def file_from_head(s3, managerPath: str, head: dict) -> File:
    metadata = dict(head.get("Metadata") or {})
    if head.get("ETag"):
        metadata["ETag"] = head["ETag"]
    artefact = File(
        s3,
        managerPath,
        head.get("ContentLength", 0),
        modifiedTime=head.get("LastModified"),
        metadata=metadata,
        content_type=head.get("ContentType"),
        storage_class=head.get("StorageClass", "STANDARD"),
    )
    artefact.details = {  # what only a HeadObject tells (for the info panel)
        k: head[k]
        for k in ("ContentEncoding", "ServerSideEncryption", "VersionId", "CacheControl", "ContentDisposition")
        if head.get(k)
    }
    return artefact

# Lookups -----------------------------------------------------------

def identify_path(s3, managerPath: str):
    found = identify(s3, managerPath)
    return found[0] if found else None  # the object, where a prefix has its name too

def identify(s3, managerPath: str) -> list[Artefact]:
    """The object and the directory at a path, from one request (``_lookup``; a bucket: ``HeadBucket``)."""
    if managerPath == "/":
        return [Directory(s3, "/")]
    bucket, key = s3._split(managerPath)
    if not key:
        found = identify_bucket(s3, managerPath)
        return [found] if found is not None else []
    return [a for a in look_up(s3, managerPath) if a is not None]

def identify_bucket(s3, managerPath: str) -> Directory | None:
    import botocore.exceptions as bce

    bucket, _ = s3._split(managerPath)
    url = s3._abspath(managerPath)
    with s3_errors("look at", url):
        try:
            s3.client.head_bucket(Bucket=bucket)
        except bce.ClientError as error:
            code = error_code(error)
            if code in {"404", "NoSuchBucket", "NotFound"}:
                return None
            if code not in CODES_DENIED:  # a bucket we may not inspect still exists
                raise
    return Directory(s3, managerPath)

def look_up(s3, managerPath: str) -> tuple[File | None, Directory | None]:
    """The object at a key and the directory of the same name, from one listing.

    ``ListObjectsV2(Prefix=key, Delimiter='/')`` shows the object ``key``
    (with its size, time, ETag and storage class) and the common prefix
    ``key/`` if anything is below it, so one request answers both, where a
    ``HeadObject`` would need a second request to find a directory.
    """
    import botocore.exceptions as bce

    bucket, key = s3._split(managerPath)
    marker = key + "/"
    after = marker.encode("utf-8")  # S3 lists in UTF-8 byte order
    file = folder = None
    with s3_errors("look at", s3._abspath(managerPath)):
        try:
            for page in s3.object_pages(
                Bucket=bucket, Prefix=key, Delimiter="/"
            ):
                names = [item["Key"] for item in page.get("Contents", [])]
                names += [common["Prefix"] for common in page.get("CommonPrefixes", [])]
                for item in page.get("Contents", []):
                    if item["Key"] == key:
                        file = file_from_listing(s3, bucket, item)
                if marker in names:
                    folder = Directory(s3, managerPath)
                if (file and folder) or max((n.encode("utf-8") for n in names), default=b"") >= after:
                    break  # what is left sorts after ``key/``
        except bce.ClientError as error:
            if error_code(error) not in CODES_DENIED:
                raise
            # Listing is denied (a policy on keys, not prefixes): ask for the object its3.
            try:
                head = s3.client.head_object(Bucket=bucket, Key=key)
            except bce.ClientError as head_error:
                if error_code(head_error) not in {"404", "NoSuchKey", "NotFound"}:
                    raise
                return None, None
            return file_from_head(s3, managerPath, head), None
    return file, folder

def head(s3, path: str) -> File:
    """Everything S3 knows of one object: one ``HeadObject``."""
    path = s3.normalise(path)
    bucket, key = s3._split(path)
    with s3_errors("look at", s3._abspath(path)):
        artefact = file_from_head(s3, path, s3.client.head_object(Bucket=bucket, Key=key))
    return s3._addArtefact(artefact)

# Listings ----------------------------------------------------------

def list_level(s3, directory: str):
    return [a for page in list_pages(s3, directory) for a in page if a.path != directory]

def list_pages(s3, directory: str):
    url = s3._abspath(directory)
    if directory == "/":
        with s3_errors("list the buckets of", s3.endpoint_url or "S3"):
            buckets = []
            for page in s3.client.get_paginator("list_buckets").paginate():
                for bucket in page.get("Buckets", []):
                    metadata = {"region": bucket["BucketRegion"]} if bucket.get("BucketRegion") else {}
                    buckets.append(
                        Directory(s3, "/" + bucket["Name"], createdTime=bucket.get("CreationDate"), metadata=metadata)
                    )
        yield buckets
        return
    bucket, prefix = s3._prefix(directory)
    with s3_errors("list", url):
        pages = s3.object_pages(
            Bucket=bucket, Prefix=prefix, Delimiter="/"
        )
        for number, page in enumerate(pages):
            # A bucket that answers is there; so is a prefix whose marker shows:
            # the directory itself goes in the page as that proof (not as a child).
            found: list[Artefact] = [Directory(s3, directory)] if not prefix and not number else []
            for common in page.get("CommonPrefixes", []):
                found.append(Directory(s3, f"/{bucket}/{common['Prefix'][:-1]}"))
            for item in page.get("Contents", []):
                if item["Key"] == prefix:
                    # This directory's own marker, even one with a body (some tools
                    # write bytes there): never a file with an empty name.
                    found.append(Directory(s3, directory))
                    continue
                found.append(file_from_listing(s3, bucket, item))
            yield found

def walk(s3, directory: Directory, pages=None) -> Iterator[Artefact]:
    """Everything below a prefix from one flat listing (one request per 1,000 keys), listed now.

    ``pages``: that listing's pages, when the caller has them already
    (``sources.look_up_source``: the lookup of a job's source).

    A ``dir/`` key is that directory's marker: it shows the directory. One
    that holds bytes is also yielded, as a ``File`` flagged ``marker`` (its
    path ends in ``/``; it is not cached), so that a copy into S3 keeps it.
    """
    if directory.path == "/":
        yield from Manager._walk(s3, directory)
        return
    bucket, prefix = s3._prefix(directory.path)
    base = directory.path
    s3._cache.forget_contents(directory)
    shown = False
    seen: dict[str, Directory] = {base: directory}
    with s3_errors("list", directory.abspath):
        if pages is None:
            pages = s3.object_pages(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if not shown:
                    directory = seen[base] = s3._addArtefact(directory)
                    shown = True
                relative = item["Key"][len(prefix):]
                parts = relative.split("/")
                for depth in range(1, len(parts)):
                    path = base + "/" + "/".join(parts[:depth])
                    if path not in seen:
                        seen[path] = s3._addArtefact(Directory(s3, path))
                        yield seen[path]
                if not relative or relative.endswith("/"):
                    if item.get("Size"):  # a marker with a body
                        marker = file_from_listing(s3, bucket, item)
                        marker.marker = True
                        yield marker
                    continue  # its directory is already known
                yield s3._addArtefact(file_from_listing(s3, bucket, item))
    if not shown:
        seen[base] = s3._ensureDirectory(base, cached=False)
    for found in seen.values():
        found._collected = True
