"""Reading the shape of S3: listings, lookups, loading a level, walking a prefix.

Mixed into :class:`~stowtui.managers.s3.S3`, which gives ``client``,
``_split``, ``_prefix`` and the cache. Everything here is one
``ListObjectsV2`` page per 1,000 keys where it can be: a listing tells the
size, time, ETag and storage class of each object, which ``HeadObject``
would tell one object at a time.
"""

from __future__ import annotations

from typing import Iterator

from .. import exceptions
from ..artefacts import Artefact, Directory, File
from .errors import CODES_DENIED, error_code, missing_bucket, s3_errors


class ListingMixin:
    """Listing and lookup hooks of the S3 manager."""

    def _file_from_listing(self, bucket: str, item: dict) -> File:
        # An S3 object is immutable: its LastModified is when this object was created.
        return File(
            self,
            f"/{bucket}/{item['Key']}",
            item.get("Size", 0),
            modifiedTime=item.get("LastModified"),
            createdTime=item.get("LastModified"),
            metadata={"ETag": item["ETag"]} if item.get("ETag") else {},
            storage_class=item.get("StorageClass"),
        )

    def _file_from_head(self, managerPath: str, head: dict) -> File:
        metadata = dict(head.get("Metadata") or {})
        if head.get("ETag"):
            metadata["ETag"] = head["ETag"]
        artefact = File(
            self,
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

    def _identifyPath(self, managerPath: str):
        if managerPath == "/":
            return Directory(self, "/")
        bucket, key = self._split(managerPath)
        if not key:
            return self._identifyBucket(managerPath)
        file, folder = self._lookup(managerPath)
        return file if file is not None else folder  # an empty File is falsy (len 0)

    def _identifyBucket(self, managerPath: str) -> Directory | None:
        import botocore.exceptions as bce

        bucket, _ = self._split(managerPath)
        url = self._abspath(managerPath)
        with s3_errors("look at", url):
            try:
                self.client.head_bucket(Bucket=bucket)
            except bce.ClientError as error:
                code = error_code(error)
                if code in {"404", "NoSuchBucket", "NotFound"}:
                    return None
                if code not in CODES_DENIED:  # a bucket we may not inspect still exists
                    raise
        return Directory(self, managerPath)

    def _lookup(self, managerPath: str) -> tuple[File | None, Directory | None]:
        """The object at a key and the directory of the same name, from one listing.

        ``ListObjectsV2(Prefix=key, Delimiter='/')`` shows the object ``key``
        (with its size, time, ETag and storage class) and the common prefix
        ``key/`` if anything is below it, so one request answers both, where a
        ``HeadObject`` would need a second request to find a directory.
        """
        import botocore.exceptions as bce

        bucket, key = self._split(managerPath)
        marker = key + "/"
        after = marker.encode("utf-8")  # S3 lists in UTF-8 byte order
        file = folder = None
        with s3_errors("look at", self._abspath(managerPath)):
            try:
                for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=key, Delimiter="/"
                ):
                    names = [item["Key"] for item in page.get("Contents", [])]
                    names += [common["Prefix"] for common in page.get("CommonPrefixes", [])]
                    for item in page.get("Contents", []):
                        if item["Key"] == key:
                            file = self._file_from_listing(bucket, item)
                    if marker in names:
                        folder = Directory(self, managerPath)
                    if (file and folder) or max((n.encode("utf-8") for n in names), default=b"") >= after:
                        break  # what is left sorts after ``key/``
            except bce.ClientError as error:
                if error_code(error) not in CODES_DENIED:
                    raise
                # Listing is denied (a policy on keys, not prefixes): ask for the object itself.
                try:
                    head = self.client.head_object(Bucket=bucket, Key=key)
                except bce.ClientError as head_error:
                    if error_code(head_error) not in {"404", "NoSuchKey", "NotFound"}:
                        raise
                    return None, None
                return self._file_from_head(managerPath, head), None
        return file, folder

    def head(self, path: str) -> File:
        """Everything S3 knows of one object: one ``HeadObject``."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        with s3_errors("look at", self._abspath(path)):
            artefact = self._file_from_head(path, self.client.head_object(Bucket=bucket, Key=key))
        return self._addArtefact(artefact)

    def _listedWithout(self, managerPath: str) -> bool:
        # ListBuckets names only our own buckets, never a public bucket of another
        # account: the root listing cannot prove that a bucket does not exist.
        if managerPath != "/" and self.dirname(managerPath) == "/":
            return False
        return super()._listedWithout(managerPath)

    def _loadArtefact(self, managerPath: str) -> Artefact:
        """The artefact at a path; the first time a level is touched, one listing fills it.

        This is the guide's special case: S3 gives the size, time and ETag of
        every entry of a level in one request, so the whole level is loaded
        rather than one object. Once a level has been listed, a path written
        since is looked up alone (one request), so a thousand puts into one
        directory do not list it a thousand times.
        """
        cached = self._cache.get(managerPath)
        if cached is not None:
            return cached
        parentPath = self.dirname(managerPath)
        parent = self._cache.get(parentPath, Directory)
        first_touch = parentPath != "/" and not (parent is not None and (parent._collected or len(parent)))
        url = self._abspath(managerPath)
        if first_touch:
            try:
                self._collect(self._listable(parentPath))
            except exceptions.OperationNotPermitted:
                pass  # listing this level is not allowed: ask for the one path below
            except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError) as error:
                reason = missing_bucket(error)
                raise exceptions.ArtefactNotFound(
                    f"Cannot find {url}: {reason}" if reason else f"Nothing exists at {url}"
                ) from error
            else:
                found = self._cache.get(managerPath)
                if found is None:
                    raise exceptions.ArtefactNotFound(f"Nothing exists at {url}")
                return found
        if self._listedWithout(managerPath):
            raise exceptions.ArtefactNotFound(f"Nothing exists at {url}")
        if parentPath == "/":
            found = self._identifyBucket(managerPath)
            if found is None:
                raise exceptions.ArtefactNotFound(f"Cannot find {url}: the bucket {self.basename(managerPath)} does not exist")
            return self._addArtefact(found)
        file, folder = self._lookup(managerPath)
        if file is None and folder is None:
            raise exceptions.ArtefactNotFound(f"Nothing exists at {url}")
        folder = self._addArtefact(folder)
        return self._addArtefact(file) if file is not None else folder

    # Listings ----------------------------------------------------------

    def _ls(self, directory: str):
        return [a for page in self._lsPages(directory) for a in page]

    def _lsPages(self, directory: str):
        url = self._abspath(directory)
        if directory == "/":
            with s3_errors("list the buckets of", self.endpoint_url or "S3"):
                buckets = []
                for page in self.client.get_paginator("list_buckets").paginate():
                    for bucket in page.get("Buckets", []):
                        metadata = {"region": bucket["BucketRegion"]} if bucket.get("BucketRegion") else {}
                        buckets.append(
                            Directory(self, "/" + bucket["Name"], createdTime=bucket.get("CreationDate"), metadata=metadata)
                        )
            yield buckets
            return
        bucket, prefix = self._prefix(directory)
        with s3_errors("list", url):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix, Delimiter="/"
            )
            for page in pages:
                found: list[Artefact] = []
                for common in page.get("CommonPrefixes", []):
                    found.append(Directory(self, f"/{bucket}/{common['Prefix'][:-1]}"))
                for item in page.get("Contents", []):
                    if item["Key"] == prefix and not item.get("Size"):
                        continue  # this directory's own marker
                    found.append(self._file_from_listing(bucket, item))
                yield found

    def _walk(self, directory: Directory, cached: bool = False) -> Iterator[Artefact]:
        """Everything below a prefix from one flat listing (one request per 1,000 keys).

        With ``cached``, when every level below is already in the cache (a walk,
        or the pane opening each level, loaded them) the cache answers, as ``ls``
        does; a job's walk (``cached=False``) always sees what is there now.
        """
        if directory.path == "/" or (cached and self._cache.complete_below(directory)):
            yield from super()._walk(directory)
            return
        bucket, prefix = self._prefix(directory.path)
        base = directory.path
        for child in list(directory):
            self._forget(child.path)
        provisional = self._cache.get(base) is None
        seen: dict[str, Directory] = {base: directory}
        with s3_errors("list", directory.abspath):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    if provisional:
                        directory = seen[base] = self._addArtefact(directory)
                        provisional = False
                    relative = item["Key"][len(prefix):]
                    parts = relative.split("/")
                    for depth in range(1, len(parts)):
                        path = base + "/" + "/".join(parts[:depth])
                        if path not in seen:
                            seen[path] = self._addArtefact(Directory(self, path))
                            yield seen[path]
                    if (not relative or relative.endswith("/")) and not item.get("Size"):
                        continue  # a directory marker: its directory is already known
                    yield self._addArtefact(self._file_from_listing(bucket, item))
        if provisional:
            seen[base] = self._prove(directory)
        for found in seen.values():
            found._collected = True
