"""SFTP: another machine's files over SSH (``sftp://[user@]host[:port]/path``), on paramiko.

``manager.py`` is the manager; ``connection.py`` reads ``~/.ssh/config``,
checks host keys and keeps the pool of SFTP channels; ``links.py`` resolves
the symbolic links of a listing in one round trip.
"""

from .connection import Settings, read_settings
from .hostkeys import HostKeyError, HostKeyMismatch, UnknownHostKey
from .manager import SFTP

__all__ = ["SFTP", "HostKeyError", "HostKeyMismatch", "UnknownHostKey", "Settings", "read_settings"]
