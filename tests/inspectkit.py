"""Helpers for the quick-inspection tests (tests/e2e/test_inspect_*.py).

``Gate`` holds chosen requests inside the loopback S3 server until the test
releases them, so a test can act while a request is in flight (cancel a size
count after its first page, move the cursor while a preview is being read,
press keys or collapse a directory while a pane's listing waits for its next
page: tests/e2e/test_ui_listing.py uses it too) without sleeping. The server counts a request before the gate, so a held
request is already in ``s3.counts``.
"""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl

import pytest
from s3server import classify, split_path


class Gate:
    """Hold the requests ``match(op, key, query)`` accepts until ``release()``."""

    def __init__(self, s3, monkeypatch, match):
        self.opened = threading.Event()
        self.arrived = threading.Event()
        self.held = 0
        inner = s3._app

        def app(environ, start_response):
            bucket, key = split_path(environ)
            query = dict(parse_qsl(environ.get("QUERY_STRING", ""), True))
            if match(classify(environ["REQUEST_METHOD"], bucket, key, query, environ), key, query):
                self.held += 1
                self.arrived.set()
                self.opened.wait(timeout=30)
            return inner(environ, start_response)

        monkeypatch.setattr(s3, "_app", app)

    def release(self) -> None:
        self.opened.set()


def status_text(widget) -> str:
    """The plain text a Static shows (whatever kind of content it was given)."""
    return str(widget.render())


@pytest.fixture
def gate(s3, monkeypatch):
    """``gate(match)`` makes a :class:`Gate`; every gate is released when the test ends."""
    made: list[Gate] = []

    def make(match) -> Gate:
        made.append(Gate(s3, monkeypatch, match))
        return made[-1]

    yield make
    for each in made:
        each.release()
