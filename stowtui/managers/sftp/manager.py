"""The SFTP manager: another machine's files over SSH (``sftp://[user@]host[:port]/path``).

Manager paths are the remote machine's absolute paths. A level is listed with
one ``listdir_attr`` (sizes, times and modes come with the names; symbolic
links are resolved together, see ``links.py``). Transfers stream in chunks
with progress and cancel; reads are pipelined (``readv`` over a window of the
file). An upload is written to a short temporary name in the destination
directory and renamed into place (``posix-rename@openssh.com`` where the
server has it), so a cut or cancelled upload never shows under the final
name, and its temporary file is removed. Special files (FIFOs, sockets,
devices) are never opened for reading: opening a FIFO would block the server.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import urllib.parse
import weakref
from typing import IO, Iterator

from .. import anchored, exceptions
from ..artefacts import Artefact, Directory, File, as_utc
from .. import paths
from ..fs import special_kind
from ..manager import RemoteManager
from .connection import ChannelPool, read_settings, split_host_port, ssh_command, ssh_errors
from .links import resolve_links

KiB, MiB = 1024, 1024**2
#: What is read or written between two progress reports and cancel checks.
PIECE = 256 * KiB
#: Reads in flight at once (a window of 32 KiB requests): one round trip per window.
WINDOW = 8 * MiB
PAGE = 1000


class SFTP(RemoteManager):
    """Files on another machine, over SFTP (paramiko), configured by ``~/.ssh/config``."""

    SUPPORTS_TRANSFER_OPTIONS = True
    #: A plain SFTP rename never replaces a file (OpenSSH: a hard link, then an unlink):
    #: a write at a free path is put in place by one, and a file that appeared stays.
    SUPPORTS_NO_REPLACE = True
    #: A write that replaces a file compares it (one ``lstat``) just before its rename;
    #: SFTP has no conditional rename, so a change in between is not seen.
    SUPPORTS_REPLACES = True

    def __init__(self, host: str, user: str | None = None, port: int | None = None, *,
                 identity_file: str | None = None, max_channels: int = 8):
        super().__init__()
        if not host:
            raise exceptions.InvalidPath("An SFTP location needs a host: sftp://[user@]host[:port]/path")
        self.host = host
        self.user = user or None
        self.port = int(port) if port else None
        self.identity_file = identity_file
        self.max_channels = max_channels
        # The settings are read again at each (re)connection: ~/.ssh/config may change meanwhile.
        # (The factory must not hold the manager: the finalizer below would keep it alive.)
        arguments = (self.host, self.user, self.port, identity_file)
        self._pool = ChannelPool(lambda: read_settings(*arguments), max_channels)
        self._posix_rename = True
        # The connection goes when the manager does (forget_instances, the end of a script).
        weakref.finalize(self, self._pool.close)

    # Configuration -----------------------------------------------------

    def toConfig(self) -> dict:
        config = {"manager": "SFTP", "host": self.host}
        if self.user:
            config["user"] = self.user
        if self.port:
            config["port"] = self.port
        if self.identity_file:
            config["identity_file"] = self.identity_file  # a path, never the key
        if self.max_channels != 8:
            config["max_channels"] = self.max_channels
        return config

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        userinfo, at, hostport = url.netloc.rpartition("@")
        if hostport.count("[") != hostport.count("]") or (hostport.startswith("[") and "]" not in hostport):
            raise exceptions.InvalidPath(
                f"sftp://{hostport}{url.path}: an IPv6 address is written in brackets, "
                "both of them: sftp://[::1]/path"
            )
        host, port = split_host_port(hostport)
        if not host:
            raise exceptions.InvalidPath(
                f"An SFTP URL needs a host: sftp://[user@]host[:port]/path (got {url.scheme}://{url.netloc}{url.path})"
            )
        config: dict = {"host": host.lower()}
        if at:
            config["user"] = urllib.parse.unquote(userinfo.partition(":")[0])  # never a password
        if port:
            config["port"] = port
        return config, url.path or "/"

    @property
    def _netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = urllib.parse.quote(self.user, safe="") + "@" if self.user else ""
        return f"{user}{host}" + (f":{self.port}" if self.port else "")

    def _abspath(self, managerPath: str) -> str:
        return f"sftp://{self._netloc}{managerPath}"

    def close(self) -> None:
        """Close the SSH connection (the next operation opens it again)."""
        self._pool.close()

    @property
    def connections(self) -> int:
        """How many SSH connections this manager has opened so far."""
        return self._pool.connections

    # Plumbing ----------------------------------------------------------

    @contextlib.contextmanager
    def _session(self, action: str, where: str) -> Iterator[object]:
        """A borrowed SFTP channel, with every failure turned into a sentence."""
        hint = f"`{ssh_command(self.host, self.user, self.port)}`"
        with ssh_errors(action, where, hint), self._pool.channel() as sftp:
            yield sftp

    @staticmethod
    def _check_cancel(cancel, what: str) -> None:
        if cancel is not None and cancel.is_set():
            raise exceptions.OperationCancelled(f"{what} was cancelled")

    def _staged_name(self, destination: str) -> str:
        """A short temporary name beside ``destination`` (a long name plus a suffix may be too long)."""
        return self._child(self.dirname(destination), paths.temporary_name())

    # Artefacts ---------------------------------------------------------

    def _from_attributes(self, path: str, attributes, link: tuple | None = None) -> Artefact:
        mode = attributes.st_mode or 0
        times = dict(
            modifiedTime=as_utc(attributes.st_mtime) if attributes.st_mtime is not None else None,
            accessedTime=as_utc(attributes.st_atime) if attributes.st_atime is not None else None,
        )
        if stat.S_ISLNK(mode):
            followed, target = link or (None, None)
            if followed is not None and stat.S_ISDIR(followed.st_mode or 0):
                return Directory(self, path, is_link=True, link_target=target, **times)
            size = (followed.st_size or 0) if followed is not None else 0  # a broken link: shown as a file
            artefact = File(self, path, size, is_link=True, link_target=target, **times)
            kind = special_kind(followed.st_mode or 0) if followed is not None else None
        elif stat.S_ISDIR(mode):
            return Directory(self, path, **times)
        else:
            artefact = File(self, path, attributes.st_size or 0, **times)
            kind = special_kind(mode)
        if kind is not None:
            artefact.special = kind  # a remote FIFO or device: skipped with its kind, never opened
        return artefact

    def _identifyPath(self, managerPath: str):
        with self._session("look at", self._abspath(managerPath)) as sftp:
            try:
                attributes = sftp.lstat(managerPath)
            except FileNotFoundError:
                return None
            link = None
            if stat.S_ISLNK(attributes.st_mode or 0):
                link = resolve_links(sftp, [managerPath])[managerPath]
        return self._from_attributes(managerPath, attributes, link)

    def _ls(self, directory: str):
        return [a for page in self._lsPages(directory) for a in page]

    def _lsPages(self, directory: str):
        """One ``listdir_attr`` for the level (plus one pipelined batch for its links)."""
        with self._session("list", self._abspath(directory)) as sftp:
            entries = sftp.listdir_attr(directory)
            links = resolve_links(
                sftp, [self._child(directory, e.filename) for e in entries if stat.S_ISLNK(e.st_mode or 0)]
            )
        found = []
        for entry in entries:
            path = self._child(directory, entry.filename)
            found.append(self._from_attributes(path, entry, links.get(path)))
        for start in range(0, len(found), PAGE):
            yield found[start:start + PAGE]
        if not found:
            yield []

    # Reading -----------------------------------------------------------

    def _readable(self, sftp, path: str):
        """The attributes of the regular file at ``path`` (links followed); refuses anything else."""
        attributes = sftp.stat(path)
        mode = attributes.st_mode or 0
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a pipe, socket or device)"
            raise exceptions.ArtefactTypeError(f"Cannot read {self._abspath(path)}: it is {kind}")
        return attributes

    def _chunks(self, remote, start: int, end: int, cancel, what: str) -> Iterator[bytes]:
        """Bytes ``start``..``end`` of an open remote file, a piece at a time, a window in flight."""
        offset = start
        while offset < end:
            self._check_cancel(cancel, what)
            stop = min(end, offset + WINDOW)
            pieces = [(o, min(PIECE, stop - o)) for o in range(offset, stop, PIECE)]
            for (_, length), data in zip(pieces, remote.readv(pieces)):
                if len(data) != length:
                    raise EOFError("the file is shorter than when it was opened")
                yield data
                self._check_cancel(cancel, what)
            offset = stop

    def _download(self, source: str, destination: str, callback=None, cancel=None, request=None,
                  within: str | None = None, no_replace: bool = False) -> None:
        """One remote file to the local path ``destination``: into the engine's staged file
        (``request.staged``), else a new one made inside ``within`` (see anchored.py), which
        never replaces a file there when ``no_replace``."""
        url = self._abspath(source)
        with self._session("download", f"{url} to {destination}") as sftp:
            self._check_cancel(cancel, f"Download of {url}")
            attributes = self._readable(sftp, source)
            given = request.staged if request is not None else None
            new = None if given is not None else anchored.staged(destination, within, replace=not no_replace)
            with contextlib.nullcontext(given) if given is not None else new as staged:
                local = staged.handle
                with sftp.open(source, "rb") as remote:
                    for data in self._chunks(remote, 0, attributes.st_size or 0, cancel, f"Download of {url}"):
                        local.write(data)
                        if callback is not None:
                            callback(len(data))
                    # To the end of the file, not to the size it had when opened (one
                    # being appended to is then seen to have changed: a move keeps it).
                    remote.seek(attributes.st_size or 0)
                    while data := remote.read(PIECE):
                        self._check_cancel(cancel, f"Download of {url}")
                        local.write(data)
                        if callback is not None:
                            callback(len(data))
                if attributes.st_mtime is not None:
                    staged.set_times(attributes.st_atime or attributes.st_mtime, attributes.st_mtime)

    def _get(self, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False,
             request=None):
        if not isinstance(source, Directory):
            self._download(source.path, destination, callback, cancel, request, no_replace=no_replace)
            return

        def download(artefact: Artefact, local: str) -> None:
            self._check_cancel(cancel, f"Download of {source.abspath}")
            self._download(artefact.path, local, callback, cancel, within=destination, no_replace=no_replace)

        anchored.download_tree(source, self._walk(source), destination, download)

    def read_range(self, path: str, start: int, length: int) -> bytes:
        """At most ``length`` bytes from ``start``: only those are asked for (pipelined)."""
        path = self.normalise(path)
        if length <= 0:
            return b""
        with self._session("read", self._abspath(path)) as sftp:
            size = self._readable(sftp, path).st_size or 0
            end = min(size, start + length)
            if start >= end:
                return b""
            with sftp.open(path, "rb") as remote:
                return b"".join(self._chunks(remote, start, end, None, "A read"))

    def read_head(self, path: str, limit: int = 64 * KiB) -> bytes:
        return self.read_range(path, 0, limit)

    def _getBytes(self, source: Artefact) -> bytes:
        with self._session("read", source.abspath) as sftp:
            size = self._readable(sftp, source.path).st_size or 0
            with sftp.open(source.path, "rb") as remote:
                return b"".join(self._chunks(remote, 0, size, None, "A read"))

    def describe(self, path: str) -> dict:
        """Mode, owner and group (numbers: SFTP does not name them): one ``lstat``."""
        path = self.normalise(path)
        with self._session("look at", self._abspath(path)) as sftp:
            attributes = sftp.lstat(path)
        details = {"Mode": stat.filemode(attributes.st_mode or 0)}
        if attributes.st_uid is not None:
            details["Owner"] = str(attributes.st_uid)
            details["Group"] = str(attributes.st_gid)
        return details

    # Writing -----------------------------------------------------------

    def _makedirs(self, sftp, path: str) -> None:
        """``mkdir -p``: climb until a directory exists, then create the ones below it."""
        missing = []
        while path != "/":
            try:
                sftp.mkdir(path)
                break
            except FileNotFoundError:
                missing.append(path)
                path = self.dirname(path)
            except OSError:
                try:
                    found = sftp.stat(path)
                except FileNotFoundError:
                    raise  # not there, yet not creatable: the server's own error says why
                if not stat.S_ISDIR(found.st_mode or 0):
                    raise exceptions.ArtefactExists(
                        f"Cannot create the directory {self._abspath(path)}: a file of that name is in the way"
                    ) from None
                break
        for folder in reversed(missing):
            sftp.mkdir(folder)

    def _replace(self, sftp, staged: str, destination: str, no_replace: bool = False, replaces=None) -> None:
        """Rename the finished temporary file onto ``destination``: replacing a file there;
        with ``no_replace`` none (``paths.DestinationTaken``); with ``replaces`` (a
        ``transfer.SourceState``) only the file compared (:meth:`_still`)."""
        if no_replace:
            self._rename_new(sftp, staged, destination)
            return
        if replaces is not None:
            self._still(sftp, destination, replaces)
        try:
            if self._posix_rename:
                try:
                    sftp.posix_rename(staged, destination)
                    return
                except OSError as error:
                    if error.errno is not None or "unsupported" not in str(error).lower():
                        raise
                    self._posix_rename = False  # an old server: plain SFTP rename, which never replaces
            try:
                sftp.rename(staged, destination)
            except OSError:
                existing = sftp.lstat(destination)
                if stat.S_ISDIR(existing.st_mode or 0):
                    raise
                sftp.remove(destination)
                sftp.rename(staged, destination)
        except OSError as error:
            with contextlib.suppress(OSError):
                if stat.S_ISDIR(sftp.lstat(destination).st_mode or 0):
                    raise exceptions.ArtefactTypeError(
                        f"Cannot write {self._abspath(destination)}: a directory of that name is in the way"
                    ) from error
            raise

    def _rename_new(self, sftp, staged: str, destination: str) -> None:
        """A plain SFTP rename, which never replaces what is at ``destination``: a file
        there (one that appeared since it was checked) stays, ``paths.DestinationTaken``."""
        try:
            sftp.rename(staged, destination)
        except OSError as error:
            try:
                existing = sftp.lstat(destination)
            except FileNotFoundError:
                raise error from None
            if stat.S_ISDIR(existing.st_mode or 0):
                raise exceptions.ArtefactTypeError(
                    f"Cannot write {self._abspath(destination)}: a directory of that name is in the way"
                ) from error
            raise paths.DestinationTaken(
                f"Cannot write {self._abspath(destination)}: a file appeared there while it was being written; "
                "it was not replaced"
            ) from error

    def _still(self, sftp, destination: str, replaces) -> None:
        """The file at ``destination`` must still be the one compared (``replaces``: size and
        time, by one ``lstat`` now), else ``paths.DestinationChanged``. The rename that follows
        is not conditional: a change between the two is not seen (SFTP has no such rename)."""
        from ..transfer import SourceState

        try:
            now = sftp.lstat(destination)
        except FileNotFoundError:
            now = None
        if now is not None and not stat.S_ISREG(now.st_mode or 0):
            now = None
        state = None if now is None else SourceState(
            now.st_size, None, None if now.st_mtime is None else int(now.st_mtime) * 10**9, None)
        if replaces.differs(state):
            raise paths.DestinationChanged(
                f"Cannot write {self._abspath(destination)}: the file there changed since it was compared; "
                "it was not replaced"
            )

    def _write_stream(self, reader: IO[bytes], destination: str, action: str, where: str, *,
                      mtime=None, callback=None, cancel=None, no_replace=False, replaces=None) -> None:
        """Write ``reader`` to a temporary name beside ``destination``, then rename it into place."""
        staged = self._staged_name(destination)
        what = f"{action.capitalize()} of {where}"
        with self._session(action, where) as sftp:
            self._check_cancel(cancel, what)
            try:
                writer = sftp.open(staged, "wxb")
            except FileNotFoundError:
                self._makedirs(sftp, self.dirname(destination))
                writer = sftp.open(staged, "wxb")
            written = 0
            try:
                with writer:
                    writer.set_pipelined(True)
                    while data := reader.read(PIECE):
                        self._check_cancel(cancel, what)
                        writer.write(data)
                        written += len(data)
                        if callback is not None:
                            callback(len(data))
                # Pipelined writes are not acknowledged one by one: check what arrived.
                stored = sftp.stat(staged).st_size
                if stored != written:
                    raise exceptions.BackendError(
                        f"Cannot {action} {where}: the server stored {stored} of {written} bytes (is its disk full?)"
                    )
                if mtime is not None:
                    sftp.utime(staged, (mtime, mtime))
                self._replace(sftp, staged, destination, no_replace, replaces)
            except BaseException:
                try:
                    sftp.remove(staged)
                except Exception:
                    self._pool.orphans.append(staged)  # the link is down: removed once it is back
                raise

    def _upload(self, source: str, destination: str, callback=None, cancel=None, no_replace=False,
                replaces=None) -> None:
        where = f"{source} to {self._abspath(destination)}"
        with ssh_errors("upload", where):
            stats = os.stat(source)
            if not stat.S_ISREG(stats.st_mode):
                raise exceptions.ArtefactTypeError(f"Cannot upload {source}: it is not a regular file")
            with open(source, "rb") as reader:
                self._write_stream(reader, destination, "upload", where, mtime=stats.st_mtime,
                                   callback=callback, cancel=cancel, no_replace=no_replace, replaces=replaces)

    def _put(self, source: str, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        try:
            if not os.path.isdir(source):
                self._upload(source, destination, callback, cancel, no_replace, _replaces(request))
                return
            def upload(local: str, path: str) -> None:
                self._check_cancel(cancel, f"Upload of {source}")
                self._upload(local, path, callback, cancel, no_replace)

            paths.upload_tree(source, destination, self._child, upload, self._mkdir)
        finally:
            self._forget(destination)

    def _putBytes(self, fileBytes: bytes, destination: str):
        self._write_stream(io.BytesIO(fileBytes), destination, "write", self._abspath(destination))
        self._forget(destination)

    def _copy_file(self, source: str, destination: str, callback=None, cancel=None, no_replace=False,
                   replaces=None) -> None:
        """Copy within the host: down to a local temporary file, then up.

        SFTP (version 3, paramiko) has no server-side copy, and one channel cannot
        carry a pipelined read and a pipelined write at once; two channels per copy
        could deadlock the pool. So this is a download and an upload, each at full speed.
        """
        half = (lambda n: callback(n / 2)) if callback is not None else None
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, "part")
            self._download(source, local, half, cancel)
            self._upload(local, destination, half, cancel, no_replace, replaces)

    def _cp(self, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        try:
            if not isinstance(source, Directory):
                self._copy_file(source.path, destination, callback, cancel, no_replace, _replaces(request))
                return
            self._mkdir(destination)
            for artefact in self._walk(source):
                target = destination + artefact.path[len(source.path):]
                if isinstance(artefact, Directory):
                    self._mkdir(target)
                else:
                    self._copy_file(artefact.path, target, callback, cancel, no_replace)
        finally:
            self._forget(destination)

    def _rename(self, source: Artefact, destination: str, no_replace: bool = False, replaces=None) -> bool:
        """One server-side rename (``posix-rename``: replaces a file, as ``os.rename`` does;
        ``no_replace``: a plain SFTP rename, which never does; ``replaces``: only the file
        compared, looked at just before, see :meth:`_still`)."""
        where = f"{source.abspath} to {self._abspath(destination)}"
        with self._session("move", where) as sftp:
            for attempt in range(2):
                try:
                    if no_replace and isinstance(source, File):
                        self._rename_new(sftp, source.path, destination)
                    elif no_replace:
                        sftp.rename(source.path, destination)  # a directory: never over one there
                    elif replaces is not None and not self._posix_rename:
                        self._still(sftp, destination, replaces)
                        sftp.rename(source.path, destination)
                    elif replaces is not None:
                        self._still(sftp, destination, replaces)
                        sftp.posix_rename(source.path, destination)
                    elif self._posix_rename:
                        sftp.posix_rename(source.path, destination)
                    else:
                        sftp.rename(source.path, destination)
                    break
                except FileNotFoundError:
                    if attempt or not self._exists(sftp, source.path):
                        raise
                    self._makedirs(sftp, self.dirname(destination))  # the source is there: its new parent is not
                except OSError as error:
                    if error.errno is None:
                        return False  # refused (a directory in the way, no posix-rename...): copy instead
                    raise
        self._forget(source.path)
        self._forget(destination)
        return True

    @staticmethod
    def _exists(sftp, path: str) -> bool:
        try:
            sftp.lstat(path)
            return True
        except FileNotFoundError:
            return False

    def _mv(self, source: Artefact, destination: str):
        if not self._rename(source, destination):
            self._cp(source, destination)
            self._rm(source)

    def _rm(self, artefact: Artefact, *, callback=None, cancel=None):
        url = artefact.abspath
        with self._session("delete", url) as sftp:
            if isinstance(artefact, Directory) and not artefact.is_link:
                self._remove_tree(sftp, artefact.path, callback, cancel)
            else:
                sftp.remove(artefact.path)
        self._forget(artefact.path)

    def _remove_tree(self, sftp, top: str, callback=None, cancel=None) -> None:
        """Delete a directory and everything in it; links inside are removed, never followed."""
        folders, stack = [], [top]
        while stack:
            folder = stack.pop()
            folders.append(folder)
            for entry in sftp.listdir_attr(folder):
                self._check_cancel(cancel, f"Deletion of {self._abspath(top)}")
                path = self._child(folder, entry.filename)
                if stat.S_ISDIR(entry.st_mode or 0):
                    stack.append(path)
                else:
                    sftp.remove(path)
                    if callback is not None:
                        callback(1)
        for folder in reversed(folders):
            sftp.rmdir(folder)

    def _rmdir(self, directory: Directory) -> None:
        url = directory.abspath
        with self._session("remove the directory", url) as sftp:
            try:
                sftp.rmdir(directory.path)
            except OSError as error:
                if error.errno is None and sftp.listdir(directory.path):
                    raise exceptions.OperationNotPermitted(
                        f"Cannot remove the directory {url}: it is not empty"
                    ) from error
                raise
        self._forget(directory.path)

    def _mkdir(self, managerPath: str) -> None:
        with self._session("create the directory", self._abspath(managerPath)) as sftp:
            self._makedirs(sftp, managerPath)


def _replaces(request):
    """The file a write of one file is to replace (``TransferRequest.replaces``), or None."""
    return request.replaces if request is not None else None
