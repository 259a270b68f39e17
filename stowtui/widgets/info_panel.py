"""Everything known about the entry under the cursor.

What the listing gave (URL, size, times, ETag, storage class) is shown at once
with no request. The rest — on S3 one ``HeadObject`` (content type and
encoding, user metadata, encryption, version id), a bucket's region, on disk
one ``lstat`` — comes from ``Manager.describe`` in a worker, only while the
panel is open on that entry, and is kept per artefact so going back costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import datetime
import re
import weakref

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..managers.manager import SizeTotals
from ..text import count, exact_size, long_time, visible

#: Labels for the backend's names; any other key is shown split at its capitals.
LABELS = {
    "ContentType": "Content type",
    "ContentEncoding": "Content encoding",
    "ContentLanguage": "Content language",
    "ContentDisposition": "Content disposition",
    "CacheControl": "Cache control",
    "StorageClass": "Storage class",
    "ServerSideEncryption": "Encryption",
    "SSEKMSKeyId": "KMS key",
    "SSECustomerAlgorithm": "Customer key (SSE-C)",
    "VersionId": "Version id",
    "Metadata": "User metadata",
    "LinkTarget": "Link target",
}
#: Already shown from the listing.
SKIPPED = {"LastModified", "ContentLength", "ETag"}


def label(key: str) -> str:
    return LABELS.get(key) or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", key)


def totals_lines(totals: SizeTotals) -> list[tuple[str, str]]:
    state = "" if totals.done else "  (counting…)"
    rows = [("Total size", f"{count(totals.objects, 'object')}, {exact_size(totals.bytes)}{state}")]
    for storage_class, (objects, size) in sorted(totals.by_class.items()):
        rows.append((f"  {storage_class}", f"{count(objects, 'object')}, {exact_size(size)}"))
    if totals.skipped:
        rows.append(("  Unreadable", f"{totals.skipped:,} directories left out"))
    return rows


class InfoPanel(VerticalScroll):
    """Facts about one artefact, as a two-column list of plain text."""

    @dataclass
    class Described(Message):
        """The details of an artefact arrived (bubbles: the screen may redraw labels)."""

        artefact: Artefact
        details: dict
        error: str | None

    def __init__(self, *, settle: float = 0.0, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.settle = settle
        self.artefact: Artefact | None = None
        self.sizes: dict[str, SizeTotals] = {}  # by URL: what a size count found
        self._details: weakref.WeakKeyDictionary[Artefact, tuple[dict, str | None]] = weakref.WeakKeyDictionary()
        self._timer: Timer | None = None
        self._asking: Artefact | None = None  # whose details are on their way

    def compose(self) -> ComposeResult:
        yield Static(id="info-text")

    @property
    def text(self) -> Static:
        return self.query_one("#info-text", Static)

    def details_of(self, artefact: Artefact) -> dict | None:
        """What ``describe`` told of an artefact, if it was asked."""
        known = self._details.get(artefact)
        return known[0] if known is not None else None

    # Showing -----------------------------------------------------------

    def show(self, artefact: Artefact | None) -> None:
        """Show an artefact: the listing's facts now, the details when they come."""
        changed = artefact is not self.artefact
        self.artefact = artefact
        self.redraw()
        if changed:
            self.scroll_home(animate=False)
        if artefact is not None and (artefact in self._details or artefact is self._asking):
            return  # known, or already being asked for
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._asking = artefact
        if artefact is None:
            return
        if self.settle > 0:
            self._timer = self.set_timer(self.settle, lambda: self._describe(artefact))
        else:
            self._describe(artefact)

    def set_size(self, totals: SizeTotals) -> None:
        self.sizes[totals.url] = totals
        if self.artefact is not None and self.artefact.abspath == totals.url:
            self.redraw()

    @work(thread=True, group="describe", exit_on_error=False)
    def _describe(self, artefact: Artefact) -> None:
        try:
            details = artefact.manager.describe(artefact.path)
        except StowError as error:
            self.post_message(self.Described(artefact, {}, str(error)))
        except Exception as error:  # never a traceback: a line in the panel
            self.post_message(self.Described(artefact, {}, f"{type(error).__name__}: {error}"))
        else:
            self.post_message(self.Described(artefact, details, None))

    @on(Described)
    def _described(self, message: Described) -> None:
        self._details[message.artefact] = (message.details, message.error)
        if message.artefact is self._asking:
            self._asking = None
        if message.artefact is self.artefact:
            self.redraw()

    # Rendering ---------------------------------------------------------

    def facts(self, artefact: Artefact) -> list[tuple[str, str]]:
        """(label, value) rows: the listing's facts, then the details if known."""
        is_dir = isinstance(artefact, Directory)
        kind = "directory" if is_dir else "file"
        manager = artefact.manager
        if is_dir and manager.IMPLICIT_DIRECTORIES and artefact.path != "/" and manager.dirname(artefact.path) == "/":
            kind = "bucket"
        if artefact.is_link:
            kind = f"link to a {kind}"
        rows = [("Name", artefact.basename or artefact.abspath), ("URL", artefact.abspath), ("Kind", kind)]
        if artefact.is_link and artefact.link_target:
            rows.append(("Link target", artefact.link_target))
        if not is_dir:
            rows.append(("Size", exact_size(getattr(artefact, "size", 0) or 0)))
        totals = self.sizes.get(artefact.abspath)
        if totals is not None:
            rows.extend(totals_lines(totals))
        for name, moment in (("Modified", artefact.modifiedTime), ("Created", artefact.createdTime),
                             ("Accessed", artefact.accessedTime)):
            if moment is not None and (name != "Created" or moment != artefact.modifiedTime or is_dir):
                rows.append((name, long_time(moment)))
        if artefact.etag:
            rows.append(("ETag", artefact.etag))
        if artefact.storage_class:
            rows.append(("Storage class", artefact.storage_class))
        if artefact.content_type:
            rows.append(("Content type", artefact.content_type))
        if artefact.metadata.get("region"):
            rows.append(("Region", artefact.metadata["region"]))
        known = self._details.get(artefact)
        if known is None:
            rows.append(("", "…"))
            return rows
        details, error = known
        if error:
            rows.append(("Details", "⚠ " + error))
        shown = {label for label, _ in rows}
        for key, value in details.items():
            if key in SKIPPED or (key == "Region" and "Region" in shown):
                continue
            if key == "StorageClass" and "Storage class" in shown:
                continue
            if isinstance(value, dict):
                if not value:
                    rows.append((label(key), "(none)"))
                for name, item in value.items():
                    rows.append((f"{label(key)}" if name == next(iter(value)) else "", f"{name}: {item}"))
            else:
                rows.append((label(key), long_time(value) if isinstance(value, datetime.datetime) else str(value)))
        return rows

    def redraw(self) -> None:
        artefact = self.artefact
        if artefact is None:
            self.text.update(Text("Nothing under the cursor", style="dim"))
            return
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, value in self.facts(artefact):
            grid.add_row(Text(visible(name)), Text(visible(value)))
        self.text.update(grid)
