"""The S3 manager, on boto3 (imported only when an S3 manager is first used).

One manager serves an account (an endpoint, profile and region): its root
``/`` lists the buckets, ``/bucket/dir/key`` is an object. Directories are
common prefixes and zero-byte ``dir/`` markers; the markers never show in a
listing. One ``ListObjectsV2`` page (up to 1,000 entries) fills a whole level
of the cache with sizes, times, ETags and storage classes, so browsing never
costs a ``HeadObject`` per entry.

Transfers go through s3transfer (boto3's managed transfer) with byte
callbacks. Sizes known from a listing are handed to it, as aws-cli does, so a
small file costs one GET or one PUT. Copies inside S3 are server-side: one
``CopyObject`` up to 5 GiB, multipart ``UploadPartCopy`` only above.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import threading
import urllib.parse
import uuid
from typing import Iterator

from . import exceptions
from .artefacts import Artefact, Directory, File
from .inspection import SizeTotals, Version
from .manager import RemoteManager

KiB, MiB, GiB = 1024, 1024**2, 1024**3
COPY_OBJECT_LIMIT = 5 * GiB
#: Below this an upload or download is one plain request from the calling
#: thread: s3transfer's futures and thread hand-offs cost more than they save
#: (and an upload's body in memory skips the ``Expect: 100-continue`` round trip).
DELETE_BATCH = 1000

_CODES_NOT_FOUND = {"NoSuchKey", "404", "NotFound", "NoSuchBucket", "NoSuchUpload"}
_CODES_DENIED = {"AccessDenied", "403", "AllAccessDisabled", "Forbidden"}
_CODES_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "TokenRefreshRequired",
    "InvalidToken",
    "RequestExpired",
}


def _endpoint(error) -> str:
    """``scheme://host[:port]`` of the request a botocore error is about."""
    url = getattr(error, "kwargs", {}).get("endpoint_url") or ""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "the S3 endpoint"


@contextlib.contextmanager
def s3_errors(action: str, where: str) -> Iterator[None]:
    """Turn botocore and s3transfer errors into a sentence a person can act on."""
    import botocore.exceptions as bce

    try:
        yield
    except exceptions.StowError:
        raise
    except concurrent.futures.CancelledError as error:
        raise exceptions.OperationCancelled(f"Cancelled: {action} {where}") from error
    except bce.ClientError as error:
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        message = info.get("Message") or ""
        if code == "NoSuchBucket":
            bucket = info.get("BucketName") or where
            raise exceptions.ArtefactNotFound(f"Cannot {action} {where}: the bucket {bucket} does not exist") from error
        if code in _CODES_NOT_FOUND:
            raise exceptions.ArtefactNotFound(f"Cannot {action} {where}: it does not exist") from error
        if code in _CODES_CREDENTIALS:
            raise exceptions.OperationNotPermitted(
                f"Cannot {action} {where}: the AWS credentials were rejected ({code}); "
                "check AWS_PROFILE or your access keys"
            ) from error
        if code in _CODES_DENIED:
            raise exceptions.OperationNotPermitted(f"Cannot {action} {where}: access denied") from error
        detail = f"{code}: {message}" if message else code
        raise exceptions.BackendError(f"Cannot {action} {where}: S3 answered {detail}") from error
    except bce.NoCredentialsError as error:
        raise exceptions.OperationNotPermitted(
            f"Cannot {action} {where}: no AWS credentials were found "
            "(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or connect unsigned for public buckets)"
        ) from error
    except bce.EndpointConnectionError as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the S3 endpoint {_endpoint(error)} cannot be reached "
            "(check the endpoint URL and your network)"
        ) from error
    except (bce.ConnectionError, bce.HTTPClientError) as error:
        raise exceptions.BackendError(
            f"Cannot {action} {where}: the connection to {_endpoint(error)} failed ({type(error).__name__})"
        ) from error
    except bce.BotoCoreError as error:
        raise exceptions.BackendError(f"Cannot {action} {where}: {error}") from error
    except UnicodeEncodeError as error:
        raise exceptions.InvalidPath(f"Cannot {action} {where}: S3 keys must be valid UTF-8") from error
    except OSError as error:
        from .fs import os_errors

        with os_errors(action, where):
            raise error
    except Exception as error:  # s3transfer wraps some failures in its own types
        if type(error).__module__.startswith("s3transfer"):
            raise exceptions.BackendError(f"Cannot {action} {where}: {error}") from error
        raise


#: Explicit keys given to an S3 manager, by the opaque name ``toConfig`` uses for them,
#: so that ``connect(**manager.toConfig())`` works in this process without the
#: secret ever appearing in a config.
_explicit_credentials: dict[str, dict] = {}
_explicit_lock = threading.Lock()


_data_loader = None
_data_loader_lock = threading.Lock()


def _botocore_session():
    """A new botocore session (each manager has its own profile and credentials)
    sharing one loader of service models: loading them again costs ~0.1 s a client."""
    global _data_loader
    import botocore.session

    session = botocore.session.get_session()
    with _data_loader_lock:
        if _data_loader is None:
            _data_loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _data_loader)
    return session


def _missing_bucket(error: BaseException) -> str | None:
    """"the bucket X does not exist" when that is what an ArtefactNotFound came from."""
    cause = error.__cause__
    response = getattr(cause, "response", None)
    if isinstance(response, dict) and response.get("Error", {}).get("Code") == "NoSuchBucket":
        return str(error).rsplit(": ", 1)[-1]
    return None


def _credentials_name(credentials: dict) -> str:
    with _explicit_lock:
        for name, known in _explicit_credentials.items():
            if known == credentials:
                return name
        name = f"explicit-{len(_explicit_credentials) + 1}"
        _explicit_credentials[name] = dict(credentials)
        return name


#: Below this, a PUT sends its body at once instead of waiting for ``100 Continue``.
CONTINUE_THRESHOLD = 1 * MiB


def _no_continue_for_small_bodies(params, **kwargs):
    """botocore asks for ``Expect: 100-continue`` on every file-like body: a whole extra
    round trip per small file. It only pays off for big bodies the server may refuse."""
    headers = params.get("headers", {})
    if headers.get("Expect") not in ("100-continue", b"100-continue"):
        return
    from botocore.utils import determine_content_length

    size = determine_content_length(params.get("body"))  # leaves the body's position alone
    if size is not None and size < CONTINUE_THRESHOLD:
        del headers["Expect"]


def _subscriber(size: int | None, etag: str | None, callback, done: threading.Event):
    """An s3transfer subscriber: provides what a listing told (so no HeadObject is made),
    relays progress and flags completion."""
    from s3transfer.subscribers import BaseSubscriber

    class Subscriber(BaseSubscriber):
        def on_queued(self, future, **kwargs):
            if size is not None:
                future.meta.provide_transfer_size(size)
            if etag is not None:
                future.meta.provide_object_etag(etag)

        def on_progress(self, future, bytes_transferred, **kwargs):
            if callback is not None:
                callback(bytes_transferred)

        def on_done(self, future, **kwargs):
            done.set()

    return Subscriber()


class S3(RemoteManager):
    """Amazon S3 and S3-compatible stores (MinIO, Ceph, R2...)."""

    SUPPORTS_TRANSFER_OPTIONS = True
    IMPLICIT_DIRECTORIES = True

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        path_style: bool | None = None,
        unsigned: bool = False,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        credentials: str | None = None,
        max_pool_connections: int = 64,
    ):
        super().__init__()
        self.endpoint_url = endpoint_url
        self.profile = profile
        self.region = region
        self.path_style = path_style
        self.unsigned = bool(unsigned)
        explicit = {
            k: v
            for k, v in dict(
                aws_access_key_id=aws_access_key_id,
                aws_secret_access_key=aws_secret_access_key,
                aws_session_token=aws_session_token,
            ).items()
            if v
        }
        if credentials is not None and not explicit:
            # The name toConfig() gave to keys passed explicitly earlier in this process.
            with _explicit_lock:
                explicit = dict(_explicit_credentials.get(credentials) or {})
            if not explicit:
                raise exceptions.InvalidPath(
                    f"This S3 configuration refers to access keys ({credentials}) that were given "
                    "to another process; pass aws_access_key_id and aws_secret_access_key again"
                )
        self._credentials = explicit
        self._credentials_name = _credentials_name(explicit) if explicit else None
        self._max_pool_connections = max_pool_connections
        self._client_lock = threading.Lock()
        self._client_instance = None
        self._transfers: dict[str, object] = {}

    # Configuration -----------------------------------------------------

    def toConfig(self) -> dict:
        config = {"manager": "S3"}
        for name in ("endpoint_url", "profile", "region", "path_style"):
            value = getattr(self, name)
            if value is not None:
                config[name] = value
        if self.unsigned:
            config["unsigned"] = True
        if self._credentials_name:
            config["credentials"] = self._credentials_name  # a name for the keys, never the keys
        return config

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        return {}, "/" + url.netloc + url.path if url.netloc else "/"

    @property
    def client(self):
        """The boto3 client (made on first use, shared by every thread)."""
        with self._client_lock:
            if self._client_instance is None:
                import boto3
                import botocore
                import botocore.session
                from botocore.config import Config

                with s3_errors("connect to", self.endpoint_url or "S3"):
                    core = _botocore_session()
                    session = boto3.session.Session(
                        botocore_session=core,
                        profile_name=self.profile,
                        region_name=self.region,
                        **self._credentials,
                    )
                    # Our defaults, unless the AWS configuration (AWS_MAX_ATTEMPTS,
                    # AWS_RETRY_MODE, the profile) says otherwise.
                    retries = {}
                    if core.get_config_variable("retry_mode") is None:
                        retries["mode"] = "standard"
                    if core.get_config_variable("max_attempts") is None:
                        retries["total_max_attempts"] = 5
                options = dict(retries=retries, max_pool_connections=self._max_pool_connections)
                if self.path_style:
                    options["s3"] = {"addressing_style": "path"}
                if self.unsigned:
                    options["signature_version"] = botocore.UNSIGNED
                with s3_errors("connect to", "S3"):
                    client = session.client("s3", endpoint_url=self.endpoint_url, config=Config(**options))
                # Same event as botocore's own handler, registered after it: so it runs after it.
                client.meta.events.register("before-call.s3", _no_continue_for_small_bodies)
                self._client_instance = client
            return self._client_instance

    def _transfer(self, kind: str):
        """A shared s3transfer TransferManager: ``"io"`` for up/downloads, ``"copy"`` for copies."""
        client = self.client
        with self._client_lock:
            if kind not in self._transfers:
                from s3transfer.manager import TransferConfig, TransferManager

                if kind == "copy":
                    config = TransferConfig(
                        multipart_threshold=COPY_OBJECT_LIMIT,
                        multipart_chunksize=256 * MiB,
                        max_request_concurrency=16,
                    )
                else:
                    config = TransferConfig(
                        multipart_threshold=8 * MiB,
                        multipart_chunksize=8 * MiB,
                        max_request_concurrency=16,
                        max_submission_concurrency=8,
                    )
                self._transfers[kind] = TransferManager(client, config)
            return self._transfers[kind]

    # Paths -------------------------------------------------------------

    @staticmethod
    def _split(managerPath: str) -> tuple[str, str]:
        """(bucket, key) of a manager path."""
        bucket, _, key = managerPath[1:].partition("/")
        return bucket, key

    def _abspath(self, managerPath: str) -> str:
        return "s3://" + managerPath.lstrip("/")

    def _prefix(self, managerPath: str) -> tuple[str, str]:
        bucket, key = self._split(managerPath)
        return bucket, (key + "/" if key else "")

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

    # Reading -----------------------------------------------------------

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
                code = str(error.response.get("Error", {}).get("Code"))
                if code in {"404", "NoSuchBucket", "NotFound"}:
                    return None
                if code not in _CODES_DENIED:  # a bucket we may not inspect still exists
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
                if str(error.response.get("Error", {}).get("Code")) not in _CODES_DENIED:
                    raise
                # Listing is denied (a policy on keys, not prefixes): ask for the object itself.
                try:
                    head = self.client.head_object(Bucket=bucket, Key=key)
                except bce.ClientError as head_error:
                    if str(head_error.response.get("Error", {}).get("Code")) not in {"404", "NoSuchKey", "NotFound"}:
                        raise
                    return None, None
                return self._file_from_head(managerPath, head), None
        return file, folder

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
                reason = _missing_bucket(error)
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

    def head(self, path: str) -> File:
        """Everything S3 knows of one object: one ``HeadObject``."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        with s3_errors("look at", self._abspath(path)):
            artefact = self._file_from_head(path, self.client.head_object(Bucket=bucket, Key=key))
        return self._addArtefact(artefact)

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

    def _getBytes(self, source: Artefact) -> bytes:
        bucket, key = self._split(source.path)
        with s3_errors("read", source.abspath):
            return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def read_head(self, path: str, limit: int = 64 * 1024) -> bytes:
        """The first ``limit`` bytes with one ranged GET: never the whole object."""
        return self.read_range(path, 0, limit)

    def read_range(self, path: str, start: int, length: int, version_id: str | None = None) -> bytes:
        """Read ``length`` bytes from ``start`` with one ranged GET (``b""`` past the end, as a file read).

        ``version_id`` reads an older version of the object (a versioned bucket).
        """
        import botocore.exceptions as bce

        path = self.normalise(path)
        bucket, key = self._split(path)
        if length <= 0:
            return b""
        version = {"VersionId": version_id} if version_id else {}
        with s3_errors("read", self._abspath(path)):
            try:
                response = self.client.get_object(
                    Bucket=bucket, Key=key, Range=f"bytes={start}-{start + length - 1}", **version
                )
            except bce.ClientError as error:
                # S3 refuses any range of an empty object, and a range that starts past the end.
                if error.response.get("Error", {}).get("Code") == "InvalidRange":
                    return b""
                raise
            return response["Body"].read()

    def _await(self, future, done: threading.Event, cancel: threading.Event | None):
        """Wait for an s3transfer future; cancel it (aborting multipart uploads) if asked."""
        while not done.wait(0.1):
            if cancel is not None and cancel.is_set():
                future.cancel()
                break
        return future.result()

    def _download(self, source: File, destination: str, callback=None, cancel=None) -> None:
        bucket, key = self._split(source.path)
        if key.endswith("/"):
            raise exceptions.InvalidPath(
                f"Cannot save {source.abspath} to local disk: a file name cannot end in '/'"
            )
        done = threading.Event()
        with s3_errors("download", f"{source.abspath} to {destination}"):
            folder = os.path.dirname(destination) or "."
            if not os.path.isdir(folder):
                os.makedirs(folder, exist_ok=True)
            # s3transfer writes to a temporary name and renames it: a cut download never
            # shows under the final name, and a body cut short is asked for again.
            future = self._transfer("io").download(
                bucket, key, destination, subscribers=[_subscriber(source.size, source.etag, callback, done)]
            )
            self._await(future, done, cancel)
            if source.modifiedTime is not None:
                stamp = source.modifiedTime.timestamp()
                os.utime(destination, (stamp, stamp))

    def _get(self, source: Artefact, destination: str, *, callback=None, cancel=None):
        if isinstance(source, File):
            self._download(source, destination, callback, cancel)
            return
        os.makedirs(destination, exist_ok=True)
        for artefact in self._walk(source):
            local = os.path.join(destination, *artefact.path[len(source.path) + 1:].split("/"))
            if isinstance(artefact, Directory):
                os.makedirs(local, exist_ok=True)
            else:
                self._download(artefact, local, callback, cancel)

    # Writing -----------------------------------------------------------

    def _upload(self, source: str, destination: str, callback=None, cancel=None) -> None:
        bucket, key = self._split(destination)
        if not key:
            raise exceptions.InvalidPath(f"Cannot upload {source} to {self._abspath(destination)}: name a key inside a bucket")
        done = threading.Event()
        with s3_errors("upload", f"{source} to {self._abspath(destination)}"):
            key.encode("utf-8")
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled(f"Upload of {source} was cancelled")
            future = self._transfer("io").upload(
                source, bucket, key, subscribers=[_subscriber(None, None, callback, done)]
            )
            self._await(future, done, cancel)

    def _put(self, source: str, destination: str, *, callback=None, cancel=None):
        try:
            if not os.path.isdir(source):
                self._upload(source, destination, callback, cancel)
                return
            for root, folders, files in os.walk(source):
                relative = os.path.relpath(root, source)
                base = destination if relative == "." else self._child(destination, relative.replace(os.sep, "/"))
                if not folders and not files:
                    self._mkdir(base)
                for name in files:
                    self._upload(os.path.join(root, name), self._child(base, name), callback, cancel)
        finally:
            self._forget(destination)

    def _putBytes(self, fileBytes: bytes, destination: str):
        bucket, key = self._split(destination)
        with s3_errors("write", self._abspath(destination)):
            self.client.put_object(Bucket=bucket, Key=key, Body=fileBytes)
        self._forget(destination)

    def _copy_object(self, source: File, destination: str, callback=None, cancel=None) -> None:
        src_bucket, src_key = self._split(source.path)
        bucket, key = self._split(destination)
        done = threading.Event()
        with s3_errors("copy", f"{source.abspath} to {self._abspath(destination)}"):
            if source.size < COPY_OBJECT_LIMIT:  # what s3transfer would do too: one CopyObject
                if cancel is not None and cancel.is_set():
                    raise exceptions.OperationCancelled(f"Copy of {source.abspath} was cancelled")
                self.client.copy_object(
                    CopySource={"Bucket": src_bucket, "Key": src_key}, Bucket=bucket, Key=key
                )
                if callback is not None:
                    callback(source.size)
                return
            future = self._transfer("copy").copy(
                {"Bucket": src_bucket, "Key": src_key},
                bucket,
                key,
                # Above 5 GiB s3transfer's own HeadObject keeps the metadata of a multipart copy.
                subscribers=[_subscriber(source.size, source.etag, callback, done)]
                if source.etag and source.size < COPY_OBJECT_LIMIT
                else [_subscriber(None, None, callback, done)],
            )
            self._await(future, done, cancel)

    def _cp(self, source: Artefact, destination: str, *, callback=None, cancel=None):
        try:
            if isinstance(source, File):
                self._copy_object(source, destination, callback, cancel)
                return
            for artefact in self._walk(source):
                target = destination + artefact.path[len(source.path):]
                if isinstance(artefact, File):
                    self._copy_object(artefact, target, callback, cancel)
                elif not len(artefact):
                    self._mkdir(target)
        finally:
            self._forget(destination)

    def _mv(self, source: Artefact, destination: str):
        self._cp(source, destination)
        self._rm(source)

    def set_metadata(self, path: str, metadata: dict, content_type: str | None = None) -> File:
        """Replace an object's user metadata (a server-side copy onto itself)."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        extra = {"ContentType": content_type} if content_type else {}
        with s3_errors("change the metadata of", self._abspath(path)):
            self.client.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": bucket, "Key": key},
                Metadata=metadata,
                MetadataDirective="REPLACE",
                **extra,
            )
        self._forget(path)
        return self.head(path)

    def _delete_keys(self, bucket: str, keys: list[str], where: str) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            response = self.client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise exceptions.BackendError(
                    f"Cannot delete {len(errors)} object(s) under {where}: "
                    f"s3://{bucket}/{first.get('Key')}: {first.get('Code')} {first.get('Message', '')}".rstrip()
                )

    def _rm(self, artefact: Artefact, *, callback=None, cancel=None):
        bucket, key = self._split(artefact.path)
        url = artefact.abspath
        with s3_errors("delete", url):
            if isinstance(artefact, File):
                self.client.delete_object(Bucket=bucket, Key=key)
            else:
                prefix = key + "/" if key else ""
                pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for page in pages:
                    if cancel is not None and cancel.is_set():
                        raise exceptions.OperationCancelled(f"Deletion of {url} was cancelled")
                    keys = [item["Key"] for item in page.get("Contents", [])]
                    if keys:
                        self._delete_keys(bucket, keys, url)
                        if callback is not None:
                            callback(len(keys))
                if not key:
                    self.client.delete_bucket(Bucket=bucket)
        self._forget(artefact.path)

    def _rmdir(self, directory: Directory) -> None:
        bucket, key = self._split(directory.path)
        with s3_errors("remove directory", directory.abspath):
            if key:
                self.client.delete_object(Bucket=bucket, Key=key + "/")
            else:
                self.client.delete_bucket(Bucket=bucket)
        self._forget(directory.path)

    def _mkdir(self, managerPath: str) -> None:
        bucket, key = self._split(managerPath)
        with s3_errors("create", self._abspath(managerPath)):
            if key:
                self.client.put_object(Bucket=bucket, Key=key + "/", Body=b"")
                return
            region = self.region or self.client.meta.region_name
            options = {}
            if region and region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": region}
            self.client.create_bucket(Bucket=bucket, **options)

    def presign(self, path: str, expires: int = 3600) -> str:
        """A presigned GET URL for an object."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        with s3_errors("sign a link to", self._abspath(path)):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(expires)
            )

    # Inspection: sizes, details, versions ------------------------------

    def du(self, path: str, every: int = 1000) -> Iterator[SizeTotals]:
        """Sizes below a prefix from a flat listing: one ``ListObjectsV2`` per 1,000 keys.

        Totals go by storage class too. A running total is yielded after each page;
        stop iterating to cancel, and no further page is asked for.
        """
        path = self.normalise(path)
        totals = SizeTotals(self._abspath(path))
        if path == "/":
            with s3_errors("list the buckets of", self.endpoint_url or "S3"):
                names = [b["Name"] for b in self.client.list_buckets().get("Buckets", [])]
            places = [(name, "") for name in names]
        else:
            places = [self._prefix(path)]
        for bucket, prefix in places:
            with s3_errors("measure", self._abspath(f"/{bucket}/{prefix}")):
                pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for page in pages:
                    for item in page.get("Contents", []):
                        totals.add(item.get("Size", 0), item.get("StorageClass") or "STANDARD")
                    if not totals.done:
                        yield totals.snapshot()
        yield totals.finish()

    def describe(self, path: str) -> dict:
        """One object's ``HeadObject`` (content type, encoding, metadata, encryption, version...);
        a bucket's region (one ``GetBucketLocation``, unless the bucket listing gave it);
        nothing for a prefix, without a request."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        if path == "/":
            return {}
        if not key:
            known = self._cache.get(path)
            region = known.metadata.get("region") if known is not None else None
            if not region:
                with s3_errors("look at", self._abspath(path)):
                    answer = self.client.get_bucket_location(Bucket=bucket)
                region = answer.get("LocationConstraint") or "us-east-1"
                if known is not None:
                    known.metadata["region"] = region
            return {"Region": region}
        if isinstance(self._cache.get(path), Directory):
            return {}
        with s3_errors("look at", self._abspath(path)):
            head = self.client.head_object(Bucket=bucket, Key=key)
        details = {k: v for k, v in head.items() if k not in ("ResponseMetadata", "AcceptRanges")}
        details.setdefault("StorageClass", "STANDARD")  # S3 leaves it out for STANDARD
        return details

    def versions(self, path: str) -> list[Version]:
        """Every version of one object, newest first (``ListObjectVersions`` with the key as prefix)."""
        path = self.normalise(path)
        bucket, key = self._split(path)
        found: list[Version] = []
        after = key.encode("utf-8")
        with s3_errors("list the versions of", self._abspath(path)):
            pages = self.client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
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

    def get_version(self, path: str, version_id: str, local_dest: str, cancel: threading.Event | None = None) -> None:
        """Download one version of an object to a local file (streamed, renamed into place on success)."""
        from .fs import CHUNK, PART_SUFFIX

        path = self.normalise(path)
        bucket, key = self._split(path)
        folder, name = os.path.split(os.path.abspath(local_dest))
        staged = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")
        with s3_errors("download", f"{self._abspath(path)} (version {version_id}) to {local_dest}"):
            os.makedirs(folder, exist_ok=True)
            try:
                body = self.client.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"]
                with open(staged, "wb") as handle:
                    while chunk := body.read(CHUNK):
                        if cancel is not None and cancel.is_set():
                            raise exceptions.OperationCancelled(f"Download of {self._abspath(path)} was cancelled")
                        handle.write(chunk)
                os.replace(staged, local_dest)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(staged)
                raise
