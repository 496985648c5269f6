"""``cleanlake compact``: merge each partition's small Parquet files into one, without changing
what any query returns. Published with the same journal as a run (atomic, kill-safe)."""
from __future__ import annotations

import posixpath
from collections import defaultdict
from datetime import datetime, timezone

import pyarrow as pa

from flows.ingest import RunSummary, commit_with_ledger, new_run_id
from flows.lake import Lake
from schemas import ARTICLES_FILE, REJECTS

SMALL_BYTES = 64 * 1024 * 1024   # files under this size are merged with their partition's others


def compact(lake_root: str, lock_wait: float = 0.0) -> dict:
    store = Lake(lake_root)
    now = datetime.now(timezone.utc)
    summary = RunSummary(new_run_id(now), "compact", "", lake_root, now)
    with store.lock(wait=lock_wait):
        store.recover()
        ledger = {r["source_file"]: r for r in store.read_ledger().to_pylist()}
        groups: dict[str, list[str]] = defaultdict(list)
        for table in ("articles", "rejects"):
            for path in store.fs.glob(store.path(f"{table}/**/*.parquet")):
                if store.fs.size(path) < SMALL_BYTES:
                    rel = store.rel(path)
                    groups[posixpath.dirname(rel)].append(rel)
        adds, removes, merged_files = [], [], 0
        for seq, (folder, files) in enumerate(sorted(groups.items())):
            if len(files) < 2:
                continue
            schema = ARTICLES_FILE if folder.startswith("articles") else REJECTS
            merged = pa.concat_tables([store.read_file(f, schema) for f in sorted(files)])
            final = posixpath.join(folder, f"part-{summary.run_id}-c{seq:05d}.parquet")
            store.write_table(f"_staging/{summary.run_id}/{final}", merged)
            adds.append((f"_staging/{summary.run_id}/{final}", final))
            removes.extend(files)
            merged_files += len(files)
            for sf in merged["source_file"].to_pylist():
                if sf in ledger:
                    ledger[sf] = {**ledger[sf], "data_file": final}
        commit_with_ledger(store, summary, ledger, adds, removes)
    return {"run_id": summary.run_id, "files_merged": merged_files, "files_written": len(adds)}
