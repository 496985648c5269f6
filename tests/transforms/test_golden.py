"""The shipped sample landing zone (data/raw/) against hand-written expectations (tests/golden/*.json).

Each golden file names a raw file under data/raw/ and the record fields a correct run extracts from it
(written by reading the page, not by dumping output): title, published_at (compared as instants),
author, url, site, categories, tags, lang, raw_format, charset, image_count, and strings that must or
must not appear in the article text. A golden file with a ``reject`` key expects a Reject instead.
Only the keys a golden file has are checked.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from transforms import Reject, extract

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


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
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


@pytest.mark.parametrize("path", [p for p in GOLDEN if "reject" not in _load(p)], ids=[p.stem for p in GOLDEN if "reject" not in _load(p)])
def test_golden_text(path):
    gold = _load(path)
    rec = _run(gold)
    assert not isinstance(rec, Reject), f"unexpected reject: {rec}"
    text = rec["text"]
    missing = [s for s in gold.get("text_must_contain", []) if s not in text]
    leaked = [s for s in gold.get("text_must_not_contain", []) if s in text]
    assert not missing and not leaked, f"missing={missing} leaked={leaked}"
