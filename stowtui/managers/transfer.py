"""One file from any manager to any other, by the cheapest route there is.

This is storage-layer logic (which hooks to chain for a pair of managers),
so it lives here; the job engine calls it once per file.
"""

from __future__ import annotations

import os
import tempfile

from .artefacts import File
from .manager import LocalManager, Manager


def transfer(source: File, manager: Manager, path: str, callback=None, cancel=None) -> None:
    """Write one file to ``manager`` at ``path``.

    ``callback(n)`` is told of bytes moved; ``cancel`` (a ``threading.Event``)
    stops the transfer where the managers support it.
    """
    source_manager = source.manager
    if source_manager is manager:
        manager.copy_within(source, path, callback, cancel)
    elif isinstance(source_manager, LocalManager):
        manager.upload(source_manager.url(source.path), path, callback, cancel)
    elif isinstance(manager, LocalManager):
        with manager.staging(path) as local:
            source_manager.download(source, local, callback, cancel)
    else:
        half = (lambda n: callback(n / 2)) if callback else None
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, "part")
            source_manager.download(source, local, half, cancel)
            manager.upload(local, path, half, cancel)
