"""DuckDB over the lake, read-only and bounded: views ``articles``, ``rejects``, ``runs``, ``ledger``.

The sandbox, for local and ``s3://`` lakes alike:

- DuckDB never touches a file. ``Lake(url).datasets()`` gives one Arrow dataset per table (pyarrow
  reads the lake, through the lake's own file system); they are registered in an in-memory DuckDB
  database, and then ``enable_external_access`` is turned off (no file, URL, extension, COPY or
  ATTACH, no replacement scan of Python objects) and the configuration locked, so no statement can
  turn either back on. Nothing outside the lake, and no other bucket, is reachable.
- Every statement is checked with DuckDB's own parser before anything runs: only reads pass (SELECT
  and its forms: WITH, VALUES, FROM-first, TABLE, DESCRIBE, SHOW, SUMMARIZE), and EXPLAIN [ANALYZE]
  only of a read (the statement inside it is extracted and checked the same way, nested or not).
- DuckDB does not spill by default (no temp folder, no ``.tmp`` in the working folder): DuckDB lets a
  connection read its own temp folder even with file access off. A caller may give one outside the
  lake (``temp_directory``), bounded to 4x the memory limit.
- A query has a time limit (a timer calls ``con.interrupt()``) and a memory limit (DuckDB's
  ``memory_limit``); either one ends the query with a one-line ``QueryLimit`` naming the limit.
  Results are fetched inside ``read_only_query``, under both limits, so a query that fails while its
  rows are fetched fails there, with one line (``QueryFailed``), not later in the caller.
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from flows.dedup import DUPLICATES_SQL
from flows.lake import Lake

VIEWS = ("articles", "rejects", "runs", "ledger")
READ_TYPES = {"SELECT"}          # DESCRIBE, SHOW, SUMMARIZE, VALUES, FROM-first, TABLE parse as SELECT
DEFAULT_MEMORY = "2GB"
DEFAULT_TIMEOUT = 60.0


class QueryRefused(ValueError):
    """The query does something other than read (one line: which statement, and what it does)."""


class QueryLimit(RuntimeError):
    """The query ran into its time or memory limit (one line naming the limit)."""


class QueryFailed(duckdb.Error, RuntimeError):
    """DuckDB reported an error while running or fetching the query (its first line). A
    ``duckdb.Error`` too, so callers that catch DuckDB's errors catch it."""


WriteRefused = QueryRefused   # the name older callers import


def _statement_type(st) -> str:
    return str(st.type).rsplit(".", 1)[-1]


def connect(lake_root: str, *, as_of=None, memory_limit: str | None = DEFAULT_MEMORY,
            temp_directory: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the lake's tables registered and every way out closed.

    ``temp_directory``: where DuckDB may spill what does not fit in ``memory_limit``. By default
    spilling is off (a query that needs more memory stops with ``QueryLimit``): DuckDB lets a
    connection read its own temp folder even with file access off, so a spill folder would be a
    place outside the lake that queries can read. When one is given it must lie outside the lake,
    should be private to this user, and its size is bounded (4x the memory limit)."""
    lake = Lake(lake_root)
    datasets = lake.datasets(as_of=as_of)
    if temp_directory is not None:
        import os
        real = os.path.realpath(temp_directory)
        if lake.local and os.path.commonpath([real, os.path.realpath(lake.root)]) == os.path.realpath(lake.root):
            raise ValueError(f"DuckDB's temp directory {temp_directory!r} must not be inside the lake")
        os.makedirs(real, mode=0o700, exist_ok=True)
    con = duckdb.connect(":memory:")
    for name, dataset in datasets.items():   # articles, rejects, runs, ledger (and whatever the lake adds)
        if not name.isidentifier():
            raise ValueError(f"the lake names a table {name!r}, which is not a plain identifier")
        con.register(name, dataset)
    missing = [v for v in VIEWS if v not in datasets]
    if missing:
        raise ValueError(f"the lake at {lake_root} has no table {missing[0]!r}")
    con.execute(f"CREATE VIEW duplicates AS {DUPLICATES_SQL}")  # groups of 2+ articles (flows.dedup)
    memory = memory_limit or DEFAULT_MEMORY
    settings = [
        ("python_enable_replacements", False),     # no scan of Python variables by name
        ("autoinstall_known_extensions", False),
        ("autoload_known_extensions", False),
        ("allow_community_extensions", False),
        ("allow_persistent_secrets", False),
        ("temp_directory", temp_directory or ""),   # "": no spilling, and no '.tmp' in the working folder
        ("memory_limit", memory),
        ("max_temp_directory_size", _times(memory, 4) if temp_directory else "0B"),
        ("enable_external_access", False),         # after registering: the datasets still scan
        ("lock_configuration", True),              # last: nothing above can be changed by a query
    ]
    for key, value in settings:
        try:
            literal = ("true" if value else "false") if isinstance(value, bool) else _quote(str(value))
            con.execute(f"SET {key} = {literal}")
        except duckdb.Error as exc:
            con.close()
            if key in ("memory_limit", "max_temp_directory_size"):
                raise ValueError(f"{memory_limit!r} is not a memory size DuckDB understands (e.g. 2GB, 512MB)") from None
            raise
    _LIMITS[id(con)] = memory
    weakref.finalize(con, _LIMITS.pop, id(con), None)
    return con


_LIMITS: dict[int, str] = {}   # id(connection) -> its memory limit, for the messages


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _times(size: str, factor: int) -> str:
    """'2GB' * 4 -> '8GB' (DuckDB's own units); a size it cannot read is left to DuckDB to refuse."""
    import re
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(size))
    if not m:
        return str(size)
    return f"{float(m.group(1)) * factor:g}{m.group(2) or 'B'}"


# -- what a statement does ------------------------------------------------------------------------

def check_statement(con: duckdb.DuckDBPyConnection, st, depth: int = 0) -> None:
    """Raise ``QueryRefused`` unless ``st`` (one parsed statement) only reads."""
    kind = _statement_type(st)
    if kind in READ_TYPES:
        return
    if kind == "EXPLAIN" and depth < 8:
        inner = _explained(con, st.query)
        if inner is None:
            raise QueryRefused(f"cleanlake sql could not tell what this EXPLAIN explains, so it does not run it "
                               f"({_short(st.query)})")
        for sub in inner:
            check_statement(con, sub, depth + 1)
        return
    what = {"SET": "SET/RESET/USE statements", "LOAD": "INSTALL/LOAD statements", "CALL": "CALL/CHECKPOINT statements",
            "MULTI": "PIVOT statements that create types"}.get(kind, f"{kind} statements")
    where = " (inside EXPLAIN too)" if depth else ""
    raise QueryRefused(f"cleanlake sql opens the lake read-only: {what} are not allowed{where}: {_short(st.query)}")


def _short(query: str, n: int = 80) -> str:
    one = " ".join(query.split())
    return one if len(one) <= n else one[:n - 1] + "…"


def _explained(con, query: str):
    """The statement(s) inside ``EXPLAIN [ANALYZE] [(options)] <statement>``, parsed by DuckDB.

    The tokens after EXPLAIN (comments skipped by DuckDB's tokenizer) give the candidates: the rest
    of the text, and, when it starts with a parenthesised option list, the text after that list.
    Every candidate that parses must be one statement, and is returned for checking; None when
    none parses (refused)."""
    every = duckdb.tokenize(query)
    ends = {pos: (every[k + 1][0] if k + 1 < len(every) else len(query)) for k, (pos, _) in enumerate(every)}
    toks = [(pos, str(typ)) for pos, typ in every if "comment" not in str(typ)]

    def word(i):   # token i's own text (a comment after it is a token of its own, skipped)
        return query[toks[i][0]:ends[toks[i][0]]].strip().lower() if i < len(toks) else ""

    i = 0
    if word(i) != "explain":
        return None
    i += 1
    if word(i) in ("analyze", "analyse"):
        i += 1
    if i >= len(toks):
        return None
    starts = [toks[i][0]]
    if word(i).startswith("("):   # EXPLAIN (ANALYZE, FORMAT JSON) <statement>, or EXPLAIN (SELECT ...)
        level, j = 0, i
        while j < len(toks):
            if "operator" in toks[j][1]:   # parentheses inside string constants do not count
                w = word(j)
                level += w.count("(") - w.count(")")
            j += 1
            if level <= 0:
                break
        if j < len(toks):
            starts.append(toks[j][0])
    found = []
    for start in starts:
        try:
            sts = con.extract_statements(query[start:])
        except duckdb.Error:
            continue
        if len(sts) != 1:
            if sts:
                found.extend(sts)   # more than one: each is checked (none should be there)
            continue
        found.append(sts[0])
    return found or None


def check_query(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    """The parsed statements of ``sql`` if every one of them only reads; else ``QueryRefused``."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(_first_line(exc)) from None
    if not statements:
        raise QueryRefused("the query is empty")
    for st in statements:
        check_statement(con, st)
    return statements


# -- running it, bounded ----------------------------------------------------------------------------

@dataclass
class Result:
    """One statement's rows, fetched (at most ``max_rows`` when given). Looks enough like a DuckDB
    relation for its callers: ``columns``, ``fetchall()``, ``to_arrow_table()``, ``limit(n)``."""
    statement: str
    table: pa.Table
    truncated: bool = False   # more rows than max_rows were there

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def fetchall(self) -> list[tuple]:
        cols = [c.to_pylist() for c in self.table.columns]
        return list(zip(*cols)) if cols else []

    def to_arrow_table(self) -> pa.Table:
        return self.table

    fetch_arrow_table = arrow = to_arrow_table

    def limit(self, n: int) -> "Result":
        return Result(self.statement, self.table.slice(0, n), self.truncated or self.table.num_rows > n)

    def __len__(self) -> int:
        return self.table.num_rows


def _first_line(exc: BaseException) -> str:
    """DuckDB's message on one line, its hints kept ('Did you mean "articles"?', 'Candidate bindings:
    ...'); only the query excerpt (``LINE 1: ...`` and its caret) is left out."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.startswith("LINE ") and set(ln) - {"^", " "}]
    return " ".join(keep) if keep else type(exc).__name__


def read_only_query(con: duckdb.DuckDBPyConnection, sql: str, *, timeout: float | None = DEFAULT_TIMEOUT,
                    max_rows: int | None = None) -> list[Result]:
    """Check every statement of ``sql`` (``QueryRefused``), then run them in order, each fetched
    (at most ``max_rows`` rows each, when given), within ``timeout`` seconds for all of them and
    the connection's memory limit (``QueryLimit``). Returns every statement's result."""
    statements = check_query(con, sql)
    deadline = None if timeout is None else time.monotonic() + float(timeout)
    memory = _LIMITS.get(id(con), "the memory limit")
    results = []
    for st in statements:
        results.append(_run_one(con, st, deadline, timeout, memory, max_rows))
    return results


def _run_one(con, st, deadline, timeout, memory, max_rows) -> Result:
    fired = threading.Event()
    timer = None
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryLimit(_time_message(timeout))

        def stop() -> None:
            fired.set()
            con.interrupt()

        timer = threading.Timer(left, stop)
        timer.daemon = True
        timer.start()
    try:
        rel = con.sql(st)
        if rel is None:
            table = pa.table({})
            truncated = False
        else:
            target = rel.limit(max_rows + 1) if max_rows is not None else rel
            table = target.to_arrow_table()
            truncated = max_rows is not None and table.num_rows > max_rows
            if truncated:
                table = table.slice(0, max_rows)
    except duckdb.InterruptException:
        if fired.is_set():
            raise QueryLimit(_time_message(timeout)) from None
        raise KeyboardInterrupt from None
    except duckdb.OutOfMemoryException as exc:
        raise QueryLimit(f"query stopped: it needed more memory than its limit of {memory} (--memory); "
                         f"DuckDB: {_first_line(exc)}") from None
    except duckdb.Error as exc:
        if fired.is_set():
            raise QueryLimit(_time_message(timeout)) from None
        raise QueryFailed(_first_line(exc)) from None
    except (OSError, pa.ArrowException) as exc:   # an error raised while Arrow fetched the rows
        if fired.is_set():
            raise QueryLimit(_time_message(timeout)) from None
        raise QueryFailed(_first_line(exc)) from None
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()
    return Result(st.query.strip(), table, truncated)


def _time_message(timeout) -> str:
    return f"query stopped: it ran longer than its time limit of {float(timeout):g} s (--timeout)"
