"""A counter line on stderr for long work ('report: plot 12/274'), rewritten in place. Shown only
when asked for (the command line asks when stderr is a terminal and --no-progress is not given):
a log file or a test gets no carriage returns, and the outputs never depend on it."""
from __future__ import annotations

import sys


class Progress:
    def __init__(self, what: str, total: int, enabled: bool, stream=None) -> None:
        self.what, self.total, self.done = what, total, 0
        self.enabled = enabled and total > 0
        self.stream = stream or sys.stderr

    def step(self) -> None:
        self.done += 1
        if self.enabled:
            self.stream.write(f"\r{self.what} {self.done}/{self.total}")
            self.stream.flush()

    def finish(self) -> None:
        """Ends the counter line (so that the next message starts on a line of its own)."""
        if self.enabled and self.done:
            self.stream.write("\n")
            self.stream.flush()
