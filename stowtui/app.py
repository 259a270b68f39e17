"""The stowtui application: two panes over any two storage managers."""

from __future__ import annotations

import gc
from functools import partial

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.widgets import Input

from . import runs
from .config import Config
from .detach import DetachingDriver, Detacher
from .jobs import JobQueue
from .keys import Chords, EscapeDigits
from .managers.redact import redact
from .messages import HostTrusted, TrustAsked
from .screens import dialogs
from .screens.help import key_name
from .screens.main import MainScreen
from .text import count, visible
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
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="commands"),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, left: str, right: str, jobs: JobQueue | None = None, banner: str | None = None,
                 config: Config | None = None, config_error: str | None = None):
        # The Linux driver, telling the app when its terminal is gone (detach.py); tests run headless.
        super().__init__(driver_class=DetachingDriver)
        self.left, self.right = left, right
        self.jobs = jobs or JobQueue()
        self.banner = banner  # said once at start (the demo's own S3 endpoint)
        # The saved locations (stowtui/config.py); a Config() of defaults has no path and is never saved.
        self.config = config or Config()
        self.config_error = config_error  # why the config file was not used, said once at start
        self.escape_digits = EscapeDigits()  # mc's Esc 5 = F5, for terminals that send no F-keys
        self.chords = Chords()  # mc's Ctrl+X D
        #: Detaches the app when its terminal goes away, its jobs going on (see detach.py).
        self.detacher = Detacher(self)
        self._remote: list = []  # jobs of detached runs shown in this session (runs.RemoteJob)

    def notify(self, message: str, *, title: str = "", **options) -> None:
        """Every notification of the app (screens' and widgets' go through here): never a URL's password."""
        super().notify(redact(str(message)), title=redact(title), **options)

    @property
    def detached(self) -> bool:
        return self.detacher.detached

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and isinstance(self.screen, MainScreen) and not isinstance(self.focused, Input):
            f_key = self.escape_digits.translate(event.key, event.character)
            if f_key is not None:
                event.stop()
                self.simulate_key(f_key)
                return
            # Not while typing (the filter box): there Ctrl+X is the Input's own.
            taken, action = (False, None) if isinstance(self.focused, Input) else self.chords.translate(event.key)
            if taken:
                event.stop()
                if action is not None:
                    await self.screen.run_action(action)
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.detacher.install()
        self.call_after_refresh(self._drawn)
        self.call_after_refresh(self.reattach)
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

    def _follow(self, run: runs.Run) -> None:
        """Once a live run says it ended (its jobs shown ended here), its file goes."""
        def check() -> None:
            run.refresh()
            if run.ended:
                run.forget()
                timer.stop()

        timer = self.set_interval(1.0, check)

    def reattach(self) -> None:
        """Show the jobs of runs that went on after their terminal went away (runs.py), and
        offer to resume the jobs cut short (journal.py)."""
        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        if getattr(self.jobs, "journal", False):  # a queue that journals (the command's): offer its cut jobs
            self._offer_resume(screen)
        try:
            found = runs.read_runs()
        except OSError as error:
            self.notify(f"Jobs of earlier sessions cannot be shown: {error}", severity="warning", markup=False)
            return
        if not found:
            return
        ended, live = [], []
        for run in found:
            resume = partial(self._resume_here, screen)
            jobs = [runs.RemoteJob(run, record, resume) for record in run.record.get("jobs", [])]
            self._remote.extend(jobs)
            (ended if run.ended else live).extend(jobs)
            for job in jobs:
                screen.show_job(job)
            if run.ended:
                run.forget()  # shown now, not again
            else:
                self._follow(run)
        if ended:
            states = [job.state.value for job in ended]
            counts = ", ".join(f"{states.count(s)} {s}" for s in ("done", "failed", "cancelled") if s in states)
            self.notify(f"{count(len(ended), 'job')} ran while you were away: {counts}",
                        title="Jobs", severity="error" if "failed" in states else "information", timeout=15)
        if live:
            self.notify(f"{count(len(live), 'job')} of an earlier session still running: shown in the jobs panel",
                        title="Jobs", timeout=10)

    def _resume_here(self, screen: MainScreen, record):
        return self.jobs.resume(record, ask=screen._ask)

    def _offer_resume(self, screen: MainScreen) -> None:
        from .jobs import journal

        try:
            records = journal.interrupted()
        except OSError:
            return
        if not records:
            return

        def done(answer: str | None) -> None:
            for record in records:
                if answer == "discard":
                    journal.discard(record)
                elif answer == "resume":
                    try:
                        screen.show_job(self.jobs.resume(record, ask=screen._ask))
                    except Exception as error:  # a source or destination that no longer parses
                        self.notify(f"Cannot resume {record.header.title}: {error}", severity="error", markup=False)

        self.push_screen(dialogs.ResumeDialog(records), done)

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

    # An unknown SSH host key ------------------------------------------------
    # The storage layer refuses it (``UnknownHostKey``); the pane whose listing was refused posts
    # ``TrustAsked``. The app shows the host and the key's fingerprint and, on "Trust", adds the key
    # to the user's known_hosts (as ssh asks "yes/no") in a worker; then the pane lists again.

    @on(TrustAsked)
    def _trust_asked(self, event: TrustAsked) -> None:
        error = event.error
        question = (f"The host key of {visible(error.host)} port {error.port} is not known:\n"
                    f"{error.key_type} {error.fingerprint}\n"
                    "Trust it and connect? It is added to your known_hosts, as ssh does.")

        def done(trusted: bool | None) -> None:
            if trusted:
                self._trust(event.pane, error)

        self.push_screen(dialogs.ConfirmDialog(question, [], confirm="Trust", id="trust-host"), done)

    @work(thread=True, exit_on_error=False, group="trust-host")
    def _trust(self, pane, error) -> None:
        try:
            where = error.trust()
        except OSError as problem:
            self.notify(f"Cannot write known_hosts: {problem}", title="Host key not saved",
                        severity="error", markup=False)
            return
        self.post_message(HostTrusted(pane, where))

    @on(HostTrusted)
    def _host_trusted(self, event: HostTrusted) -> None:
        self.notify(f"Host key added to {visible(event.where)}", title="Trusted", markup=False)
        event.pane.refresh_directory()

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
        self.detacher.uninstall()
        for job in self._remote:  # shown, and not retried: their kept journals go
            job.discard()
        if not self.detached:  # detached: the jobs go on (cli.main waits for them)
            self.jobs.shutdown(cancel=True)
