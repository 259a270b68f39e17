"""Finding managers: the ``stow_managers`` entry points, URL parsing and ``connect``."""

from __future__ import annotations

import importlib.metadata
import os
import re
import threading
import urllib.parse

from . import exceptions
from .artefacts import Artefact
from .manager import Manager

ENTRY_POINT_GROUP = "stow_managers"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://(.*)$", re.DOTALL)
_lock = threading.RLock()
_classes: dict[str, type[Manager]] = {}
_instances: dict[tuple, Manager] = {}
_defaults: dict[str, dict] = {}


def _load_entry_points() -> None:
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        _classes.setdefault(entry.name.lower(), entry)  # loaded on first use


def manager_class(name: str) -> type[Manager]:
    """The manager class registered under ``name`` (case-insensitive)."""
    key = name.lower()
    with _lock:
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
        found = _classes[key]
        if isinstance(found, importlib.metadata.EntryPoint):
            found = _classes[key] = found.load()
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
    match = _SCHEME.match(url)
    if match is None:
        return "fs", urllib.parse.ParseResult("", "", url, "", "", "")
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme == "file":
        path = rest if rest.startswith("/") else "/" + rest.split("/", 1)[-1] if "/" in rest else "/"
        return "fs", urllib.parse.ParseResult("file", "", urllib.parse.unquote(path), "", "", "")
    netloc, slash, path = rest.partition("/")
    return scheme, urllib.parse.ParseResult(scheme, netloc, slash + path, "", "", "")


def resolve(url: str) -> tuple[Manager, str]:
    """The manager for a URL or local path, and the manager path within it."""
    if not isinstance(url, str):
        raise exceptions.InvalidPath(f"Expected a URL or a path, got {type(url).__name__}")
    if not url:
        raise exceptions.InvalidPath("An empty string is not a path")
    name, parsed = split_url(url)
    cls = manager_class(name)
    config, path = cls._signatureFromURL(parsed)
    with _lock:
        merged = {**_defaults.get(name, {}), **config}
    return connect(name, **merged), path


def forget_instances() -> None:
    """Drop every cached manager (and so every cached listing)."""
    with _lock:
        _instances.clear()


def location(target: Artefact | str | os.PathLike) -> tuple[Manager, str]:
    """(manager, manager path) of a URL, local path or artefact."""
    if isinstance(target, Artefact):
        return target.manager, target.path
    manager, path = resolve(os.fspath(target))
    return manager, manager.normalise(path)
