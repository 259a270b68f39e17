"""What the head of a file looks like: text, JSON, a table, Markdown or a hex dump.

Plain functions over bytes already read (no I/O, no Textual), run in the
viewer's worker thread. Everything a file holds is data: the result is Rich
``Text`` (never parsed as markup) with control characters made visible, rows of
visible strings, or Markdown source with control characters made visible.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import mimetypes
import posixpath
import zlib

from rich.text import Text

from .text import human_size, visible

#: Decompressed bytes shown at most from a gzip head (a bomb stays small).
GUNZIP_LIMIT = 4 * 1024 * 1024
#: Beyond this much text, no syntax highlighting (it would take seconds).
HIGHLIGHT_LIMIT = 1024 * 1024
#: Rows put in a table at most (a DataTable takes seconds for 100k rows).
TABLE_LIMIT = 10_000
#: The first bytes looked at to tell binary from text.
SNIFF = 8192
THEME = "ansi_dark"  # the terminal's own colours: readable in 256-colour terminals too

#: Python's own table of types (not the system's, which differs from one machine to the next), plus
#: what Python 3.11 lacks and gzip(1) accepts.
_TYPES = mimetypes.MimeTypes()
_TYPES.add_type("text/markdown", ".md")
_TYPES.add_type("text/markdown", ".markdown")
_TYPES.encodings_map[".gzip"] = "gzip"
_TABLES = {"text/csv", "text/tab-separated-values"}

_IMAGES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"RIFF": "WebP",
    b"BM": "BMP",
}


@dataclasses.dataclass
class Peek:
    """The head of a file made ready to show."""

    kind: str  # text | json | table | markdown | hex | empty
    text: Text | None = None  # text, json, hex, empty
    rows: list[list[str]] | None = None  # table: the first row is the header
    markdown: str | None = None  # markdown source (control characters made visible)
    language: str | None = None  # the lexer used for highlighting, if any
    notes: list[str] = dataclasses.field(default_factory=list)


#: Printable ASCII as itself, every other byte as ``.`` (the right-hand column of a hex dump).
_PRINTABLE = bytes(b if 32 <= b < 127 else ord(".") for b in range(256))


#: The bytes a hex dump's row may show: as many as fit the width, whole rows only.
ROW_BYTES = (16, 8, 4)


def hex_row_cells(per_row: int) -> int:
    """The cells of a hex dump row of ``per_row`` bytes: offset, the bytes in hex, then as ASCII."""
    return 8 + 2 + (3 * per_row - 1) + 2 + per_row


def bytes_per_row(width: int) -> int:
    """16, 8 or 4: the most bytes a row shows whole in ``width`` cells (75, 43, 27 cells); 4 below."""
    return next((n for n in ROW_BYTES if hex_row_cells(n) <= width), ROW_BYTES[-1])


def hexdump(data: bytes, offset: int = 0, per_row: int = 16) -> str:
    """``00000010  10 11 12 ...  ...``: ``per_row`` bytes a line."""
    lines = []
    cells = 3 * per_row - 1
    for start in range(0, len(data), per_row):
        chunk = data[start:start + per_row]
        lines.append(f"{offset + start:08x}  {chunk.hex(' '):<{cells}}  {chunk.translate(_PRINTABLE).decode('ascii')}")
    return "\n".join(lines)


def decode(data: bytes, complete: bool) -> str | None:
    """The text in ``data``, or ``None`` if it is binary.

    A character cut at the end of a partial read is dropped, not held against the file.
    """
    if b"\x00" in data[:SNIFF]:
        return None
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        return None


def shown_lines(text: str) -> str:
    """Text with tabs expanded and every control character made visible (newlines kept)."""
    return visible(text.replace("\r\n", "\n").expandtabs(4), newlines=True)


def lines_of(text: Text) -> list[Text]:
    """``text`` split at newlines (quickly when it has no styles of its own)."""
    if not text.spans and not text.style:
        return [Text(line) for line in text.plain.split("\n")]
    return list(text.split("\n", allow_blank=True))


def guess_type(name: str) -> str | None:
    """The media type a file name says (``text/csv``), unless the name also says it is compressed."""
    kind, encoding = _TYPES.guess_type(name.lower())
    return kind if encoding is None else None


def _inner_name(name: str) -> str:
    """``rows.txt`` for ``rows.txt.gz``: the name of what a compressed file holds."""
    return posixpath.splitext(name)[0] if _TYPES.guess_type(name.lower())[1] else name


def gunzip_head(data: bytes, limit: int = GUNZIP_LIMIT) -> tuple[bytes, bool]:
    """Decompress as much of a gzip (or zlib) head as there is: (bytes, whole stream ended)."""
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib header, told apart
    out = inflater.decompress(data, limit)
    return out, inflater.eof


def highlight(text: str, name: str) -> tuple[Text, str | None]:
    """Syntax-highlighted ``Text`` (lexer from the file name), or plain ``Text`` when none fits."""
    shown = shown_lines(text)
    language = None
    if len(shown) <= HIGHLIGHT_LIMIT:
        from pygments.lexers import get_lexer_for_filename
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_for_filename(name)
        except ClassNotFound:
            lexer = None
        if lexer is not None and lexer.aliases and lexer.aliases[0] != "text":
            language = lexer.aliases[0]
    if language is None:
        return Text(shown), None
    from rich.syntax import Syntax

    styled = Syntax(shown, language, theme=THEME).highlight(shown)
    styled.rstrip()
    return styled, language


def table_rows(text: str, name: str, complete: bool) -> list[list[str]]:
    """CSV or TSV rows (a last line cut by a partial read is left out)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    body = "\n".join(lines)
    if guess_type(name) == "text/tab-separated-values":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(body[:SNIFF], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = [[visible(cell) for cell in row] for row in csv.reader(io.StringIO(body), delimiter=delimiter)]
    return [row for row in rows if row]


def peek(name: str, data: bytes, complete: bool, content_type: str | None = None,
         content_encoding: str | None = None, per_row: int = 16) -> Peek:
    """How to show ``data``, the first bytes of a file called ``name``.

    ``complete`` says whether ``data`` is the whole file; ``per_row``: the bytes of a hex dump's row
    (``bytes_per_row`` of the width it is shown in).
    """
    notes: list[str] = []
    gzipped = data[:2] == b"\x1f\x8b" or (content_encoding or "").lower() == "gzip"
    if gzipped:
        try:
            inflated, ended = gunzip_head(data)
        except zlib.error as error:
            result = Peek("hex", Text(hexdump(data, per_row=per_row)))
            result.notes.append(f"not valid gzip ({error}): raw bytes")
            return result
        notes.append(f"gzip: {human_size(len(inflated))} decompressed from {human_size(len(data))}"
                     + (" (limit reached)" if len(inflated) >= GUNZIP_LIMIT else ""))
        name, data, complete = _inner_name(name), inflated, complete and ended
    result = _peek_plain(name, data, complete, content_type, per_row)
    result.notes[:0] = notes
    return result


def _peek_plain(name: str, data: bytes, complete: bool, content_type: str | None, per_row: int) -> Peek:
    if not data:
        return Peek("empty", Text("(empty)" if complete else "(nothing read)", style="dim"))
    for magic, image in _IMAGES.items():
        if data.startswith(magic) and (image != "WebP" or data[8:12] == b"WEBP"):
            result = Peek("hex", Text(hexdump(data, per_row=per_row)))
            result.notes.append(f"{image} image: shown as bytes (no image decoder is installed)")
            return result
    text = decode(data, complete)
    if text is None:
        return Peek("hex", Text(hexdump(data, per_row=per_row)))
    # What the name says, and what the store says (S3's Content-Type): either one will do.
    kinds = {guess_type(name), (content_type or "").split(";")[0].strip().lower()}
    if "application/json" in kinds:
        return _peek_json(name, text, complete)
    if kinds & _TABLES:
        rows = table_rows(text, name, complete)
        if rows:
            notes = []
            if len(rows) > TABLE_LIMIT + 1:
                rows = rows[:TABLE_LIMIT + 1]
                notes.append(f"the first {TABLE_LIMIT:,} rows shown")
            return Peek("table", rows=rows, notes=notes)
    if "text/markdown" in kinds:
        return Peek("markdown", markdown=shown_lines(text))
    styled, language = highlight(text, name)
    return Peek("text", styled, language=language)


def _peek_json(name: str, text: str, complete: bool) -> Peek:
    if complete:
        try:
            document = json.loads(text)
        except ValueError as error:
            styled, language = highlight(text, "x.json")
            return Peek("json", styled, language=language, notes=[f"not valid JSON ({error}): shown as is"])
        pretty = json.dumps(document, indent=2, ensure_ascii=False)
        styled, language = highlight(pretty, "x.json")
        return Peek("json", styled, language=language)
    styled, language = highlight(text, "x.json")
    return Peek("json", styled, language=language, notes=["part of a JSON document: shown as is"])
