"""WARC and JSON Lines into the lake: rows and provenance, incremental growth, changed records, exactly once after kill -9."""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from flows.ingest import run_ingest
from flows.sql import connect
from tests.transforms.test_containers import BODY, JSONL, MIXED, jsonl_bytes, page_html, write_warc
from transforms.provenance import record_doc_id

ROOT = Path(__file__).resolve().parents[2]


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


def pages(n, start=0, day=1):
    return [("response", f"https://news.example.com/a/{i}.html",
             page_html(f"第{i}篇报道", date=f"2024-05-{day:02d}T10:00:00+08:00").encode(),
             "text/html; charset=utf-8", "200 OK", f"2024-05-{day:02d}T02:00:{i % 60:02d}Z") for i in range(start, start + n)]


def test_warc_and_jsonl_rows_with_crawler_provenance(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    (landing / "crawl").mkdir(parents=True)
    (landing / "crawl" / "a.warc.gz").write_bytes(write_warc(MIXED))
    (landing / "crawl" / "b.jsonl").write_bytes(jsonl_bytes(JSONL))
    s = run_ingest(str(landing), str(lake))
    assert (s.counts["articles"], s.counts["rejects"], s.counts["records_skipped"]) == (6, 3, 7)
    assert q(lake, "select records_skipped, articles_written, rejects_written from runs") == [(7, 6, 3)]
    rows = q(lake, "select source_file, source_record, url, site, fetched_at, doc_id from articles "
                   "where source_file = 'crawl/a.warc.gz' order by source_record")
    assert [r[2] for r in rows] == ["https://news.example.com/a/1.html", "https://news.example.com/a/2.html",
                                    "https://news.example.com/notes/3.txt"]
    assert {r[3] for r in rows} == {"news.example.com"}
    assert rows[0][4] == datetime(2024, 5, 1, 10, 0, 1, tzinfo=timezone.utc)
    assert all(r[5] == record_doc_id("crawl/a.warc.gz", r[1]) for r in rows)
    rej = q(lake, "select source_record, url, doc_id, reason from rejects order by source_record")
    assert [r[0] for r in rej] == [4, 5, 7] and rej[2][1] == "https://blog.example.com/p/4"
    assert rej[2][2] == record_doc_id("crawl/b.jsonl", 7) and "no content field" in rej[2][3]
    # nothing changed: nothing extracted, nothing written
    again = run_ingest(str(landing), str(lake))
    assert (again.counts["new"], again.counts["articles"], again.counts["unchanged"]) == (0, 0, 9)


def test_growing_warc_and_jsonl_process_only_new_records_and_changed_lines_replace_rows(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    warc = landing / "live.warc.gz"
    warc.write_bytes(write_warc(pages(3)))
    feed = landing / "feed.jsonl"
    lines = [json.dumps({"url": f"https://blog.example.com/p/{i}", "html": page_html(f"博客{i}")}, ensure_ascii=False)
             for i in range(3)]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_ingest(str(landing), str(lake))
    before = dict(q(lake, "select doc_id, ingested_at from articles"))
    assert len(before) == 6
    # the crawler goes on: two more WARC records (new gzip members appended), one more line
    warc.write_bytes(warc.read_bytes() + write_warc(pages(2, start=3), info=False))
    feed.write_text("\n".join(lines + [json.dumps({"url": "https://blog.example.com/p/3", "text": BODY})]) + "\n",
                    encoding="utf-8")
    s = run_ingest(str(landing), str(lake))
    assert (s.counts["new"], s.counts["changed"], s.counts["articles"], s.counts["unchanged"]) == (3, 0, 3, 6)
    after = dict(q(lake, "select doc_id, ingested_at from articles"))
    assert len(after) == 9 and all(after[d] == t for d, t in before.items())   # old rows untouched
    # line 2 is rewritten in place: its row (same doc_id) is replaced, nothing else
    lines[1] = json.dumps({"url": "https://blog.example.com/p/1", "html": page_html("改过的博客")}, ensure_ascii=False)
    feed.write_text("\n".join(lines + [json.dumps({"url": "https://blog.example.com/p/3", "text": BODY})]) + "\n",
                    encoding="utf-8")
    s = run_ingest(str(landing), str(lake))
    assert (s.counts["changed"], s.counts["articles"]) == (1, 1)
    assert q(lake, "select title from articles where doc_id = '%s'" % record_doc_id("feed.jsonl", 2)) == [("改过的博客",)]
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(9, 9)]


def test_truncated_tail_is_a_reject_until_the_crawler_finishes_the_record(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    full = write_warc(pages(3))
    (landing / "c.warc.gz").write_bytes(full[:-60])     # the last record is still being written
    run_ingest(str(landing), str(lake))
    assert q(lake, "select count(*) from articles") == [(2,)]
    rej = q(lake, "select source_record, reason from rejects")
    assert len(rej) == 1 and "truncated" in rej[0][1]
    (landing / "c.warc.gz").write_bytes(full)
    run_ingest(str(landing), str(lake))
    assert q(lake, "select count(*) from articles") == [(3,)] and q(lake, "select count(*) from rejects") == [(0,)]
    assert q(lake, "select count(*) from articles where source_record = %d" % rej[0][0]) == [(1,)]


KILLABLE = """
import sys
import flows.ingest as ingest
ingest.BUFFER_BYTES = 1          # merge after every batch: a kill lands between commits
ingest.run_ingest(sys.argv[1], sys.argv[2], batch_size=4)
"""


def test_kill_9_mid_warc_then_rerun_equals_a_clean_run(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "big.warc.gz").write_bytes(write_warc(pages(40)))
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    run_ingest(str(landing), str(clean))
    log = crashed / "articles" / "_delta_log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(landing), str(crashed)], env=env, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.is_dir() and len(list(log.glob("*.json"))) >= 3:   # created + at least two merges
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    partial = q(crashed, "select count(*) from articles")[0][0]
    assert 0 < partial < 40
    s = run_ingest(str(landing), str(crashed))
    assert s.counts["articles"] == 40 - partial and s.counts["unchanged"] == partial
    sql = "select doc_id, source_record, content_sha256, url, fetched_at from articles order by 1"
    assert q(crashed, sql) == q(clean, sql)
    assert q(crashed, "select count(*), count(distinct doc_id) from articles") == [(40, 40)]


def test_backfill_by_site_reprocesses_the_container_and_a_sidecar_edit_reextracts_its_page(tmp_path):
    from flows.backfill import selector
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    (landing / "crawl").mkdir(parents=True)
    (landing / "crawl" / "a.warc.gz").write_bytes(write_warc(MIXED))
    (landing / "p.html").write_text(page_html("有侧车的页面"), encoding="utf-8")
    side = landing / "p.html.json"
    side.write_text(json.dumps({"url": "https://one.example.com/p"}), encoding="utf-8")
    run_ingest(str(landing), str(lake))
    assert q(lake, "select url from articles where source_file = 'p.html'") == [("https://one.example.com/p",)]
    s = run_ingest(str(landing), str(lake), flow_name="backfill",
                   reprocess=selector(str(lake), {"site": "news.example.com"}))
    assert (s.counts["reprocessed"], s.counts["articles"]) == (3, 3)
    assert q(lake, "select count(*), count(distinct doc_id) from articles") == [(4, 4)]
    side.write_text(json.dumps({"url": "https://two.example.com/p"}), encoding="utf-8")
    os.utime(side, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    s = run_ingest(str(landing), str(lake))
    assert (s.counts["changed"], s.counts["articles"]) == (1, 1)
    assert q(lake, "select url, site from articles where source_file = 'p.html'") == [
        ("https://two.example.com/p", "two.example.com")]
