"""Modal dialogs, one per module. Every name shown in them is plain text (see ``stowtui.text``); Escape cancels.

Each module is imported when its dialog is first asked for (``dialogs.InputDialog``), not at
start-up: no dialog shows in the first frame.
"""

import importlib

_MODULES = {
    "Dialog": "base",
    "BookmarksDialog": "bookmarks",
    "ChoiceDialog": "choice",
    "ChoiceDialog": "choice",
    "ConfirmDialog": "confirm",
    "ConflictDialog": "conflict",
    "InputDialog": "input",
    "ResumeDialog": "resume",
    "SyncDialog": "sync",
    "TransferDialog": "transfer",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
