"""Host keys: the refusals an SFTP connection raises for a key it cannot trust.

They carry what a UI needs to ask (host, port, key type, OpenSSH fingerprint),
and an unknown key can be trusted on the user's word (:meth:`UnknownHostKey.trust`).
"""

from __future__ import annotations

import os

from .. import exceptions

#: The user's known_hosts files, where nothing else is configured.
DEFAULT_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")


class HostKeyError(exceptions.OperationNotPermitted):
    """The server's host key cannot be trusted. ``host``, ``port``, ``key_type``
    and ``fingerprint`` (OpenSSH's ``SHA256:...``) say which key was offered."""

    def __init__(self, message: str, *, host: str, port: int, key_type: str, fingerprint: str,
                 known_hosts: tuple[str, ...] = ()):
        super().__init__(message)
        self.host = host
        self.port = port
        self.key_type = key_type
        self.fingerprint = fingerprint
        self.known_hosts = known_hosts


class UnknownHostKey(HostKeyError):
    """The host is not in any known_hosts file: it was never trusted.

    A UI may ask the user, show the fingerprint, and :meth:`trust` the key; the
    library itself never does (an unknown key is a refusal until someone says yes).
    """

    def __init__(self, message: str, *, key=None, entry: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.key = key  # the key the host offered (paramiko PKey)
        self.entry = entry  # how known_hosts names the host: ``host`` or ``[host]:port``

    def trust(self) -> str:
        """Add the offered key to the user's known_hosts file (as ``ssh`` would on "yes"); its path."""
        if self.key is None:
            raise exceptions.OperationNotPermitted("There is no host key to trust in this refusal")
        path = os.path.expanduser(self.known_hosts[0] if self.known_hosts else DEFAULT_KNOWN_HOSTS[0])
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        from paramiko.hostkeys import HostKeyEntry

        with open(path, "a", encoding="ascii") as known:
            known.write(HostKeyEntry([self.entry], self.key).to_line())
        return path


class HostKeyMismatch(HostKeyError):
    """The host offered a key other than the one saved for it."""

    def __init__(self, message: str, *, expected_fingerprint: str, **kwargs):
        super().__init__(message, **kwargs)
        self.expected_fingerprint = expected_fingerprint


def fingerprint(key) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a paramiko key."""
    return key.fingerprint  # paramiko >= 3.2
