"""Container readers (WARC written with warcio itself, JSON Lines) and provenance precedence."""
import gzip
import io
import json
import os
from datetime import datetime, timezone

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from transforms import DEFAULT_OPTIONS, Reject, extract
from transforms.containers import container_kind, iter_jsonl, iter_warc, parse_field_map
from transforms.options import Limits
from transforms.provenance import (Provenance, from_mirror_path, from_sidecar, parse_instant, record_doc_id,
                                   transcode)

BODY = ("这是一篇用于测试的新闻正文，内容描述了一个虚构的事件，并且包含足够多的中文句子。"
        "记者在现场进行了采访，多位受访者表达了各自的看法，事件的后续发展仍有待观察。")


def page_html(title: str, canonical: str | None = None, date: str | None = None) -> str:
    head = f"<title>{title}</title>"
    if canonical:
        head += f'<link rel="canonical" href="{canonical}">'
    if date:
        head += f'<meta property="article:published_time" content="{date}">'
    paras = "".join(f"<p>{BODY}{i}</p>" for i in range(3))
    return f"<html><head>{head}</head><body><article><h1>{title}</h1>{paras}</article></body></html>"


def write_warc(records, gz=True, info=True) -> bytes:
    """records: (type, uri, body bytes, http content type or None, status, warc date); ``info``: a
    warcinfo record first (records appended to a growing file have none)."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    if info:
        w.write_record(w.create_warcinfo_record("test.warc.gz", {"software": "cleanlake-tests"}))
    for rtype, uri, body, ctype, status, date in records:
        headers = {"WARC-Date": date} if date else {}
        if rtype == "response":
            http = StatusAndHeaders(status, [("Content-Type", ctype)] if ctype else [], protocol="HTTP/1.1")
            rec = w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http,
                                       warc_headers_dict=headers)
        else:
            if ctype:
                headers["Content-Type"] = ctype
            rec = w.create_warc_record(uri, rtype, payload=io.BytesIO(body), warc_headers_dict=headers)
        w.write_record(rec)
    return buf.getvalue()


MIXED = [
    ("request", "https://news.example.com/a/1.html", b"GET /a/1.html HTTP/1.1\r\nHost: news.example.com\r\n\r\n",
     None, None, "2024-05-01T10:00:00Z"),
    ("response", "https://news.example.com/a/1.html", page_html("第一篇报道").encode("gbk"),
     "text/html; charset=gbk", "200 OK", "2024-05-01T10:00:01Z"),
    ("response", "dns:news.example.com", b"20240501100000\nnews.example.com. 300 IN A 10.0.0.1\n",
     None, "200 OK", "2024-05-01T10:00:00Z"),
    ("response", "https://news.example.com/old", b"", None, "301 Moved Permanently", "2024-05-01T10:00:02Z"),
    ("response", "https://news.example.com/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", "200 OK",
     "2024-05-01T10:00:03Z"),
    ("metadata", "https://news.example.com/a/1.html", b"outlinks: https://news.example.com/a/2.html\n",
     "application/warc-fields", None, "2024-05-01T10:00:04Z"),
    ("response", "https://news.example.com/a/2.html",
     page_html("第二篇报道", canonical="https://mobile.example.org/a/2").encode(), "text/html; charset=utf-8",
     "200 OK", "2024-05-02T08:30:00Z"),
    ("resource", "https://news.example.com/notes/3.txt", ("第三篇报道\n\n" + BODY * 2).encode(), "text/plain",
     None, "2024-05-03T09:00:00Z"),
]


def pages(items):
    return [i for i in items if i.kind == "page"]


@pytest.mark.parametrize("gz", [True, False])
def test_warc_pages_skips_and_provenance(gz):
    items = list(iter_warc(io.BytesIO(write_warc(MIXED, gz)), DEFAULT_OPTIONS))
    kinds = [i.kind for i in items]
    assert kinds.count("page") == 3 and kinds.count("reject") == 0
    assert kinds.count("skipped") == 6  # warcinfo, request, dns, 301, png, metadata
    whys = " | ".join(i.why for i in items if i.kind == "skipped")
    assert "request" in whys and "dns" in whys and "301" in whys and "image/png" in whys and "metadata" in whys
    first, second, third = pages(items)
    assert first.provenance.url == "https://news.example.com/a/1.html"
    assert first.provenance.fetched_at == datetime(2024, 5, 1, 10, 0, 1, tzinfo=timezone.utc)
    assert first.provenance.charset == "gbk" and first.raw == page_html("第一篇报道").encode("gbk")
    offsets = [i.source_record for i in items]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets) and offsets[0] == 0
    assert third.provenance.url.endswith("/notes/3.txt")


def test_warc_record_offsets_point_at_their_records():
    data = write_warc(MIXED, gz=True)
    from warcio.archiveiterator import ArchiveIterator
    for item in pages(iter_warc(io.BytesIO(data), DEFAULT_OPTIONS)):
        rec = next(iter(ArchiveIterator(io.BytesIO(data[item.source_record:]))))
        assert rec.rec_headers.get_header("WARC-Target-URI") == item.provenance.url


def test_crawler_url_and_fetch_time_win_page_title_and_date_win():
    items = pages(iter_warc(io.BytesIO(write_warc(MIXED)), DEFAULT_OPTIONS))
    rec = extract(items[1].raw, "crawl/a.warc.gz", DEFAULT_OPTIONS, items[1].provenance)
    assert rec["url"] == "https://news.example.com/a/2.html"   # not the page's canonical mobile.example.org
    assert rec["site"] == "news.example.com"
    assert rec["fetched_at"] == datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)
    assert rec["source_record"] == items[1].source_record
    assert rec["doc_id"] == record_doc_id("crawl/a.warc.gz", items[1].source_record)
    assert rec["title"] == "第二篇报道"
    gbk = extract(items[0].raw, "crawl/a.warc.gz", DEFAULT_OPTIONS, items[0].provenance)
    assert gbk["charset"] == "gbk" and "第一篇报道" in gbk["title"] and BODY[:20] in gbk["text"]
    assert gbk["content_sha256"] == items[0].sha256


def test_sidecar_fills_title_only_when_the_page_has_none():
    prov = from_sidecar(json.dumps({"url": "https://a.example.com/x", "title": "侧车标题", "author": "张三",
                                    "fetched_at": "2024-06-01T12:00:00+08:00"}).encode())
    rec = extract(page_html("页面标题").encode(), "x.html", DEFAULT_OPTIONS, prov)
    assert rec["title"] == "页面标题" and rec["author"] == "张三" and rec["url"] == "https://a.example.com/x"
    assert rec["fetched_at"] == datetime(2024, 6, 1, 4, 0, tzinfo=timezone.utc)
    assert rec["doc_id"] == record_doc_id("x.html", None) and rec["source_record"] is None


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b"\xff\xfe\x00junk"])
def test_bad_sidecar_is_a_reject(data):
    assert isinstance(from_sidecar(data, "x.html.json"), Reject)


def test_mirror_path_gives_site_unless_the_page_says_otherwise():
    prov = from_mirror_path("new.qq.com/rain/a/X.html")
    assert prov.mirror_url == "https://new.qq.com/rain/a/X.html"
    bare = extract(page_html("无链接").encode(), "new.qq.com/rain/a/X.html", DEFAULT_OPTIONS, prov)
    assert (bare["site"], bare["url"]) == ("new.qq.com", "https://new.qq.com/rain/a/X.html")
    own = extract(page_html("有链接", canonical="https://www.example.com/a/1").encode(), "new.qq.com/rain/a/X.html",
                  DEFAULT_OPTIONS, prov)
    assert own["site"] == "www.example.com"
    assert from_mirror_path("html/2024/x.html") is None and from_mirror_path("v1.0/x.html") is None
    assert from_mirror_path("x.html") is None


def test_truncated_tail_and_truncated_payload_are_rejects_and_earlier_records_stay():
    data = write_warc(MIXED, gz=True)
    items = list(iter_warc(io.BytesIO(data), DEFAULT_OPTIONS))
    last = pages(items)[-1].source_record
    for cut in (data[:last + 40], data[:len(data) - 20]):
        got = list(iter_warc(io.BytesIO(cut), DEFAULT_OPTIONS))
        assert len(pages(got)) == 2
        assert [i.kind for i in got][-1] == "reject" and "truncated" in got[-1].reject.reason
        assert got[-1].source_record == last


def test_corrupt_gzip_member_is_one_reject_and_the_rest_is_read():
    data = bytearray(write_warc(MIXED, gz=True))
    first_page = pages(iter_warc(io.BytesIO(bytes(data)), DEFAULT_OPTIONS))[0].source_record
    data[first_page + 20:first_page + 40] = b"\x00" * 20
    got = list(iter_warc(io.BytesIO(bytes(data)), DEFAULT_OPTIONS))
    rejects = [i for i in got if i.kind == "reject"]
    assert len(rejects) == 1 and rejects[0].source_record == first_page
    assert [p.provenance.url.rsplit("/", 1)[1] for p in pages(got)] == ["2.html", "3.txt"]


def test_record_over_the_size_limit_is_a_reject_without_reading_it():
    small = DEFAULT_OPTIONS.with_(limits=Limits(max_file_bytes=2000))
    big = page_html("大页面").encode() * 5
    data = write_warc([MIXED[1], ("response", "https://news.example.com/big", big, "text/html", "200 OK",
                                  "2024-05-01T11:00:00Z"), MIXED[6]])
    got = list(iter_warc(io.BytesIO(data), small))
    assert [i.kind for i in got] == ["skipped", "page", "reject", "page"]
    assert "max_file_bytes" in got[2].reject.reason and got[2].provenance.url.endswith("/big")


JSONL = [
    {"url": "https://blog.example.com/p/1", "html": page_html("博客一"), "fetched_at": "2024-07-01T00:00:00Z"},
    {"url": "https://blog.example.com/p/2", "markdown": {"raw_markdown": "# 博客二\n\n" + BODY}, "crawled_at": 1719792000},
    "not an object",
    {"metadata": {"sourceURL": "https://fc.example.com/3", "title": "Firecrawl 页面", "statusCode": 200},
     "markdown": "# Firecrawl page\n\n" + BODY},
    {"url": "https://blog.example.com/p/4", "title": "没有正文"},
    {"url": "https://blog.example.com/p/5", "status": 301, "html": "<html></html>"},
]


def jsonl_bytes(objs, bad_line=True) -> bytes:
    lines = [json.dumps(o, ensure_ascii=False) for o in objs]
    if bad_line:
        lines.insert(2, '{"url": "https://blog.example.com/broken", "html": "<p>unterminated')
    lines.insert(1, "")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_records_rejects_and_default_field_names(gz):
    raw = jsonl_bytes(JSONL)
    got = list(iter_jsonl(io.BytesIO(gzip.compress(raw) if gz else raw), DEFAULT_OPTIONS))
    assert [(i.kind, i.source_record) for i in got] == [
        ("page", 1), ("page", 3), ("reject", 4), ("reject", 5), ("page", 6), ("reject", 7), ("skipped", 8)]
    assert "not JSON" in got[2].reject.reason and "not a JSON object" in got[3].reject.reason
    assert "no content field" in got[5].reject.reason and got[5].provenance.url.endswith("/p/4")
    assert got[1].provenance.fetched_at == datetime(2024, 7, 1, tzinfo=timezone.utc)
    assert got[4].provenance.url == "https://fc.example.com/3" and got[4].provenance.title == "Firecrawl 页面"
    rec = extract(got[1].raw, "x.jsonl", DEFAULT_OPTIONS, got[1].provenance)
    assert rec["url"] == "https://blog.example.com/p/2" and rec["source_record"] == 3 and rec["title"] == "博客二"


def test_jsonl_field_map_and_corrupt_gzip():
    fields = parse_field_map("url=link,text=body_text_zh,fetched_at=when")
    line = json.dumps({"link": "https://x.example.com/a", "body_text_zh": BODY, "when": "2024-01-02 03:04:05"})
    got = list(iter_jsonl(io.BytesIO(line.encode()), DEFAULT_OPTIONS, fields))
    assert got[0].kind == "page" and got[0].provenance.url == "https://x.example.com/a"
    with pytest.raises(ValueError):
        parse_field_map("color=red")
    lines = "".join(json.dumps({"url": f"https://x.example.com/{i}", "text": BODY + os.urandom(200).hex()}) + "\n"
                    for i in range(40))
    blob = gzip.compress(lines.encode())
    got = list(iter_jsonl(io.BytesIO(blob[:len(blob) // 2]), DEFAULT_OPTIONS))
    assert got[-1].kind == "reject" and "gzip" in got[-1].reject.reason
    assert 10 <= len(pages(got)) < 40 and [p.source_record for p in pages(got)] == list(range(1, len(got)))


def test_jsonl_line_over_the_limit_is_skipped_to_its_end():
    small = DEFAULT_OPTIONS.with_(limits=Limits(max_file_bytes=500))
    lines = [json.dumps({"url": "https://a.example.com/1", "text": "长" * 1000}),
             json.dumps({"url": "https://a.example.com/2", "text": BODY}, ensure_ascii=False)]
    got = list(iter_jsonl(io.BytesIO(("\n".join(lines) + "\n").encode()), small))
    assert [(i.kind, i.source_record) for i in got] == [("reject", 1), ("page", 2)]


def test_helpers():
    assert container_kind("a/B.WARC.GZ") == "warc" and container_kind("x.jsonl.gz") == "jsonl"
    assert container_kind("x.html") is None
    assert parse_instant("Wed, 01 May 2024 10:30:00 GMT") == datetime(2024, 5, 1, 10, 30, tzinfo=timezone.utc)
    assert parse_instant("20240501103000") == datetime(2024, 5, 1, 10, 30, tzinfo=timezone.utc)
    assert parse_instant("yesterday") is None and parse_instant(True) is None
    # latin-1 labels on UTF-8 bytes are the server's default, not the truth; gbk bytes labelled gbk are transcoded
    assert transcode("中文".encode(), "latin_1") == ("中文".encode(), None)
    assert transcode("中文".encode("gbk"), "gbk") == ("中文".encode(), "gbk")
    assert Provenance(url="a").merged(Provenance(url="b", title="t")) == Provenance(url="a", title="t")


def test_chunked_and_gzip_encoded_http_payload_is_decoded():
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    body = page_html("内容编码").encode()
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                                       ("Transfer-Encoding", "chunked")], protocol="HTTP/1.1")
    gz = gzip.compress(body)
    chunked = b"%x\r\n" % len(gz) + gz + b"\r\n0\r\n\r\n"
    w.write_record(w.create_warc_record("https://a.example.com/x", "response", payload=io.BytesIO(chunked),
                                        http_headers=http))
    (item,) = list(iter_warc(io.BytesIO(buf.getvalue()), DEFAULT_OPTIONS))
    assert item.kind == "page" and item.raw == body
