"""Seeds gate: ``extract`` over ../shared/seeds/*, scored by the shared scorer.

Asserts mean F1 >= 0.98, no must_not_contain leak, and every metadata field the gold has
(title 5/5, published_at 4/4, author 3/3, url 3/3). Skips without ../shared.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import pytest

from transforms import Reject, extract

pytestmark = pytest.mark.shared


def _jsonable(rec: dict) -> dict:
    out = dict(rec)
    if isinstance(out.get("published_at"), datetime):
        out["published_at"] = out["published_at"].isoformat()  # ISO 8601 with its offset
    return out


_SUMMARY: list = []


@pytest.fixture
def summary(shared_dir, tmp_path):
    if not _SUMMARY:  # extract and score once for all tests of this module
        _SUMMARY.append(_score_seeds(shared_dir, tmp_path))
    return _SUMMARY[0]


def _score_seeds(shared_dir, tmp_path) -> tuple[str, str]:
    seeds, gold, scorer = shared_dir / "seeds", shared_dir / "gold" / "seeds.jsonl", shared_dir / "tools" / "score_extraction.py"
    for path in (seeds, gold):
        if not path.exists():
            pytest.skip(f"needs {path}, which is missing")
    pred = tmp_path / "pred.jsonl"
    lines = []
    for path in sorted(p for p in seeds.iterdir() if p.is_file()):
        rec = extract(path.read_bytes(), path.name)
        assert not isinstance(rec, Reject), f"{path.name}: {rec}"
        lines.append(json.dumps(_jsonable(rec), ensure_ascii=False))
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = subprocess.run([sys.executable, str(scorer), str(gold), str(pred)], capture_output=True, text=True, timeout=60)
    last = res.stdout.strip().splitlines()[-1]
    return last, res.stdout


def _field(summary_line: str, name: str) -> str:
    m = re.search(rf"\b{name}=(\S+)", summary_line)
    assert m, f"{name} missing from scorer summary: {summary_line}"
    return m.group(1)


def test_seeds_f1_and_no_leaks(summary):
    line, full = summary
    assert float(_field(line, "f1")) >= 0.98, full
    assert _field(line, "leaks") == "0", full
    assert _field(line, "missing") == "0", full


@pytest.mark.parametrize("field,expected", [("title", "5/5"), ("published_at", "4/4"), ("author", "3/3"), ("url", "3/3")])
def test_seeds_metadata(summary, field, expected):
    line, full = summary
    assert _field(line, field) == expected, full
