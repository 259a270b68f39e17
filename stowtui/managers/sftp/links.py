"""Symbolic links in an SFTP listing: what each points at, in one round trip for them all.

A listing (``listdir_attr``) describes links themselves (the server's
``lstat``). To show a link as FS does (a link to a directory can be opened,
with its target beside its name) each needs a ``STAT`` and a ``READLINK``.
Sent one after the other that is two round trips per link; here every request
is sent first and the answers are read as they come, through the same
request/answer machinery paramiko's own ``readv`` uses. Should a paramiko
release change that machinery, the plain one-at-a-time calls are used.
"""

from __future__ import annotations

import contextlib

#: Requests in flight at once (two per link): well inside any SSH window.
BATCH = 256


class _Answers:
    """Collects answers that paramiko hands to the object a request was made for."""

    def __init__(self):
        self.received: dict[int, tuple[int, object]] = {}

    def _async_response(self, kind, msg, num):  # paramiko's callback name
        self.received[num] = (kind, msg)


def resolve_links(sftp, paths: list[str]) -> dict[str, tuple[object | None, str | None]]:
    """``{path: (attributes of what it points at or None if broken, target or None)}``."""
    if not paths:
        return {}
    try:
        from paramiko import sftp as protocol
        from paramiko.sftp_attr import SFTPAttributes

        send, read_one = sftp._async_request, sftp._read_response
    except (ImportError, AttributeError):
        return _one_by_one(sftp, paths)
    found: dict[str, tuple[object | None, str | None]] = {}
    for start in range(0, len(paths), BATCH // 2):
        batch = paths[start:start + BATCH // 2]
        answers = _Answers()
        asked = {}
        for path in batch:
            asked[send(answers, protocol.CMD_STAT, path)] = (path, "stat")
            asked[send(answers, protocol.CMD_READLINK, path)] = (path, "readlink")
        while len(answers.received) < len(asked):
            read_one()
        attributes: dict[str, object | None] = {}
        targets: dict[str, str | None] = {}
        for num, (path, what) in asked.items():
            kind, msg = answers.received[num]
            if what == "stat":
                attributes[path] = SFTPAttributes._from_msg(msg) if kind == protocol.CMD_ATTRS else None
            elif kind == protocol.CMD_NAME and msg.get_int() == 1:
                targets[path] = msg.get_string().decode("utf-8", "replace")
            else:
                targets[path] = None
        for path in batch:
            found[path] = (attributes.get(path), targets.get(path))
    return found


def _one_by_one(sftp, paths: list[str]) -> dict[str, tuple[object | None, str | None]]:
    found = {}
    for path in paths:
        followed = target = None
        with contextlib.suppress(OSError):
            followed = sftp.stat(path)
        with contextlib.suppress(OSError):
            target = sftp.readlink(path)
        found[path] = (followed, target)
    return found
