"""The ingest flow end to end: a landing zone in, a lake out, read back with DuckDB."""
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable

from flows.ingest import ingest_flow, run_ingest
from flows.lake import Lake
from flows.sql import connect
from tests.flows.conftest import make_page

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


def test_flow_writes_partitioned_lake_and_second_run_adds_nothing(prefect_server, landing, tmp_path):
    lake = tmp_path / "lake"
    first = ingest_flow(landing=str(landing), lake=str(lake))
    assert (first["files_seen"], first["files_new"], first["articles_written"], first["rejects_written"]) == (5, 5, 4, 1)
    files = sorted(p.relative_to(lake).as_posix() for p in lake.glob("articles/**/*.parquet"))
    assert files and all(f.startswith("articles/site=") and "/month=2025-03/" in f for f in files)
    assert (lake / "articles" / "_delta_log").is_dir() and (lake / "rejects" / "_delta_log").is_dir()
    # plain DuckDB over deltalake's Arrow dataset, no cleanlake code: one snapshot of the Delta table
    snapshot = DeltaTable(str(lake / "articles")).to_pyarrow_dataset()
    assert duckdb.sql("select count(*) from snapshot").fetchall()[0][0] == 4
    assert q(lake, "select stage, reason from rejects") == [("read", "file is empty or whitespace only")]
    second = ingest_flow(landing=str(landing), lake=str(lake))
    assert (second["files_new"], second["files_unchanged"], second["articles_written"]) == (0, 5, 0)
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(4, 4)]
    assert q(lake, "select count(*) from runs") == [(2,)]


def test_changed_file_replaces_its_row_and_nothing_else(landing, tmp_path):
    lake = tmp_path / "lake"
    run_ingest(str(landing), str(lake))
    before = dict(q(lake, "select source_file, content_sha256 from articles"))
    page = landing / "a" / "page2.md"
    page.write_text(make_page("改过的标题", 2, extra="新增的一句话。"), encoding="utf-8")
    summary = run_ingest(str(landing), str(lake))
    assert (summary.counts["changed"], summary.counts["unchanged"]) == (1, 4)
    after = dict(q(lake, "select source_file, content_sha256 from articles"))
    assert after.keys() == before.keys()
    assert [k for k in after if after[k] != before[k]] == ["a/page2.md"]
    assert q(lake, "select title from articles where source_file = 'a/page2.md'") == [("改过的标题",)]


def test_file_fixed_after_reject_moves_from_rejects_to_articles(landing, tmp_path):
    lake = tmp_path / "lake"
    run_ingest(str(landing), str(lake))
    (landing / "empty.html").write_text(make_page("修好了", 3), encoding="utf-8")
    run_ingest(str(landing), str(lake))
    assert q(lake, "select count(*) from rejects") == [(0,)]
    assert q(lake, "select count(*) from articles where source_file = 'empty.html'") == [(1,)]


def test_touched_but_identical_file_is_not_rewritten(landing, tmp_path):
    lake = tmp_path / "lake"
    run_ingest(str(landing), str(lake))
    page = landing / "a" / "page1.md"
    page.write_bytes(page.read_bytes())  # new mtime, same bytes
    summary = run_ingest(str(landing), str(lake))
    assert summary.counts["unchanged"] == 5 and summary.counts["articles"] == 0


def test_partition_filter_reads_only_matching_files(landing, tmp_path):
    import pyarrow.dataset as ds
    lake = tmp_path / "lake"
    run_ingest(str(landing), str(lake))
    assert q(lake, "select count(*) from articles where site = 'no.such.site'") == [(0,)]
    articles = Lake(str(lake)).datasets()["articles"]
    assert len(list(articles.get_fragments())) >= 1
    assert list(articles.get_fragments(filter=ds.field("site") == "no.such.site")) == []   # pruned by partition


@pytest.mark.shared
@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds is not here (fresh clone): runs in CI")
def test_seeds_into_lake_count_five_twice(prefect_server, tmp_path):
    lake = tmp_path / "lake"
    for _ in range(2):
        ingest_flow(landing=str(SHARED / "seeds"), lake=str(lake))
        assert q(lake, "select count(*) from articles") == [(5,)]
