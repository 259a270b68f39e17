"""The storage layer: artefacts, managers, and finding a manager for a URL.

Plain Python (no Textual, nothing from the job engine above it)::

    from stowtui.managers import location
    manager, path = location("s3://bucket/logs/")
    for artefact in manager.ls(path):
        print(artefact.basename, manager.url(artefact.path))

The stateless URL interface (``ls``, ``cp``, ``mv``...) is :mod:`stowtui.stow`,
one layer up, because copies and moves run on the job engine.
"""

from __future__ import annotations

from . import exceptions
from .artefacts import Artefact, Directory, File
from .manager import LocalManager, Manager, RemoteManager
from .registry import available, connect, location, resolve, set_defaults

__all__ = [
    "Artefact", "Directory", "File", "Manager", "LocalManager", "RemoteManager", "exceptions",
    "available", "connect", "location", "resolve", "set_defaults",
]
