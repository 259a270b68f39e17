"""The bookmarks (mc's Ctrl+\\ hotlist): jump to a saved location, add the current one, remove one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ... import config as configuration
from ...text import visible
from .base import Dialog
from .input import InputDialog

NAME_WIDTH = 16


def _row(name: str, url: str) -> Text:
    """``name   url``, both plain text (a name or URL is never markup)."""
    row = Text(visible(name).ljust(NAME_WIDTH), style="bold", no_wrap=True, overflow="ellipsis")
    row.append("  " + visible(url), style="")
    return row


class BookmarksDialog(Dialog):
    """The saved locations of ``config``; dismissed with the URL to jump to, or ``None``.

    ``here`` is the active pane's location, the one ``a`` saves. Adding and removing write the
    config file at once (when it has one: an app started without a usable file keeps them for
    the session only, and says so).
    """

    BINDINGS = [
        Binding("a", "add", "Add this location"),
        Binding("d,delete", "remove", "Remove"),
    ]

    def __init__(self, config: configuration.Config, here: str):
        super().__init__("Bookmarks — Enter jumps, a adds this pane's location, d removes")
        self._config = config
        self._here = here

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.heading()
            yield OptionList(id="bookmarks")
            yield Static(id="bookmarks-empty", markup=False)

    def on_mount(self) -> None:
        self._fill()
        self.options.focus()

    @property
    def options(self) -> OptionList:
        return self.query_one("#bookmarks", OptionList)

    @property
    def names(self) -> list[str]:
        """The bookmarks' names, in the order shown."""
        return sorted(self._config.bookmarks, key=str.casefold)

    def _fill(self, highlight: str | None = None) -> None:
        options = self.options
        names = self.names
        options.clear_options()
        options.add_options([Option(_row(name, self._config.bookmarks[name])) for name in names])
        if names:
            options.highlighted = names.index(highlight) if highlight in names else 0
        empty = self.query_one("#bookmarks-empty", Static)
        empty.update("No bookmarks yet: a saves this pane's location." if not names else "")
        empty.display = not names

    @on(OptionList.OptionSelected, "#bookmarks")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._config.bookmarks[self.names[event.option_index]])

    def action_add(self) -> None:
        def named(name: str | None) -> None:
            name = (name or "").strip().lstrip("@")
            if not name:
                return
            replaced = self._config.bookmarks.get(name)
            self._config.bookmarks[name] = self._here
            self._fill(highlight=name)
            self._save(f"Replaced {name} (was {replaced})" if replaced and replaced != self._here else None)

        suggestion = self._here.rstrip("/").rpartition("/")[2] or self._here
        title = "Name for a bookmark to " + visible(self._here)
        self.app.push_screen(InputDialog(title, suggestion), named)

    def action_remove(self) -> None:
        index = self.options.highlighted
        names = self.names
        if index is None or not names:
            return
        name = names[index]
        del self._config.bookmarks[name]
        self._fill(highlight=names[index + 1] if index + 1 < len(names) else names[index - 1] if index else None)
        self._save(f"Removed {name}")

    def _save(self, said: str | None) -> None:
        """Write the file now. On the event loop: a few hundred bytes of local disk, written whole
        (a temporary file renamed over it), so two quick edits can never interleave as they could
        in two workers."""
        if self._config.path is None:
            self.notify("Not saved: the config file could not be used (see the error at start)",
                        severity="warning", markup=False)
            return
        try:
            configuration.save(self._config)
        except OSError as error:
            self.notify(f"Cannot save {self._config.path}: {error}", severity="error", markup=False)
            return
        if said:
            self.notify(said, timeout=3, markup=False)
