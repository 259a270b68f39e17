"""A thin shim giving stowtui the names stow's own tests use.

stow (https://github.com/Kieran-Bacon/stow, 1.4.2, by Kieran Bacon) tests its
``sync`` in ``tests/test_stateless.py``; the tests beside this file are those
scenarios. Their calls go through here: ``stow.touch(...)`` gives an artefact
whose ``content(b"...")`` writes it and ``content()`` reads it back, as stow's
artefacts do; everything else is stowtui's own function of the same name.
"""

from __future__ import annotations

from stowtui import stow as _stow

exceptions = _stow.exceptions
join = _stow.join
exists = _stow.exists
sync = _stow.sync


class _Artefact:
    """A stowtui artefact with stow's ``content()``."""

    def __init__(self, artefact):
        self._artefact = artefact

    def content(self, data: bytes | None = None):
        if data is None:
            return _stow.get(self._artefact.abspath)
        _stow.put(data, self._artefact.abspath)
        return self

    def __getattr__(self, name):
        return getattr(self._artefact, name)


def touch(path: str) -> _Artefact:
    _stow.mkdir(_stow.dirname(path))  # stow's touch makes the directories above
    return _Artefact(_stow.touch(path))


def mkdir(path: str) -> _Artefact:
    return _Artefact(_stow.mkdir(path))


def artefact(path: str) -> _Artefact:
    return _Artefact(_stow.artefact(path))
