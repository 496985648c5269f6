"""The lake on Delta Lake, with real processes: kill -9 at random moments, readers during commits,
damaged files named with their way out, a full disk, time travel, --wait, two writers on S3."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import run_ingest
from flows.lake import Lake, LakeError
from flows.sql import connect
from tests.flows.conftest import corpus_page, write_corpus

ROOT = Path(__file__).resolve().parents[2]
WRITER = [sys.executable, "-m", "tests.flows.writer"]


def env_with(**extra):
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", **extra}
    env.pop("CLEANLAKE_PROGRESS", None)
    return env


def q(lake, sql, as_of=None):
    return connect(str(lake), as_of=as_of).sql(sql).fetchall()


def pairs(lake, table):
    return sorted(q(lake, f"select source_file, content_sha256, doc_id from {table}"))


def same_as_clean(lake, clean):
    for table in ("articles", "rejects"):
        assert pairs(lake, table) == pairs(clean, table), table
    for table in ("articles", "rejects"):
        assert q(lake, f"select count(*) - count(distinct doc_id) from {table}") == [(0,)]


def writer(*args, env=None, timeout=300):
    return subprocess.run([*WRITER, *map(str, args)], cwd=ROOT, env=env or env_with(), capture_output=True,
                          text=True, timeout=timeout)


# -- kill -9 ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_kill_9_at_twelve_random_moments_then_rerun_equals_a_clean_run(tmp_path):
    landing, lake, clean = tmp_path / "landing", tmp_path / "lake", tmp_path / "clean"
    write_corpus(landing, 0, 80)
    (landing / "bad.html").write_bytes(b"")
    rng = random.Random(11)
    pages = sorted(landing.glob("d*/*.md"))

    def change_some(i):   # every run has work: 20 pages edited, and a page moving between the tables
        for p in rng.sample(pages, 20):
            n = int(p.stem.split("-")[1])
            p.write_text(corpus_page(n, extra=f"第{i}次修改。"), encoding="utf-8")
        if i % 2:
            (landing / "bad.html").write_text(corpus_page(500 + i), encoding="utf-8")
        else:
            (landing / "bad.html").write_bytes(b"")

    assert writer("run", landing, lake, 40_000, 8).stdout.startswith("ok")
    change_some(0)
    started = time.monotonic()
    assert writer("run", landing, lake, 40_000, 8).stdout.startswith("ok")
    one_run = time.monotonic() - started   # start-up, snapshot, 21 files extracted, several commits
    kills = 0
    for i in range(1, 13):
        change_some(i)   # killed runs leave work behind: a later run has at least this much to do
        proc = subprocess.Popen([*WRITER, "run", str(landing), str(lake), "40000", "8"], cwd=ROOT, env=env_with(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 0.95) * one_run)
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait(30)
        for table in ("articles", "rejects"):   # readable and exact after every kill
            assert q(lake, f"select count(*) - count(distinct doc_id) from {table}") == [(0,)]
    assert kills >= 10
    assert writer("run", landing, lake, 40_000, 8).stdout.startswith("ok")
    assert writer("run", landing, clean, 40_000, 8).stdout.startswith("ok")
    same_as_clean(lake, clean)
    assert q(lake, "select count(*) from articles") == [(80,)]


# -- readers during commits ------------------------------------------------------------------------

@pytest.mark.slow
def test_readers_during_runs_and_compactions_see_no_error_duplicate_or_missing_row(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 40)
    run_ingest(str(landing), str(lake))
    script = ROOT / "tests" / "flows" / "writer.py"
    assert script.exists()
    steps = []
    for k in range(1, 5):   # four runs of several commits each, three compactions between them
        steps.append(("add", 40 * k, 40 * (k + 1)))
        if k < 4:
            steps.append(("compact",))

    import threading
    stop = threading.Event()
    errors, seen = [], []

    def read_loop():
        last = 0
        while not stop.is_set():
            try:
                (n, distinct), = q(lake, "select count(*), count(distinct doc_id) from articles")
                if n != distinct:
                    errors.append(f"duplicates: {n} rows, {distinct} ids")
                if n < last:
                    errors.append(f"missing rows: {n} after {last}")
                last = max(last, n)
                seen.append(n)
            except Exception as exc:  # noqa: BLE001 - every error counts
                errors.append(repr(exc))

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for step in steps:
            if step[0] == "add":
                write_corpus(landing, step[1], step[2])
                out = writer("run", landing, lake, 15_000, 8)
            else:
                out = writer("compact", lake)
            assert out.stdout.startswith("ok"), out.stdout + out.stderr
    finally:
        stop.set()
        reader.join(60)
    commits = sum(1 for h in Lake(str(lake)).history() if h["table"] == "articles")
    assert commits >= 10 and len(seen) >= 20
    assert errors == []
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(200, 200)]


# -- damage ----------------------------------------------------------------------------------------

@pytest.fixture
def two_lakes(tmp_path):
    """A landing zone, a lake with a few commits, and a clean lake of the same landing zone."""
    landing, lake, clean = tmp_path / "landing", tmp_path / "lake", tmp_path / "clean"
    write_corpus(landing, 0, 30)
    (landing / "bad.html").write_bytes(b"")
    run_ingest(str(landing), str(lake))
    write_corpus(landing, 30, 40)
    run_ingest(str(landing), str(lake))
    run_ingest(str(landing), str(clean))
    return landing, lake, clean


def one_line_error(call) -> str:
    with pytest.raises(LakeError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def repair_then_rerun(landing, lake, clean):
    done = Lake(str(lake)).repair()
    assert done, "repair found nothing to do"
    run_ingest(str(landing), str(lake))
    same_as_clean(lake, clean)
    return done


def data_files(lake, table="articles"):
    return sorted(p for p in (lake / table).glob("**/*.parquet") if "_delta_log" not in p.parts)


def test_a_deleted_data_file_is_named_and_repair_then_rerun_brings_its_rows_back(two_lakes):
    landing, lake, clean = two_lakes
    victim = data_files(lake)[0]
    victim.unlink()
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert str(victim.relative_to(lake)) in msg and "missing" in msg and "cleanlake repair" in msg
    repair_then_rerun(landing, lake, clean)


def test_a_truncated_data_file_is_named_and_repaired(two_lakes):
    landing, lake, clean = two_lakes
    victim = data_files(lake)[-1]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert str(victim.relative_to(lake)) in msg and "corrupt" in msg
    done = repair_then_rerun(landing, lake, clean)
    assert any("moved corrupt data file" in d for d in done)
    assert (lake / "_damaged" / victim.relative_to(lake)).exists()


def test_a_garbage_runs_file_is_named_not_ignored(two_lakes):
    landing, lake, clean = two_lakes
    victim = data_files(lake, "runs")[0]
    victim.write_bytes(b"not parquet at all")
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert str(victim.relative_to(lake)) in msg
    repair_then_rerun(landing, lake, clean)
    assert q(lake, "select count(*) from runs")[0][0] >= 1


@pytest.mark.parametrize("damage", ["garbage", "empty", "torn"])
def test_a_damaged_newest_log_entry_is_named_and_repair_goes_back_one_version(two_lakes, damage):
    landing, lake, clean = two_lakes
    log = sorted((lake / "articles" / "_delta_log").glob("*.json"))[-1]
    body = log.read_bytes()
    log.write_bytes({"garbage": b"\x00\xffnot json", "empty": b"", "torn": body[: len(body) // 2]}[damage])
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert str(log.relative_to(lake)) in msg and "cleanlake repair" in msg
    repair_then_rerun(landing, lake, clean)


def test_a_corrupt_checkpoint_is_named_and_repair_replays_the_log(two_lakes):
    landing, lake, clean = two_lakes
    Lake(str(lake)).table("articles").create_checkpoint()
    cp = next((lake / "articles" / "_delta_log").glob("*.checkpoint.parquet"))
    cp.write_bytes(b"PAR1 garbage")
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert str(cp.relative_to(lake)) in msg
    repair_then_rerun(landing, lake, clean)


def test_a_deleted_table_log_is_named_and_repair_then_rerun_never_duplicates(two_lakes):
    landing, lake, clean = two_lakes
    shutil.rmtree(lake / "articles" / "_delta_log")
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert "articles/_delta_log" in msg and "cleanlake repair" in msg
    repair_then_rerun(landing, lake, clean)


def test_cli_names_the_damage_in_one_line_and_exits_non_zero(two_lakes, prefect_api_url):
    landing, lake, _ = two_lakes
    victim = data_files(lake)[0]
    victim.unlink()
    out = subprocess.run([sys.executable, "-m", "flows.cli", "sql", "--lake", str(lake), "select count(*) from ledger"],
                         cwd=ROOT, env=env_with(), capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    out = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--landing", str(landing), "--lake", str(lake),
                          "--runner", "thread"], cwd=ROOT, env=env_with(PREFECT_API_URL=prefect_api_url),
                         capture_output=True, text=True, timeout=300)
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("cleanlake: error:")]
    assert out.returncode == 2 and len(lines) == 1 and victim.name in lines[0], out.stderr[-2000:]
    assert "Traceback" not in out.stderr


# -- time travel, history ----------------------------------------------------------------------------

def test_as_of_the_version_before_a_backfill_returns_the_old_rows(tmp_path):
    from flows.backfill import selector
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 12)
    first = run_ingest(str(landing), str(lake))
    before = Lake(str(lake)).table("articles").version()
    back = run_ingest(str(landing), str(lake), flow_name="backfill", reprocess=selector(str(lake), {"all": True}))
    assert q(lake, "select distinct run_id from articles") == [(back.run_id,)]
    assert q(lake, "select distinct run_id from articles", as_of=before) == [(first.run_id,)]
    assert q(lake, "select count(*) from runs", as_of=before) == [(1,)]
    assert q(lake, "select count(*) from articles", as_of=before) == [(12,)]
    history = Lake(str(lake)).history()
    merges = [h for h in history if h["table"] == "articles" and h["operation"] == "MERGE"]
    assert merges[0]["run_id"] == back.run_id and merges[0]["rows_updated"] == 12
    assert merges[1]["run_id"] == first.run_id and merges[1]["rows_added"] == 12
    out = subprocess.run([sys.executable, "-m", "flows.cli", "sql", "--lake", str(lake), "--as-of", str(before),
                          "--format", "csv", "select distinct run_id from articles"],
                         cwd=ROOT, env=env_with(), capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["run_id", first.run_id], out.stderr
    out = subprocess.run([sys.executable, "-m", "flows.cli", "history", "--lake", str(lake)],
                         cwd=ROOT, env=env_with(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and back.run_id in out.stdout and "MERGE" in out.stdout, out.stderr
    Lake(str(lake)).restore(before)   # back to before the backfill, as a new commit
    assert q(lake, "select distinct run_id from articles") == [(first.run_id,)]
    assert q(lake, "select count(*) from runs") == [(1,)]
    assert run_ingest(str(landing), str(lake)).counts["unchanged"] == 12


# -- writers: --wait, a writer that dies at start ----------------------------------------------------

@pytest.mark.slow
def test_wait_waits_for_a_held_lake_and_a_refusal_is_one_line(tmp_path, prefect_api_url):
    landing, lake, release = tmp_path / "landing", tmp_path / "lake", tmp_path / "release"
    write_corpus(landing, 0, 3)
    env = env_with(PREFECT_API_URL=prefect_api_url)
    holder = subprocess.Popen([*WRITER, "hold", str(lake), "600", str(release)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        cli = [sys.executable, "-m", "flows.cli", "run", "--landing", str(landing), "--lake", str(lake), "--runner", "thread"]
        refused = subprocess.run([*cli, "--wait", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0, refused.stderr
        assert "locked by a running cleanlake job" in refused.stderr and "after waiting 1 s" in refused.stderr
        waiting = subprocess.Popen([*cli, "--wait", "300"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(15)   # longer than --wait 1 took to give up: a run that did not wait has exited by now
        assert waiting.poll() is None, waiting.communicate()
        release.touch()   # the holder lets go after a few seconds
        out, err = waiting.communicate(timeout=300)
        assert waiting.returncode == 0, err[-2000:]
        assert holder.wait(10) == 0
    finally:
        holder.kill()
    assert q(lake, "select count(*) from articles") == [(3,)]


def test_a_writer_killed_at_start_blocks_nobody(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 5)
    proc = subprocess.Popen([*WRITER, "hold", str(lake), "60"], cwd=ROOT, env=env_with(), stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    proc.kill()
    proc.wait(10)
    assert run_ingest(str(landing), str(lake), lock_wait=0).counts["new"] == 5


# -- disk full ---------------------------------------------------------------------------------------

@pytest.fixture
def small_tmpfs(tmp_path):
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    try:
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command here")
    if out.returncode != 0:
        pytest.skip(f"cannot mount a 3 MB tmpfs here ({out.stderr.strip() or out.returncode}): needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_disk_full_fails_in_one_line_keeps_the_last_version_and_the_rerun_completes(tmp_path, small_tmpfs):
    landing, clean = tmp_path / "landing", tmp_path / "clean"
    lake = small_tmpfs / "lake"
    write_corpus(landing, 0, 20)
    run_ingest(str(landing), str(lake))
    write_corpus(landing, 20, 220)
    run_ingest(str(landing), str(clean))
    before, failed, failures = pairs(lake, "articles"), [], 0
    for leave in (0, 2_000, 8_000, 30_000, 120_000):   # fill levels: bytes left free
        filler = small_tmpfs / "filler"
        free = shutil.disk_usage(small_tmpfs).free
        with open(filler, "wb") as fh:
            try:
                fh.write(b"\0" * max(0, free - leave))
            except OSError:
                pass
        try:
            run_ingest(str(landing), str(lake))
        except LakeError as exc:
            assert "\n" not in str(exc) and "no space left on device" in str(exc), str(exc)
            failures += 1
        filler.unlink()
        # the lake reads as its last good version: every commit is whole (one that fit may have landed)
        now = pairs(lake, "articles")
        assert set(before) <= set(now) <= set(pairs(clean, "articles"))
        assert q(lake, "select count(*) - count(distinct doc_id) from articles") == [(0,)]
        failed.append(len(now) - len(before))
    assert failures >= 3, failed
    run_ingest(str(landing), str(lake))
    same_as_clean(lake, clean)


# -- two writers on s3:// ----------------------------------------------------------------------------

@pytest.fixture
def s3_relay(tmp_path):
    from tests.flows.s3 import Relay, moto_process
    with moto_process(tmp_path) as endpoint:
        relay = Relay(int(endpoint.rsplit(":", 1)[1]))
        env = env_with(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                       AWS_ENDPOINT_URL=relay.endpoint, CLEANLAKE_S3_RETRY_TIMEOUT="90s")
        import s3fs
        fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, key="testing", secret="testing")
        fs.mkdir("lakebucket")
        yield relay, env, fs, endpoint
        relay.cut()


def s3_counts(fs_endpoint, table):
    from deltalake import DeltaTable
    opts = {"AWS_ENDPOINT_URL": fs_endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    t = DeltaTable(f"s3://lakebucket/lake/{table}", storage_options=opts).to_pyarrow_table(columns=["doc_id"])
    return t.num_rows, len(set(t["doc_id"].to_pylist()))


def land_on_s3(fs, tmp_path, n: int) -> None:
    """n corpus pages written locally, then put under s3://lakebucket/landing."""
    local = tmp_path / "landing"
    write_corpus(local, 0, n)
    fs.put(str(local), "lakebucket/landing", recursive=True)


@pytest.mark.slow
def test_two_writers_on_s3_through_a_30_second_outage_write_no_duplicate(tmp_path, s3_relay):
    relay, env, fs, endpoint = s3_relay
    land_on_s3(fs, tmp_path, 150)
    cmd = [*WRITER, "run", "s3://lakebucket/landing", "s3://lakebucket/lake", "20000", "8"]
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not fs.exists("lakebucket/lake/articles/_delta_log/00000000000000000001.json"):   # mid-run: rows committed
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.1)
        fs.invalidate_cache()
    relay.cut()
    second = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(30)
    relay.restore()
    third = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=300) for p in (first, second, third)]
    for p, (stdout, stderr) in zip((first, second, third), outs):   # each ends in one line
        assert stdout.startswith(("ok", "error: ")) and stdout.count("\n") == 1, stdout + stderr[-2000:]
        assert "Traceback" not in stderr, stderr[-3000:]
    assert outs[0][0].startswith("ok"), outs[0]   # the run cut off mid-way waited the outage out
    rows, ids = s3_counts(endpoint, "articles")
    assert rows == ids   # never a duplicate doc_id
    final = writer("run", "s3://lakebucket/landing", "s3://lakebucket/lake", 20000, 8, env=env)
    assert final.stdout.startswith("ok"), final.stdout + final.stderr[-2000:]
    assert s3_counts(endpoint, "articles") == (150, 150)


@pytest.mark.slow
def test_an_s3_outage_at_start_fails_in_one_line_and_leaves_nothing_behind(tmp_path, s3_relay):
    relay, env, fs, endpoint = s3_relay
    land_on_s3(fs, tmp_path, 10)
    relay.cut()
    out = writer("run", "s3://lakebucket/landing", "s3://lakebucket/lake", env={**env, "CLEANLAKE_S3_RETRY_TIMEOUT": "3s"})
    assert out.returncode == 2 and out.stdout.startswith("error: ") and "Traceback" not in out.stderr, out.stdout + out.stderr
    relay.restore()
    started = time.monotonic()
    ok = writer("run", "s3://lakebucket/landing", "s3://lakebucket/lake", env=env)
    assert ok.stdout.startswith("ok"), ok.stdout + ok.stderr[-2000:]
    assert time.monotonic() - started < 120   # not refused, not waiting out a lease
    assert s3_counts(endpoint, "articles") == (10, 10)


# -- migrate -----------------------------------------------------------------------------------------

def make_old_lake(landing, lake):
    """An old-layout lake as the previous version wrote it: hive Parquet files, rejects, ledger, runs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datetime import datetime, timezone
    from flows.discover import discover
    from flows.process import process_batch
    from schemas import ARTICLES_FILE, LEDGER, REJECTS, RUNS
    now = datetime.now(timezone.utc)
    files = list(discover(str(landing)))
    res = process_batch(str(landing), files, {}, now)
    arts = res.articles
    ledger = []
    for key in sorted({(s, m) for s, m in zip(arts["site"].to_pylist(), arts["month"].to_pylist())}):
        idx = [i for i, sm in enumerate(zip(arts["site"].to_pylist(), arts["month"].to_pylist())) if sm == key]
        part = arts.take(pa.array(idx)).select(ARTICLES_FILE.names).cast(ARTICLES_FILE)
        rel = f"articles/site={key[0] or '__HIVE_DEFAULT_PARTITION__'}/month={key[1] or '__HIVE_DEFAULT_PARTITION__'}/part-old-00001.parquet"
        (lake / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(part, lake / rel)
        for sf in part["source_file"].to_pylist():
            ledger.append((sf, rel))
    (lake / "rejects").mkdir(parents=True)
    pq.write_table(res.rejects.cast(REJECTS), lake / "rejects" / "part-old-00001.parquet")
    ledger += [(sf, "rejects/part-old-00001.parquet") for sf in res.rejects["source_file"].to_pylist()]
    where = dict(ledger)
    rows = [{"source_file": e["source_file"], "size": e["size"], "mtime_ns": e["mtime_ns"],
             "content_sha256": e["content_sha256"], "doc_id": e["doc_id"], "outcome": e["outcome"],
             "data_file": where[e["source_file"]], "run_id": "old-run", "seen_at": now} for e in res.entries]
    (lake / "_ledger").mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=LEDGER), lake / "_ledger" / "ledger.parquet")
    (lake / "_runs").mkdir()
    run = {"run_id": "old-run", "flow": "ingest", "started_at": now, "finished_at": now, "status": "completed",
           "landing": str(landing), "files_seen": len(files), "files_new": len(files), "files_changed": 0,
           "files_unchanged": 0, "files_reprocessed": 0, "articles_written": arts.num_rows,
           "rejects_written": res.rejects.num_rows, "pipeline_version": "0.1.0"}
    pq.write_table(pa.Table.from_pylist([run], schema=RUNS), lake / "_runs" / "old-run.parquet")


def test_an_old_format_lake_is_refused_in_one_line_then_migrated(tmp_path):
    from flows.migrate import migrate
    landing, lake, clean = tmp_path / "landing", tmp_path / "lake", tmp_path / "clean"
    write_corpus(landing, 0, 20)
    (landing / "bad.html").write_bytes(b"")
    make_old_lake(landing, lake)
    msg = one_line_error(lambda: run_ingest(str(landing), str(lake)))
    assert "cleanlake migrate" in msg
    out = migrate(str(lake))
    assert (out["articles"], out["rejects"], out["runs"]) == (20, 1, 1)
    s = run_ingest(str(landing), str(lake))
    assert (s.counts["unchanged"], s.counts["articles"]) == (21, 0)   # the ledger survived the move
    run_ingest(str(landing), str(clean))
    same_as_clean(lake, clean)
    assert q(lake, "select count(*) from runs") == [(2,)]


# -- plain DuckDB --------------------------------------------------------------------------------------

def test_lake_sql_parses_and_runs_where_the_delta_extension_is_installed(tmp_path):
    import duckdb
    text = (ROOT / "lake.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    statements = con.extract_statements(text)
    assert len(statements) == 5
    try:
        con.execute("LOAD delta")
    except duckdb.Error as exc:
        pytest.skip(f"DuckDB's delta extension is not installed here ({str(exc).splitlines()[0][:80]})")
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_corpus(landing, 0, 6)
    run_ingest(str(landing), str(lake))
    for st in statements:
        con.execute(st.query.replace("data/lake/", f"{lake}/"))
    assert con.sql("select count(*), count(distinct site) from articles").fetchall() == [(6, 3)]
    assert con.sql("select count(*) from ledger").fetchall() == [(6,)]
