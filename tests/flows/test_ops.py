"""Operations: incremental runs, backfills, the runs view, locking, compaction, artifacts, recovery."""

import pytest

from flows.backfill import selector
from flows.compact import compact
from flows.ingest import ingest_flow, run_ingest
from flows.lake import Lake, LakeLockedError
from flows.sql import connect
from tests.flows.conftest import corpus_page, write_corpus


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


def newest_run(lake):
    cols = "flow, files_seen, files_new, files_changed, files_unchanged, files_reprocessed, articles_written"
    return q(lake, f"select {cols} from runs order by started_at desc, run_id desc limit 1")[0]


def test_incremental_runs_changed_file_and_backfill_all(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 60)
    run_ingest(str(landing), str(lake))
    write_corpus(landing, 60, 80)
    run_ingest(str(landing), str(lake))
    assert newest_run(lake) == ("ingest", 80, 20, 0, 60, 0, 20)

    changed = landing / "d0" / "page-0007.md"
    changed.write_text(corpus_page(7, extra="这一句是改过之后才有的。"), encoding="utf-8")
    run_ingest(str(landing), str(lake))
    assert newest_run(lake) == ("ingest", 80, 0, 1, 79, 0, 1)
    [(text,)] = q(lake, "select text from articles where source_file = 'd0/page-0007.md'")
    assert "这一句是改过之后才有的。" in text

    run_ingest(str(landing), str(lake), flow_name="backfill", reprocess=selector(str(lake), {"all": True}))
    assert newest_run(lake) == ("backfill", 80, 0, 0, 0, 80, 80)
    assert q(lake, "select count(*), count(distinct source_file), count(distinct doc_id) from articles") == [(80, 80, 80)]


def test_new_files_with_old_dates_land_in_their_old_partitions(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 10)
    run_ingest(str(landing), str(lake))
    (landing / "late.md").write_text(corpus_page(3).replace("2024-04-04", "2019-11-30"), encoding="utf-8")
    run_ingest(str(landing), str(lake))
    assert q(lake, "select month, site from articles where source_file = 'late.md'") == [("2019-11", "news0.example.com")]
    assert list(lake.glob("articles/site=news0.example.com/month=2019-11/*.parquet"))


def test_backfill_by_site_and_by_date_touch_only_those_rows(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 30)
    run_ingest(str(landing), str(lake))
    n_site = q(lake, "select count(*) from articles where site = 'news1.example.com'")[0][0]
    s = run_ingest(str(landing), str(lake), reprocess=selector(str(lake), {"site": "news1.example.com"}))
    assert s.counts["reprocessed"] == n_site == 10
    n_feb = q(lake, "select count(*) from articles where month = '2024-02'")[0][0]
    s = run_ingest(str(landing), str(lake), reprocess=selector(str(lake), {"since": "2024-02-01", "until": "2024-02-29"}))
    assert s.counts["reprocessed"] == n_feb == 5
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(30, 30)]


def test_second_writer_gets_a_clear_lock_error(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 3)
    with Lake(str(lake)).lock():
        with pytest.raises(LakeLockedError, match="locked by a running cleanlake job"):
            run_ingest(str(landing), str(lake))
    assert run_ingest(str(landing), str(lake)).counts["new"] == 3


def live_files(lake, table="articles"):
    from deltalake import DeltaTable
    return len(DeltaTable(str(lake / table)).file_uris())


def test_compact_merges_small_files_and_keeps_query_results(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    for start in range(0, 40, 10):  # four runs: four files in each partition
        write_corpus(landing, start, start + 10)
        run_ingest(str(landing), str(lake))
    query = "select source_file, doc_id, site, month, title, text, published_at from articles order by source_file"
    before, files_before = q(lake, query), live_files(lake)
    out = compact(str(lake))
    files_after = live_files(lake)
    assert out["files_merged"] > 0 and files_after < files_before == 4 * 6 and files_after == 6
    assert q(lake, query) == before
    # the ledger columns travel with the rows: a change after compaction still replaces exactly one row
    (landing / "d0" / "page-0001.md").write_text(corpus_page(1, extra="压缩之后的修改。"), encoding="utf-8")
    assert run_ingest(str(landing), str(lake)).counts["changed"] == 1
    assert q(lake, "select count(*), count(distinct source_file) from articles") == [(40, 40)]


def test_vacuum_keeps_recent_versions_readable_and_drops_older_files(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    for start in range(0, 20, 10):
        write_corpus(landing, start, start + 10)
        run_ingest(str(landing), str(lake))
    first_version = 1   # version 0 created the table, 1 holds the first run's rows
    compact(str(lake))   # default retention: files of the last day's versions stay
    assert q_as_of(lake, first_version, "select count(*) from articles") == [(10,)]
    on_disk = len(list(lake.glob("articles/site=*/**/*.parquet")))
    compact(str(lake), retain_hours=0)   # nothing kept but the current version's files
    assert len(list(lake.glob("articles/site=*/**/*.parquet"))) == live_files(lake) < on_disk
    assert q(lake, "select count(*) from articles") == [(20,)]


def q_as_of(lake, as_of, sql):
    return connect(str(lake), as_of=as_of).sql(sql).fetchall()


def test_a_run_killed_between_the_articles_and_rejects_commits_ends_exactly_once(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    write_corpus(landing, 0, 20)
    (landing / "x.html").write_bytes(b"")
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    run_ingest(str(landing), str(clean))
    run_ingest(str(landing), str(crashed))
    # x.html is fixed (reject -> article) and page 3 breaks (article -> reject)
    (landing / "x.html").write_text(corpus_page(99), encoding="utf-8")
    (landing / "d0" / "page-0003.md").write_bytes(b"")
    run_ingest(str(landing), str(clean))
    real_merge = Lake.merge

    def dies_before_rejects(self, name, source, run_id, operation="upsert"):
        if name == "rejects":
            raise SystemExit("killed")   # the process "dies" after the articles commit
        return real_merge(self, name, source, run_id, operation)

    monkeypatch.setattr(Lake, "merge", dies_before_rejects)
    with pytest.raises(SystemExit):
        run_ingest(str(landing), str(crashed))
    monkeypatch.setattr(Lake, "merge", real_merge)
    # half done: x.html is in both tables, page 3 in neither
    assert q(crashed, "select count(*) from rejects where source_file = 'x.html'") == [(1,)]
    run_ingest(str(landing), str(crashed))
    for table in ("articles", "rejects"):
        sql = f"select source_file, content_sha256, doc_id from {table} order by 1"
        assert q(crashed, sql) == q(clean, sql)
    assert q(crashed, "select count(*) from rejects") == [(1,)]


def test_flow_publishes_an_artifact_with_counts_by_site_and_rejects(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 6)
    (landing / "broken.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    ingest_flow(landing=str(landing), lake=str(lake), runner="thread")
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["cleanlake-ingest"])))
    text = max(arts, key=lambda a: a.created).data
    assert "| news0.example.com | 2 |" in text and "decode: binary content (PNG image)" in text
