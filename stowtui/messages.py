"""Messages for the whole app (a widget's own messages are nested in its class)."""

from __future__ import annotations

from textual.message import Message


class Written(Message):
    """Something was written at ``url`` outside the jobs panel: panes showing its directory list it again.

    Posted to the app (from any thread): the screen that wrote it may be gone by the time it lands.
    """

    def __init__(self, url: str):
        super().__init__()
        self.url = url
