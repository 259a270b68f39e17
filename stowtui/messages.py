"""Messages for the whole app (a widget's own messages are nested in its class)."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class TrustAsked(Message):
    """A listing was refused because the host's key is unknown (``error.trust()`` would add it).

    Posted from a pane's listing worker; the screen asks the user, showing the fingerprint.
    """

    def __init__(self, pane: Widget, error):
        super().__init__()
        self.pane = pane
        self.error = error  # an UnknownHostKey: host, port, key_type, fingerprint, known_hosts, trust()


class HostTrusted(Message):
    """The key of a host is in known_hosts now (``where``): ``pane`` may list again. From a worker."""

    def __init__(self, pane: Widget, where: str):
        super().__init__()
        self.pane = pane
        self.where = where
