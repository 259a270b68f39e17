"""The stowtui application: two panes over any two storage managers."""

from __future__ import annotations

from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding

from .jobs import JobQueue
from .screens.main import MainScreen


class StowApp(App):
    """Two panes, a jobs panel; every copy, move and delete runs on ``self.jobs``."""

    CSS_PATH = ["app.tcss", "screens/dialogs.tcss"]
    TITLE = "stowtui"
    # Not a second Ctrl+P: App adds its own palette binding only when none runs command_palette,
    # so this one takes its place, to be called "Commands" (not "palette") in the footer and the help.
    BINDINGS = [Binding("ctrl+p", "command_palette", "Commands", show=False)]

    def __init__(self, left: str, right: str, jobs: JobQueue | None = None):
        super().__init__()
        self.left, self.right = left, right
        self.jobs = jobs or JobQueue()

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.left, self.right)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for binding in screen.BINDINGS:
                if binding.description:
                    keys = ", ".join(k.strip() for k in binding.key.split(","))
                    run = partial(self.call_later, screen.run_action, binding.action)
                    yield SystemCommand(binding.description, f"Keys: {keys}", run)

    def on_unmount(self) -> None:
        self.jobs.shutdown(cancel=True)
