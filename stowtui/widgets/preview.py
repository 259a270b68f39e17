"""The head of a file, shown by kind: the body of the F3 viewer and of the preview pane.

Only a bounded head is read (64 KiB: a ranged GET on S3, a bounded read on
disk), in a thread worker; ``load_more`` reads the next range. Reads are an
exclusive worker group, and each carries a generation number, so showing
another file drops the answer of a read nobody wants any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from ..managers import Artefact, Directory
from ..managers.exceptions import StowError
from ..peek import THEME, Peek, bytes_per_row, lines_of, peek
from ..text import human_size, visible
from .text_view import TextView

HEAD = 64 * 1024
MORE = 256 * 1024


def extent(length: int, complete: bool, size: int | None) -> str:
    """``showing the first 64K of 300M``, or ``all 12K``."""
    if complete:
        return f"all {human_size(length)}"
    total = f" of {human_size(size)}" if size is not None else ""
    return f"showing the first {human_size(length)}{total}"


class Preview(Vertical):
    """Text (highlighted by extension), JSON, CSV/TSV tables, Markdown, gzip, or a hex dump."""

    DEFAULT_CSS = """
    Preview { height: 1fr; }
    Preview > #viewer-text { height: 1fr; }
    Preview > #viewer-body, Preview > #viewer-table { height: 1fr; display: none; }
    Preview.markdown > #viewer-body, Preview.table > #viewer-table { display: block; }
    Preview.markdown > #viewer-text, Preview.table > #viewer-text { display: none; }
    Preview > #viewer-status { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    Preview > #viewer-status.error { height: auto; max-height: 4; text-wrap: wrap; text-overflow: fold; }
    """

    @dataclass
    class Loaded(Message, bubble=False):
        """A read finished (or failed): posted by the worker, handled by the preview itself."""

        generation: int
        data: bytes
        complete: bool
        peeked: Peek | None
        error: str | None
        lines: list[Text] | None
        reshaped: bool = False  # the same bytes again, for another width (``on_resize``)

    def __init__(self, *, head: int = HEAD, more: int = MORE, more_key: str | None = None,
                 settle: float = 0.0, focusable: bool = True, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.head, self.more, self.more_key = head, more, more_key
        self.settle = settle  # seconds the cursor must rest on an entry before it is read
        self._focusable = focusable
        self.artefact: Artefact | None = None
        self.version_id: str | None = None
        self.object_size: int | None = None
        self.data = b""
        self.complete = False
        self.reading = False
        self.error: str | None = None
        self.peeked: Peek | None = None
        self.peeked_kind: str | None = None
        self._generation = 0
        self._timer: Timer | None = None
        self.row_bytes = 16  # the bytes of a hex dump's row: as many as fit the width (``fitting_row``)

    def compose(self) -> ComposeResult:
        text = TextView(id="viewer-text")
        markdown = VerticalScroll(id="viewer-body")
        table = DataTable(id="viewer-table", zebra_stripes=True)
        text.can_focus = markdown.can_focus = table.can_focus = self._focusable
        yield text
        with markdown:
            yield Static(id="viewer-markdown")
        yield table
        yield Static(id="viewer-status", markup=False)

    # Accessors ---------------------------------------------------------

    @property
    def body(self) -> TextView:
        """Text, JSON and hex dumps."""
        return self.query_one("#viewer-text", TextView)

    @property
    def markdown(self) -> Static:
        return self.query_one("#viewer-markdown", Static)

    @property
    def table(self) -> DataTable:
        return self.query_one("#viewer-table", DataTable)

    @property
    def status(self) -> Static:
        return self.query_one("#viewer-status", Static)

    @property
    def content(self):
        """The widget showing the file now (to focus it)."""
        if self.has_class("table"):
            return self.table
        if self.has_class("markdown"):
            return self.query_one("#viewer-body", VerticalScroll)
        return self.body

    def fitting_row(self) -> int:
        """The bytes of a hex dump's row that fit the preview (16, 8 or 4; the scrollbar's column kept)."""
        width = self.size.width
        return bytes_per_row(width - 1) if width else 16

    def _kind(self, kind: str | None) -> None:
        self.set_class(kind == "table", "table")
        self.set_class(kind == "markdown", "markdown")

    # Showing -----------------------------------------------------------

    def show(self, artefact: Artefact | None, *, version_id: str | None = None, size: int | None = None) -> None:
        """Show the head of ``artefact`` (a version of it, on a versioned store)."""
        if artefact is self.artefact and version_id == self.version_id and artefact is not None:
            return
        self._generation += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.workers.cancel_group(self, "preview")
        self.workers.cancel_group(self, "reshape")
        self.artefact, self.version_id = artefact, version_id
        self.object_size = size if size is not None else getattr(artefact, "size", None)
        self.data, self.complete, self.reading, self.error, self.peeked = b"", False, False, None, None
        self.peeked_kind = None
        self._kind(None)
        self.status.remove_class("error")
        if artefact is None:
            self.body.set_text(Text(""))
            self.status.update("")
            return
        if isinstance(artefact, Directory):
            self.body.set_text(Text.assemble((visible(artefact.basename or artefact.abspath) + "/", "bold"),
                                             ("  directory", "dim")))
            self.status.update("a directory: Enter opens it")
            return
        self.reading = True
        self.body.set_text(Text("Loading…", style="dim"))
        self.status.update("Loading…")
        self.row_bytes = self.fitting_row()
        read = (artefact, version_id, 0, self.head, b"", self.object_size, self._generation, self.row_bytes)
        if self.settle > 0:
            self._timer = self.set_timer(self.settle, lambda: self._read(*read))
        else:
            self._read(*read)

    def load_more(self) -> bool:
        """Read the next range and show it with what is already there; False if there is no more."""
        if self.artefact is None or isinstance(self.artefact, Directory) or self.reading or self.complete or self.error:
            return False
        self.reading = True
        self.status.update(f"Loading {human_size(self.more)} more…")
        self._read(self.artefact, self.version_id, len(self.data), self.more, self.data, self.object_size,
                   self._generation, self.row_bytes)
        return True

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _read(self, artefact: Artefact, version_id: str | None, start: int, length: int,
              before: bytes, size: int | None, generation: int, row_bytes: int) -> None:
        worker = get_current_worker()
        manager = artefact.manager
        try:
            if version_id:
                chunk = manager.read_range(artefact.path, start, length, version_id=version_id)
            elif start == 0:
                chunk = manager.read_head(artefact.path, length)
            else:
                chunk = manager.read_range(artefact.path, start, length)
        except StowError as error:
            self.post_message(self.Loaded(generation, before, False, None, str(error), None))
            return
        except Exception as error:  # never a traceback: a line in the preview
            self.post_message(self.Loaded(generation, before, False, None, f"{type(error).__name__}: {error}", None))
            return
        if worker.is_cancelled:
            return
        data = before + chunk
        complete = len(chunk) < length or (size is not None and len(data) >= size)
        try:
            peeked = peek(artefact.basename, data, complete, artefact.content_type, per_row=row_bytes)
            # Split here, off the event loop: megabytes take a while.
            lines = lines_of(peeked.text) if peeked.text is not None else None
        except Exception as error:  # a bug in rendering must not leave "Loading…" forever
            self.post_message(self.Loaded(generation, before, False, None, f"{type(error).__name__}: {error}", None))
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(generation, data, complete, peeked, None, lines))

    def on_resize(self) -> None:
        """A hex dump shows as many bytes a row as fit the new width; an error is wrapped again."""
        if self.error is not None and not self.data:
            self._show_error()
        self._fit_rows()

    def _fit_rows(self) -> None:
        """A hex dump made for another width (the preview opened or resized as it read): made again."""
        row_bytes = self.fitting_row()
        if self.peeked_kind == "hex" and row_bytes != self.row_bytes and self.artefact is not None:
            self.row_bytes = row_bytes
            self._reshape(self.artefact, self.data, self.complete, self._generation, row_bytes)

    @work(thread=True, exclusive=True, group="reshape", exit_on_error=False)
    def _reshape(self, artefact: Artefact, data: bytes, complete: bool, generation: int, row_bytes: int) -> None:
        """The bytes already read, dumped again ``row_bytes`` a row (no read: only the layout changes)."""
        try:
            peeked = peek(artefact.basename, data, complete, artefact.content_type, per_row=row_bytes)
            lines = lines_of(peeked.text) if peeked.text is not None else None
        except Exception:  # never a traceback: the dump stays as it was
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(generation, data, complete, peeked, None, lines, reshaped=True))

    def _show_error(self) -> None:
        """The whole reason a read failed, wrapped to the width: in the body when nothing was read,
        else in the status line under what was (it grows to four lines)."""
        said = Text("⚠ " + visible(self.error or ""), style="red")
        if self.data:
            self.status.add_class("error")
            self.status.update(said)
            return
        width = max(self.body.size.width - 1, 10) if self.body.size.width else 80
        self.body.set_lines(list(said.wrap(self.app.console, width, overflow="fold")))
        self.status.update(Text("⚠ not read", style="red"))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return  # an answer about a file no longer shown
        if message.reshaped:
            if message.data is self.data and self.peeked_kind == "hex":  # not overtaken by a read
                self.peeked = message.peeked
                self._show_peek(message.peeked, message.lines)
                if self.error is not None:  # a "load more" that failed: still said
                    self._show_error()
            return
        self.reading = False
        if message.error is not None:
            self.error = message.error
            self._show_error()
            return
        self.data, self.complete, self.peeked = message.data, message.complete, message.peeked
        self._show_peek(message.peeked, message.lines)
        self._fit_rows()

    # Rendering ---------------------------------------------------------

    def extent(self) -> str:
        """``showing the first 64K of 300M``, or the whole size."""
        return extent(len(self.data), self.complete, self.object_size)

    def _more(self, complete: bool) -> str:
        return f" — press {self.more_key} for more" if self.more_key and not complete else ""

    def _show_peek(self, peeked: Peek, lines: list[Text] | None) -> None:
        """Show what the worker made of the bytes (``self.data`` holds them already)."""
        more = self._more(self.complete)
        described = {"json": "JSON", "hex": "binary (hex dump)", "markdown": "Markdown", "empty": "empty"}
        kind = described.get(peeked.kind, peeked.language or "text")
        if peeked.kind == "table":
            rows = peeked.rows or []
            kind = f"table: {max(0, len(rows) - 1):,} rows × {len(rows[0]) if rows else 0} columns"
            self._fill_table(rows)
        elif peeked.kind == "markdown":
            from rich.markdown import Markdown  # here: markdown-it and pygments cost 40 ms of every start-up

            self.markdown.update(Markdown(peeked.markdown or "", hyperlinks=False, code_theme=THEME))
            if peeked.kind != self.peeked_kind:
                self.query_one("#viewer-body", VerticalScroll).scroll_home(animate=False)
        else:
            lines = lines or []
            if not self.complete:  # where the text stops
                lines += [Text(""), Text(f"— {self.extent()}{more} —", style="dim")]
            scrolled = self.body.scroll_offset
            self.body.set_lines(lines)
            if self.data and peeked.kind == self.peeked_kind:
                self.body.scroll_to(scrolled.x, scrolled.y, animate=False)  # "load more" keeps the place
        focused = self.screen.focused
        had_focus = focused is not None and focused in (self.body, self.table, self.query_one("#viewer-body"))
        self.peeked_kind = peeked.kind
        self._kind(peeked.kind)
        if had_focus:
            self.content.focus()
        status = " · ".join([kind, self.extent() + more, *peeked.notes])
        self.status.remove_class("error")
        self.status.update(Text(visible(status), no_wrap=True))

    def _fill_table(self, rows: list[list[str]]) -> None:
        table = self.table
        table.clear(columns=True)
        if not rows:
            return
        width = max(len(row) for row in rows)
        header = rows[0] + [""] * (width - len(rows[0]))
        table.add_columns(*(Text(name, no_wrap=True) for name in header))
        table.add_rows([Text(cell, no_wrap=True) for cell in row + [""] * (width - len(row))] for row in rows[1:])
