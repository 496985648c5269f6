"""What a Prefect user sees, read back through the API; Ctrl-C on a real `cleanlake run`."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import _transient, extract_batch, ingest_flow
from flows.sql import connect
from tests.flows.conftest import write_corpus

ROOT = Path(__file__).resolve().parents[2]


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


def _flow_run(client, flow_run_id):
    return client.read_flow_run(flow_run_id)


def test_a_run_with_rejects_is_named_logged_and_listed_in_prefect(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId,
                                                TaskRunFilter, TaskRunFilterFlowRunId)
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 10)
    for i in range(3):
        (landing / f"bad-{i}.html").write_bytes(b"")
    state = ingest_flow(landing=str(landing), lake=str(lake), runner="thread", batch_size=4, max_reject_share=0.5,
                        return_state=True)
    assert state.is_completed() and "3 rejects of 13 files" in state.message
    [(run_id, flow_run_id, status)] = q(lake, "select run_id, flow_run_id, status from runs")
    assert status == "completed" and flow_run_id
    with get_client(sync_client=True) as client:
        fr = client.read_flow_run(flow_run_id)
        assert fr.name.startswith(f"ingest {run_id}")                       # the run id of the runs row
        assert "rejects" in fr.tags and "mostly-rejects" not in fr.tags
        tasks = client.read_task_runs(task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[fr.id])))
        assert sorted(t.name for t in tasks) == sorted(["extract files 1-4 of 13", "extract files 5-8 of 13",
                                                        "extract files 9-12 of 13", "extract files 13-13 of 13"])
        # logs reach the API in the background: wait for them
        deadline = time.monotonic() + 30
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[fr.id])))
            warnings = [log.message for log in logs if log.level == 30]
            if warnings or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert any("3 of 13 files processed were rejected" in m and "bad-0.html" in m for m in warnings), warnings
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[fr.id])))
    text = arts[0].data
    assert "## Rejected files" in text
    assert all(f"| `bad-{i}.html` | read | file is empty or whitespace only |" in text for i in range(3))


def test_a_mostly_rejected_run_is_failed_in_prefect_and_lists_first_50(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 2)
    for i in range(60):
        (landing / f"bad-{i:02d}.html").write_bytes(b"")
    state = ingest_flow(landing=str(landing), lake=str(lake), runner="thread", max_reject_share=0.5, return_state=True)
    assert state.is_failed() and "over the 50% reject threshold" in state.message
    assert q(lake, "select count(*) from rejects") == [(60,)]                     # rows are written all the same
    [(flow_run_id,)] = q(lake, "select flow_run_id from runs")
    with get_client(sync_client=True) as client:
        fr = client.read_flow_run(flow_run_id)
    assert "mostly-rejects" in fr.tags
    from flows.artifacts import run_markdown
    from flows.ingest import RunSummary
    from datetime import datetime, timezone
    s = RunSummary("r", "ingest", "", "", datetime.now(timezone.utc))
    s.counts["rejects"] = 60
    s.rejected = [(f"bad-{i:02d}.html", "read", "empty") for i in range(50)]
    md = run_markdown(s)
    assert md.count("| `bad-") == 50 and "... and 10 more" in md


def test_transient_storage_errors_are_retried_with_backoff_bad_input_is_not():
    assert extract_batch.retries == 3 and extract_batch.retry_delay_seconds == [2, 4, 8]

    class EndpointConnectionError(Exception):
        pass
    assert _transient(EndpointConnectionError("Could not connect")) and _transient(ConnectionResetError())
    assert _transient(TimeoutError()) and not _transient(ValueError("bad page"))
    assert not _transient(FileNotFoundError("gone"))


def test_the_per_file_limit_does_not_count_worker_start_up(tmp_path):
    from flows import executor
    from flows.discover import discover
    from datetime import datetime, timezone
    from transforms import DEFAULT_OPTIONS
    from dataclasses import replace
    landing = tmp_path / "landing"
    write_corpus(landing, 0, 4)
    executor.shutdown()   # fresh workers: each start-up (spawn + imports) takes seconds on a loaded machine
    opts = DEFAULT_OPTIONS.with_(limits=replace(DEFAULT_OPTIONS.limits, per_file_seconds=0.5))
    try:
        out = executor.run_batch_in_process(str(landing), list(discover(str(landing))), {}, datetime.now(timezone.utc),
                                            opts)
    finally:
        executor.shutdown()
    assert out.articles.num_rows == 4 and out.rejects.num_rows == 0


@pytest.mark.slow
def test_ctrl_c_mid_run_cancels_within_5_s_publishes_nothing_and_records_cancelled(tmp_path, prefect_api_url):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 5)
    env = {**os.environ, "PREFECT_API_URL": prefect_api_url, "CLEANLAKE_PROGRESS": "0", "PREFECT_LOGGING_LEVEL": "INFO"}
    cmd = [sys.executable, "-m", "flows.cli", "run", "--landing", str(landing), "--lake", str(lake), "--batch-size", "4"]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    before = q(lake, "select source_file, content_sha256 from articles order by 1")
    write_corpus(landing, 5, 80)
    # the interrupted run starts its own temporary server: nothing may complain once it is gone
    slow = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    slow.update(CLEANLAKE_TEST_SLOW_SECONDS="1", PREFECT_HOME=str(tmp_path / "prefect-home"))
    proc = subprocess.Popen(cmd, env=slow, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    import threading
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:   # until batches are running
            if any("Task run" in line or "Beginning flow run" in line for line in lines):
                break
            time.sleep(0.2)
        time.sleep(3.0)
        assert proc.poll() is None, "the run ended before it could be interrupted: " + "".join(lines)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        took = time.monotonic() - sent
        time.sleep(3.0)    # anything printed after the exit (EventsWorker, atexit) would be here
        reader.join(5)
        err = "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
    print(f"exited {took:.2f} s after SIGINT")
    assert took < 5.0, (took, err)
    assert proc.returncode == 130, err
    errors = [line for line in err.splitlines() if line.startswith("cleanlake: error:")]
    assert len(errors) == 1 and "cancelled" in errors[0], err
    assert "Traceback" not in err and "EventsWorker" not in err
    assert q(lake, "select source_file, content_sha256 from articles order by 1") == before
    assert q(lake, "select status from runs order by started_at") == [("completed",), ("cancelled",)]
    staging = lake / "_staging"   # the Parquet layout's staging area (a Delta lake has none)
    assert not staging.exists() or not list(staging.iterdir())


@pytest.mark.slow
def test_a_temporary_server_that_does_not_start_is_one_line(tmp_path):
    landing = tmp_path / "landing"
    write_corpus(landing, 0, 2)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "home"), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1",
               CLEANLAKE_PROGRESS="0")
    out = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--landing", str(landing),
                          "--lake", str(tmp_path / "lake")], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("cleanlake: error:")]
    assert len(errors) == 1 and "the temporary Prefect server did not start within 1 s twice" in errors[0]
    assert "Traceback" not in out.stderr


def test_prefect_console_lines_go_through_the_progress_console(monkeypatch):
    import logging

    from flows import progress

    class Handler(logging.Handler):
        console = "prefect's own"
    handler = Handler()
    logging.getLogger("prefect").addHandler(handler)
    monkeypatch.setenv("CLEANLAKE_PROGRESS", "1")
    try:
        with progress.display("ingest") as d:
            assert handler.console is d.console
            d.update(0, 10)
            d.update(5, 10)
            assert d.progress.tasks[0].total == 10 and d.rate_text(5).endswith("files/s")
        assert handler.console == "prefect's own"
    finally:
        logging.getLogger("prefect").removeHandler(handler)


def test_a_batch_that_meets_a_transient_storage_error_is_retried(prefect_server, tmp_path, monkeypatch):
    from flows import ingest
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 3)
    real, calls = ingest.process_batch, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionResetError(104, "Connection reset by peer")
        return real(*args, **kwargs)
    monkeypatch.setattr(ingest, "process_batch", flaky)
    monkeypatch.setattr(ingest.extract_batch, "retry_delay_seconds", [0.1, 0.1, 0.1])
    out = ingest_flow(landing=str(landing), lake=str(lake), runner="thread")
    assert len(calls) == 2 and out["articles_written"] == 3
