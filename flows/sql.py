"""DuckDB over the lake: views ``articles``, ``rejects``, ``runs`` and ``ledger``.

The connection is an in-memory DuckDB database whose views read the lake's Parquet files. The lake
is opened read-only: ``read_only_query`` lets only reading statements through (SELECT, EXPLAIN,
DESCRIBE, SHOW, SUMMARIZE), file access is limited to the lake's folder, and the configuration is
locked so a query cannot lift either.
"""
from __future__ import annotations

import duckdb

from flows.lake import Lake

def connect(lake_root: str, *, as_of=None) -> duckdb.DuckDBPyConnection:
    """Views over one snapshot of each Delta table (``Lake.datasets``): DuckDB scans the registered
    Arrow datasets (with partition and column pushdown) and never lists or opens a file itself."""
    lake = Lake(lake_root)
    con = duckdb.connect(":memory:")
    for name, ds in lake.datasets(as_of=as_of).items():
        con.register(f"_{name}_snapshot", ds)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM _{name}_snapshot")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


READ_STATEMENTS = {"SELECT", "EXPLAIN"}


class WriteRefused(ValueError):
    pass


def read_only_query(con: duckdb.DuckDBPyConnection, query: str):
    """Run a user's SQL if every statement in it only reads; the result of the last one."""
    statements = con.extract_statements(query)
    for st in statements:
        kind = str(st.type).rsplit(".", 1)[-1]
        if kind not in READ_STATEMENTS:
            raise WriteRefused(f"cleanlake sql opens the lake read-only: {kind} statements are not allowed")
    rel = None
    for st in statements:
        rel = con.sql(st.query)
    return rel
