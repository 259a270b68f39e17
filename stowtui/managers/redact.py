"""Credentials never shown: the one function that takes a URL's password out of text.

(:func:`sentence` also makes control characters visible, for the storage layer's errors.)

``sftp://user:secret@host/path`` is shown, logged and kept as
``sftp://user@host/path`` — in job titles, notifications, errors (every
:class:`~.exceptions.StowError` sentence) and the info panel. Only the part
between ``:`` and ``@`` of a URL's authority goes; the user name stays.
"""

from __future__ import annotations

import re

# scheme://user:password@ — the password runs to the authority's last '@' (no '/' nor whitespace).
_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/@\s:]*):[^/\s]*@")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it removed (``scheme://user@...``)."""
    if "@" not in text or "://" not in text:
        return text  # the common case: nothing to look for
    return _PASSWORD.sub(r"\1@", text)


#: Control characters (C0 but tab and newline, DEL, C1) → a visible escape: a hostile name's
#: ESC sequences never reach a terminal through a message.
_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)]}


def sentence(text: str) -> str:
    """A message as it may be shown or logged: no URL password (:func:`redact`), no control characters."""
    return redact(text).translate(_CONTROLS)

