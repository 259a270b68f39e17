"""mc's keys that are more than a binding: Esc followed by a digit is that F-key; Ctrl+X then D compares.

Terminals reached over SSH often send no F-keys; mc reads Esc then 1…9, 0 as F1…F10.
Sent at once (as a terminal does for Alt+5, or tmux for ``Escape 5``), Textual's parser reads the
two bytes as macOS's Option+digit character (ESC 5 is ``∞``): those ten characters are F-keys here
(never while an input box has the keys, where ``£`` is a pound sign). Typed one after the other they
come as ``escape`` then ``5``, which counts when the digit follows within ESCAPE_WAIT.
"""

from __future__ import annotations

import time
from typing import Callable

#: "5" → "f5", "0" → "f10" (mc's Esc 0 is F10).
F_KEYS = {str(digit): f"f{digit or 10}" for digit in range(10)}
#: What Textual makes of ESC followed at once by 0…9 (textual._xterm_parser, the Option+digit of macOS).
ESCAPED_DIGITS = dict(zip("º¡™£¢∞§¶•ª", "0123456789"))
ESCAPE_WAIT = 1.0  # seconds a digit may follow Esc and still make an F-key (mc waits about as long)


class EscapeDigits:
    """Turns Esc + digit into an F-key: ``translate`` is given every key of the main screen."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._escaped_at: float | None = None

    def translate(self, key: str, character: str | None = None) -> str | None:
        """The F-key ``key`` (typing ``character``) completes (``f5``), or None when it is a key of its own."""
        digit = key[4:] if key.startswith("alt+") else ESCAPED_DIGITS.get(character or "")
        if digit in F_KEYS:
            self._escaped_at = None
            return F_KEYS[digit]
        if key == "escape":
            self._escaped_at = self._clock()
            return None
        escaped_at, self._escaped_at = self._escaped_at, None
        if key in F_KEYS and escaped_at is not None and self._clock() - escaped_at <= ESCAPE_WAIT:
            return F_KEYS[key]
        return None


#: mc's two-key commands: the first key, then the second, → an action of the main screen.
CHORDS = {"ctrl+x": {"d": "compare", "D": "compare"}}


class Chords:
    """Ctrl+X then D (mc's "compare directories"): ``translate`` is given every key of the main screen."""

    def __init__(self, chords: dict[str, dict[str, str]] = CHORDS):
        self._chords = chords
        self._pending: dict[str, str] | None = None

    def translate(self, key: str) -> tuple[bool, str | None]:
        """(whether ``key`` is taken by a chord, the action it completes or None)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            return True, pending.get(key)  # a second key that completes nothing is dropped, as mc does
        if key in self._chords:
            self._pending = self._chords[key]
            return True, None
        return False, None
