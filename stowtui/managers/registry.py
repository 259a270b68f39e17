"""Finding managers: the ``stow_managers`` entry points, URL parsing and ``connect``."""

from __future__ import annotations

import os
import threading
import urllib.parse

from . import exceptions
from .artefacts import Artefact
from .manager import Manager
from .urls import HALF_SCHEME, SCHEME, as_text, shown_text

ENTRY_POINT_GROUP = "stow_managers"
#: The project's own managers, as its entry points in pyproject.toml name them (a test keeps the
#: two the same). They are found without scanning the installed distributions: importing
#: ``importlib.metadata`` and reading every entry point costs a start on local paths ~15 ms it
#: does not need. Any other name (a plug-in) is looked up in the entry points.
OWN_MANAGERS = {
    "fs": "stowtui.managers.fs:FS",
    "s3": "stowtui.managers.s3:S3",
    "sftp": "stowtui.managers.sftp:SFTP",
    "ssh": "stowtui.managers.sftp:SFTP",
}

_lock = threading.RLock()
#: Name -> manager class, or what loads it on first use (an entry point, or a "module:Class" of ours).
_classes: dict[str, object] = {}
_instances: dict[tuple, Manager] = {}
_defaults: dict[str, dict] = {}
#: Config for the URLs under a prefix (``s3://acme-logs/`` → ``{"profile": "acme"}``), longest first.
_locations: list[tuple[str, dict]] = []


def _load_entry_points() -> None:
    import importlib.metadata

    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        _classes.setdefault(entry.name.lower(), entry)  # loaded on first use


def _load(found: object) -> type[Manager]:
    """The class a ``"module:Class"`` string or an entry point names (a class is itself)."""
    if isinstance(found, type):
        return found
    if isinstance(found, str):
        import pkgutil

        return pkgutil.resolve_name(found)
    return found.load()


def manager_class(name: str) -> type[Manager]:
    """The manager class registered under ``name`` (case-insensitive)."""
    key = name.lower()
    with _lock:
        if key not in _classes and key in OWN_MANAGERS:
            _classes[key] = OWN_MANAGERS[key]
        if key not in _classes:
            _load_entry_points()
        if key not in _classes:
            adapter = _fsspec_fallback(key)
            if adapter is not None:
                return adapter
            raise exceptions.ManagerNotFound(
                f"No storage manager is registered for '{name}' "
                f"(known: {', '.join(sorted(available())) or 'none'})"
            )
        found = _classes[key] = _load(_classes[key])
        return found


def _fsspec_fallback(scheme: str) -> type[Manager] | None:
    """The fsspec adapter, for a scheme no manager claims but fsspec knows (memory://, gs://...)."""
    try:
        from .fsspec_adapter import FSSpec, fsspec_knows
    except ImportError:  # fsspec is not installed
        return None
    return FSSpec if fsspec_knows(scheme) else None


def available() -> list[str]:
    """The names of every registered manager."""
    with _lock:
        _load_entry_points()
        return sorted(_classes)


def rescan() -> None:
    """Forget what was found, so that newly installed plug-ins are seen."""
    with _lock:
        _classes.clear()


def set_defaults(name: str, **config) -> None:
    """Config merged into every URL-based connection to ``name`` (the CLI's --endpoint-url...)."""
    with _lock:
        _defaults[name.lower()] = {k: v for k, v in config.items() if v is not None}


def set_location_defaults(prefix: str, **config) -> None:
    """Config for every URL that starts with ``prefix``; it wins over the scheme's defaults
    and over what the URL itself says (an SSH ``host`` alias, an S3 ``profile`` for one bucket)."""
    with _lock:
        _locations[:] = [(p, c) for p, c in _locations if p != prefix]
        if config:
            _locations.append((prefix, {k: v for k, v in config.items() if v is not None}))
            _locations.sort(key=lambda item: len(item[0]), reverse=True)


def _location_config(url: str) -> dict:
    with _lock:
        for prefix, config in _locations:
            if url.startswith(prefix) or url.rstrip("/") == prefix.rstrip("/"):
                return dict(config)
    return {}


def _cache_key(name: str, config: dict) -> tuple:
    return (name.lower(), tuple(sorted((k, repr(v)) for k, v in config.items())))


def connect(manager: str, **config) -> Manager:
    """One manager instance per name and config: ``connect('s3', endpoint_url=...)``.

    ``connect(**some_manager.toConfig())`` gives that manager back.
    """
    cls = manager_class(manager)
    key = _cache_key(manager, config)
    with _lock:
        instance = _instances.get(key)
        if instance is None:
            instance = cls(**config)
            # File it also under the config it reports, so that
            # connect(**instance.toConfig()) gives this very instance back, and
            # two spellings of one config ("fs" and "fs", path="/") share one.
            alias = _reported_key(instance, manager, cls)
            if alias is not None:
                instance = _instances.setdefault(alias, instance)
            _instances[key] = instance
        return instance


def _reported_key(instance: Manager, manager: str, cls: type[Manager]) -> tuple | None:
    try:
        reported = dict(instance.toConfig())
    except Exception:  # a plug-in's toConfig must not break connecting
        return None
    name = str(reported.pop("manager", manager))
    try:
        if manager_class(name) is not cls:
            return None
    except exceptions.ManagerNotFound:
        return None
    return _cache_key(name, reported)


def split_url(url: str) -> tuple[str, urllib.parse.ParseResult]:
    """(manager name, parsed URL). Local paths go to ``fs``.

    Nothing after the authority is parsed as query or fragment: ``#`` and ``?``
    are ordinary characters in file names and S3 keys.
    """
    match = SCHEME.match(url)
    if match is None:
        half = HALF_SCHEME.match(url)
        if half is not None and half.group(1).lower() == "file":  # file:/tmp/x, as RFC 8089 allows
            return "fs", urllib.parse.ParseResult("file", "", urllib.parse.unquote(url[len("file:"):]), "", "", "")
        if half is not None and half.group(1).lower() in available():
            # Not a local path that happens to hold a colon: a URL missing a slash.
            raise exceptions.InvalidPath(
                f"{shown_text(url)} is not a URL: write {half.group(1)}://… with two slashes"
            )
        return "fs", urllib.parse.ParseResult("", "", url, "", "", "")
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme == "file":
        path = rest if rest.startswith("/") else "/" + rest.split("/", 1)[-1] if "/" in rest else "/"
        return "fs", urllib.parse.ParseResult("file", "", urllib.parse.unquote(path), "", "", "")
    netloc, slash, path = rest.partition("/")
    return scheme, urllib.parse.ParseResult(scheme, netloc, slash + path, "", "", "")


def resolve(url: str) -> tuple[Manager, str]:
    """The manager for a URL or local path, and the manager path within it.

    What cannot be one (``None``, a number, a NUL byte, ``s3:/x``, ``s3:///key``,
    a bucket name S3 refuses...) is an ``InvalidPath`` with a sentence.
    """
    url = as_text(url)
    name, parsed = split_url(url)
    cls = manager_class(name)
    config, path = cls._signatureFromURL(parsed)
    with _lock:
        merged = {**_defaults.get(name, {}), **config}
    merged.update(_location_config(url))
    return connect(name, **merged), path


def forget_instances() -> None:
    """Drop every cached manager (and so every cached listing)."""
    with _lock:
        _instances.clear()


def location(target: Artefact | str | os.PathLike) -> tuple[Manager, str]:
    """(manager, manager path) of a URL, local path or artefact; bad input is refused (``resolve``)."""
    if isinstance(target, Artefact):
        return target.manager, target.path
    manager, path = resolve(target)
    return manager, manager.normalise(path)
