"""``cleanlake migrate``: convert a lake of the old layout (before Delta) into Delta tables, in place.

    old: articles/site=*/month=*/part-*.parquet, rejects/*.parquet, _ledger/ledger.parquet, _runs/*.parquet
    new: articles/, rejects/, runs/ Delta tables; the old files are moved to _old_format/

The old files are moved aside first, then their rows are MERGEd into the new tables with the ledger's
size, mtime and run folded in, so the next run finds every unchanged file unchanged. MERGE is
idempotent: a migration killed at any point is finished by running it again.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as pads

from flows.lake import Lake, LakeError
from schemas import ARTICLES_DELTA, ARTICLES_FILE, HIVE_NULL, LEDGER, REJECTS, REJECTS_DELTA, RUNS
from transforms import doc_id_for

OLD = "_old_format"
MOVED = ("articles", "rejects", "_ledger", "_runs", "_staging", "_commits", "_lock")


def migrate(lake_root: str) -> dict:
    store = Lake(lake_root)
    with store.lock():
        if store.fs.glob(store.path("_commits/*.json")):
            raise LakeError(f"the old-format lake {store.url} has an unfinished commit in _commits/; it cannot be "
                            "converted as it is: rebuild it (move it aside and run `cleanlake run`)")
        if store.exists(f"{OLD}/MIGRATED"):
            raise LakeError(f"the lake {store.url} was already migrated (the old files are in {OLD}/)")
        if store.old_format():
            store.fs.makedirs(store.path(OLD), exist_ok=True)
            for rel in MOVED:
                if store.exists(rel) and not store.exists(f"{OLD}/{rel}"):
                    _move(store, rel, f"{OLD}/{rel}")
        elif not store.exists(OLD):
            raise LakeError(f"the lake {store.url} is not in the old layout: nothing to migrate")
        out = _convert(store, store.path(OLD))
        store.fs.pipe(store.path(f"{OLD}/MIGRATED"), b"converted to Delta tables by cleanlake migrate\n")
    out["old"] = f"{store.url.rstrip('/')}/{OLD}"
    return out


def _move(store: Lake, src: str, dst: str) -> None:
    if store.local:
        import os
        os.replace(store.path(src), store.path(dst))
    else:
        store.fs.mv(store.path(src), store.path(dst), recursive=True)


def _files(store: Lake, pattern: str) -> list[str]:
    return sorted(store.fs.glob(pattern))


def _read(store: Lake, paths: list[str], schema: pa.Schema, base: str | None = None) -> pa.Table:
    if not paths:
        return schema.empty_table()
    fs = None if store.local else store.fs
    keys = [pa.field("site", pa.string()), pa.field("month", pa.string())] if base else []
    part = pads.partitioning(pa.schema(keys), flavor="hive", null_fallback=HIVE_NULL) if base else None
    try:
        ds = pads.dataset(paths, schema=pa.schema(list(schema) + keys), format="parquet", filesystem=fs,
                          partitioning=part, partition_base_dir=base)
        return ds.to_table()
    except Exception as exc:  # noqa: BLE001
        raise LakeError(f"cannot read the old lake's files ({exc}); rebuild it instead: move it aside and run "
                        "`cleanlake run`") from None


def _convert(store: Lake, old_root: str) -> dict:
    articles = _read(store, _files(store, f"{old_root}/articles/site=*/month=*/*.parquet"), ARTICLES_FILE,
                     base=f"{old_root}/articles")
    rejects = _read(store, _files(store, f"{old_root}/rejects/*.parquet"), REJECTS)
    runs = _read(store, _files(store, f"{old_root}/_runs/*.parquet"), RUNS)
    ledger_path = f"{old_root}/_ledger/ledger.parquet"
    ledger = _read(store, [ledger_path] if store.fs.exists(ledger_path) else [], LEDGER)
    by_file = {r["source_file"]: r for r in ledger.select(["source_file", "size", "mtime_ns", "run_id"]).to_pylist()}
    run_id = "migrate"
    for name, rows, schema in (("articles", articles, ARTICLES_DELTA), ("rejects", rejects, REJECTS_DELTA)):
        store.merge(name, _with_ledger(rows, schema, by_file), run_id, operation="migrate")
    if runs.num_rows:
        store.merge("runs", runs.cast(RUNS), run_id, operation="migrate")
    return {"articles": articles.num_rows, "rejects": rejects.num_rows, "runs": runs.num_rows}


def _with_ledger(rows: pa.Table, schema: pa.Schema, by_file: dict[str, dict]) -> pa.Table:
    n = rows.num_rows
    sfs = rows["source_file"].to_pylist()
    ents = [by_file.get(sf, {}) for sf in sfs]
    cols = {}
    for f in schema:
        if f.name == "doc_id" and (f.name not in rows.column_names or rows[f.name].null_count):
            given = rows["doc_id"].to_pylist() if "doc_id" in rows.column_names else [None] * n
            cols[f.name] = pa.array([g or doc_id_for(sf) for g, sf in zip(given, sfs)], pa.string())
        elif f.name in ("size", "mtime_ns", "run_id"):
            cols[f.name] = pa.array([e.get(f.name) for e in ents], f.type)
        elif f.name in rows.column_names:
            cols[f.name] = rows[f.name]
        else:
            cols[f.name] = pa.nulls(n, f.type)
    # the old rows were read with their declared schemas; _op up: replace or insert
    cols["_op"] = pa.array(["up"] * n, pa.string())
    loose = pa.schema([f.with_nullable(True) for f in schema] + [pa.field("_op", pa.string())])
    return pa.table(cols).cast(loose)

