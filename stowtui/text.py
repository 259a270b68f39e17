"""Untrusted text: names from disks and buckets are data, never markup or terminal codes."""

from __future__ import annotations

import datetime

from rich.text import Text

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# Characters that reorder or hide text: shown as escapes too.
_INVISIBLE = {0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def visible(name: str) -> str:
    """``name`` with control characters, escape sequences and undecodable bytes made visible.

    C0/C1 controls and DEL become ``\\n``/``\\e``/``\\x7f`` style escapes, bytes
    that were not UTF-8 (surrogate escapes) become ``\\xff``, and bidirectional
    overrides become ``\\u202e``: nothing reaches the terminal as a control.
    """
    out = []
    for char in name:
        code = ord(char)
        if char in _NAMED:
            out.append(_NAMED[char])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code in _INVISIBLE or 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def plain(name: str, style: str = "") -> Text:
    """A Rich ``Text`` of a name: shown literally, never parsed as markup."""
    return Text(visible(name), style=style, no_wrap=True, end="")


def human_size(size: float | None) -> str:
    """``1.5K``, ``23M``...: four characters or so, like ``ls -h``."""
    if size is None:
        return ""
    size = float(size)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if size < 1024 or unit == "P":
            if unit == "B":
                return f"{int(size)}"
            return f"{size:.1f}{unit}" if size < 10 else f"{size:.0f}{unit}"
        size /= 1024
    return str(size)


def short_time(moment: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """``Nov 25 18:30`` this year, ``Nov 25  2024`` before (local time), like ``ls -l``."""
    if moment is None:
        return ""
    local = moment.astimezone()
    now = now or datetime.datetime.now(local.tzinfo)
    if local.year == now.year:
        return local.strftime("%b %d %H:%M")
    return local.strftime("%b %d  %Y")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
