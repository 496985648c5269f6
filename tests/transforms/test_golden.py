"""The shipped sample landing zone (data/raw/) against hand-written expectations (tests/golden/*.json).

Each golden file names a raw file under data/raw/ and the record fields a correct run extracts from it
(written by reading the page, not by dumping output): title, published_at (compared as instants),
author, url, site, categories, tags, lang, raw_format, charset, image_count, and strings that must or
must not appear in the article text. A golden file with a ``reject`` key expects a Reject instead.
Only the keys a golden file has are checked. A container (WARC, JSON Lines) has ``"container": true``
and one expectation per page record, in order (non-page records are skipped, never rejected).
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from transforms import Reject, extract
from transforms.containers import iter_records
from transforms.options import DEFAULT_OPTIONS

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))
FIELDS = ("title", "author", "url", "site", "categories", "tags", "lang", "raw_format", "charset")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _run(gold: dict):
    raw = (RAW / gold["source_file"]).read_bytes()
    return extract(raw, gold["source_file"])


def test_every_sample_file_has_a_golden_file():
    names = {_load(p)["source_file"] for p in GOLDEN}
    samples = {str(p.relative_to(RAW)) for p in RAW.rglob("*") if p.is_file() and p.name != "README.md"}
    assert samples == names


PAGES = [p for p in GOLDEN if not _load(p).get("container")]
CONTAINERS = [p for p in GOLDEN if _load(p).get("container")]


@pytest.mark.parametrize("path", CONTAINERS, ids=[p.stem for p in CONTAINERS])
def test_golden_container_records(path):
    gold = _load(path)
    with open(RAW / gold["source_file"], "rb") as fh:
        items = [i for i in iter_records(fh, gold["source_file"], DEFAULT_OPTIONS) if i.kind != "skipped"]
    assert [i.kind for i in items] == ["page"] * len(gold["records"]), [(i.kind, i.reject) for i in items]
    for item, want in zip(items, gold["records"]):
        rec = extract(item.raw, gold["source_file"], DEFAULT_OPTIONS, item.provenance)
        assert not isinstance(rec, Reject), f"unexpected reject: {rec}"
        wrong = {f: (rec.get(f), want[f]) for f in (*FIELDS, "source_record") if f in want and rec.get(f) != want[f]}
        if "fetched_at" in want and rec.get("fetched_at") != datetime.fromisoformat(want["fetched_at"]):
            wrong["fetched_at"] = (rec.get("fetched_at"), want["fetched_at"])
        missing = [s for s in want.get("text_must_contain", []) if s not in rec["text"]]
        leaked = [s for s in want.get("text_must_not_contain", []) if s in rec["text"]]
        assert not wrong and not missing and not leaked, f"{want['url']}: wrong={wrong} missing={missing} leaked={leaked}"


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_golden_metadata(path):
    gold = _load(path)
    rec = _run(gold)
    if "reject" in gold:
        assert isinstance(rec, Reject), f"expected a reject, got a record titled {rec.get('title')!r}"
        assert rec.stage == gold["reject"]["stage"]
        assert gold["reject"]["reason_contains"] in rec.reason
        return
    assert not isinstance(rec, Reject), f"unexpected reject: {rec}"
    wrong = {}
    for f in FIELDS:
        if f in gold and rec.get(f) != gold[f]:
            wrong[f] = (rec.get(f), gold[f])
    if "published_at" in gold:
        want = datetime.fromisoformat(gold["published_at"]) if gold["published_at"] else None
        got = rec.get("published_at")
        if (got is None) != (want is None) or (got is not None and got != want):
            wrong["published_at"] = (got, want)
    if "image_count" in gold and len(rec.get("images") or []) != gold["image_count"]:
        wrong["image_count"] = (len(rec.get("images") or []), gold["image_count"])
    assert not wrong, "field: (got, expected) " + repr(wrong)


@pytest.mark.parametrize("path", [p for p in PAGES if "reject" not in _load(p)], ids=[p.stem for p in PAGES if "reject" not in _load(p)])
def test_golden_text(path):
    gold = _load(path)
    rec = _run(gold)
    assert not isinstance(rec, Reject), f"unexpected reject: {rec}"
    text = rec["text"]
    missing = [s for s in gold.get("text_must_contain", []) if s not in text]
    leaked = [s for s in gold.get("text_must_not_contain", []) if s in text]
    assert not missing and not leaked, f"missing={missing} leaked={leaked}"
