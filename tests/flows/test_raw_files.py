"""Raw files are opened as discovery saw them: no link followed (file or folder swapped after
discovery), no blocking read of a FIFO under either runner, odd (non-UTF-8) names kept reversibly,
and every folder or path that cannot be listed or opened accounted for as a reject."""
import os
import pickle
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from flows import executor
from flows.discover import discover, escape_name, name_bytes
from flows.ingest import run_ingest
from flows.process import process_batch
from flows.sql import connect
from tests.flows.conftest import corpus_page, make_page
from transforms import DEFAULT_OPTIONS

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
SECRET = "外面的秘密文件内容，绝不能进入数据湖。" * 20


def q(lake, sql):
    return connect(str(lake)).sql(sql).fetchall()


def within(seconds, fn, *args):
    """Run fn in a thread; fail (instead of hanging the suite) if it takes longer than ``seconds``."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("out", fn(*args)), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn.__name__} blocked for more than {seconds} s"
    return box["out"]


@pytest.fixture
def zone(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    (landing / "news").mkdir(parents=True)
    for i in range(3):
        (landing / "news" / f"p{i}.md").write_text(corpus_page(i), encoding="utf-8")
    outside.mkdir()
    (outside / "p0.md").write_text(make_page("外部标题", 1, SECRET), encoding="utf-8")
    (outside / "p1.md").write_text(make_page("外部标题", 2, SECRET), encoding="utf-8")
    return landing, outside


def by_name(result):
    rows = {r["source_file"]: ("article", r["text"]) for r in result.articles.to_pylist()}
    rows.update({r["source_file"]: ("reject", r["reason"]) for r in result.rejects.to_pylist()})
    return rows


def test_a_file_swapped_for_a_symlink_after_discovery_is_not_followed(zone):
    landing, outside = zone
    files = list(discover(str(landing)))
    target = landing / "news" / "p1.md"
    target.unlink()
    target.symlink_to(outside / "p1.md")
    got = by_name(process_batch(str(landing), files, {}, NOW))
    assert got["news/p1.md"][0] == "reject" and "symlink" in got["news/p1.md"][1]
    assert got["news/p0.md"][0] == got["news/p2.md"][0] == "article"
    assert not any(SECRET[:10] in text for _, text in got.values())


def test_a_folder_swapped_for_a_symlink_after_discovery_is_not_followed(zone, tmp_path):
    landing, outside = zone
    files = list(discover(str(landing)))
    (landing / "news").rename(tmp_path / "moved")
    (landing / "news").symlink_to(outside)      # outside has p0.md and p1.md too
    got = by_name(process_batch(str(landing), files, {}, NOW))
    assert {k: v[0] for k, v in got.items()} == {"news/p0.md": "reject", "news/p1.md": "reject", "news/p2.md": "reject"}
    assert all("folder on its path" in reason for _, reason in got.values())


def test_a_file_replaced_by_another_after_discovery_is_not_read_this_run(zone):
    landing, _ = zone
    files = list(discover(str(landing)))
    p = landing / "news" / "p2.md"
    p.rename(landing / "news" / ".old")
    p.write_text(corpus_page(9), encoding="utf-8")   # same name, another inode
    got = by_name(process_batch(str(landing), files, {}, NOW))
    assert got["news/p2.md"][0] == "reject" and "replaced after discovery" in got["news/p2.md"][1]


@pytest.mark.parametrize("runner", ["thread", "process"])
def test_a_fifo_swapped_in_after_discovery_is_a_reject_under_both_runners(zone, runner):
    landing, _ = zone
    files = list(discover(str(landing)))
    p = landing / "news" / "p1.md"
    p.unlink()
    os.mkfifo(p)   # nobody ever writes to it: a blocking open or read would hang
    if runner == "thread":    # --runner thread runs batches inline
        result = within(20, process_batch, str(landing), files, {}, NOW)
    else:
        executor.shutdown()
        try:
            result = within(60, executor.run_batch_in_process, str(landing), files, {}, NOW, DEFAULT_OPTIONS)
        finally:
            executor.shutdown()
    got = by_name(result)
    assert got["news/p1.md"][0] == "reject" and "not a regular file" in got["news/p1.md"][1]
    assert "per-file limit" not in got["news/p1.md"][1]       # refused, not timed out
    assert got["news/p0.md"][0] == "article"


def test_a_fifo_at_discovery_is_a_reject_in_a_thread_runner_flow(prefect_server, zone, tmp_path):
    from flows.ingest import ingest_flow
    landing, _ = zone
    os.mkfifo(landing / "news" / "pipe.html")
    out = within(120, ingest_flow, str(landing), str(tmp_path / "lake"), 64, "thread")
    assert (out["articles_written"], out["rejects_written"]) == (3, 1)
    assert q(tmp_path / "lake", "select source_file, reason from rejects") == [
        ("news/pipe.html", "not a regular file (device, FIFO or socket); not read")]


def test_a_gbk_named_file_beside_good_ones_is_kept_reversibly(zone, tmp_path):
    landing, _ = zone
    gbk = "新闻报道".encode("gbk") + b".md"     # not valid UTF-8
    (landing / "news").joinpath(os.fsdecode(gbk)).write_text(corpus_page(7), encoding="utf-8")
    odd_dir = os.fsencode(landing / "news") + b"/" + "中文".encode("gbk")
    os.mkdir(odd_dir)
    with open(odd_dir + b"/100%.md", "w", encoding="utf-8") as fh:
        fh.write(corpus_page(8))
    lake = tmp_path / "lake"
    first = run_ingest(str(landing), str(lake))
    assert (first.counts["articles"], first.counts["rejects"]) == (5, 0)
    names = {sf for (sf,) in q(lake, "select source_file from articles")}
    escaped = escape_name(b"news/" + gbk)
    assert escaped in names and "%D0%C2" in escaped     # the undecodable bytes, percent-escaped
    assert name_bytes(escaped) == b"news/" + gbk                                     # reversible
    odd = escape_name(b"news/" + "中文".encode("gbk") + b"/100%.md")
    assert odd in names and odd.endswith("/100%25.md") and name_bytes(odd).endswith(b"/100%.md")
    assert name_bytes("news/100%.md") == b"news/100%.md"      # a valid name with '%' is left alone
    second = run_ingest(str(landing), str(lake))             # and the next run finds them unchanged
    assert (second.counts["unchanged"], second.counts["articles"]) == (5, 0)


def test_a_path_longer_than_path_max_is_read(zone, tmp_path):
    landing, _ = zone
    fd = os.open(landing, os.O_RDONLY | os.O_DIRECTORY)
    parts = [("d%02d" % i) + "x" * 200 for i in range(21)]   # 21 x 204 characters > PATH_MAX (4096)
    try:
        for part in parts:
            os.mkdir(part, dir_fd=fd)
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        wfd = os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, corpus_page(5).encode("utf-8"))
        os.close(wfd)
    finally:
        os.close(fd)
    rel = "/".join(parts) + "/deep.md"
    assert len(str(landing) + "/" + rel) > os.pathconf("/", "PC_PATH_MAX")
    lake = tmp_path / "lake"
    out = run_ingest(str(landing), str(lake))
    assert out.counts["seen"] == 4 and (out.counts["articles"], out.counts["rejects"]) == (4, 0)
    assert q(lake, f"select count(*) from articles where source_file = '{rel}'") == [(1,)]


def _as_nobody(fn, *args):
    """Run fn(*args) in a forked child that has dropped root (uid/gid 65534); return its result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # the child
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            out = fn(*args)
            os.write(w, pickle.dumps(("ok", out)))
        except BaseException as exc:  # noqa: BLE001
            os.write(w, pickle.dumps(("error", repr(exc))))
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def _discover_all(landing):
    return list(discover(landing))


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="needs root to drop to an unprivileged user")
def test_an_unreadable_folder_is_a_reject_row(zone, monkeypatch):
    """Discovery runs as uid 65534 in a forked child (root would read the folder anyway); the run then
    ingests what that discovery found (the lake's Rust runtime cannot be used in a forked child)."""
    from flows import ingest
    base = Path(tempfile.mkdtemp(prefix="cleanlake-nobody-"))   # reachable by uid 65534 (pytest's tmp is 0700)
    try:
        os.chmod(base, 0o777)
        landing = base / "landing"
        (landing / "open").mkdir(parents=True)
        (landing / "open" / "ok.md").write_text(corpus_page(1), encoding="utf-8")
        (landing / "locked").mkdir()
        (landing / "locked" / "hidden.md").write_text(corpus_page(2), encoding="utf-8")
        for p in (landing, landing / "open"):
            os.chmod(p, 0o755)
        os.chmod(landing / "open" / "ok.md", 0o644)
        os.chmod(landing / "locked", 0o000)
        status, found = _as_nobody(_discover_all, str(landing))
        assert status == "ok", found
        monkeypatch.setattr(ingest, "discover", lambda _landing: iter(found))
        counts = run_ingest(str(landing), str(base / "lake")).counts
        assert (counts["seen"], counts["articles"], counts["rejects"]) == (2, 1, 1)
        assert q(base / "lake", "select source_file, stage, reason from rejects") == [
            ("locked/", "read", "cannot list the folder (Permission denied); its files were not read")]
    finally:
        os.chmod(base / "landing" / "locked", 0o755)
        shutil.rmtree(base, ignore_errors=True)


class _FlakyStore:
    """An object store whose first ``failures`` opens raise a non-OSError, as botocore's
    EndpointConnectionError is."""

    class Unreachable(Exception):
        pass

    def __init__(self, failures: int):
        self.failures, self.opens = failures, 0

    def open(self, path, mode):
        import io
        self.opens += 1
        if self.opens <= self.failures:
            raise self.Unreachable(f"Could not connect to the endpoint URL: {path}")
        return io.BytesIO(b"<p>page</p>")


def test_an_object_store_read_waits_out_an_outage_then_names_it(monkeypatch):
    from flows.process import _read_object
    store = _FlakyStore(failures=2)
    assert _read_object(store, "bucket/landing/a.html", 100) == b"<p>page</p>" and store.opens == 3
    monkeypatch.setenv("CLEANLAKE_S3_RETRY_TIMEOUT", "1s")
    down = _FlakyStore(failures=10 ** 6)
    with pytest.raises(OSError, match="the object store did not answer .Could not connect"):
        _read_object(down, "bucket/landing/a.html", 100)
    assert 1 < down.opens < 10   # retried with backoff, then gave up near the deadline
