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


def _page_zone(tz: str | None):
    """The page's own offset ("+08:00"), as ``month`` partitions use it; UTC when unknown."""
    from datetime import timedelta
    if tz and len(tz) == 6 and tz[0] in "+-" and tz[3] == ":":
        try:
            minutes = int(tz[1:3]) * 60 + int(tz[4:6])
        except ValueError:
            return timezone.utc
        return timezone(timedelta(minutes=minutes if tz[0] == "+" else -minutes))
    return timezone.utc


def _in_range(at: datetime, tz: str | None, since: str | None, until: str | None) -> bool:
    """A date bound (YYYY-MM-DD) compares with the page's own calendar day, as ``month`` does; a
    date-time bound compares instants."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    local_day = at.astimezone(_page_zone(tz)).date()
    for bound, end in ((since, False), (until, True)):
        if not bound:
            continue
        if len(bound) == 10:
            d = date.fromisoformat(bound)
            if (local_day > d) if end else (local_day < d):
                return False
        else:
            inst = _instant(bound, end)
            if (at > inst) if end else (at < inst):
                return False
    return True


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
        rows = [(sf,) for sf, at, tz in con.execute(
            "SELECT source_file, published_at, published_tz FROM articles WHERE published_at IS NOT NULL").fetchall()
            if _in_range(at, tz, selection.get("since"), selection.get("until"))]
    else:
        raise ValueError("a backfill needs one of: all, paths, since/until, site")
    chosen = {r[0] for r in rows}

    def choose(f: RawFile, old: dict | None) -> bool:
        return f.source_file in chosen

    return choose
