"""Progress on the terminal for long runs: files done / total and the rate (rich, on stderr).

Shown only when stderr is a terminal (or CLEANLAKE_PROGRESS=1); scheduled runs and tests stay quiet.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager


@contextmanager
def terminal_progress(label: str):
    if not (sys.stderr.isatty() or os.environ.get("CLEANLAKE_PROGRESS") == "1"):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    class Rate(TextColumn):
        def __init__(self):
            super().__init__("")

        def render(self, task):
            speed = task.finished_speed or task.speed
            return f"{speed:,.1f} files/s" if speed else ""

    with Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task_id = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task_id, completed=done, total=total)

        yield update
