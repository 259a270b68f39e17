"""The baseline of the start-up benchmark: a bare Textual app that shows one static line (argv[1])."""

import sys

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Static(sys.argv[1] if len(sys.argv) > 1 else "bare-app-ready")


if __name__ == "__main__":
    Bare().run()
