"""An unknown SSH host key, put to the user: trust it (as ``ssh`` asks "yes/no") or stay out.

The storage layer refuses an unknown key (``UnknownHostKey``); a pane whose
listing was refused posts :class:`~stowtui.messages.TrustAsked`. The screen
shows the host and the key's fingerprint; "Trust" adds the key to the user's
known_hosts in a worker, then the pane lists again. "Cancel" leaves the
refusal in the pane.
"""

from __future__ import annotations

from textual import work
from textual.widget import Widget

from ..messages import HostTrusted, TrustAsked
from ..text import visible
from . import dialogs


class HostKeysMixin:
    """For MainScreen: the question, the write to known_hosts, and the new listing."""

    # Named handlers: ``@on`` is collected only from widget classes, not from a mixin.
    def on_trust_asked(self, event: TrustAsked) -> None:
        error = event.error
        question = (f"The host key of {visible(error.host)} port {error.port} is not known:\n"
                    f"{error.key_type} {error.fingerprint}\n"
                    "Trust it and connect? It is added to your known_hosts, as ssh does.")

        def done(trusted: bool | None) -> None:
            if trusted:
                self._trust(event.pane, error)

        self.app.push_screen(dialogs.ConfirmDialog(question, [], confirm="Trust", id="trust-host"), done)

    @work(thread=True, exit_on_error=False, group="trust-host")
    def _trust(self, pane: Widget, error) -> None:
        try:
            where = error.trust()
        except OSError as problem:
            self.notify(f"Cannot write known_hosts: {problem}", title="Host key not saved",
                        severity="error", markup=False)
            return
        self.post_message(HostTrusted(pane, where))

    def on_host_trusted(self, event: HostTrusted) -> None:
        self.notify(f"Host key added to {visible(event.where)}", title="Trusted", markup=False)
        event.pane.refresh_directory()
