"""Progress of a batch: a live bar with rate and ETA on a terminal, plain periodic lines in CI logs."""

from __future__ import annotations

import sys
import time

from grader.reporting.safe_text import terminal_text


class Progress:
    """Counts graded students; draws with tqdm on a terminal, prints a line every few seconds otherwise."""

    def __init__(self, total: int, stream=None, interval_s: float = 5.0):
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.started = self.last_line = time.monotonic()
        self.bar = None
        if total and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="student", file=self.stream, dynamic_ncols=True)

    def advance(self, student: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(terminal_text(student, one_line=True), refresh=False)
            self.bar.update(1)
        elif time.monotonic() - self.last_line >= self.interval_s or self.done == self.total:
            self.last_line = time.monotonic()
            print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        percent = 100 * self.done // self.total if self.total else 100
        return f"graded {self.done}/{self.total} ({percent}%), {rate:.1f} students/s, ETA {eta:.0f} s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
