"""Messages for the whole app (a widget's own messages are nested in its class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.widget import Widget


@dataclass
class TrustAsked(Message):
    """A listing was refused because the host's key is unknown (``error.trust()`` would add it).

    Posted from a pane's listing worker; the app asks the user, showing the fingerprint.
    ``error``: an UnknownHostKey (host, port, key_type, fingerprint, known_hosts, trust()).
    """

    pane: Widget
    error: Any


@dataclass
class HostTrusted(Message):
    """The key of a host is in known_hosts now (``where``): ``pane`` may list again. From a worker."""

    pane: Widget
    where: str
