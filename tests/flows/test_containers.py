"""Containers, sidecars and mirror trees through discovery and the batch processor (no lake needed here)."""
import json
from datetime import datetime, timezone

from flows.containers import expand
from flows.discover import discover
from flows.process import process_batch
from tests.transforms.test_containers import BODY, JSONL, MIXED, jsonl_bytes, page_html, write_warc
from transforms import DEFAULT_OPTIONS
from transforms.provenance import record_doc_id

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def make_landing(root):
    (root / "crawl").mkdir(parents=True)
    (root / "crawl" / "a.warc.gz").write_bytes(write_warc(MIXED))
    (root / "crawl" / "b.jsonl").write_bytes(jsonl_bytes(JSONL))
    (root / "new.qq.com" / "rain" / "a").mkdir(parents=True)
    (root / "new.qq.com" / "rain" / "a" / "X.html").write_text(page_html("镜像页面"), encoding="utf-8")
    (root / "pages").mkdir()
    (root / "pages" / "p.html").write_text(page_html("有侧车的页面"), encoding="utf-8")
    (root / "pages" / "p.html.meta.json").write_text(json.dumps(
        {"url": "https://side.example.com/p", "fetched_at": "2024-08-01T00:00:00Z", "author": "李四"}), encoding="utf-8")
    (root / "pages" / "q.html").write_text(page_html("侧车坏了"), encoding="utf-8")
    (root / "pages" / "q.json").write_text("{broken", encoding="utf-8")
    return root


def run(root, known=None):
    """``known``: doc_id -> hash, as the lake holds them."""
    files = list(discover(str(root)))
    todo, index = expand(str(root), files, DEFAULT_OPTIONS, known)
    by_key = {}
    for f in todo:
        doc = record_doc_id(f.source_file, f.record)
        if known and doc in known:
            by_key[f.key] = known[doc]
    return files, todo, index, process_batch(str(root), todo, by_key, NOW, DEFAULT_OPTIONS)


def test_one_container_file_many_rows_sidecars_and_mirror(tmp_path):
    root = make_landing(tmp_path / "landing")
    files, todo, index, result = run(root)
    names = [f.source_file for f in files]
    assert not any(n.endswith(".json") for n in names)          # sidecars are never pages
    side = {f.source_file: f.sidecar for f in files}
    assert side["pages/p.html"] == "pages/p.html.meta.json" and side["pages/q.html"] == "pages/q.json"
    assert index.skipped == 7 and index.entries == []   # 6 WARC records, 1 JSONL redirect line
    arts = {(r["source_file"], r["source_record"]): r for r in result.articles.to_pylist()}
    warc = sorted(k[1] for k in arts if k[0] == "crawl/a.warc.gz")
    assert len(warc) == 3 and len([k for k in arts if k[0] == "crawl/b.jsonl"]) == 3
    first = arts[("crawl/a.warc.gz", warc[0])]
    assert first["url"] == "https://news.example.com/a/1.html" and first["site"] == "news.example.com"
    assert first["fetched_at"] == datetime(2024, 5, 1, 10, 0, 1, tzinfo=timezone.utc)
    assert first["doc_id"] == record_doc_id("crawl/a.warc.gz", warc[0]) and first["charset"] == "gbk"
    mirror = arts[("new.qq.com/rain/a/X.html", None)]
    assert (mirror["site"], mirror["url"]) == ("new.qq.com", "https://new.qq.com/rain/a/X.html")
    p = arts[("pages/p.html", None)]
    assert (p["url"], p["author"], p["title"]) == ("https://side.example.com/p", "李四", "有侧车的页面")
    assert arts[("pages/q.html", None)]["url"] is None        # the page still lands, without its sidecar
    rejects = result.rejects.to_pylist()
    by_file = {}
    for r in rejects:
        by_file.setdefault(r["source_file"], []).append(r)
    assert "not valid JSON" in by_file["pages/q.json"][0]["reason"]
    jl = sorted(by_file["crawl/b.jsonl"], key=lambda r: r["source_record"])
    assert [r["source_record"] for r in jl] == [4, 5, 7]
    assert jl[2]["url"] == "https://blog.example.com/p/4" and jl[2]["doc_id"] == record_doc_id("crawl/b.jsonl", 7)
    # entries: one per record (skipped ones too), keyed by doc_id
    docs = [e["doc_id"] for e in result.entries]
    assert len(docs) == len(set(docs))


def test_second_pass_with_known_hashes_extracts_only_new_records(tmp_path):
    root = make_landing(tmp_path / "landing")
    _, todo, _, first = run(root)
    known = {e["doc_id"]: e["content_sha256"] for e in first.entries if e["content_sha256"]}
    warc = root / "crawl" / "a.warc.gz"
    extra = [("response", "https://news.example.com/a/9.html", page_html("新增报道").encode(), "text/html",
              "200 OK", "2024-05-09T00:00:00Z")]
    warc.write_bytes(warc.read_bytes() + write_warc(extra))
    with open(root / "crawl" / "b.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"url": "https://blog.example.com/p/9", "text": BODY}, ensure_ascii=False) + "\n")
    _, todo2, index2, second = run(root, known)
    assert len([j for j in todo2 if j.record is not None]) == 2    # only the two new records are jobs
    new = [(e["source_file"], e["status"]) for e in second.entries if e["status"] in ("new", "changed")]
    assert sorted(new) == [("crawl/a.warc.gz", "new"), ("crawl/b.jsonl", "new")]
    assert second.articles.num_rows == 2 and "新增报道" in second.articles["title"].to_pylist()
    assert second.rejects.num_rows == 0
    unchanged = [e for e in second.entries + index2.entries if e["status"] == "unchanged"]
    assert len(unchanged) == len([e for e in first.entries if e["outcome"] in ("article", "reject")
                                  and e["source_file"] != "pages/q.json"])
    assert {e["source_file"] for e in index2.entries} == {"crawl/a.warc.gz", "crawl/b.jsonl"}


def test_shipped_sample_containers(tmp_path):
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "data" / "raw"
    files = [f for f in discover(str(root)) if f.source_file.startswith("crawl/")]
    todo, index = expand(str(root), files, DEFAULT_OPTIONS)
    result = process_batch(str(root), todo, {}, NOW, DEFAULT_OPTIONS)
    assert result.rejects.num_rows == 0 and index.skipped == 8   # warcinfo, 5 requests, the 301, the png
    got = {r["url"]: r for r in result.articles.to_pylist()}
    assert len(got) == 6
    metro = got["https://news.example.com/city/2025/04/metro-line-9.html"]
    assert (metro["charset"], metro["author"], metro["site"]) == ("gbk", "赵明", "news.example.com")
    library = got["https://www.example.net/library/2025/night-hours"]   # the crawler's URL, not the canonical m.example.net
    assert library["site"] == "www.example.net" and library["fetched_at"] == datetime(2025, 3, 22, 1, tzinfo=timezone.utc)
    assert got["https://travel.example.com/2025/06/old-street"]["title"] == "老街改造后重新开放"
