"""Saved locations: the TOML config file (bookmarks, S3 defaults, conflict policy, time zone).

``$STOWTUI_CONFIG``, or ``config.toml`` in the XDG config directory
(``platformdirs.user_config_dir("stowtui")``)::

    timezone = "Europe/Paris"      # pytz name; times are shown in UTC without it
    conflict = "ask"               # the transfer dialog's preselected policy

    [bookmarks]
    logs = "s3://acme-logs/2026/"

    [s3]                           # defaults for every s3:// URL (the CLI's options win)
    profile = "acme"
    region = "eu-west-1"

    [locations."s3://partner-bucket/"]   # settings for the URLs under one prefix
    profile = "partner"

    [locations."sftp://box/"]            # an SSH host alias: sftp://box/... connects to buildbox
    host = "buildbox"

No Textual here: the CLI loads it before the app exists.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytz

from .jobs.model import POLICIES

ENV = "STOWTUI_CONFIG"
S3_KEYS = ("profile", "endpoint_url", "region", "path_style", "unsigned", "timeout")
SFTP_KEYS = ("host", "user", "port", "identity_file")
#: The largest config file read (a config is a few lines; /dev/zero is not one).
MAX_BYTES = 1024 * 1024
#: The deepest nesting of tables and arrays taken (tomllib recurses once per level).
MAX_DEPTH = 32


def _text(value) -> str | None:
    return None if isinstance(value, str) and value.strip() else "a non-empty string"


def _url(value) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "a URL string such as \"http://127.0.0.1:9000\""
    if not value.lower().startswith(("http://", "https://")):
        return "an http:// or https:// URL"
    return None


def _flag(value) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _seconds(value) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 3600
    return None if ok else "a number of seconds from 1 to 3600"


def _port(value) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535
    return None if ok else "a port number from 1 to 65535"


#: What each setting must be: a check giving what was expected, or None when the value is fine.
CHECKS = {
    "profile": _text, "endpoint_url": _url, "region": _text, "path_style": _flag, "unsigned": _flag,
    "timeout": _seconds, "host": _text, "user": _text, "port": _port, "identity_file": _text,
}


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and, for a syntax error, the line."""


@dataclasses.dataclass
class Config:
    bookmarks: dict[str, str] = dataclasses.field(default_factory=dict)
    s3: dict[str, object] = dataclasses.field(default_factory=dict)
    conflict: str = "ask"
    timezone: str = "UTC"
    path: Path | None = None
    raw: dict = dataclasses.field(default_factory=dict, repr=False)  # every key of the file, kept on save
    #: URL prefix → settings for the URLs under it (``[locations."s3://bucket/"]``).
    locations: dict[str, dict] = dataclasses.field(default_factory=dict)

    def resolve(self, location: str) -> str:
        """``@name`` → the bookmark's URL (``KeyError`` naming it if there is none); anything else as is."""
        if not location.startswith("@"):
            return location
        name = location[1:]
        if name not in self.bookmarks:
            known = ", ".join(sorted(self.bookmarks)) or "none saved"
            raise KeyError(f"no bookmark called {name!r} (bookmarks: {known})")
        return self.bookmarks[name]


def config_path() -> Path:
    """Where the config file is: ``$STOWTUI_CONFIG``, or the XDG config directory's ``stowtui/config.toml``."""
    override = os.environ.get(ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("stowtui")) / "config.toml"


def parse(text: str, path: Path | None = None) -> Config:
    """A :class:`Config` from the file's text; :class:`ConfigError` on bad syntax or values."""
    import tomllib  # here: a start-up without a config file does not need it

    where = str(path) if path else "config"
    deep = _too_deep(text)
    if deep is not None:
        raise ConfigError(f"{where}, line {deep}: values nested more than {MAX_DEPTH} levels deep")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}{_where_in_file(error)}") from None
    except RecursionError:
        raise ConfigError(f"{where}: values nested too deeply") from None

    def fail(message: str, key: str | None = None, table: str | None = None) -> ConfigError:
        line = _line_of(text, key, table) if key is not None else None
        return ConfigError(f"{where}, line {line}: {message}" if line else f"{where}: {message}")

    bookmarks = raw.get("bookmarks", {})
    if not isinstance(bookmarks, dict):
        raise fail("[bookmarks] maps names to URLs: name = \"s3://bucket/prefix/\"", "bookmarks")
    for name, url in bookmarks.items():
        if not isinstance(url, str) or not url.strip():
            raise fail(f"[bookmarks] maps names to URLs: {name} = {_shown(url)} is not one "
                       "(name = \"s3://bucket/prefix/\")", name, "bookmarks")
    s3 = _table(raw.get("s3", {}), "[s3]", fail, table="s3")
    conflict = raw.get("conflict", "ask")
    if not isinstance(conflict, str) or conflict not in POLICIES:
        raise fail(f"conflict = {_shown(conflict)}: expected one of {', '.join(POLICIES)}", "conflict", "")
    timezone = raw.get("timezone", "UTC")
    try:
        if not isinstance(timezone, str):
            raise TypeError(timezone)
        pytz.timezone(timezone)
    except (pytz.UnknownTimeZoneError, AttributeError, TypeError, ValueError):
        raise fail(f"timezone = {_shown(timezone)}: not a time zone name (UTC, Europe/Paris, America/New_York...)",
                   "timezone", "") from None
    locations = _locations(raw.get("locations", {}), fail)
    return Config(dict(bookmarks), s3, conflict, timezone, path, raw, locations)


def _locations(table, fail) -> dict[str, dict]:
    """``[locations."<url prefix>"]`` tables: S3 settings under ``s3://``, SSH ones under ``sftp://``."""
    if not isinstance(table, dict):
        raise fail("[locations] holds one table per URL prefix: [locations.\"s3://bucket/\"]")
    found = {}
    for prefix, settings in table.items():
        scheme = prefix.partition("://")[0].lower() if "://" in prefix else ""
        name = f'[locations."{prefix}"]'
        table = f'locations."{prefix}"'
        if scheme == "s3":
            found[prefix] = _table(settings, name, fail, table=table)
        elif scheme in ("sftp", "ssh"):
            found[prefix] = _table(settings, name, fail, SFTP_KEYS, table=table)
        else:
            raise fail(f"{name}: a location is an s3:// or sftp:// URL prefix", "", table)
    return found


def _where_in_file(error: ValueError) -> str:
    """``, line 4: Invalid value (column 8)``. Python 3.14 gives ``lineno``; before, only the message has it."""
    message = str(error)
    found = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    line = getattr(error, "lineno", None) or (int(found.group(1)) if found else None)
    if found:
        message = message[: found.start()] + f" (column {found.group(2)})"
    return f", line {line}: {message}" if line else f": {message}"


def _table(settings, name: str, fail, known: tuple[str, ...] = S3_KEYS, *, table: str = "") -> dict[str, object]:
    """A table of settings, each known and of its type (see :data:`CHECKS`)."""
    if not isinstance(settings, dict):
        raise fail(f"{name} must be a table", table.rpartition(".")[2].strip('"') or table, "")
    unknown = sorted(set(settings) - set(known))
    if unknown:
        raise fail(f"{name}: unknown setting {unknown[0]!r} (known: {', '.join(known)})", unknown[0], table)
    for key, value in settings.items():
        expected = CHECKS[key](value)
        if expected is not None:
            raise fail(f"{name}: {key} = {_shown(value)}: expected {expected}", key, table)
    return dict(settings)


def _shown(value) -> str:
    """A value as the file spells it, cut short (never a screenful)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a table" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _too_deep(text: str) -> int | None:
    """The line where brackets and braces (outside strings and comments) nest past :data:`MAX_DEPTH`."""
    depth, line, quote = 0, 1, None
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char == "\n":
            line += 1
            if quote in ('"', "'"):
                quote = None  # a basic string ends at its line (a syntax error tomllib will name)
        elif quote is not None:
            if text.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
            if char == "\\" and quote in ('"', '"""'):
                index += 2
                continue
        elif char == "#":
            newline = text.find("\n", index)
            index = end if newline < 0 else newline
            continue
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote)
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        index += 1
    return None


def _line_of(text: str, key: str, table: str | None) -> int | None:
    """The line that sets ``key`` in ``[table]`` ("": the top level; None: anywhere), if found."""
    current = ""
    pattern = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+))\s*=')
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\[?\s*(.*?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            current = re.sub(r"\s*\.\s*", ".", header.group(1))
            if table is not None and key == "" and current == table:
                return number
            continue
        found = pattern.match(line)
        if found and next(g for g in found.groups() if g is not None) == key:
            if table is None or current == table:
                return number
    return None


def load(path: Path | None = None) -> Config:
    """The config at ``path`` (default :func:`config_path`); defaults when there is no file.

    Raises :class:`ConfigError` for a file that cannot be read or used; the caller goes on with
    ``Config()`` (no path: never saved over the file) and says why.
    """
    path = path or config_path()
    try:
        text = _read(path)
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror or error})") from None
    return parse(text, path)


def _read(path: Path) -> str:
    """The text of a regular file of at most :data:`MAX_BYTES`: a FIFO, device or socket is
    refused without blocking (a non-blocking open, checked on the open file)."""
    import stat

    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        stats = os.fstat(descriptor)
        if not stat.S_ISREG(stats.st_mode):
            kind = "a directory" if stat.S_ISDIR(stats.st_mode) else "not a regular file (a pipe, device or socket)"
            raise ConfigError(f"{path}: it is {kind}, not a config file")
        if stats.st_size > MAX_BYTES:
            raise ConfigError(f"{path}: {stats.st_size:,} bytes is too big for a config file (at most {MAX_BYTES:,})")
        os.set_blocking(descriptor, True)
        data = os.read(descriptor, MAX_BYTES + 1)
        while len(data) <= MAX_BYTES and (more := os.read(descriptor, MAX_BYTES + 1 - len(data))):
            data += more
        if len(data) > MAX_BYTES:
            raise ConfigError(f"{path}: it grew past {MAX_BYTES:,} bytes while being read; not a config file")
        return data.decode("utf-8")
    finally:
        os.close(descriptor)


def save(config: Config) -> Path:
    """Write ``config`` back (every key it was read with, bookmarks as they are now); its path."""
    import tomli_w  # tomllib reads only; tomli-w writes the same TOML, quoting any name or URL correctly

    path = config.path
    if path is None:
        raise ValueError("a Config without a path (defaults, or a file that could not be used) is not saved")
    raw = dict(config.raw)
    raw["bookmarks"] = dict(config.bookmarks)
    if config.conflict != "ask" or "conflict" in raw:
        raw["conflict"] = config.conflict
    if config.timezone != "UTC" or "timezone" in raw:
        raw["timezone"] = config.timezone
    if config.s3 or "s3" in raw:
        raw["s3"] = config.s3
    # Plain keys first: in TOML a key after a [table] header would belong to that table.
    ordered = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    ordered.update({k: v for k, v in raw.items() if isinstance(v, dict)})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(tomli_w.dumps(ordered), encoding="utf-8")
    os.replace(temporary, path)  # never half a file
    config.path, config.raw = path, ordered
    return path
