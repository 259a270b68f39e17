"""The S3 manager, on boto3 (imported only when an S3 manager is first used).

One manager serves an account (an endpoint, profile and region): its root
``/`` lists the buckets, ``/bucket/dir/key`` is an object. Directories are
common prefixes and zero-byte ``dir/`` markers; the markers never show in a
listing. One ``ListObjectsV2`` page (up to 1,000 entries) fills a whole level
of the cache with sizes, times, ETags and storage classes, so browsing never
costs a ``HeadObject`` per entry.

A small file (below 8 MiB) is one plain GET or PUT, checked whole; bigger ones
go through s3transfer (boto3's managed transfer) with byte callbacks, handed
the sizes a listing told, as aws-cli does. Copies inside S3 are server-side:
one ``CopyObject`` up to 5 GiB, multipart ``UploadPartCopy`` only above.

This one class holds the manager's state (client, configuration, the shared
s3transfer managers); its hooks call plain functions, one module per concern:

- :mod:`.errors`: botocore errors → storage errors (``s3_errors``)
- :mod:`.client`: the boto3 client, its configuration and credentials
- :mod:`.plain`: the configuration read without botocore, where it is plain (:mod:`.direct` starts on it)
- :mod:`.listing`: listing, lookups, loading a level, walking a prefix (``list_pages``, ``look_up``, ``walk``)
- :mod:`.transfers`: get, put, copy, delete, create (``download``, ``upload``, ``copy_object``, ``delete``)
- :mod:`.sources`: a job's source URL found, and its walk begun, from one listing
- :mod:`.single`: a small object as one plain request, checked whole
- :mod:`.uploads`: the ids of the multipart uploads a job's write opens, for its journal; aborting one
- :mod:`.managed`: big objects through s3transfer, counted against the queue's slots
- :mod:`.inspection`: ranged reads, sizes, details, versions, links, metadata
"""

from __future__ import annotations

import contextlib
import re
import threading
import urllib.parse
import weakref

from .. import exceptions
from ..manager import RemoteManager
from ..urls import shown_text
from ..connections import POOL_CONNECTIONS
from .client import credentials_name, named_credentials, new_client, new_session, time_limits
from . import direct, inspection, listing, plain, sources, transfers, uploads
from .transfers import Conditions

__all__ = ["S3"]

#: What botocore itself accepts as a bucket name (older buckets may hold capitals and '_').
#: What S3 takes as a bucket name: 3-63 letters, digits, '.', '-' (and, in buckets of
#: us-east-1 made before 2018 and some compatible stores, '_'), a letter or digit at
#: each end, no '..', and not an IP address.
BUCKET_NAME = re.compile(r"^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9.\-_]{1,61}[A-Za-z0-9]$")


class S3(RemoteManager):
    """Amazon S3 and S3-compatible stores (MinIO, Ceph, R2...)."""

    SUPPORTS_TRANSFER_OPTIONS = True
    SUPPORTS_NO_REPLACE = True  # IfNoneMatch: "*" on uploads and copies
    IMPLICIT_DIRECTORIES = True
    LISTS_IN_KEY_ORDER = True  # ListObjectsV2: UTF-8 key order, a common prefix as its key

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
        max_pool_connections: int = POOL_CONNECTIONS,
        timeout: float | None = None,
        direct: bool = True,
    ):
        """``timeout``: seconds to wait for an answer to one request before
        trying again (default 8; ``client.READ_TIMEOUT``); for slow links.
        ``max_pool_connections``: connections kept open, at least the requests
        in flight (``connections.pool_connections(workers)``).
        ``direct``: a small file's one request is sent straight (:mod:`.direct`);
        False sends it through botocore like every other request."""
        super().__init__()
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < 3600:
                raise exceptions.StowError(
                    f"The S3 timeout is a number of seconds above 0 and below 3600, not {timeout!r}"
                )
        self.timeout = timeout
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
            explicit = named_credentials(credentials)
        self._credentials = explicit
        self._credentials_name = credentials_name(explicit) if explicit else None
        self._max_pool_connections = max_pool_connections
        self.direct = bool(direct)
        self._client_lock = threading.Lock()
        self._client_instance = None
        self._direct_client = None
        #: s3transfer TransferManagers by kind: not tied to a queue, and per queue (its RequestSlots).
        self._transfers: dict[str, object] = {}
        self._queued_transfers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._conditions = Conditions()
        self._open_uploads = uploads.OpenUploads()

    # Configuration -----------------------------------------------------

    def toConfig(self) -> dict:
        config = {"manager": "S3"}
        for name in ("endpoint_url", "profile", "region", "path_style", "timeout"):
            value = getattr(self, name)
            if value is not None:
                config[name] = value
        if self.unsigned:
            config["unsigned"] = True
        if not self.direct:
            config["direct"] = False
        if self._credentials_name:
            config["credentials"] = self._credentials_name  # a name for the keys, never the keys
        return config

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        if not url.netloc:
            if url.path.strip("/"):
                shown = shown_text(f"s3://{url.path}")
                raise exceptions.InvalidPath(f"{shown} names no bucket: write s3://bucket/key")
            return {}, "/"
        return {}, "/" + url.netloc + url.path

    @property
    def client(self):
        """The botocore client (made on first use, shared by every thread)."""
        with self._client_lock:
            if self._client_instance is None:
                session = new_session(profile=self.profile, region=self.region, credentials=self._credentials)
                client = new_client(
                    session,
                    endpoint_url=self.endpoint_url,
                    path_style=self.path_style,
                    unsigned=self.unsigned,
                    max_pool_connections=self._max_pool_connections,
                    timeout=self.timeout,
                )
                self._conditions.register(client)
                self._open_uploads.register(client)
                if self._direct_client is None:
                    self._direct_client = direct.Client.of(client, session) if self.direct else client
                self._client_instance = client
            return self._client_instance

    @property
    def direct_client(self):
        """What sends a small file's one request (``GetObject``, ``PutObject``, ``CopyObject``)
        and lists (:meth:`object_pages`): a :class:`.direct.Client`, or the botocore client
        where that cannot stand for it. Where the configuration is plain (:mod:`.plain`) it
        is made without botocore, whose client is then made only if a request needs it."""
        with self._client_lock:
            if self._direct_client is None and self.direct:
                settings = plain.read(endpoint_url=self.endpoint_url, profile=self.profile, region=self.region,
                                      path_style=self.path_style, unsigned=self.unsigned,
                                      credentials=self._credentials)
                if settings is not None:
                    self._direct_client = direct.Client.without_botocore(
                        settings, lambda: self.client, time_limits(self.timeout), self._max_pool_connections)
            if self._direct_client is not None:
                return self._direct_client
        self.client  # made with it
        return self._direct_client

    def object_pages(self, **params):
        """The pages of ``ListObjectsV2(**params)``, as botocore's paginator gives them."""
        client = self.direct_client
        if isinstance(client, direct.Client):
            return client.object_pages(**params)
        return client.get_paginator("list_objects_v2").paginate(**params)

    # Paths -------------------------------------------------------------

    @staticmethod
    def _split(managerPath: str) -> tuple[str, str]:
        """(bucket, key) of a manager path; a bucket name or key S3 would refuse is refused here, in a sentence."""
        bucket, _, key = managerPath[1:].partition("/")
        if bucket and not BUCKET_NAME.match(bucket):
            raise exceptions.InvalidPath(
                f"{shown_text(bucket)} is not a bucket name S3 takes: 3 to 63 letters, digits, '.' and '-', "
                "a letter or digit at each end, no '..', not an IP address"
            )
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.InvalidPath(
                f"{shown_text(key)} cannot be an S3 key: keys are UTF-8 text, and this name is not "
                "(a local name that is not UTF-8, or a lone surrogate)"
            ) from None
        return bucket, key

    def _abspath(self, managerPath: str) -> str:
        return "s3://" + managerPath.lstrip("/")

    def _prefix(self, managerPath: str) -> tuple[str, str]:
        bucket, key = self._split(managerPath)
        return bucket, (key + "/" if key else "")

    # Lookups and listings (listing.py, sources.py) ---------------------

    def _identifyPath(self, managerPath: str):
        return listing.identify_path(self, managerPath)

    def _identify(self, managerPath: str):
        return listing.identify(self, managerPath)

    def _lookUpSource(self, managerPath: str):
        return sources.look_up_source(self, managerPath)

    def head(self, path: str):
        """Everything S3 knows of one object: one ``HeadObject``."""
        return listing.head(self, path)

    def _ls(self, directory: str):
        return listing.list_level(self, directory)

    def _lsPages(self, directory: str):
        return listing.list_pages(self, directory)

    def _walk(self, directory, pages=None):
        return listing.walk(self, directory, pages)

    # Moving bytes (transfers.py) ---------------------------------------

    def _getBytes(self, source):
        return transfers.get_bytes(self, source)

    def _get(self, source, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        transfers.get(self, source, destination, callback=callback, cancel=cancel, no_replace=no_replace, request=request)

    def _put(self, source: str, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        with self._watching(destination, request):
            transfers.put(self, source, destination, callback=callback, cancel=cancel, no_replace=no_replace,
                          request=request)

    def _putBytes(self, fileBytes: bytes, destination: str):
        transfers.put_bytes(self, fileBytes, destination)

    def _cp(self, source, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        with self._watching(destination, request):
            transfers.copy(self, source, destination, callback=callback, cancel=cancel, no_replace=no_replace,
                           request=request)

    def _watching(self, destination: str, request):
        """The multipart uploads a write to ``destination`` opens, told to ``request.uploads`` (uploads.py)."""
        log = request.uploads if request is not None else None
        if log is None:
            return contextlib.nullcontext()
        bucket, key = self._split(destination)  # as transfers.py splits it
        return self._open_uploads.watching(bucket, key, log, self.url(destination))

    def _mv(self, source, destination: str):
        transfers.move(self, source, destination)

    #: From this size a put may open a multipart upload (its id is told to ``request.uploads``,
    #: a job's journal: a resumed job aborts those its first run left open, see jobs/journal.py).
    MULTIPART_FROM = transfers.single.SINGLE_REQUEST_LIMIT

    def abort_upload(self, path: str, upload_id: str) -> bool:
        """Abort the multipart upload ``upload_id`` of ``path``: True if it was open, False if no more."""
        return uploads.abort(self, path, upload_id)

    def _mkdir(self, managerPath: str) -> None:
        transfers.mkdir(self, managerPath)

    def _rm(self, artefact, *, callback=None, cancel=None):
        transfers.delete(self, artefact, callback=callback, cancel=cancel)

    def _rmdir(self, directory) -> None:
        transfers.rmdir(self, directory)

    def _sourceState(self, source):
        return transfers.source_state(self, source)

    def _rmIfUnchanged(self, source, state) -> None:
        transfers.delete_if_unchanged(self, source, state)

    # Inspection (inspection.py) ----------------------------------------

    def read_head(self, path: str, limit: int = 64 * 1024) -> bytes:
        return inspection.read_head(self, path, limit)

    def read_range(self, path: str, start: int, length: int, version_id: str | None = None) -> bytes:
        return inspection.read_range(self, path, start, length, version_id)

    def presign(self, path: str, expires: int = 3600) -> str:
        return inspection.presign(self, path, expires)

    def du(self, path: str, every: int = 1000):
        return inspection.du(self, path, every)

    def describe(self, path: str) -> dict:
        return inspection.describe(self, path)

    def set_metadata(self, path: str, metadata: dict, content_type: str | None = None):
        return inspection.set_metadata(self, path, metadata, content_type)

    def versions(self, path: str):
        return inspection.versions(self, path)

    def version_file(self, path: str, version):
        return inspection.version_file(self, path, version)
