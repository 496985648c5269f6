"""Beyond one core and one machine: worker processes with a per-file time limit, a Dask cluster on
loopback, a real S3-compatible server on loopback, and Parquet sized for scans."""
import os

import pyarrow.parquet as pq
import pytest

from flows import executor
from flows.ingest import ingest_flow, run_ingest, task_runner
from flows.sql import connect
from tests.flows.conftest import write_corpus


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


@pytest.fixture
def fresh_workers():
    executor.shutdown()
    yield
    executor.shutdown()


def test_a_file_over_the_per_file_limit_becomes_a_reject_and_the_run_goes_on(
        prefect_server, tmp_path, monkeypatch, fresh_workers):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 3)
    monkeypatch.setenv("CLEANLAKE_TEST_SLOW_SECONDS", "20")   # every extraction "hangs" for 20 s
    out = ingest_flow(landing=str(landing), lake=str(lake), runner="process", per_file_seconds=1.0)
    assert (out["articles_written"], out["rejects_written"]) == (0, 3)
    reasons = {r for (r,) in q(lake, "select reason from rejects")}
    assert reasons == {"extraction took longer than the per-file limit of 1 s (limits.per_file_seconds); "
                       "the worker was stopped"}
    # the extractor recovers: the next run retries the files (never read, so never 'unchanged')
    monkeypatch.delenv("CLEANLAKE_TEST_SLOW_SECONDS")
    executor.shutdown()
    out = ingest_flow(landing=str(landing), lake=str(lake), runner="process")
    assert (out["articles_written"], out["files_unchanged"]) == (3, 0)
    assert q(lake, "select count(*) from rejects") == [(0,)]


def test_process_runner_uses_worker_processes(prefect_server, tmp_path, fresh_workers):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 40)
    out = ingest_flow(landing=str(landing), lake=str(lake), runner="process", batch_size=8)
    assert out["articles_written"] == 40
    pids = {w.proc.pid for w in executor.pool()._all}
    assert len(pids) >= 2 and os.getpid() not in pids


@pytest.mark.slow
def test_dask_runner_on_a_local_cluster(prefect_server, tmp_path):
    from distributed import LocalCluster
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 30)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        flow = ingest_flow.with_options(task_runner=task_runner("dask", cluster.scheduler_address))
        out = flow(landing=str(landing), lake=str(lake), runner="dask", batch_size=5)
        workers = set(cluster.scheduler_info["workers"])
    assert out["articles_written"] == 30 and len(workers) == 2
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(30, 30)]


@pytest.mark.slow
def test_dask_workers_that_may_start_processes_apply_the_per_file_limit(prefect_server, tmp_path, monkeypatch):
    import dask
    from distributed import LocalCluster
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 4)
    monkeypatch.setenv("CLEANLAKE_TEST_SLOW_SECONDS", "20")   # inherited by the Dask workers' extraction processes
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None) as cluster:
        flow = ingest_flow.with_options(task_runner=task_runner("dask", cluster.scheduler_address))
        out = flow(landing=str(landing), lake=str(lake), runner="dask", batch_size=2, per_file_seconds=1.0)
    assert (out["articles_written"], out["rejects_written"]) == (0, 4)
    assert {r for (r,) in q(lake, "select reason from rejects")} == {
        "extraction took longer than the per-file limit of 1 s (limits.per_file_seconds); the worker was stopped"}


@pytest.fixture
def s3_server(monkeypatch, tmp_path):
    """moto's S3-compatible server in its own process on a free loopback port (a real HTTP server;
    in a thread of this process it would wait on the GIL while delta-rs's Rust client calls it)."""
    from tests.flows.s3 import moto_process
    with moto_process(tmp_path) as endpoint:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        monkeypatch.setenv("CLEANLAKE_S3_RETRY_TIMEOUT", "20s")
        import s3fs
        s3fs.S3FileSystem.clear_instance_cache()
        fs = s3fs.S3FileSystem()
        fs.mkdir("lakebucket")
        try:
            yield fs
        finally:
            s3fs.S3FileSystem.clear_instance_cache()


@pytest.mark.slow
def test_landing_and_lake_on_s3(s3_server, tmp_path):
    import pyarrow.dataset as ds

    from flows.lake import Lake
    local = tmp_path / "landing"
    write_corpus(local, 0, 24)
    s3_server.put(str(local), "lakebucket/landing", recursive=True)
    first = run_ingest("s3://lakebucket/landing", "s3://lakebucket/lake")
    second = run_ingest("s3://lakebucket/landing", "s3://lakebucket/lake")
    assert (first.counts["new"], second.counts["unchanged"], second.counts["articles"]) == (24, 24, 0)
    con = connect("s3://lakebucket/lake")
    assert con.sql("select count(*), count(distinct site) from articles").fetchall() == [(24, 3)]
    articles = Lake("s3://lakebucket/lake").datasets()["articles"]
    assert len(list(articles.get_fragments(filter=ds.field("site") == "news1.example.com"))) == 2   # of 6
    assert s3_server.exists("lakebucket/lake/articles/_delta_log/00000000000000000001.json")
    assert not s3_server.exists("lakebucket/lake/_lock")   # no lock object: Delta's conditional commits


def test_partition_filters_prune_files_and_row_groups_are_large(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 600)
    run_ingest(str(landing), str(lake))
    files = list(lake.glob("articles/site=*/**/*.parquet"))
    assert len(files) == 6   # the corpus has 6 (site, month) partitions, one file each
    import pyarrow.dataset as ds

    from flows.lake import Lake
    articles = Lake(str(lake)).datasets()["articles"]
    wanted = (ds.field("site") == "news2.example.com") & (ds.field("month") == "2024-03")
    assert len(list(articles.get_fragments(filter=wanted))) == 1
    assert q(lake, "select count(*) from articles where site = 'news2.example.com' and month = '2024-03'") == [(100,)]
    meta = [pq.ParquetFile(f).metadata for f in files]
    assert all(m.num_row_groups == 1 and m.num_rows > 10 for m in meta)   # one row group per partition file
