"""One line over the footer while the jobs panel is closed: ``1 job running · 43 %``."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widgets import Static

from ..jobs import Job
from .jobs_panel import summary


class JobsSummary(Static):
    """Reads the jobs it is given four times a second; takes no room when none is running,
    nor while ``panel_open()`` (the jobs panel says more)."""

    def __init__(self, jobs: Callable[[], list[Job]], panel_open: Callable[[], bool], *, id: str | None = None):
        super().__init__(id=id, markup=False)
        self._jobs = jobs
        self._panel_open = panel_open

    def on_mount(self) -> None:
        self.display = False
        self.set_interval(0.25, self.update_line)

    def update_line(self) -> None:
        line = "" if self._panel_open() else summary(self._jobs())
        self.display = bool(line)
        if line:
            self.update(Text(line + "   (w: jobs panel)", no_wrap=True, overflow="ellipsis"))
