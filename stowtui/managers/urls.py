"""Paths and URLs as text: the pure helpers of the stateless interface, and checking input.

``join``, ``dirname``, ``basename`` and ``splitext`` take strings (URLs or
local paths) and artefacts, keep a URL's scheme and bucket, and never look at
the current directory, the disk or the network::

    join("s3://bkt", "/a")       == "s3://bkt/a"   # inside a URL every segment is joined
    join("/data", "/etc", "x")   == "/etc/x"       # a local absolute segment starts again
    dirname("hello")             == ""             # as os.path.dirname
    splitext("s3://b/a.tar.gz")  == ("s3://b/a.tar", ".gz")

:func:`as_text` is where input enters the storage layer (``registry.location``):
what cannot be a path is refused there with a sentence, not a raw ``TypeError``.
"""

from __future__ import annotations

import os
import posixpath
import re

from . import exceptions
from .artefacts import Artefact

#: ``scheme://rest``: nothing after the scheme is parsed as query or fragment.
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)
#: ``scheme:`` not followed by ``//`` (``s3:/x``): a URL written wrong, if the scheme is known.
HALF_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!//)")


def shown_text(text: str, limit: int = 80) -> str:
    """A string as it can be shown in a message: quoted, unprintables and surrogates escaped, cut short."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    escaped = cut.encode("utf-8", "backslashreplace").decode("utf-8")
    return "'" + "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in escaped) + "'"


def as_text(target, what: str = "a URL or a path") -> str:
    """A URL or local path given as text, bytes or a path-like object; refused, with a sentence, if it cannot be one."""
    if isinstance(target, Artefact):
        return target.abspath
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if isinstance(target, bytes):
        target = os.fsdecode(target)
    if isinstance(target, bool):
        raise exceptions.NotAPath(f"Expected {what}, got {target}: options such as recursive=True are given by name")
    if not isinstance(target, str):
        raise exceptions.NotAPath(f"Expected {what}, got {type(target).__name__} ({shown_text(repr(target))})")
    if not target:
        raise exceptions.InvalidPath("An empty string is not a path")
    if "\x00" in target:
        raise exceptions.InvalidPath(f"{shown_text(target)} holds a NUL character, which no path or key may hold")
    return target


def _split(text: str) -> tuple[str, str]:
    """(``scheme://``, the rest) of a URL; ``("", text)`` of a local path."""
    match = SCHEME.match(text)
    return (match.group(1) + "://", match.group(2)) if match else ("", text)


def _strip(path: str) -> str:
    """A path without its trailing ``/`` (but ``/`` itself)."""
    return path.rstrip("/") or path[:1]


def join(*parts, separator: str = "/") -> str:
    """Join URL or path segments (``join('s3://b', 'dir', 'key')``); artefacts stand for their URL.

    A URL among the parts starts the result again; inside a URL every later
    segment is joined under it, even one that starts with ``/``. Local paths
    join as ``os.path.join`` does: an absolute segment starts again.
    """
    texts = [as_text(p, "a path segment") if not isinstance(p, str) or p else "" for p in parts]
    start = max((i for i, t in enumerate(texts) if SCHEME.match(t)), default=0)
    texts = texts[start:]
    if not texts:
        return ""
    scheme, rest = _split(texts[0])
    if not scheme:
        return join_segments(texts, separator, absolutes=False)
    joined = join_segments([rest, *texts[1:]], separator, absolutes=True)
    return scheme + (joined if rest else joined.lstrip(separator))


def join_segments(segments, separator: str = "/", absolutes: bool = False) -> str:
    """Join path segments; an absolute segment starts again unless ``absolutes`` (``Manager.join``)."""
    result = ""
    for segment in segments:
        if not segment:
            continue
        if not result or (segment.startswith(separator) and not absolutes):
            result = segment
        else:
            result = result.rstrip(separator) + separator + segment.lstrip(separator)
    return result


def dirname(target) -> str:
    """The URL or path of the directory holding ``target`` (``""`` for a bare name)."""
    if isinstance(target, Artefact):
        return target.manager.url(target.manager.dirname(target.path))
    scheme, rest = _split(as_text(target))
    if not scheme:
        return posixpath.dirname(_strip(rest))
    rest = _strip(rest)
    if rest.startswith("/"):  # file:///a/b
        return scheme + posixpath.dirname(rest)
    return scheme + (rest.rsplit("/", 1)[0] if "/" in rest else "")  # s3://bucket/key: keys may hold "//"


def basename(target) -> str:
    """The last segment of a URL or path (``"b.txt"``), without a trailing ``/``."""
    if isinstance(target, Artefact):
        return target.basename
    _, rest = _split(as_text(target))
    return _strip(rest).rsplit("/", 1)[-1] if rest.strip("/") else ""


def splitext(target) -> tuple[str, str]:
    """(everything before the extension, the extension with its dot), as ``os.path.splitext``."""
    text = target.abspath if isinstance(target, Artefact) else as_text(target)
    return posixpath.splitext(text)
