"""Thin shims over interfaces other branches are changing (see /work/coord/PLAN.md), so the CLI
works against the current lake and against the Delta lake / SQL sandbox once they are merged.

- ``record_run(lake, summary)``: the delta branch's function when present; otherwise one ``runs`` row
  written under the current layout (``_runs/<run>.parquet``, atomic rename).
- ``is_lake(url)``: a folder holding a lake of either layout.
- ``sql_connect`` / ``sql_query``: the sandbox branch's ``connect(lake, *, as_of, memory_limit)`` and
  ``read_only_query(con, sql, *, timeout) -> list`` when present; the old signatures otherwise.
"""
from __future__ import annotations

import inspect

# a lake holds any of these (the Parquet layout, or Delta tables)
LAKE_MARKERS = ("_runs", "_ledger", "runs/_delta_log", "articles/_delta_log", "_commits")


def is_lake(url: str) -> bool:
    import fsspec
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    try:
        return any(fs.exists(f"{root}/{m}") for m in LAKE_MARKERS)
    except FileNotFoundError:
        return False


def record_run(lake, summary) -> None:
    """One ``runs`` row for ``summary`` whatever its status (completed | failed | cancelled)."""
    try:
        from flows.lake import record_run as real  # delta branch
    except ImportError:
        real = None
    if real is not None:
        real(lake, summary)
        return
    import pyarrow as pa

    from flows.lake import Lake
    from schemas import RUNS
    store = lake if isinstance(lake, Lake) else Lake(lake)
    rel = f"_runs/{summary.run_id}.parquet"
    tmp = f"_staging/{summary.run_id}-run.parquet"
    store.write_table(tmp, pa.Table.from_pylist([summary.as_row()], schema=RUNS))
    if store.local:
        import os
        os.replace(store.path(tmp), store.path(rel))
    else:
        store.fs.mv(store.path(tmp), store.path(rel))


def sql_connect(lake_root: str, *, as_of=None, memory_limit: str | None = None):
    from flows import sql
    params = inspect.signature(sql.connect).parameters
    kwargs = {}
    if "as_of" in params and as_of is not None:
        kwargs["as_of"] = as_of
    elif as_of is not None:
        raise ValueError("--as-of needs the Delta lake (not in this build)")
    if "memory_limit" in params and memory_limit:
        kwargs["memory_limit"] = memory_limit
    return sql.connect(lake_root, **kwargs)


def sql_query(con, query: str, *, timeout: float | None = None, max_rows: int | None = None) -> list:
    """Every statement's result, in order (relations or fetched results; None for a statement
    without rows). ``max_rows``: at most this many rows are fetched per statement, when the engine
    can say so (the sandbox engine fetches inside its time limit)."""
    from flows import sql
    params = inspect.signature(sql.read_only_query).parameters
    if "timeout" in params:
        kwargs = {"timeout": timeout} if timeout else {}
        if "max_rows" in params and max_rows is not None:
            kwargs["max_rows"] = max_rows
        out = sql.read_only_query(con, query, **kwargs)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    # the old engine returns only the last statement's result: run them one by one
    results = []
    for st in con.extract_statements(query):
        results.append(sql.read_only_query(con, st.query))
    return results


def query_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a refused or failed query raises (each has a message for the user)."""
    import duckdb

    from flows import sql
    names = ("QueryRefused", "QueryLimit", "WriteRefused")
    return (duckdb.Error, *(getattr(sql, n) for n in names if hasattr(sql, n)))
