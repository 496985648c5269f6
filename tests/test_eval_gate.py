"""Eval gate: on every dev set and raw form, cleanlake may not fall more than 0.01 mean F1 below plain
trafilatura (the better of its default and favor_precision presets, run in the same benchmark), in
shingle F1 nor in WCXB word F1; and it may not drop below pinned floors.

Sets: xmu_news_zh (149 pages) and cleaneval_zh (51) whole; wcxb_dev as a fixed quarter (every 4th page
by name, 340 of 1358, all seven page types) to keep the gate's run time modest; the benchmark
(``python -m benchmarks.extraction ../shared/devset``) covers all 1358. Trafilatura's outputs are
cached under /tmp by the benchmark, so only the first run pays for them. Skips without ../shared.
"""
from __future__ import annotations

import pytest

from benchmarks.extraction import run

pytestmark = pytest.mark.shared

TOLERANCE = 0.01
WCXB_EVERY = 4

# (set, form) -> floor for cleanlake's mean shingle F1 (shared scorer), measured 2026-12-02 with the learned
# arbiter, minus about 0.01 (wcxb_dev: on the gate's quarter). The arbiter was fitted on these pages: the
# floors guard against regressions; its cross-validated figures are printed by benchmarks/train_arbiter.py.
FLOORS = {
    ("xmu_news_zh", "html"): 0.955,      # measured 0.963
    ("xmu_news_zh", "text"): 0.94,       # measured 0.950
    ("xmu_news_zh", "markdown"): 0.945,  # measured 0.957
    ("cleaneval_zh", "html"): 0.905,     # measured 0.919
    ("cleaneval_zh", "text"): 0.865,     # measured 0.878
    ("cleaneval_zh", "markdown"): 0.91,  # measured 0.924
    ("wcxb_dev", "html"): 0.795,         # measured 0.809 (trafilatura default 0.788)
    ("wcxb_dev", "text"): 0.73,          # measured 0.739 (trafilatura 0.685)
    ("wcxb_dev", "markdown"): 0.725,     # measured 0.736 (trafilatura default 0.650, favor_precision 0.653)
}
# wcxb_dev (the gate's quarter) -> floor for the WCXB word F1
WORD_FLOORS = {
    ("wcxb_dev", "html"): 0.83,          # measured 0.843 (trafilatura default 0.821)
    ("wcxb_dev", "text"): 0.765,         # measured 0.774 (trafilatura 0.716)
    ("wcxb_dev", "markdown"): 0.765,     # measured 0.775 (trafilatura 0.707 / 0.710)
}

_ROWS: dict = {}


@pytest.fixture
def rows(shared_dir):
    devset = shared_dir / "devset"
    if not devset.is_dir():
        pytest.skip(f"needs {devset}, which is missing")
    if not _ROWS:  # one benchmark run for all parameters
        for name in ("xmu_news_zh", "cleaneval_zh", "wcxb_dev"):
            every = WCXB_EVERY if name == "wcxb_dev" else 1
            _ROWS.update({(r.set, r.form): r for r in run(devset / name, workers=2, every=every) if not r.page_type})
    return _ROWS


@pytest.mark.parametrize("key", sorted(FLOORS))
def test_dev_set_f1_floor(rows, key):
    assert key in rows, f"no dev-set results for {key}"
    row = rows[key]
    assert row.docs > 0
    assert row.f1 >= FLOORS[key], f"{key}: mean F1 {row.f1:.3f} fell below the floor {FLOORS[key]}"
    if key in WORD_FLOORS:
        assert row.word_f1 >= WORD_FLOORS[key], f"{key}: word F1 {row.word_f1:.3f} fell below {WORD_FLOORS[key]}"


@pytest.mark.parametrize("key", sorted(FLOORS))
def test_not_below_trafilatura(rows, key):
    row = rows[key]
    assert row.f1 >= row.bar_f1 - TOLERANCE, (
        f"{key}: shingle F1 {row.f1:.3f} < trafilatura's better preset {row.bar_f1:.3f} - {TOLERANCE} "
        f"(default {row.baseline_f1:.3f}, favor_precision {row.precision_f1:.3f})")
    assert row.word_f1 >= row.bar_word_f1 - TOLERANCE, (
        f"{key}: word F1 {row.word_f1:.3f} < trafilatura's better preset {row.bar_word_f1:.3f} - {TOLERANCE} "
        f"(default {row.baseline_word_f1:.3f}, favor_precision {row.precision_word_f1:.3f})")
