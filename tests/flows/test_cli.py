"""The command line, through its real entry point (``flows.cli.main``) with typer's CliRunner."""
import json
import os
from pathlib import Path

import pytest
import typer.testing

from flows import cli as cli_mod
from flows.ingest import run_ingest
from tests.flows.conftest import make_page, write_corpus


def invoke(args, input=None, env=None):
    """The whole entry point, error handling included (typer's runner wants a Typer; give it ours)."""
    real, saved = typer.testing._get_command, dict(os.environ)
    typer.testing._get_command = lambda app: cli_mod.entry
    try:
        return typer.testing.CliRunner().invoke(None, args, input=input, env=env)
    finally:
        typer.testing._get_command = real
        os.environ.clear()           # -q / -v set Prefect's logging level in the environment
        os.environ.update(saved)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cleanlake: error: "), lines[0]
    return lines[0]


@pytest.fixture
def small_lake(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 6)
    (landing / "broken.html").write_bytes(b"")
    run_ingest(str(landing), str(lake))
    return landing, lake


# -- paths ------------------------------------------------------------------------------------------
def test_defaults_are_relative_to_the_working_folder_then_env_then_toml(tmp_path, monkeypatch):
    from flows.config import lake_url, landing_url
    monkeypatch.delenv("CLEANLAKE_LAKE", raising=False)
    monkeypatch.delenv("CLEANLAKE_LANDING", raising=False)
    work = tmp_path / "work" / "sub"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert lake_url() == str(work / "data" / "lake") and landing_url() == str(work / "data" / "raw")
    assert "site-packages" not in lake_url()
    (tmp_path / "work" / "cleanlake.toml").write_text('lake = "lakes/main"\nlanding = "/srv/raw"\n')
    assert lake_url() == str(tmp_path / "work" / "lakes" / "main") and landing_url() == "/srv/raw"
    monkeypatch.setenv("CLEANLAKE_LAKE", "s3://b/lake")
    assert lake_url() == "s3://b/lake"
    assert lake_url("other") == str(work / "other")


def test_reading_a_path_that_is_not_a_lake_is_one_line_and_creates_nothing(small_lake, tmp_path):
    typo = tmp_path / "lak"
    for args in (["sql", "--lake", str(typo), "select count(*) from articles"], ["compact", "--lake", str(typo)],
                 ["backfill", "--all", "--lake", str(typo), "--landing", str(small_lake[0])]):
        result = invoke(args)
        assert result.exit_code == 2, (args, result.output)
        assert "is not a cleanlake lake" in one_error_line(result)
        assert not typo.exists()


# -- parse-time refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize("args, needle", [
    (["backfill", "--since", "2024-13-01"], "'2024-13-01' is not a date"),
    (["serve", "--cron", "not a cron"], "is not a cron expression"),
    (["run", "--runner", "spark"], "--runner"),
    (["run", "--address", "localhost"], "not a Dask scheduler address"),
    (["run", "--batch-size", "0"], "--batch-size"),
    (["sql", "--tz", "Mars/Olympus", "select 1"], "is not a time zone"),
    (["sql", "--memory", "lots", "select 1"], "is not a memory size"),
    (["run", "--address", "tcp://h:8786"], "--address goes with --runner dask"),
    (["-q", "-v", "run"], "contradict"),
])
def test_bad_values_are_refused_at_parse_time_in_one_line(args, needle, monkeypatch):
    started = []
    monkeypatch.setattr(cli_mod, "_start_prefect", lambda display: started.append(1))
    monkeypatch.setattr(cli_mod, "_precheck", lambda *a: started.append(1))
    result = invoke(args)
    assert result.exit_code == 2
    assert needle in one_error_line(result)
    assert not started  # refused before any server or lake is touched


def test_help_version_quiet_verbose():
    assert invoke(["-h"]).exit_code == 0 and "Commands" in invoke(["-h"]).stdout
    assert "--max-rows" in invoke(["sql", "-h"]).stdout
    assert invoke(["--version"]).stdout.startswith("cleanlake ")
    assert "--quiet" in invoke(["-h"]).stdout and "--verbose" in invoke(["-h"]).stdout


# -- sql --------------------------------------------------------------------------------------------
def test_sql_keeps_duckdbs_whole_message(small_lake):
    result = invoke(["sql", "--lake", str(small_lake[1]), "select count(*) from article"])
    assert result.exit_code == 1
    assert 'Did you mean "articles"' in one_error_line(result) and result.stderr.startswith("cleanlake: error: Catalog Error")


def test_sql_every_statement_max_rows_width_formats_stdin_and_file(small_lake, tmp_path):
    lake = str(small_lake[1])
    out = invoke(["sql", "--lake", lake, "select count(*) as n from articles; select count(*) as r from rejects"])
    assert out.exit_code == 0 and "6" in out.stdout and "(1 row)" in out.stdout and out.stdout.count("(1 row)") == 2
    out = invoke(["sql", "--lake", lake, "--max-rows", "2", "--max-width", "8", "select title from articles"])
    assert "more not shown: --max-rows 2" in out.stdout and "…" in out.stdout
    assert all(len(line) <= 40 for line in out.stdout.splitlines())
    out = invoke(["sql", "--lake", lake, "--format", "markdown"], input="select source_file from rejects")
    assert "| source_file |" in out.stdout and "| broken.html |" in out.stdout
    q = tmp_path / "q.sql"
    q.write_text("select source_file, stage from rejects")
    out = invoke(["sql", "--lake", lake, "-f", str(q), "--format", "json"])
    assert [json.loads(line) for line in out.stdout.splitlines()] == [{"source_file": "broken.html", "stage": "read"}]
    out = invoke(["sql", "--lake", lake, "--format", "csv", "select 1 as a; select 2 as b"])
    assert out.stdout == "a\n1\n\nb\n2\n"


def test_sql_tz_shows_timestamps_in_the_chosen_zone(small_lake):
    lake = str(small_lake[1])
    query = "select published_at from articles where source_file = 'd0/page-0001.md'"
    utc = invoke(["sql", "--lake", lake, "--tz", "UTC", "--format", "json", query]).stdout
    sh = invoke(["sql", "--lake", lake, "--tz", "Asia/Shanghai", "--format", "json", query]).stdout
    assert json.loads(utc)["published_at"] == "2024-02-02T01:01:00+00:00"   # 09:01 +08:00 on the page
    assert json.loads(sh)["published_at"] == "2024-02-02T09:01:00+08:00"


# -- extract ----------------------------------------------------------------------------------------
def test_extract_walks_folders_reads_stdin_and_exits_1_on_too_many_rejects(tmp_path):
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.md").write_text(make_page("第一篇", 1), encoding="utf-8")
    (folder / "b.md").write_text(make_page("第二篇", 2), encoding="utf-8")
    (folder / "notes.json").write_text("{}")   # not a raw page: not walked into
    out = invoke(["extract", str(folder)])
    assert out.exit_code == 0
    titles = [json.loads(line)["title"] for line in out.stdout.splitlines()]
    assert titles == ["第二篇", "第一篇"]
    out = invoke(["extract", "-", "--format", "text"], input=make_page("标准输入", 3))
    assert out.exit_code == 0 and "这是一篇用于测试的新闻正文" in out.stdout
    out = invoke(["extract", "--format", "markdown", str(folder / "b.md")])
    assert out.stdout.startswith("# 第二篇")
    missing = str(tmp_path / "missing.html")
    out = invoke(["extract", str(folder / "b.md"), missing])   # one reject of two: not over 0.5
    assert out.exit_code == 0
    assert json.loads(out.stdout.splitlines()[1])["reject"]["stage"] == "read"
    assert invoke(["extract", str(folder / "b.md"), missing, "--max-reject-share", "0"]).exit_code == 1
    out = invoke(["extract", missing])                           # a single rejected file
    assert out.exit_code == 1 and json.loads(out.stdout)["reject"]["stage"] == "read"


# -- backfill ---------------------------------------------------------------------------------------
def test_backfill_says_what_it_selected_dry_run_lists_and_nothing_matching_says_so(small_lake, monkeypatch):
    landing, lake = map(str, small_lake)
    ran = []
    monkeypatch.setattr(cli_mod, "_flow_call", lambda *a, **k: ran.append(k))
    out = invoke(["backfill", "--site", "news1.example.com", "--dry-run", "--landing", landing, "--lake", lake])
    assert out.exit_code == 0 and not ran
    assert out.stdout.splitlines() == ["backfill --site news1.example.com: 2 of 7 files in the landing zone selected",
                                       "d0/page-0001.md", "d0/page-0004.md"]
    out = invoke(["backfill", "--site", "no.such.site", "--landing", landing, "--lake", lake])
    assert out.exit_code == 1 and "no file in the landing zone matches" in one_error_line(out) and not ran
    out = invoke(["backfill", "--paths", "d0/page-000[12].md", "--landing", landing, "--lake", lake])
    assert out.exit_code == 0 and "2 of 7 files" in out.stdout and ran[0]["selection"]["paths"] == ["d0/page-000[12].md"]


def test_backfill_dates_are_the_pages_own_calendar_days(tmp_path):
    from flows.backfill import selector
    from flows.discover import RawFile
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    # 00:30 on March 1st in Beijing is still February 29th in UTC; its month partition is 2024-03
    page = make_page("午夜", 1).replace("2025-03-01 10:00:00", "2024-03-01 00:30:00")
    (landing / "midnight.md").write_text(page, encoding="utf-8")
    run_ingest(str(landing), str(lake))
    f = RawFile("midnight.md", 1, 1)
    assert selector(str(lake), {"since": "2024-03-01", "until": "2024-03-31"})(f, None)
    assert not selector(str(lake), {"since": "2024-02-01", "until": "2024-02-29"})(f, None)


# -- serve ------------------------------------------------------------------------------------------
def test_serve_takes_every_run_option_never_pauses_and_limits_to_one_run(monkeypatch, tmp_path):
    from flows.ingest import ingest_flow
    seen = {}
    monkeypatch.setattr(type(ingest_flow), "serve", lambda self, **kw: seen.update(kw))
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    out = invoke(["serve", "--cron", "*/5 * * * *", "--landing", str(tmp_path / "raw"), "--lake", str(tmp_path / "lake"),
                  "--runner", "dask", "--address", "tcp://127.0.0.1:8786", "--per-file-seconds", "5",
                  "--batch-size", "16", "--wait", "60", "--max-reject-share", "0.9"])
    assert out.exit_code == 0, out.output
    assert seen["pause_on_shutdown"] is False and seen["cron"] == "*/5 * * * *"
    assert seen["global_limit"].limit == 1 and seen["global_limit"].collision_strategy.value == "ENQUEUE"
    p = seen["parameters"]
    assert (p["runner"], p["address"], p["per_file_seconds"], p["batch_size"], p["lock_wait"], p["max_reject_share"]) == \
        ("dask", "tcp://127.0.0.1:8786", 5.0, 16, 60.0, 0.9)
    assert set(p) <= set(ingest_flow.parameters.properties)   # every one is a flow parameter


# -- one-line failures ------------------------------------------------------------------------------
def test_prefect_console_lines_carry_no_tracebacks_unless_verbose():
    import logging
    import sys

    from prefect.logging.handlers import PrefectConsoleHandler
    cli_mod.VERBOSITY["level"] = 0
    cli_mod._console_formatter_without_tracebacks()
    try:
        raise OSError(28, "No space left on device")
    except OSError:
        record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "Encountered exception",
                                   None, sys.exc_info())
    text = PrefectConsoleHandler().format(record)
    assert text.startswith("Encountered exception") and "Traceback" not in text


def test_disk_full_and_unreachable_storage_are_one_line(monkeypatch, tmp_path):
    import errno
    from flows.cli import _describe
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "lake" / "x.parquet"))
    assert _describe(full).startswith("no space left on the device writing ")
    assert "lake is as it was" in _describe(full)

    class EndpointConnectionError(Exception):
        pass
    assert _describe(EndpointConnectionError('Could not connect to the endpoint URL: "http://127.0.0.1:1/b"')) \
        .startswith("object storage unreachable: Could not connect")


def test_a_run_that_hits_disk_full_ends_in_one_line_and_publishes_nothing(prefect_server, monkeypatch, tmp_path):
    import errno

    from flows import ingest
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 5)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(lake / "articles" / "part.parquet"))
    monkeypatch.setattr(ingest, "publish", full)
    out = invoke(["run", "--landing", str(landing), "--lake", str(lake), "--runner", "thread"])
    assert out.exit_code == 1
    assert "no space left on the device" in one_error_line(out)
    assert not list(lake.glob("articles/**/*.parquet"))


def test_an_outage_at_start_is_one_line(tmp_path):
    pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
    import subprocess
    import sys
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
           "AWS_RETRY_MODE": "standard"}
    landing = tmp_path / "landing"
    write_corpus(landing, 0, 2)
    out = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--landing", str(landing), "--lake", "s3://b/lake"],
                         env=env, capture_output=True, text=True, timeout=240, cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cleanlake: error: cannot open the lake s3://b/lake"), out.stderr


def test_a_run_prints_the_summary_and_a_mostly_rejected_run_exits_1(prefect_server, tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 3)
    (landing / "bad.html").write_bytes(b"")
    out = invoke(["run", "--landing", str(landing), "--lake", str(lake), "--runner", "thread"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ingest ") and " completed in " in lines[0] and "pages/s" in lines[0]
    assert lines[1] == "  files: 4 seen; pages: 4 new, 0 changed, 0 reprocessed, 0 unchanged"
    assert "  articles written: 3" in lines and "  rejects written: 1 by reason:" in lines
    assert any("read: file is empty or whitespace only" in line for line in lines)
    assert f"  lake: {lake}" in lines and any(line.startswith("  try: cleanlake sql --lake") for line in lines)
    for i in range(5):
        (landing / f"bad-{i}.html").write_bytes(b"")
    out = invoke(["run", "--landing", str(landing), "--lake", str(lake), "--runner", "thread"])
    assert out.exit_code == 1
    assert "over the 50% reject threshold" in one_error_line(out) and "rejects written: 5" in out.stdout
    assert invoke(["-q", "run", "--landing", str(landing), "--lake", str(lake), "--runner", "thread"]).stdout == ""


def test_a_query_that_fails_while_rows_are_fetched_is_one_message(small_lake):
    out = invoke(["sql", "--lake", str(small_lake[1]), "select cast(title as integer) from articles"])
    assert out.exit_code == 1 and out.stderr.startswith("cleanlake: error: Conversion Error")
    assert "Traceback" not in out.output


def test_a_delta_lake_counts_as_a_lake(tmp_path):
    from flows.compat import is_lake
    (tmp_path / "runs" / "_delta_log").mkdir(parents=True)
    assert is_lake(str(tmp_path)) and not is_lake(str(tmp_path / "runs" / "x"))


def test_a_locked_lake_is_one_line_before_prefect_starts(small_lake, monkeypatch):
    from flows.lake import Lake
    started = []
    monkeypatch.setattr(cli_mod, "_start_prefect", lambda display: started.append(1))
    landing, lake = small_lake
    with Lake(str(lake)).lock():
        out = invoke(["run", "--landing", str(landing), "--lake", str(lake)])
    assert out.exit_code == 2 and "locked by a running cleanlake job" in one_error_line(out) and not started
