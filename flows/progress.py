"""Progress on the terminal for long runs (rich, on stderr), and the end-of-run summary.

The CLI opens one ``Display`` before Prefect starts: a status line while the temporary server
starts and the landing zone is listed, then a bar whose total is known before the first batch and
whose rate is files done / time since extraction began (not a short-window estimate). Prefect's
console log lines are printed through the same rich console, above the bar, never on its line.

Shown only when stderr is a terminal (or CLEANLAKE_PROGRESS=1); scheduled runs and tests stay quiet.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager

_ACTIVE: "Display | None" = None


def wanted() -> bool:
    if os.environ.get("CLEANLAKE_PROGRESS") == "0":
        return False
    return sys.stderr.isatty() or os.environ.get("CLEANLAKE_PROGRESS") == "1"


class Display:
    def __init__(self, label: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.label = label
        self.console = Console(stderr=True)
        self.started = time.monotonic()
        self.work_started: float | None = None
        display = self

        class Rate(TextColumn):
            def __init__(self):
                super().__init__("")

            def render(self, task):
                return display.rate_text(task.completed)

        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), Rate(), TimeElapsedColumn(), console=self.console,
                                 transient=False, redirect_stderr=False, redirect_stdout=False)
        self.task_id = self.progress.add_task(f"{label}: starting", total=None)
        self._handlers: list[tuple[logging.Handler, object]] = []

    def rate_text(self, done: int) -> str:
        if self.work_started is None or not done:
            return ""
        elapsed = time.monotonic() - self.work_started
        return f"{done / elapsed:,.1f} files/s" if elapsed > 0 else ""

    def status(self, text: str) -> None:
        self.progress.update(self.task_id, description=f"{self.label}: {text}")

    def update(self, done: int, total: int) -> None:
        if self.work_started is None:
            self.work_started = time.monotonic()
            self.progress.update(self.task_id, description=self.label)
        self.progress.update(self.task_id, completed=done, total=total)

    def __enter__(self):
        self.progress.start()
        self._route_prefect_logs()
        return self

    def __exit__(self, *exc):
        self.progress.stop()
        for handler, console in self._handlers:
            handler.console = console
        self._handlers.clear()
        return False

    def _route_prefect_logs(self) -> None:
        """Prefect's console handler gets our console, so its lines print above the bar."""
        for name in ("prefect", "prefect.flow_runs", "prefect.task_runs", "cleanlake"):
            for handler in logging.getLogger(name).handlers:
                if hasattr(handler, "console"):
                    self._handlers.append((handler, handler.console))
                    handler.console = self.console


@contextmanager
def display(label: str, enabled: bool | None = None):
    """The CLI's display for one run; ``None`` when progress is not shown."""
    global _ACTIVE
    if not (wanted() if enabled is None else enabled):
        yield None
        return
    with Display(label) as d:
        _ACTIVE = d
        try:
            yield d
        finally:
            _ACTIVE = None


def active() -> "Display | None":
    return _ACTIVE


@contextmanager
def terminal_progress(label: str):
    """For the flow: the CLI's display when there is one (or a new one on a terminal); yields
    ``update(done, total)`` or None."""
    if _ACTIVE is not None:
        _ACTIVE._route_prefect_logs()   # Prefect set its handlers up after the display opened
        yield _ACTIVE.update
        return
    if not wanted():
        yield None
        return
    with display(label) as d:
        yield d.update


def _run_seconds(result: dict) -> float | None:
    from datetime import datetime
    try:
        return (datetime.fromisoformat(result["finished_at"]) - datetime.fromisoformat(result["started_at"])).total_seconds()
    except (KeyError, TypeError, ValueError):
        return None


def summary_lines(result: dict, elapsed: float) -> list[str]:
    """The end of a run, for a person: what happened, how fast, where it went, how to look."""
    import shlex
    processed = result.get("articles_written", 0) + result.get("rejects_written", 0)
    run_s = _run_seconds(result) or elapsed
    rate = processed / run_s if run_s > 0 else 0.0
    lines = [f"{result.get('flow', 'ingest')} {result['run_id']} {result['status']} in {elapsed:.1f} s "
             f"(the run itself {run_s:.1f} s, the rest Prefect start-up): {processed} pages processed, "
             f"{rate:,.1f} pages/s",
             # a WARC or JSON Lines file holds many pages: files are what discovery saw, pages what was extracted
             f"  files: {result['files_seen']} seen; pages: {result['files_new']} new, {result['files_changed']} changed, "
             f"{result['files_reprocessed']} reprocessed, {result['files_unchanged']} unchanged"
             + (f"; {result['records_skipped']} container records skipped (not pages)"
                if result.get("records_skipped") else ""),
             f"  articles written: {result['articles_written']}",
             f"  rejects written: {result['rejects_written']}" + (" by reason:" if result.get("by_reason") else "")]
    reasons = sorted((result.get("by_reason") or {}).items(), key=lambda kv: -kv[1])
    for reason, n in reasons[:8]:
        lines.append(f"    {n:>6}  {reason}")
    if len(reasons) > 8:
        lines.append(f"    ... and {len(reasons) - 8} more reasons")
    lake = result.get("lake", "")
    lines.append(f"  lake: {lake}")
    lake_opt = f" --lake {shlex.quote(lake)}" if lake else ""
    if result.get("rejects_written"):
        lines.append(f"  try: cleanlake sql{lake_opt} \"SELECT source_file, stage, reason FROM rejects\"")
    else:
        lines.append(f"  try: cleanlake sql{lake_opt} \"SELECT site, month, count(*) FROM articles GROUP BY ALL ORDER BY 3 DESC\"")
    return lines
