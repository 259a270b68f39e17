"""Formatting for the screen, in one place.

Untrusted names made visible and literal; sizes, counts, times and durations;
text fitted to a width in terminal cells (a CJK character takes two).
"""

from __future__ import annotations

import datetime
import re

import pytz
from rich.cells import cell_len
from rich.text import Text

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# C0/C1 controls, DEL, surrogates, and the characters that reorder or hide text.
_INVISIBLE = "\u061c\u200b\u200e\u200f\u2028\u2029\ufeff\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_CONTROLS_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code <= 0x9F:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte that was not UTF-8 (os.fsdecode's surrogate escape)
    return f"\\u{code:04x}"


def visible(name: str, *, newlines: bool = False) -> str:
    """``name`` with control characters, escape sequences and undecodable bytes made visible.

    C0/C1 controls and DEL become ``\\n``/``\\e``/``\\x7f`` style escapes, bytes
    that were not UTF-8 (surrogate escapes) become ``\\xff``, and bidirectional
    overrides become ``\\u202e``: nothing reaches the terminal as a control.
    ``newlines=True`` keeps line breaks (the lines of a file).
    """
    return (_CONTROLS_BUT_NEWLINE if newlines else _CONTROLS).sub(_escape, name)


def plain(name: str, style: str = "") -> Text:
    """A Rich ``Text`` of a name: shown literally, never parsed as markup."""
    return Text(visible(name), style=style, no_wrap=True, end="")


# Sizes and counts ---------------------------------------------------------


def human_size(size: float | None) -> str:
    """``512B``, ``1.5K``, ``23M``...: four characters or so, like ``ls -h``; the one short form of a
    size everywhere (columns, status lines, sentences). ``exact_size`` is for the exact count.
    (Not ``rich.filesize``: it counts in 1000s and writes ``kB``.)
    """
    if size is None:
        return ""
    size = float(size)
    for suffix in ("B", "K", "M", "G", "T", "P"):
        if size < 1024 or suffix == "P":
            if suffix == "B":
                return f"{int(size)}B"
            return f"{size:.1f}{suffix}" if size < 10 else f"{size:.0f}{suffix}"
        size /= 1024
    return str(size)


def exact_size(size: int, short_first: bool = False) -> str:
    """``1,600 bytes (1.6K)``, or with ``short_first`` ``1.6K (1,600 bytes)``; ``54 bytes`` either way.

    A fact to read (the info panel) leads with the exact count; a one-line
    summary (a size count in the status line) leads with the short form.
    """
    if size < 1024:
        return count(size, "byte")
    if short_first:
        return f"{human_size(size)} ({size:,} bytes)"
    return f"{size:,} bytes ({human_size(size)})"


def size_words(size: int) -> str:
    """A total in a sentence: ``human_size`` (one format everywhere)."""
    return human_size(size)


def count(number: int, noun: str) -> str:
    """``1 object``, ``5,000 objects``."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


# Times ----------------------------------------------------------------------


_zone: datetime.tzinfo = datetime.timezone.utc  # where times are shown (the config's ``timezone``)


def set_timezone(name: str) -> None:
    """Show every time from now on in the pytz zone ``name`` (``UTC``, ``Europe/Paris``...)."""
    global _zone
    _zone = pytz.timezone(name)


def shown_zone(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in the configured time zone (UTC unless the config names another)."""
    return moment.astimezone(_zone)


def short_time(moment: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """``Dec  5 07:40`` this year, ``Dec  5  2025`` before (in the configured zone), like ``ls -l`` and mc."""
    if moment is None:
        return ""
    local = shown_zone(moment)
    now = shown_zone(now) if now is not None else datetime.datetime.now(_zone)
    day = f"{local:%b} {local.day:>2}"
    if local.year == now.year:
        return f"{day} {local:%H:%M}"
    return f"{day}  {local.year}"


def long_time(moment: datetime.datetime | None) -> str:
    """``2024-03-01 12:00:00 UTC`` (in the configured zone, with its name)."""
    if moment is None:
        return ""
    return shown_zone(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(seconds: float | None) -> str:
    """``01:05``, ``2:00:05``: an ETA (``str(timedelta)`` would say ``0:01:05``, and days)."""
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# Fitting to a width (in cells) --------------------------------------------


def fit(text: Text, width: int) -> Text:
    """``text`` cut with ``…`` or padded with spaces to exactly ``width`` cells."""
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


def cut_middle(shown: str, width: int) -> str:
    """``shown`` in ``width`` cells, cut in the middle with ``~`` as mc does: both ends stay visible,
    so ``report_…_eu_west.csv`` and ``report_…_us_east.csv`` are told apart."""
    if cell_len(shown) <= width:
        return shown
    if width <= 1:
        return "~"[:width]
    head_room = (width - 1 + 1) // 2  # the start gets the odd cell
    tail_room = width - 1 - head_room
    head = ""
    for char in shown:
        if cell_len(head + char) > head_room:
            break
        head += char
    tail = ""
    for char in reversed(shown):
        if cell_len(char + tail) > tail_room:
            break
        tail = char + tail
    return head + "~" + tail


def keep_end(shown: str, width: int) -> str:
    """``…`` and as much of the end of ``shown`` as fits in ``width`` cells (a path keeps its last names).

    Rich cuts only the end of a text, so the start is dropped here, a character at a time.
    """
    if cell_len(shown) <= width:
        return shown
    start = 0
    while start < len(shown) and cell_len(shown[start:]) > width - 1:
        start += 1
    return "…" + shown[start:]
