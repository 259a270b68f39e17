"""The journal: what one copy or move job set out to do and which files it completed,
written durably so that a job cut short (a crash, kill -9, a reboot) can be resumed.

One file per job in ``$XDG_STATE_HOME/stowtui/jobs/`` (mode 0600, the directory
0700): a header line (the sources, the destination, the policy, the kind,
the job's token), then one record per completed file, then an end record::

    stowtui-journal 1 {"kind": "copy", "sources": [...], "destination": ..., ...}
    d 3f2a9c0d1e4b5a66          <- a completed file: 8 bytes of BLAKE2b of its source URL (19 bytes)
    u 2~kXq... s3://b/big.iso   <- a multipart upload this job opened (its id, its URL)
    x 2~kXq...                  <- ... and closed (completed or aborted)
    e done

Records are appended by the job's threads into a buffer that one writer thread
writes and fsyncs at most every :data:`GROUP_COMMIT` seconds (a group commit):
a completed file never waits for the disk, and is on it within about 50 ms. The
header too is made durable by that thread's first commit, and a journal removed
at the end is not flushed first: the job's own path never waits on an fsync
(only :meth:`Journal.opened`, as a multipart upload opens, does).
A file done but not yet on disk when the process dies is found again by the
resumed job as a complete copy at its destination (same size and checksum),
and not sent again.

The running process holds an exclusive ``flock`` on its journal: a journal
without an end record that nobody holds is an interrupted job
(:func:`interrupted`). When a job ends its journal is removed: a rerun in the
same session takes the completed set from memory.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import threading
import time
import urllib.parse
from pathlib import Path

MAGIC = "stowtui-journal 1 "
#: The suffix of a journal kept after its job ended (``Journal.end(keep=True)``).
ENDED = ".ended"
#: Seconds records wait to be written and fsync'd together.
GROUP_COMMIT = 0.05


def journal_dir() -> Path:
    from ..runs import private_dir, state_home

    return private_dir(state_home() / "jobs")


def new_token() -> str:
    """A job's token: 8 hex digits, in its journal's name (and its temporary files')."""
    return os.urandom(4).hex()


def key(url: str) -> int:
    """The record of a source: 8 bytes of BLAKE2b of its URL (a collision needs ~4e9 files)."""
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8", "surrogateescape"), digest_size=8).digest(), "big")


@dataclasses.dataclass
class Header:
    kind: str  # "copy", "move" or "sync"
    sources: list[str]  # URLs
    destination: str  # the directory the sources go into (``into``), or the one path they go to
    policy: str
    title: str
    into: bool = True
    merge: bool = True
    token: str = ""  # in the names of this job's temporary files (see managers/paths.py)
    created: float = 0.0
    #: A sync's options (``delete``, ``check_modified_times``, ``overwrite``); a comparator is not kept.
    options: dict = dataclasses.field(default_factory=dict)


class Journal:
    """The journal of one running job; thread-safe."""

    def __init__(self, header: Header, directory: Path | None = None, completed: set[int] = frozenset()):
        directory = directory or journal_dir()
        header.created = header.created or time.time()
        self.header = header
        self.path = directory / f"{int(header.created * 1000)}-{os.getpid()}-{header.token}.journal"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        first = (MAGIC + json.dumps(dataclasses.asdict(header)) + "\n").encode()
        first += b"".join(b"d %016x\n" % number for number in completed)  # a rerun's inheritance
        os.write(self._fd, first)  # made durable by the writer's first commit, off the job's path
        self._directory: Path | None = directory  # its entry too, once
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._closed = False
        self._dropped = False  # ended and to be removed: the records left are not written
        self._writer = threading.Thread(target=self._write_loop, name="stowtui-journal", daemon=True)
        self._writer.start()
        self._wake.set()

    def done(self, source: str) -> None:
        """``source`` (a URL) is complete at its destination (and, for a move, gone from its place)."""
        self._append(b"d %016x\n" % key(source))

    def opened(self, url: str, upload_id: str) -> None:
        """A multipart upload to ``url`` (``upload_id``) is open: written and fsync'd now,
        before its parts are sent, so that a resumed job aborts it, and only it
        (``u <id> <url>``). Called from the thread that opened it (TransferRequest.uploads)."""
        record = b"u %s %s\n" % (_escape(upload_id), _escape(url))
        with self._lock:
            if self._closed:
                return
            try:
                os.write(self._fd, record)  # O_APPEND: whole, after what is already there
                os.fsync(self._fd)
            except OSError:
                pass

    def closed(self, upload_id: str) -> None:
        """That upload is completed or aborted (``x <id>``; with the next group commit: an
        abort of an upload already complete is refused, and harmless)."""
        self._append(b"x %s\n" % _escape(upload_id))

    def _append(self, record: bytes) -> None:
        with self._lock:
            if self._closed:
                return
            self._buffer += record
        self._wake.set()

    def _write_loop(self) -> None:
        while True:
            self._wake.wait()
            self._closing.wait(GROUP_COMMIT)  # gather the records of the next few files (not at the end)
            with self._lock:
                self._wake.clear()
                data, self._buffer = bytes(self._buffer), bytearray()
                closed, dropped = self._closed, self._dropped
            if dropped:
                return  # the journal goes: nothing more is worth a write
            if data or self._directory is not None:
                try:
                    os.write(self._fd, data)
                    os.fsync(self._fd)
                    if self._directory is not None:
                        _sync_dir(self._directory)
                        self._directory = None
                except OSError:
                    pass  # a full disk: the job goes on; a resume sends those files again
            if closed:
                return

    def end(self, state: str, keep: bool = False) -> None:
        """The job ended: flush, then remove the journal. ``keep``: leave it, ended, renamed
        ``*.ended`` (never offered as interrupted) — a detached job that did not finish
        keeps it, for the Retry of the next session (see runs.RemoteJob)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if keep:
                self._buffer += f"e {state}\n".encode()
            else:  # removed at once: no record, no fsync in the job's last moment
                self._dropped = True
                self._buffer = bytearray()
        self._closing.set()
        self._wake.set()
        self._writer.join()
        try:
            if not keep:
                os.unlink(self.path)
            else:
                ended = self.path.with_suffix(ENDED)
                os.rename(self.path, ended)
                self.path = ended
        finally:
            os.close(self._fd)

    def abandon(self) -> None:
        """Stop writing and let the lock go, leaving the journal as a crash would (for tests)."""
        with self._lock:
            self._closed = True
            self._buffer = bytearray()
        self._closing.set()
        self._wake.set()
        self._writer.join()
        os.close(self._fd)


def _escape(text: str) -> bytes:
    """A name as one word of a record: '%', space and line ends escaped (%XX)."""
    data = text.encode("utf-8", "surrogateescape")
    for byte in b"%", b" ", b"\n", b"\r":
        data = data.replace(byte, b"%%%02X" % byte[0])
    return data


def _unescape(word: bytes) -> str:
    return urllib.parse.unquote_to_bytes(word).decode("utf-8", "surrogateescape")


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclasses.dataclass
class Record:
    """What a journal on disk says."""

    path: Path
    header: Header
    completed: set[int]
    ended: str | None  # the end record's state; None: the job was cut short
    #: The multipart uploads it opened and did not close: their URLs by upload id.
    uploads: dict[str, str] = dataclasses.field(default_factory=dict)


def read(path: Path) -> Record:
    """A journal's header, completed files and end; a torn last line (a crash mid-write) is ignored."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    first = lines[0].decode("utf-8", "surrogateescape")
    if not first.startswith(MAGIC):
        raise ValueError(f"{path} is not a stowtui journal")
    fields = json.loads(first[len(MAGIC):])
    header = Header(**{f.name: fields[f.name] for f in dataclasses.fields(Header) if f.name in fields})
    completed: set[int] = set()
    uploads: dict[str, str] = {}
    ended = None
    complete_lines = lines[1:-1]  # the last piece has no newline: torn, or empty
    for line in complete_lines:
        if line.startswith(b"d ") and len(line) == 18:
            try:
                completed.add(int(line[2:], 16))
            except ValueError:
                continue
        elif line.startswith(b"u "):
            upload_id, _, url = line[2:].partition(b" ")
            if url:
                uploads[_unescape(upload_id)] = _unescape(url)
        elif line.startswith(b"x "):
            uploads.pop(_unescape(line[2:]), None)
        elif line.startswith(b"e "):
            ended = line[2:].decode("ascii", "replace")
    return Record(path, header, completed, ended, uploads)


def held(path: Path) -> bool:
    """True while a live process holds the journal (its job is running somewhere)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def interrupted(directory: Path | None = None) -> list[Record]:
    """Jobs cut short: journals without an end record that no running process holds."""
    directory = directory or journal_dir()
    found = []
    for path in sorted(directory.glob("*.journal")):
        if held(path):
            continue
        try:
            record = read(path)
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)  # nothing to resume from (cut before its header was on disk)
            continue
        if record.ended is None:
            found.append(record)
        else:
            path.unlink(missing_ok=True)  # ended but not removed (the process died at that moment)
    return found


def discard(record: Record) -> None:
    record.path.unlink(missing_ok=True)
