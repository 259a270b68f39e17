"""Credentials never shown: the one function that takes a URL's password out of text.

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
