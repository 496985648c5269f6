"""``cleanlake compact``: OPTIMIZE each Delta table (small files merged per partition; no query result
changes), write a checkpoint, then VACUUM the files that no version of the last ``retain_hours``
needs, so readers of recent snapshots and ``--as-of`` within that window keep working."""
from __future__ import annotations

from flows.lake import RETAIN_HOURS, Lake


def compact(lake_root: str, lock_wait: float = 0.0, retain_hours: float = RETAIN_HOURS) -> dict:
    store = Lake(lake_root)
    store.check_format()
    with store.lock(wait=lock_wait):
        out = store.compact(retain_hours=retain_hours)
    return {"files_merged": out["files_removed"], "files_written": out["files_added"],
            "files_vacuumed": out["files_vacuumed"]}
