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
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}{_where_in_file(error)}") from None

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{where}: {message}")

    bookmarks = raw.get("bookmarks", {})
    if not isinstance(bookmarks, dict) or not all(isinstance(v, str) for v in bookmarks.values()):
        raise fail("[bookmarks] maps names to URLs: name = \"s3://bucket/prefix/\"")
    s3 = _table(raw.get("s3", {}), "[s3]", fail)
    conflict = raw.get("conflict", "ask")
    if conflict not in POLICIES:
        raise fail(f"conflict = {conflict!r}: expected one of {', '.join(POLICIES)}")
    timezone = raw.get("timezone", "UTC")
    try:
        pytz.timezone(timezone)
    except (pytz.UnknownTimeZoneError, AttributeError, TypeError):
        raise fail(f"timezone = {timezone!r}: not a time zone name (UTC, Europe/Paris, America/New_York...)") from None
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
        if scheme == "s3":
            found[prefix] = _table(settings, name, fail)
        elif scheme in ("sftp", "ssh"):
            found[prefix] = _table(settings, name, fail, SFTP_KEYS)
        else:
            raise fail(f"{name}: a location is an s3:// or sftp:// URL prefix")
    return found


def _where_in_file(error: ValueError) -> str:
    """``, line 4: Invalid value (column 8)``. Python 3.14 gives ``lineno``; before, only the message has it."""
    message = str(error)
    found = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    line = getattr(error, "lineno", None) or (int(found.group(1)) if found else None)
    if found:
        message = message[: found.start()] + f" (column {found.group(2)})"
    return f", line {line}: {message}" if line else f": {message}"


def _table(table, name: str, fail, known: tuple[str, ...] = S3_KEYS) -> dict[str, object]:
    if not isinstance(table, dict):
        raise fail(f"{name} must be a table")
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise fail(f"{name}: unknown setting {unknown[0]!r} (known: {', '.join(known)})")
    return dict(table)


def load(path: Path | None = None) -> Config:
    """The config at ``path`` (default :func:`config_path`); defaults when there is no file.

    Raises :class:`ConfigError` for a file that cannot be read or used; the caller goes on with
    ``Config()`` (no path: never saved over the file) and says why.
    """
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it ({error})") from None
    return parse(text, path)


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
