"""The stowtui application: two panes over any two storage managers."""

from __future__ import annotations

import gc
from functools import partial

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding

from .config import Config
from .jobs import JobQueue
from .keys import Chords, EscapeDigits
from .screens import dialogs
from .screens.help import key_name
from .screens.main import MainScreen
from .text import count
from .widgets.jobs_panel import JobsPanel


class StowApp(App):
    """Two panes, a jobs panel; every copy, move and delete runs on ``self.jobs``."""

    CSS_PATH = "app.tcss"  # the dialogs' and help's own (screens/dialogs.tcss) come with their screens
    TITLE = "stowtui"
    # Not a second Ctrl+P: App adds its own palette binding only when none runs command_palette,
    # so this one takes its place, to be called "Commands" (not "palette") in the footer and the help.
    # Ctrl+Q is not App's priority quit here: the main screen gives it mc's meaning (quick view);
    # elsewhere it quits, through action_quit, which asks first when jobs are running.
    BINDINGS = [
        Binding("ctrl+p", "command_palette", "Commands", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, left: str, right: str, jobs: JobQueue | None = None, banner: str | None = None,
                 config: Config | None = None, config_error: str | None = None):
        super().__init__()
        self.left, self.right = left, right
        self.jobs = jobs or JobQueue()
        self.banner = banner  # said once at start (the demo's own S3 endpoint)
        # The saved locations (stowtui/config.py); a Config() of defaults has no path and is never saved.
        self.config = config or Config()
        self.config_error = config_error  # why the config file was not used, said once at start
        self.escape_digits = EscapeDigits()  # mc's Esc 5 = F5, for terminals that send no F-keys
        self.chords = Chords()  # mc's Ctrl+X D

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and isinstance(self.screen, MainScreen):
            f_key = self.escape_digits.translate(event.key)
            if f_key is not None:
                event.stop()
                self.simulate_key(f_key)
                return
            taken, action = self.chords.translate(event.key)
            if taken:
                event.stop()
                if action is not None:
                    await self.screen.run_action(action)
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.call_after_refresh(self._drawn)
        if self.config_error:
            self.notify(self.config_error, title="Config file", severity="error", timeout=15, markup=False)
        if self.banner:
            self.sub_title = self.banner
            self.notify(self.banner, title="Demo", timeout=8, markup=False)

    def _drawn(self) -> None:
        """The first screen is drawn: collect garbage again if ``cli.main`` paused it for the start.

        What the start made is frozen first (``gc.freeze``), so no collection scans it again.
        """
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.left, self.right)

    async def action_quit(self) -> None:
        """Quit, unless jobs are running and the user would rather stay (the default)."""
        running = [job for job in self.jobs.jobs if not job.state.finished]
        if not running:
            self.exit()
            return
        if isinstance(self.screen, dialogs.ConfirmDialog) and self.screen.id == "quit-question":
            return  # already asking

        def done(quit: bool | None) -> None:
            if quit:
                self.exit()  # on_unmount cancels every job: nothing is left half-written

        question = f"{count(len(running), 'job')} running — quit and cancel them?"
        self.push_screen(dialogs.ConfirmDialog(question, [], confirm="Quit", cancel="Stay", id="quit-question"), done)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for binding in screen.BINDINGS:
                if binding.description:
                    keys = ", ".join(key_name(k) for k in binding.key.split(","))
                    run = partial(self.call_later, screen.run_action, binding.action)
                    yield SystemCommand(binding.description, f"Keys: {keys}", run)
            panel = screen.jobs_panel
            for binding in JobsPanel.BINDINGS if panel.rows else ():  # on the job chosen in the panel
                if binding.show:
                    keys = ", ".join(key_name(k) for k in binding.key.split(","))
                    run = partial(self.call_later, panel.run_action, binding.action)
                    yield SystemCommand(f"Jobs panel: {binding.description}", f"Keys: J, then {keys}", run)

    def on_unmount(self) -> None:
        self.jobs.shutdown(cancel=True)
