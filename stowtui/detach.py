"""When the terminal goes away, the jobs go on: the app detaches itself.

The terminal is gone when the process gets SIGHUP (what sshd and tmux send
when the link or the pane closes), when reading it fails (EIO), or when it is
hung up without a SIGHUP reaching us (blocked, or we are not in its session):
its reads then give EOF, and Textual's input thread would loop on them, so a
thread of ours polls the terminal for POLLHUP (:meth:`Detacher.watch`). Then,
with jobs running:

1. fds 0, 1 and 2 are pointed at ``/dev/null`` at once, so that nothing the UI
   still writes can fail or block on the dead terminal;
2. the app exits through Textual's own exit (``App.exit``) with
   ``app.detached`` set: ``StowApp.on_unmount`` then leaves the jobs running
   instead of cancelling them, and conflict questions are answered "skip";
3. :func:`serve` keeps the process's :class:`~stowtui.runs.RunFile` up to date
   until the last job ends, then the process exits.

Without a running job the app only exits. A second SIGHUP is ignored. Should the
UI not come down (its output thread stuck on the dead terminal), the serving
thread ends the process itself once the jobs are over.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
import time

from textual.drivers.linux_driver import LinuxDriver

from . import runs


def silence() -> None:
    """Point fds 0, 1 and 2 at /dev/null."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        try:
            os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)


class Detacher:
    """Watches for the terminal going away and detaches ``app`` (a ``StowApp``)."""

    def __init__(self, app, exit_process: bool = True):
        self.app = app
        self.detached = False
        self.why = ""
        #: End the process from the serving thread once the jobs are over, should the UI be stuck.
        self.exit_process = exit_process
        self._lock = threading.Lock()
        self._served = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._before = None  # the SIGHUP handler before the app's
        self._stop_watching: int | None = None  # the write end of the watching thread's wake-up pipe

    def install(self) -> None:
        """Catch SIGHUP (on the app's own loop, in the main thread: from ``on_mount``), and
        watch the terminal for a hangup that comes without one."""
        self._loop = asyncio.get_running_loop()
        try:
            self._before = signal.signal(signal.SIGHUP, self._hangup)
        except ValueError:  # not the main thread (an app run by a test harness): no detaching
            self._before = None
            return
        self.watch(0)

    def watch(self, fd: int) -> None:
        """Detach once the terminal at ``fd`` hangs up (poll says POLLHUP or POLLERR: its
        reads give EOF, its writes EIO), on a thread of its own that waits in ``poll``."""
        if not os.isatty(fd):
            return
        terminal = os.dup(fd)  # fd 0 itself is pointed at /dev/null when detaching
        wake, self._stop_watching = os.pipe()

        def watching() -> None:
            poller = select.poll()
            poller.register(terminal, 0)  # POLLHUP and POLLERR are always reported
            poller.register(wake, select.POLLIN)
            try:
                while True:
                    events = dict(poller.poll())
                    if events.get(wake):
                        return
                    if events.get(terminal, 0) & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                        self.lost("EOF")
                        return
            finally:
                os.close(terminal)
                os.close(wake)

        threading.Thread(target=watching, name="stowtui-terminal", daemon=True).start()

    def uninstall(self) -> None:
        """The app ends attached: SIGHUP means again what it meant before."""
        if self._stop_watching is not None:
            os.close(self._stop_watching)  # the watching thread sees the pipe's end and returns
            self._stop_watching = None
        if self._before is not None and not self.detached:
            try:
                signal.signal(signal.SIGHUP, self._before)
            except ValueError:
                pass
            self._before = None

    def _hangup(self, signum, frame) -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        self.lost("SIGHUP")

    def running(self) -> list:
        return [job for job in self.app.jobs.jobs if not job.state.finished]

    def lost(self, why: str) -> None:
        """The terminal is gone (from any thread): detach, or just exit without jobs."""
        with self._lock:
            if self.detached:
                return
            self.detached = True
            self.why = why
        silence()
        self.app.jobs.keep_journals = True  # a job that does not finish can be retried next time
        if self.running():
            threading.Thread(target=self._serve, name="stowtui-detached", daemon=True).start()
        else:
            self._served.set()
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(self.app.exit)
            except RuntimeError:  # the loop is closed: the app is down already
                pass

    def _serve(self) -> None:
        try:
            serve(self.app.jobs)
        finally:
            self._served.set()
        if self.exit_process:
            # The UI came down meanwhile (the usual case) and the main thread ends the
            # process; if it is stuck on the dead terminal, this thread does, a little later.
            time.sleep(5)
            os._exit(0)

    def wait(self) -> None:
        """After the app has exited: wait until the detached jobs are over."""
        if self.detached:
            self._served.wait()


def serve(queue, run: runs.RunFile | None = None) -> None:
    """Keep a run file for ``queue``'s jobs until none runs; then mark it ended."""
    try:
        run = run or runs.RunFile()
    except OSError:
        run = None  # no registry: the jobs still finish
    while True:
        jobs = queue.jobs
        if run is not None:
            try:
                for number in run.cancelled():
                    for job in jobs:
                        if job.id == number:
                            job.cancel()
                run.write(jobs)
            except OSError:
                pass
        pending = [job for job in jobs if not job.state.finished]
        if not pending:
            break
        pending[0].wait(runs.INTERVAL)
    if run is not None:
        try:
            run.write(queue.jobs, ended=True)
        except OSError:
            pass


class DetachingDriver(LinuxDriver):
    """Textual's Linux driver, telling the app when reading the terminal fails (EIO)."""

    def __init__(self, app, **kwargs):
        super().__init__(app, **kwargs)
        self.owner = app

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:
            detacher = getattr(self.owner, "detacher", None)
            if detacher is None:
                raise
            detacher.lost("EIO")
