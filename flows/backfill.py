"""Which files a backfill reprocesses: all, by path glob, by publication date, or by site.

The date and site selections are looked up in the lake's ``articles`` (a file whose last outcome
was a reject has no date or site there; ``--all`` or ``--paths`` reprocess those).
"""
from __future__ import annotations

import fnmatch
from datetime import date, datetime, time, timezone

from flows.discover import RawFile


def _instant(value: str, end: bool) -> datetime:
    d = date.fromisoformat(value) if len(value) == 10 else None
    if d is not None:
        return datetime.combine(d, time.max if end else time.min, tzinfo=timezone.utc)
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def selector(lake: str, selection: dict):
    """``selection``: {"all": True} | {"paths": [glob, ...]} | {"since": D, "until": D} | {"site": S}."""
    if selection.get("all"):
        return lambda f, old: True
    if selection.get("paths"):
        globs = list(selection["paths"])
        return lambda f, old: any(fnmatch.fnmatchcase(f.source_file, g) for g in globs)
    from flows.sql import connect
    con = connect(lake)
    if selection.get("site"):
        rows = con.execute("SELECT source_file FROM articles WHERE site = ?", [selection["site"]]).fetchall()
    elif selection.get("since") or selection.get("until"):
        since = _instant(selection["since"], end=False) if selection.get("since") else datetime.min.replace(tzinfo=timezone.utc)
        until = _instant(selection["until"], end=True) if selection.get("until") else datetime.max.replace(tzinfo=timezone.utc)
        rows = con.execute("SELECT source_file FROM articles WHERE published_at BETWEEN ? AND ?", [since, until]).fetchall()
    else:
        raise ValueError("a backfill needs one of: all, paths, since/until, site")
    chosen = {r[0] for r in rows}

    def choose(f: RawFile, old: dict | None) -> bool:
        return f.source_file in chosen

    return choose
