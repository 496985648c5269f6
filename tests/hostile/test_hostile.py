"""Hostile and broken raw files: each ends as an article or a reject with a reason; nothing escapes."""
import subprocess
import sys
from pathlib import Path

import pytest

from flows.ingest import run_ingest
from flows.sql import WriteRefused, connect, read_only_query
from tests.hostile.cases import EXPECT, P_ZH, build
from transforms import Reject, extract

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def zone(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    build(base / "landing", base / "outside")
    return base


@pytest.fixture(scope="module")
def lake(zone):
    summary = run_ingest(str(zone / "landing"), str(zone / "lake"))
    return zone / "lake", summary


def outcome(lake_dir, name):
    con = connect(str(lake_dir))
    art = con.execute("select text, title, url, site, categories, content_sha256, doc_id from articles where source_file = ?",
                      [name]).fetchall()
    rej = con.execute("select stage, reason from rejects where source_file = ?", [name]).fetchall()
    return art, rej


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_each_case_ends_where_expected(lake, name):
    lake_dir, _ = lake
    art, rej = outcome(lake_dir, name)
    expect = EXPECT[name]
    if expect[0] == "article":
        assert len(art) == 1 and not rej, (art, rej)
        assert expect[1] in art[0][0]
        assert "\x00" not in art[0][0] and "\r" not in art[0][0]
    else:
        assert not art and len(rej) == 1, (art, rej)
        stage, reason = rej[0]
        assert stage == expect[1] and expect[2] in reason
        assert "Error" not in reason.split(":")[0], "a reason a person understands, not an exception name"


def test_run_accounts_for_every_file(lake, zone):
    lake_dir, summary = lake
    con = connect(str(lake_dir))
    n_articles = con.sql("select count(*) from articles").fetchall()[0][0]
    n_rejects = con.sql("select count(*) from rejects").fetchall()[0][0]
    assert n_articles + n_rejects == summary.counts["seen"] == len(EXPECT)
    # the folder named folder.html is a folder, not a file: only the page inside it is an input


def test_nothing_is_written_outside_the_lake(lake, zone):
    lake_dir, _ = lake
    assert sorted(p.name for p in zone.iterdir()) == ["lake", "landing", "outside"]
    assert [p.name for p in (zone / "outside").iterdir()] == ["secret.html"]
    dirs = {p.relative_to(lake_dir).parts[0] for p in lake_dir.rglob("*")}
    assert dirs <= {"articles", "rejects", "runs", "_dedup_bands", "_lock"}   # the Delta tables and the local lock
    sites = {p.name for p in (lake_dir / "articles").iterdir() if p.name != "_delta_log"}
    assert all(s.startswith("site=") and ".." not in s and "/" not in s for s in sites)


def test_values_that_look_like_paths_or_sql_stay_data(lake):
    lake_dir, _ = lake
    [(text, title, url, site, categories, _, _)] = outcome(lake_dir, "evil.md")[0]
    assert url is None and site is None
    assert "x'); DROP TABLE articles; --" in categories and "../../outside" in categories
    con = connect(str(lake_dir))
    assert con.execute("select count(*) from articles where list_contains(categories, ?)",
                       ["x'); DROP TABLE articles; --"]).fetchall() == [(1,)]
    assert con.sql("select count(*) from articles").fetchall()[0][0] == sum(1 for e in EXPECT.values() if e[0] == "article")


def test_same_page_under_two_names_is_two_rows_with_one_hash(lake):
    lake_dir, _ = lake
    a, b = outcome(lake_dir, "copy-a.md")[0][0], outcome(lake_dir, "copy-b.md")[0][0]
    assert a[5] == b[5] and a[6] != b[6]


def test_limits_are_named_in_the_reasons(lake):
    lake_dir, _ = lake
    reasons = [r for (r,) in connect(str(lake_dir)).sql("select reason from rejects").fetchall()]
    assert any("limits.max_file_bytes" in r for r in reasons)
    assert any("limits.max_decompressed_bytes" in r for r in reasons)


def test_sql_is_read_only(lake, tmp_path):
    lake_dir, _ = lake
    con = connect(str(lake_dir))
    for query in (f"COPY (SELECT 1) TO '{lake_dir}/x.parquet'", "CREATE TABLE t AS SELECT 1", f"ATTACH '{lake_dir}/x.db'",
                  "SET enable_external_access = true", "INSTALL httpfs"):
        with pytest.raises(WriteRefused):
            read_only_query(con, query)
    with pytest.raises(Exception, match="disabled by configuration"):
        read_only_query(con, f"SELECT * FROM read_csv('{tmp_path}/../outside.csv')")
    assert read_only_query(con, "SELECT count(*) FROM articles")[0].fetchall()[0][0] > 0
    assert not list(lake_dir.glob("x.*"))


@pytest.mark.slow
def test_cli_run_over_all_cases_exits_zero_and_a_broken_lake_path_fails_in_one_line(zone, tmp_path, prefect_api_url):
    env = {"PREFECT_API_URL": prefect_api_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    ok = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--landing", str(zone / "landing"), "--lake",
                         str(tmp_path / "lake")], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert f"files: {len(EXPECT)} seen" in ok.stdout   # the end-of-run summary
    bad = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--landing", str(tmp_path / "missing"), "--lake",
                          str(tmp_path / "lake2")], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [f"cleanlake: error: landing zone {tmp_path / 'missing'} is not a folder "
                                               "(from --landing)"]


def test_extract_never_raises_on_each_case(zone):
    for path in sorted((zone / "landing").rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 10_000_000:
            out = extract(path.read_bytes(), path.name)
            assert isinstance(out, (dict, Reject))
            if isinstance(out, dict):
                assert P_ZH[:4] in out["text"] or out["text"]
