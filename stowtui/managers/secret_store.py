"""Secrets given to a manager, kept in this process under opaque names.

``toConfig()`` must never hold a secret, yet ``connect(**manager.toConfig())``
should give the same manager back in this process: the manager files its
secrets here and puts only the name in its config.
"""

from __future__ import annotations

import threading


class SecretStore:
    """Secret option sets filed under names such as ``explicit-1`` (one store per kind of manager)."""

    def __init__(self, prefix: str):
        self._prefix = prefix
        self._filed: dict[str, dict] = {}
        self._lock = threading.Lock()

    def name(self, secrets: dict) -> str:
        """The name these secrets are filed under (filing them the first time)."""
        with self._lock:
            for name, known in self._filed.items():
                if known == secrets:
                    return name
            name = f"{self._prefix}-{len(self._filed) + 1}"
            self._filed[name] = dict(secrets)
            return name

    def get(self, name: str) -> dict | None:
        """What ``name`` stands for, or None when it was filed by another process."""
        with self._lock:
            found = self._filed.get(name)
        return dict(found) if found is not None else None
