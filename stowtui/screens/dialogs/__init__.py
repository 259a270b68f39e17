"""Modal dialogs, one per module. Every name shown in them is plain text (see ``stowtui.text``); Escape cancels."""

from .base import Dialog
from .bookmarks import BookmarksDialog
from .confirm import ConfirmDialog
from .conflict import ConflictDialog
from .input import InputDialog
from .transfer import TransferDialog

__all__ = ["BookmarksDialog", "ConfirmDialog", "ConflictDialog", "Dialog", "InputDialog", "TransferDialog"]
