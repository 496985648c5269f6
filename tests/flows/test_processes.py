"""Real processes on loopback: a run killed with SIGKILL, and a real Prefect server serving the schedule."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows.sql import connect
from tests.flows.conftest import write_corpus

CLI = [sys.executable, "-m", "flows.cli"]
ROOT = Path(__file__).resolve().parents[2]


def env_with(**extra):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", **extra}
    env.pop("CLEANLAKE_PROGRESS", None)
    return env


def pairs(lake, table):
    return set(connect(str(lake)).sql(f"select source_file, content_sha256 from {table}").fetchall())


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_equals_a_clean_run(tmp_path, prefect_api_url):
    landing, killed, clean = tmp_path / "landing", tmp_path / "killed", tmp_path / "clean"
    write_corpus(landing, 0, 300)
    (landing / "bad.html").write_bytes(b"")  # a reject too
    env = env_with(PREFECT_API_URL=prefect_api_url)
    proc = subprocess.Popen([*CLI, "run", "--landing", str(landing), "--lake", str(killed), "--batch-size", "16"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if any(killed.glob("articles/_delta_log/*.json")):
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    for lake in (killed, clean):
        subprocess.run([*CLI, "run", "--landing", str(landing), "--lake", str(lake)], env=env, cwd=ROOT,
                       check=True, capture_output=True, timeout=300)
    assert pairs(killed, "articles") == pairs(clean, "articles") and len(pairs(clean, "articles")) == 300
    assert pairs(killed, "rejects") == pairs(clean, "rejects") and len(pairs(clean, "rejects")) == 1
    assert connect(str(killed)).sql("select count(*) - count(distinct doc_id) from articles").fetchall() == [(0,)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a process started with start_new_session=True and everything it started."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def prefect_server_process(tmp_path):
    """A real `prefect server start` on a free loopback port, with its own PREFECT_HOME."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = env_with(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_API_URL=api,
                   PREFECT_SERVER_API_HOST="127.0.0.1", PREFECT_SERVER_API_PORT=str(port))
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 120, "the Prefect server")
        yield api, env
    finally:
        stop_group(proc)
        log.close()


@pytest.mark.slow
def test_serve_on_a_real_prefect_server_runs_the_schedule_deployment(prefect_server_process, tmp_path):
    api, env = prefect_server_process
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 12)
    log = open(tmp_path / "serve.log", "wb")
    serve = subprocess.Popen([*CLI, "serve", "--cron", "0 3 * * *", "--landing", str(landing), "--lake", str(lake),
                              "--name", "nightly", "--runner", "thread"],
                             env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        check = ("from prefect.client.orchestration import get_client\n"
                 "with get_client(sync_client=True) as c:\n"
                 "    d = c.read_deployment_by_name('cleanlake-ingest/nightly')\n"
                 "    print(d.schedules[0].schedule.cron)\n")
        cron = wait_for(lambda: subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True,
                                               timeout=30).stdout.strip(), 90, "the served deployment")
        assert cron == "0 3 * * *"
        trigger = ("from prefect.deployments import run_deployment\n"
                   "r = run_deployment('cleanlake-ingest/nightly', timeout=180)\n"
                   "print(r.state.type.value)\n")
        out = subprocess.run([sys.executable, "-c", trigger], env=env, capture_output=True, text=True, timeout=240)
        assert out.stdout.strip().endswith("COMPLETED"), out.stdout + out.stderr
        assert connect(str(lake)).sql("select count(*) from articles").fetchall() == [(12,)]
    finally:
        stop_group(serve)
        log.close()
