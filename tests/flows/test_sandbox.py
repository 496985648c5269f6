"""``cleanlake sql`` is a sandbox: escape attempts on a local and an ``s3://`` lake, time and memory
limits, errors while fetching. Every attempt must be refused, and afterwards every file (and every
object in every bucket) must be byte-identical to before."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.ingest import run_ingest
from flows.sql import QueryFailed, QueryLimit, QueryRefused, connect, read_only_query
from tests.flows.conftest import write_corpus
from tests.flows.test_scale import s3_server  # noqa: F401 - the moto server fixture

ROOT = Path(__file__).resolve().parents[2]
SECRET = "TOP-SECRET-3141"

WRITES = [   # statements that write, change settings or reach outside; {lake} and {out} are filled in
    "COPY (SELECT * FROM articles LIMIT 0) TO '{lake}/_ledger/ledger.parquet' (FORMAT parquet)",
    "COPY articles TO '{out}/dump.csv'",
    "EXPORT DATABASE '{out}/export'",
    "ATTACH '{out}/x.db' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "PRAGMA memory_limit = '100GB'",
    "CALL checkpoint()",
    "CREATE TABLE t AS SELECT * FROM articles",
]


def write_forms(stmt: str) -> list[str]:
    """One write statement in every wrapper: plain, EXPLAIN, EXPLAIN ANALYZE, EXPLAIN (ANALYZE), behind
    comments, as a second statement."""
    return [stmt, f"EXPLAIN {stmt}", f"EXPLAIN ANALYZE {stmt}", f"EXPLAIN (ANALYZE, FORMAT JSON) {stmt}",
            f"/* harmless */ {stmt}", f"-- SELECT 1\n{stmt}", f"SELECT 1; {stmt}",
            f"/* x */ EXPLAIN /* y */ ANALYZE -- z\n {stmt}", f"EXPLAIN EXPLAIN ANALYZE {stmt}"]


def read_attempts(lake: str, out: str, temp: str) -> list[str]:
    reads = [f"read_text('{out}/secret.txt')", f"read_csv('{out}/secret.csv')", f"read_parquet('{out}/secret.parquet')",
             f"glob('{out}/*')", f"read_blob('{out}/secret.txt')", f"read_text('{lake}/../outside/secret.txt')",
             f"read_text('{lake}/articles/../../outside/secret.txt')", f"read_text('{temp}/*')", f"glob('{temp}/*')",
             f"read_text('{lake}/link.txt')", f"read_parquet('{lake}/articles/**/*.parquet')", "read_text('/etc/passwd')",
             "read_csv('/etc/passwd')", "glob('/*')", f"read_text('.tmp/*')", f"sniff_csv('{out}/secret.csv')"]
    out_q = []
    for r in reads:
        out_q += [f"SELECT * FROM {r}", f"WITH s AS (SELECT * FROM {r}) SELECT * FROM s",
                  f"EXPLAIN ANALYZE SELECT * FROM {r}"]
    out_q += [f"SELECT count(*) FROM articles; SELECT * FROM read_text('{out}/secret.txt')",
              "WITH a AS (SELECT 1) INSERT INTO articles SELECT * FROM articles",
              f"WITH a AS (SELECT 1) COPY (SELECT 1) TO '{out}/cte.csv'",
              f"SELECT * FROM query('COPY (SELECT 1) TO ''{out}/q.csv''')",
              "PIVOT articles ON site USING count(*)",
              f"SELECT * FROM enable_logging(storage = 'file', storage_path = '{out}/logs')",   # settings by function
              "SELECT * FROM enable_profiling()",
              f"SELECT * FROM read_duckdb('{out}/x.db')"]
    return out_q


def snapshot(*roots: Path) -> dict:
    """Every entry under the roots, links not followed: path -> sha256 of a file, target of a link, or 'dir'."""
    snap = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            for name in dirnames + filenames:
                p = Path(dirpath, name)
                if name == "moto.log":   # the S3 server's own request log (the snapshots' reads are in it)
                    continue
                if p.is_symlink():
                    snap[str(p)] = "-> " + os.readlink(p)
                elif p.is_dir():
                    snap[str(p)] = "dir"
                else:
                    snap[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return snap


def s3_snapshot(fs) -> dict:
    snap = {}
    for bucket in fs.ls("", detail=False):
        for key in fs.find(bucket):
            snap[key] = hashlib.sha256(fs.cat_file(key)).hexdigest()
    return snap


def make_outside(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "secret.txt").write_text(SECRET)
    (out / "secret.csv").write_text(f"a\n{SECRET}\n")
    pq.write_table(pa.table({"a": [SECRET]}), out / "secret.parquet")


def attempt_all(con, attempts: list[str]) -> list[tuple[str, str]]:
    """Run each attempt; return those that were NOT refused (query, what came back)."""
    escaped = []
    for q in attempts:
        try:
            results = read_only_query(con, q, timeout=20)
        except QueryRefused:
            continue
        except QueryFailed as exc:
            msg = str(exc)
            assert "\n" not in msg
            assert SECRET not in msg
            continue
        escaped.append((q, repr([r.fetchall()[:3] for r in results])[:300]))
    return escaped


@pytest.fixture
def local_lake(tmp_path):
    landing, lake, out = tmp_path / "landing", tmp_path / "lake", tmp_path / "outside"
    write_corpus(landing, 0, 12)
    run_ingest(str(landing), str(lake))
    make_outside(out)
    (lake / "link.txt").symlink_to(out / "secret.txt")       # a link inside the lake pointing out
    evil = lake / "articles" / "site=evil.example.com" / "month=2024-01"
    evil.mkdir(parents=True)
    (evil / "part-link.parquet").symlink_to(out / "secret.parquet")
    return lake, out


def test_local_sandbox_refuses_every_escape_and_leaves_the_lake_byte_identical(local_lake, tmp_path):
    lake, out = local_lake
    con = connect(str(lake))
    assert con.sql("SELECT current_setting('temp_directory')").fetchall() == [("",)]   # no spilling
    temp = str(tmp_path / "spill")   # where a spill folder would be; DuckDB's default is '.tmp'
    attempts = [f.format(lake=lake, out=out) for w in WRITES for f in write_forms(w)]
    attempts += read_attempts(str(lake), str(out), temp)
    before = snapshot(tmp_path)
    cwd_before = sorted(os.listdir(ROOT))
    escaped = attempt_all(con, attempts)
    assert escaped == [], f"{len(escaped)} of {len(attempts)} attempts got through: {escaped[:5]}"
    assert len(attempts) >= 40
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir(ROOT)) == cwd_before          # no '.tmp' or dump in the working folder
    # the lake still answers, the planted link was not read as data, and nothing was unlocked
    assert read_only_query(con, "SELECT count(*) FROM articles")[0].fetchall() == [(12,)]
    assert read_only_query(con, "SELECT count(*) FROM articles WHERE site = 'evil.example.com'")[0].fetchall() == [(0,)]
    assert con.sql("SELECT current_setting('enable_external_access'), current_setting('lock_configuration')"
                   ).fetchall() == [(False, True)]
    print(f"\n{len(attempts)} escape attempts on a local lake, all refused")


def test_reads_that_are_allowed(local_lake):
    lake, _ = local_lake
    con = connect(str(lake))
    ok = ["SELECT count(*) FROM articles", "WITH a AS (SELECT site FROM articles) SELECT count(*) FROM a",
          "EXPLAIN SELECT * FROM articles", "EXPLAIN ANALYZE SELECT count(*) FROM rejects", "DESCRIBE articles",
          "SHOW TABLES", "SUMMARIZE runs", "VALUES (1), (2)", "FROM ledger SELECT count(*)", "TABLE runs",
          "/* c */ EXPLAIN (FORMAT JSON) (SELECT 1)", "EXPLAIN /* c */ ANALYZE -- d\n SELECT 1",
          "EXPLAIN (ANALYZE) SELECT count(*) FROM articles", "SELECT 1; SELECT 2"]
    for q in ok:
        results = read_only_query(con, q)
        assert results and all(r.columns for r in results), q
    assert [r.fetchall() for r in read_only_query(con, "SELECT 1; SELECT 2")] == [[(1,)], [(2,)]]
    [plan] = read_only_query(con, "EXPLAIN ANALYZE SELECT count(*) FROM articles WHERE site = 'news1.example.com'")
    assert "ARROW_SCAN" in plan.fetchall()[0][1]   # DuckDB scans the registered dataset, no file of its own
    more = read_only_query(con, "SELECT * FROM range(1000)", max_rows=10)[0]
    assert len(more.fetchall()) == 10 and more.truncated


@pytest.fixture
def s3_lake(s3_server, tmp_path):   # noqa: F811
    landing, out = tmp_path / "landing", tmp_path / "outside"
    write_corpus(landing, 0, 12)
    run_ingest(str(landing), "s3://lakebucket/lake")
    make_outside(out)
    s3_server.mkdir("otherbucket")
    s3_server.pipe("otherbucket/secret.txt", SECRET.encode())
    s3_server.pipe("otherbucket/secret.csv", f"a\n{SECRET}\n".encode())
    s3_server.put(str(out / "secret.parquet"), "otherbucket/secret.parquet")
    return s3_server, out


def test_s3_sandbox_no_local_file_no_other_bucket_no_write(s3_lake, tmp_path):
    fs, out = s3_lake
    lake = "s3://lakebucket/lake"
    con = connect(lake)
    assert con.sql("SELECT count(*) FROM articles").fetchall() == [(12,)]
    temp = str(tmp_path / "spill")
    attempts = []
    for target in (lake, str(out)):
        attempts += [f.format(lake=target, out=o) for w in WRITES for f in write_forms(w)[:4]
                     for o in ("s3://otherbucket", str(out))][: len(WRITES) * 8]
    attempts += read_attempts(lake, "s3://otherbucket", temp) + read_attempts(str(tmp_path / "lake"), str(out), temp)
    attempts += ["SELECT * FROM read_text('s3://otherbucket/secret.txt')",
                 "SELECT * FROM read_parquet('s3://lakebucket/lake/articles/**/*.parquet')",
                 f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp_path}/local.csv'",
                 "EXPLAIN ANALYZE COPY (SELECT 1) TO 's3://lakebucket/lake/articles/x.parquet'",
                 "CREATE SECRET s (TYPE s3, KEY_ID 'testing', SECRET 'testing')"]
    before, local_before = s3_snapshot(fs), snapshot(tmp_path)
    escaped = attempt_all(con, attempts)
    assert escaped == [], f"{len(escaped)} of {len(attempts)} attempts got through: {escaped[:5]}"
    assert len(attempts) >= 40
    assert s3_snapshot(fs) == before
    assert snapshot(tmp_path) == local_before
    assert read_only_query(con, "SELECT count(*), count(DISTINCT site) FROM articles")[0].fetchall() == [(12, 3)]
    print(f"\n{len(attempts)} escape attempts on an s3:// lake, all refused")


def test_a_spill_folder_must_lie_outside_the_lake(local_lake, tmp_path):
    lake, _ = local_lake
    with pytest.raises(ValueError, match="must not be inside the lake"):
        connect(str(lake), temp_directory=str(lake / "articles" / "tmp"))
    con = connect(str(lake), temp_directory=str(tmp_path / "spill"), memory_limit="64MB")
    # with a spill folder, a group-by larger than memory finishes by spilling
    got = read_only_query(con, "SELECT count(*) FROM (SELECT i, count(*) FROM range(3000000) t(i) GROUP BY i)")
    assert got[0].fetchall() == [(3000000,)]


def test_time_limit_fires_with_one_line(local_lake):
    lake, _ = local_lake
    con = connect(str(lake))
    with pytest.raises(QueryLimit) as exc:
        read_only_query(con, "SELECT count(*) FROM range(1000000000000)", timeout=1.0)
    msg = str(exc.value)
    assert "\n" not in msg and "time limit of 1 s" in msg and "--timeout" in msg
    assert read_only_query(con, "SELECT 42")[0].fetchall() == [(42,)]   # the connection still works


def test_memory_limit_fires_with_one_line(local_lake):
    lake, _ = local_lake
    con = connect(str(lake), memory_limit="64MB")
    with pytest.raises(QueryLimit) as exc:
        read_only_query(con, "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(1000000)")
    msg = str(exc.value)
    assert "\n" not in msg and "memory" in msg and "64MB" in msg and "--memory" in msg
    # a query that fits is answered by the same connection
    assert read_only_query(con, "SELECT count(*) FROM articles")[0].fetchall() == [(12,)]


def test_a_query_failing_while_rows_are_fetched_is_one_line(local_lake):
    lake, _ = local_lake
    con = connect(str(lake))
    with pytest.raises(QueryFailed) as exc:
        read_only_query(con, "SELECT CASE WHEN i < 5000 THEN i ELSE error('boom at ' || i) END FROM range(10000) t(i)")
    assert "\n" not in str(exc.value) and "boom" in str(exc.value)


def cli(*args, timeout=120):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    return subprocess.run([sys.executable, "-m", "flows.cli", "sql", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_cli_limits_and_fetch_errors_end_in_one_line(local_lake):
    lake, _ = local_lake
    for args, expect in ((["--timeout", "1", "SELECT count(*) FROM range(1000000000000)"], "time limit of 1 s"),
                         (["--memory", "64MB", "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(1000000)"],
                          "64MB"),
                         (["SELECT CASE WHEN i < 50 THEN i ELSE error('boom') END FROM range(10000) t(i)"], "boom"),
                         ([f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{lake}/x.parquet'"], "COPY")):
        r = cli("--lake", str(lake), *args)
        lines = r.stderr.strip().splitlines()
        assert r.returncode != 0 and len(lines) == 1 and lines[0].startswith("cleanlake: error:"), (args, r.stderr[-800:])
        assert expect in lines[0]
    assert not (lake / "x.parquet").exists()
