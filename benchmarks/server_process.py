"""The client side of a loopback S3 server run in a process of its own (no moto imported here).

The server process (``listing.serve``, ``transfers.serve``) imports moto; a benchmark that
times its own client (``client_cpu.py``) must not, since importing moto registers a handler
on every botocore client. Each script passes its server function as ``target``.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter


class ServerProcess:
    """``target(connection)`` in a spawned process: it sends its endpoint URL, then answers
    (command, argument) messages until "stop"."""

    def __init__(self, target):
        self._target = target

    def __enter__(self):
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(target=self._target, args=(theirs,), daemon=True)
        self._process.start()
        self.endpoint_url = self._connection.recv()
        return self

    def __exit__(self, *exc):
        self._ask("stop")
        self._process.join(timeout=30)

    def _ask(self, command, argument=None):
        self._connection.send((command, argument))
        return self._connection.recv()

    def clear_counts(self) -> None:
        self._ask("clear")

    @property
    def counts(self) -> Counter:
        return Counter(self._ask("counts"))


class TransferServer(ServerProcess):
    """The client side of ``transfers.serve``: objects put, listed with their sizes and MD5s, deleted."""

    def objects(self, prefix: str, md5: bool = False) -> dict:
        return self._ask("objects", (prefix, md5))

    def delete(self, prefix: str) -> None:
        self._ask("delete", prefix)

    def put(self, objects: dict) -> None:
        self._ask("seed", objects)

    def link(self, delay: float, bandwidth: float | None = None) -> None:
        """Every request answered ``delay`` seconds late; bodies at most ``bandwidth`` bytes a second."""
        self._ask("link", (delay, bandwidth))

    @property
    def in_flight(self) -> int:
        """The most requests the server had in flight at once since the counts were cleared."""
        return self._ask("in_flight")
