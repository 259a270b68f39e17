"""What the head of a file looks like: text, JSON, a table, Markdown or a hex dump.

Plain functions over bytes already read (no I/O, no Textual), run in the
viewer's worker thread. Everything a file holds is data: the result is Rich
``Text`` (never parsed as markup) with control characters made visible, rows of
visible strings, or Markdown source with control characters made visible.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
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


def human_bytes(size: int) -> str:
    """``54 bytes``, ``64K``, ``3.2M``: ``human_size`` with a unit for small sizes too."""
    return f"{size} bytes" if size < 1024 else human_size(size)


def hexdump(data: bytes, offset: int = 0) -> str:
    lines = []
    for start in range(0, len(data), 16):
        chunk = data[start:start + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        chars = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset + start:08x}  {hexes:<47}  {chars}")
    return "\n".join(lines)


def decode(data: bytes, complete: bool) -> str | None:
    """The text in ``data``, or ``None`` if it is binary.

    A character cut at the end of a partial read is dropped, not held against the file.
    """
    if b"\x00" in data[:SNIFF]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if complete or error.start < len(data) - 3:
            return None
        return data[:error.start].decode("utf-8")


#: What ``visible`` changes: C0/C1 controls but the newline, DEL, invisible and reordering characters.
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\ufeff"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def shown_lines(text: str) -> str:
    """Text with tabs expanded and every control character made visible (newlines kept)."""
    text = text.replace("\r\n", "\n").expandtabs(4)
    return _NEEDS_ESCAPE.sub(lambda match: visible(match.group()), text)


def lines_of(text: Text) -> list[Text]:
    """``text`` split at newlines (quickly when it has no styles of its own)."""
    if not text.spans and not text.style:
        return [Text(line) for line in text.plain.split("\n")]
    return list(text.split("\n", allow_blank=True))


def _strip_gz(name: str) -> str:
    for suffix in (".gz", ".gzip", ".tgz"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


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
    if _extension(name) == "tsv":
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(body[:SNIFF], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = [[visible(cell) for cell in row] for row in csv.reader(io.StringIO(body), delimiter=delimiter)]
    return [row for row in rows if row]


def peek(name: str, data: bytes, complete: bool, content_type: str | None = None,
         content_encoding: str | None = None) -> Peek:
    """How to show ``data``, the first bytes of a file called ``name``.

    ``complete`` says whether ``data`` is the whole file.
    """
    notes: list[str] = []
    gzipped = data[:2] == b"\x1f\x8b" or (content_encoding or "").lower() == "gzip"
    if gzipped:
        try:
            inflated, ended = gunzip_head(data)
        except zlib.error as error:
            result = Peek("hex", Text(hexdump(data)))
            result.notes.append(f"not valid gzip ({error}): raw bytes")
            return result
        notes.append(f"gzip: {human_bytes(len(inflated))} decompressed from {human_bytes(len(data))}"
                     + (" (limit reached)" if len(inflated) >= GUNZIP_LIMIT else ""))
        name, data, complete = _strip_gz(name), inflated, complete and ended
    result = _peek_plain(name, data, complete, content_type)
    result.notes[:0] = notes
    return result


def _peek_plain(name: str, data: bytes, complete: bool, content_type: str | None) -> Peek:
    if not data:
        return Peek("empty", Text("(empty)" if complete else "(nothing read)", style="dim"))
    for magic, image in _IMAGES.items():
        if data.startswith(magic) and (image != "WebP" or data[8:12] == b"WEBP"):
            result = Peek("hex", Text(hexdump(data)))
            result.notes.append(f"{image} image: shown as bytes (no image decoder is installed)")
            return result
    text = decode(data, complete)
    if text is None:
        return Peek("hex", Text(hexdump(data)))
    extension = _extension(name)
    kind = (content_type or "").split(";")[0].strip().lower()
    if extension == "json" or kind == "application/json":
        return _peek_json(name, text, complete)
    if extension in ("csv", "tsv") or kind in ("text/csv", "text/tab-separated-values"):
        rows = table_rows(text, name, complete)
        if rows:
            notes = []
            if len(rows) > TABLE_LIMIT + 1:
                rows = rows[:TABLE_LIMIT + 1]
                notes.append(f"the first {TABLE_LIMIT:,} rows shown")
            return Peek("table", rows=rows, notes=notes)
    if extension in ("md", "markdown") or kind == "text/markdown":
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
