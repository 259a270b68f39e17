"""Any filesystem fsspec knows, as a manager: ``memory://``, ``gs://`` (gcsfs), ``az://`` (adlfs)...

The registry falls back on this adapter for a URL scheme that no manager of
ours claims but fsspec knows (``fsspec.registry.known_implementations``, or
an implementation registered at run time). One adapter serves one protocol
(and its storage options); its manager paths are ``/`` + what follows
``scheme://`` (``gs://bucket/key`` is ``/bucket/key``).

A level is one ``fs.ls(path, detail=True)``. Transfers stream through
``fs.open`` files in chunks, with progress and cancel. A write goes to a short
temporary name beside the destination and is moved into place when complete,
so a failed or cancelled upload never shows under the final name (fsspec
backends differ in what a half-written file looks like). A scheme whose
backend package is not installed is refused with the package to install.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import threading
import urllib.parse
from typing import IO, Iterator

from . import anchored, exceptions
from .artefacts import Artefact, Directory, File, as_utc
from . import paths
from .manager import RemoteManager
from .secret_store import SecretStore

CHUNK = 1024 * 1024
#: Local disk is the FS manager's (a path or file://); ssh:// and sftp:// are ours too.
NOT_ADAPTED = {"file", "local"}
#: Storage options that look like secrets: never in ``toConfig``.
_SECRET_WORDS = ("token", "secret", "password", "passwd", "key", "credential", "sas", "connection_string", "auth")
_TIME_KEYS = ("mtime", "modified", "LastModified", "last_modified", "updated", "time_modified", "created",
              "timeCreated", "creation_time", "ctime")


def _known_implementations() -> dict:
    from fsspec.registry import known_implementations, registry

    return {**known_implementations, **{name: {"class": cls} for name, cls in registry.items()}}


def fsspec_knows(scheme: str) -> bool:
    """True when fsspec has an implementation for ``scheme`` (installed or not)."""
    scheme = scheme.lower()
    if scheme in NOT_ADAPTED:
        return False
    try:
        return scheme in _known_implementations()
    except ImportError:
        return False


def filesystem_class(protocol: str):
    """fsspec's class for ``protocol``; a missing backend package gets a sentence naming it."""
    import fsspec

    try:
        return fsspec.get_filesystem_class(protocol)
    except ImportError as error:
        raise exceptions.ManagerNotFound(_missing_package(protocol, error)) from error
    except ValueError as error:
        raise exceptions.ManagerNotFound(f"fsspec has no filesystem for {protocol}:// ({error})") from error


def _missing_package(protocol: str, error: ImportError) -> str:
    known = _known_implementations().get(protocol, {})
    target = known.get("class")
    top = target.split(".", 1)[0] if isinstance(target, str) else ""
    if top and top != "fsspec":
        package = top.replace("_", "-")
        return f"{protocol}:// needs the {package} package: pip install {package}"
    missing = getattr(error.__cause__, "name", None) or getattr(error, "name", None)
    detail = known.get("err") or str(error)
    if missing:
        return f"{protocol}:// needs the {missing} package: pip install {missing} ({detail})"
    return f"{protocol}:// needs packages that are not installed: {detail}"


@contextlib.contextmanager
def fsspec_errors(action: str, where: str) -> Iterator[None]:
    """fsspec backends raise the builtin OSErrors (mostly): map them as FS does; anything else is the backend's."""
    try:
        yield
    except exceptions.StowError:
        raise
    except ImportError as error:
        raise exceptions.ManagerNotFound(f"Cannot {action} {where}: {error}") from error
    except OSError as error:
        from .fs import os_errors

        with os_errors(action, where):
            raise error
    except (ValueError, TypeError, NotImplementedError) as error:
        raise exceptions.BackendError(f"Cannot {action} {where}: {type(error).__name__}: {error}") from error


def _when(value) -> datetime.datetime | None:
    """A time from an fsspec info dict: a datetime, an epoch number or an ISO string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return as_utc(value)
    if isinstance(value, (int, float)):
        return as_utc(value / 1000 if value > 1e11 else value)  # milliseconds from some backends
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return as_utc(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")))
    return None


# Explicit secret storage options, by the opaque name toConfig uses for them (as S3 does).
_secret_options = SecretStore("fsspec-options")


class FSSpec(RemoteManager):
    """One fsspec filesystem (a protocol and its storage options)."""

    SUPPORTS_TRANSFER_OPTIONS = True

    def __init__(self, protocol: str, *, credentials: str | None = None, **storage_options):
        super().__init__()
        self.protocol = protocol.lower()
        self._class = filesystem_class(self.protocol)
        secrets = {k: v for k, v in storage_options.items() if any(w in k.lower() for w in _SECRET_WORDS)}
        if credentials is not None:
            known = _secret_options.get(credentials)
            if known is None:
                raise exceptions.InvalidPath(
                    f"This {self.protocol}:// configuration refers to options ({credentials}) given to "
                    "another process; pass them again"
                )
            secrets = {**known, **secrets}
        self._options = {**storage_options, **secrets}
        self._public = {k: v for k, v in storage_options.items() if k not in secrets}
        self._secrets_name = _secret_options.name(secrets) if secrets else None
        self._fs = None
        self._fs_lock = threading.Lock()

    # Configuration -----------------------------------------------------

    def toConfig(self) -> dict:
        config = {"manager": self.protocol, "protocol": self.protocol, **self._public}
        if self._secrets_name:
            config["credentials"] = self._secrets_name
        return config

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        return {"protocol": url.scheme}, "/" + (url.netloc + url.path).lstrip("/")

    @property
    def fs(self):
        """The fsspec filesystem (made on first use: some backends look for credentials then)."""
        with self._fs_lock:
            if self._fs is None:
                with fsspec_errors("connect to", f"{self.protocol}://"):
                    self._fs = self._class(**self._options)
            return self._fs

    def _abspath(self, managerPath: str) -> str:
        return f"{self.protocol}://" + managerPath.lstrip("/")

    def _fs_path(self, managerPath: str) -> str:
        return (self._class.root_marker or "") + managerPath.lstrip("/")

    def _manager_path(self, name: str) -> str:
        name = self._class._strip_protocol(name) if "://" in name else name
        marker = self._class.root_marker or ""
        if marker and name.startswith(marker):
            name = name[len(marker):]
        return self.normalise(name)

    # Reading -----------------------------------------------------------

    def _from_info(self, info: dict, path: str | None = None) -> Artefact:
        path = path or self._manager_path(info["name"])
        when = None
        for key in _TIME_KEYS:
            when = _when(info.get(key))
            if when is not None:
                break
        created = _when(info.get("created") or info.get("timeCreated") or info.get("creation_time"))
        link = dict(is_link=bool(info.get("islink")), link_target=info.get("destination"))
        if info.get("type") == "directory":
            return Directory(self, path, modifiedTime=when, createdTime=created, **link)
        # Anything else (a pipe, socket or device, on the local or sftp backends) shows
        # as a file, and _check_readable refuses to open it.
        return File(self, path, info.get("size") or 0, modifiedTime=when, createdTime=created, **link)

    def _identifyPath(self, managerPath: str):
        if managerPath == "/":
            return Directory(self, "/")
        with fsspec_errors("look at", self._abspath(managerPath)):
            try:
                info = self.fs.info(self._fs_path(managerPath))
            except FileNotFoundError:
                return None
        return self._from_info(info, managerPath)

    def _ls(self, directory: str):
        return [a for page in self._lsPages(directory) for a in page]

    def _lsPages(self, directory: str):
        """One ``fs.ls(path, detail=True)`` (what the backend cached is dropped first)."""
        path = self._fs_path(directory)
        with fsspec_errors("list", self._abspath(directory)):
            self.fs.invalidate_cache(path)
            entries = self.fs.ls(path, detail=True)
        found = []
        for info in entries:
            artefact = self._from_info(info)
            if artefact.path != directory:  # some backends list a file (or a marker) as itself
                found.append(artefact)
        yield found

    def _check_readable(self, managerPath: str) -> dict:
        info = self.fs.info(self._fs_path(managerPath))
        kind = info.get("type")
        if kind == "directory":
            raise exceptions.ArtefactTypeError(f"Cannot read {self._abspath(managerPath)}: it is a directory")
        if kind not in (None, "file"):
            raise exceptions.ArtefactTypeError(
                f"Cannot read {self._abspath(managerPath)}: it is not a regular file (a pipe, socket or device)"
            )
        return info

    def _read_chunks(self, managerPath: str, cancel=None, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        left = length
        with self.fs.open(self._fs_path(managerPath), "rb") as handle:
            if start:
                handle.seek(start)
            while left is None or left > 0:
                if cancel is not None and cancel.is_set():
                    raise exceptions.OperationCancelled(f"Read of {self._abspath(managerPath)} was cancelled")
                data = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not data:
                    break
                if left is not None:
                    left -= len(data)
                yield data

    def _download(self, source: str, destination: str, callback=None, cancel=None, request=None,
                  within: str | None = None) -> None:
        """One file to the local path ``destination``: into the engine's staged file
        (``request.staged``), else a new one made inside ``within`` (see anchored.py)."""
        with fsspec_errors("download", f"{self._abspath(source)} to {destination}"):
            self._check_readable(source)
            given = request.staged if request is not None else None
            with contextlib.nullcontext(given) if given is not None else anchored.staged(destination, within) as staged:
                for data in self._read_chunks(source, cancel):
                    staged.handle.write(data)
                    if callback is not None:
                        callback(len(data))

    def _get(self, source: Artefact, destination: str, *, callback=None, cancel=None, request=None):
        if not isinstance(source, Directory):
            self._download(source.path, destination, callback, cancel, request)
            return
        anchored.download_tree(source, self._walk(source), destination,
                               lambda artefact, local: self._download(artefact.path, local, callback, cancel,
                                                                      within=destination))

    def _getBytes(self, source: Artefact) -> bytes:
        with fsspec_errors("read", source.abspath):
            self._check_readable(source.path)
            return b"".join(self._read_chunks(source.path))

    def read_range(self, path: str, start: int, length: int) -> bytes:
        path = self.normalise(path)
        if length <= 0:
            return b""
        with fsspec_errors("read", self._abspath(path)):
            self._check_readable(path)
            return b"".join(self._read_chunks(path, start=start, length=length))

    def read_head(self, path: str, limit: int = 64 * 1024) -> bytes:
        return self.read_range(path, 0, limit)

    # Writing -----------------------------------------------------------

    def _write_stream(self, reader: IO[bytes], destination: str, action: str, where: str,
                      callback=None, cancel=None) -> None:
        """Write to a temporary name beside ``destination``, then move it into place."""
        fs = self.fs
        final = self._fs_path(destination)
        staged = self._fs_path(self._child(self.dirname(destination), paths.temporary_name()))
        with fsspec_errors(action, where):
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled(f"{action.capitalize()} of {where} was cancelled")
            if self.dirname(destination) != "/":
                fs.makedirs(self._fs_path(self.dirname(destination)), exist_ok=True)
            try:
                with fs.open(staged, "wb") as handle:
                    while data := reader.read(CHUNK):
                        if cancel is not None and cancel.is_set():
                            raise exceptions.OperationCancelled(f"{action.capitalize()} of {where} was cancelled")
                        handle.write(data)
                        if callback is not None:
                            callback(len(data))
                if fs.isdir(final):
                    raise exceptions.ArtefactTypeError(f"Cannot {action} {where}: a directory of that name is in the way")
                fs.mv(staged, final)
            except BaseException:
                with contextlib.suppress(Exception):
                    if fs.exists(staged):
                        fs.rm_file(staged)
                raise

    def _put(self, source: str, destination: str, *, callback=None, cancel=None, request=None):
        try:
            if not os.path.isdir(source):
                with fsspec_errors("upload", source), open(source, "rb") as reader:
                    self._write_stream(reader, destination, "upload", f"{source} to {self._abspath(destination)}",
                                       callback, cancel)
                return
            paths.upload_tree(source, destination, self._child,
                              lambda local, path: self._put(local, path, callback=callback, cancel=cancel),
                              self._mkdir)
        finally:
            self._forget(destination)

    def _putBytes(self, fileBytes: bytes, destination: str):
        self._write_stream(io.BytesIO(fileBytes), destination, "write", self._abspath(destination))
        self._forget(destination)

    def _copy_file(self, source: str, destination: str) -> None:
        self._check_readable(source)
        if self.dirname(destination) != "/":
            self.fs.makedirs(self._fs_path(self.dirname(destination)), exist_ok=True)
        self.fs.cp_file(self._fs_path(source), self._fs_path(destination))

    def _cp(self, source: Artefact, destination: str, *, callback=None, cancel=None, request=None):
        """Copies stay inside the backend (``cp_file``: server-side where it can be)."""
        where = f"{source.abspath} to {self._abspath(destination)}"
        try:
            with fsspec_errors("copy", where):
                artefacts = [source] if not isinstance(source, Directory) else [source, *self._walk(source)]
                for artefact in artefacts:
                    if cancel is not None and cancel.is_set():
                        raise exceptions.OperationCancelled(f"Copy of {where} was cancelled")
                    target = destination + artefact.path[len(source.path):]
                    if isinstance(artefact, Directory):
                        self.fs.makedirs(self._fs_path(target), exist_ok=True)
                    else:
                        self._copy_file(artefact.path, target)
                        if callback is not None:
                            callback(artefact.size)
        finally:
            self._forget(destination)

    def _mv(self, source: Artefact, destination: str):
        # fsspec's mv is a copy and a delete on most backends: not one cheap step,
        # so the engine moves (copy, verify, delete); this is for direct callers.
        self._cp(source, destination)
        self._rm(source)

    def _rm(self, artefact: Artefact, *, callback=None, cancel=None):
        """Delete file by file (fsspec's ``rm`` reads ``[``, ``*`` and ``?`` in a name as a pattern)."""
        path = self._fs_path(artefact.path)
        with fsspec_errors("delete", artefact.abspath):
            if not isinstance(artefact, Directory) or artefact.is_link:
                self.fs.rm_file(path)
            else:
                below = self.fs.find(path, withdirs=True, detail=True)
                for name, info in sorted(below.items(), key=lambda item: item[0].count("/"), reverse=True):
                    if cancel is not None and cancel.is_set():
                        raise exceptions.OperationCancelled(f"Deletion of {artefact.abspath} was cancelled")
                    if info.get("type") == "directory":
                        with contextlib.suppress(FileNotFoundError):
                            self.fs.rmdir(name)
                    else:
                        self.fs.rm_file(name)
                        if callback is not None:
                            callback(1)
                with contextlib.suppress(FileNotFoundError):  # object stores: it went with its last object
                    self.fs.rmdir(path)
        self._forget(artefact.path)

    def _rmdir(self, directory: Directory) -> None:
        with fsspec_errors("remove the directory", directory.abspath):
            self.fs.rmdir(self._fs_path(directory.path))
        self._forget(directory.path)

    def _mkdir(self, managerPath: str) -> None:
        with fsspec_errors("create the directory", self._abspath(managerPath)):
            self.fs.makedirs(self._fs_path(managerPath), exist_ok=True)
