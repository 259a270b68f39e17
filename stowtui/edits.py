"""F4 and Ctrl+O, as mc: the user's editor on a file, the user's shell in a directory (no Textual).

A local file is edited in place. A remote one (S3, SFTP…) through a local copy: ``fetch`` downloads
it and remembers what the remote was (size, ETag, modification time); once the editor exits,
``changed`` tells whether the copy was edited and ``remote_unchanged`` whether the remote is still
what was opened; only then is ``write_back`` safe without asking. The write itself is conditional
too, where the manager can make it so (S3: ``IfMatch`` of the ETag opened; SFTP: the file compared
just before the rename): a writer that came between the check and the write makes it fail
(``paths.DestinationChanged``), never lose its bytes. A new name is never written over.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shlex
import shutil
import tempfile

from . import managers
from .managers import Artefact
from .managers.exceptions import StowError
from .managers.transfer import SourceState, TransferRequest

FALLBACK_EDITORS = ("vi", "nano")


def editor_command(environ=os.environ) -> list[str]:
    """``$VISUAL``, else ``$EDITOR`` (either may carry arguments: ``code -w``), else vi, then nano."""
    for variable in ("VISUAL", "EDITOR"):
        value = environ.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as error:
                raise StowError(f"${variable} cannot be read as a command ({error}): {value}") from None
            if words:
                return words
    for name in FALLBACK_EDITORS:
        if shutil.which(name, path=environ.get("PATH")):
            return [name]
    raise StowError("No editor found: set $EDITOR (or $VISUAL) to the one you use")


def shell_command(environ=os.environ) -> list[str]:
    """``$SHELL``, else ``/bin/sh``."""
    return [environ.get("SHELL", "").strip() or "/bin/sh"]


def _digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fingerprint(artefact: Artefact) -> tuple:
    """What identifies the content at ``artefact``'s path now (asked of the backend afresh)."""
    now = artefact.manager.artefact(artefact.path)
    return (getattr(now, "size", None), now.etag, now.modifiedTime)


@dataclasses.dataclass
class Editing:
    """A remote file being edited through ``local`` (in the private directory ``workspace``)."""

    artefact: Artefact
    local: str
    workspace: str
    opened: tuple  # the remote's fingerprint when it was copied
    digest: str  # the copy's content when the editor started
    state: SourceState | None = None  # what a conditional write compares (the remote as copied)

    def changed(self) -> bool:
        """Whether the editor changed the copy."""
        return os.path.exists(self.local) and _digest(self.local) != self.digest

    def remote_unchanged(self) -> bool:
        """Whether the remote is still what was copied (no one wrote it meanwhile)."""
        try:
            return fingerprint(self.artefact) == self.opened
        except StowError:
            return False  # gone, or cannot be asked: never written over blindly

    def write_back(self, path: str | None = None, *, overwrite: bool = False) -> str:
        """Upload the edited copy: the URL written.

        Over the remote file only while it is still what was copied (else
        ``paths.DestinationChanged``, nothing written), or whatever it is with ``overwrite`` (the
        user said so); to ``path`` beside it only if nothing is there (else ``paths.DestinationTaken``).
        """
        manager = self.artefact.manager
        target = path or self.artefact.path
        local_manager, local_path = managers.location(self.local)
        request = TransferRequest(
            local_manager.artefact(local_path), manager, target,
            no_replace=path is not None,
            replaces=None if path is not None or overwrite else self.state,
        )
        manager.upload(self.local, target, request)
        return manager.url(target)

    def discard(self) -> None:
        shutil.rmtree(self.workspace, ignore_errors=True)


def fetch(artefact: Artefact) -> Editing:
    """A local copy of a remote file to edit, with what the remote was when copied."""
    workspace = tempfile.mkdtemp(prefix="stowtui-edit-")
    local = os.path.join(workspace, artefact.manager.basename(artefact.path) or "file")
    try:
        for _ in range(3):  # the same before and after the download: the copy is of that content
            before = fingerprint(artefact)
            now = artefact.manager.artefact(artefact.path)
            artefact.manager.download(now, local)
            if fingerprint(artefact) == before:
                return Editing(artefact, local, workspace, before, _digest(local), SourceState.of(now))
        raise StowError(f"{artefact.abspath} keeps changing: try again")
    except BaseException:
        shutil.rmtree(workspace, ignore_errors=True)
        raise
