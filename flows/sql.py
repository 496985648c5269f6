"""DuckDB over the lake: views ``articles``, ``rejects``, ``runs`` and ``ledger``.

The connection is an in-memory DuckDB database whose views read the lake's Parquet files. The lake
is opened read-only: ``read_only_query`` lets only reading statements through (SELECT, EXPLAIN,
DESCRIBE, SHOW, SUMMARIZE), file access is limited to the lake's folder, and the configuration is
locked so a query cannot lift either.
"""
from __future__ import annotations

import duckdb

from flows.lake import Lake
from schemas import ARTICLES, LEDGER, REJECTS, RUNS

_HIVE = "hive_partitioning = true, hive_types = {'site': 'VARCHAR', 'month': 'VARCHAR'}"
# view -> (files under the lake root, read_parquet options, declared schema)
VIEWS = {
    "articles": ("articles/**/*.parquet", _HIVE, ARTICLES),
    "rejects": ("rejects/*.parquet", "union_by_name = true", REJECTS),
    "runs": ("_runs/*.parquet", "union_by_name = true", RUNS),
    "ledger": ("_ledger/ledger.parquet", "", LEDGER),
}


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def connect(lake_root: str) -> duckdb.DuckDBPyConnection:
    lake = Lake(lake_root)
    con = duckdb.connect(":memory:")
    prefix = lake.root
    if not lake.local:
        con.register_filesystem(lake.fs)
        protocol = lake.fs.protocol if isinstance(lake.fs.protocol, str) else lake.fs.protocol[0]
        prefix = f"{protocol}://{lake.root}"
    for name, (pattern, opts, schema) in VIEWS.items():
        columns = ", ".join(f'"{c}"' for c in schema.names)   # the declared order, hive keys included
        if lake.fs.glob(lake.path(pattern)):
            args = f", {opts}" if opts else ""
            source = f"read_parquet({_quote(prefix + '/' + pattern)}{args})"
        else:  # an empty lake still has its tables, with their declared columns
            con.register(f"_{name}_empty", schema.empty_table())
            source = f"_{name}_empty"
        con.execute(f"CREATE VIEW {name} AS SELECT {columns} FROM {source}")
    if lake.local:
        con.execute(f"SET allowed_directories = [{_quote(lake.root.rstrip('/') + '/')}]")
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
