"""English gate (issue 3): on English news pages cleanlake may not lose ground to trafilatura's precision preset.

The pages are the ten hand-written ones in ``benchmarks/english/`` (three raw forms each, hand-written gold);
``python -m benchmarks.english_eval --show`` prints the table and what cleanlake kept or dropped. Runs without
``../shared`` (the benchmark carries a copy of the shared scorer's shingle F1).

Measured 2026-11-22 (cleanlake vs trafilatura favor_precision=True, mean F1 over 10 pages):
html 0.939 vs 0.930, text 0.919 vs 0.736, markdown 0.855 vs 0.752.
"""
from __future__ import annotations

import pytest

from benchmarks.english_eval import FORMS, load_gold, run

TOLERANCE = 0.02   # issue 3: cleanlake's mean F1 >= trafilatura precision's mean minus this

# Absolute floors a little under what cleanlake measures now, so a regression shows even if trafilatura moves.
# 0.997 / 0.961 / 0.963 with the hand-set arbiter. The learned one (fitted on the dev sets, where trafilatura's
# text wins more often on English pages) takes trafilatura's text on most of these ten hand-written pages, with
# the lines trafilatura keeps around the article: lower here, still well above trafilatura itself. Its refit of
# 2026-12-02 (pipeline 0.3.0) predicts within 0.01 of zero on most of these pages, so single pages flip between
# the two articles from one fit to the next: html went from 0.946 to 0.971, Markdown from 0.946 to 0.910 (one
# page, en-10, where trafilatura's article keeps the comment form and the footer below the story). A trial fit
# for pipeline 0.3.2 (other Chinese html rows) moved en-03, a layout-table page, from the classifier's article
# (F1 1.0) to trafilatura's, which holds 99 % of the page (0.725; predicted gain -0.008, the old fit +0.007):
# html 0.946. The shipped 0.3.2 fit measures 0.971 / 0.916 / 0.963.
FLOORS = {"html": 0.955, "text": 0.905, "markdown": 0.90}   # measured 0.971 / 0.916 / 0.963

# Pages on which cleanlake is now clearly (> PAGE_MARGIN F1) worse than the bar, with the cause seen in its output.
PAGE_MARGIN = 0.05
KNOWN_WORSE = {
}


@pytest.fixture(scope="module")
def results():
    return run()


@pytest.mark.parametrize("form", FORMS)
def test_english_mean_f1_not_below_trafilatura_precision(results, form):
    r = results[form]
    assert r.docs == len(load_gold()) >= 8
    assert r.f1 >= r.bar_f1 - TOLERANCE, (
        f"{form}: cleanlake mean F1 {r.f1:.3f} < trafilatura precision {r.bar_f1:.3f} - {TOLERANCE}; "
        f"worse pages: {[(p.name, round(p.f1, 3), round(p.bar_f1, 3)) for p in r.worse()]}")


@pytest.mark.parametrize("form", FORMS)
def test_english_mean_f1_floor(results, form):
    r = results[form]
    assert r.f1 >= FLOORS[form], f"{form}: cleanlake mean F1 {r.f1:.3f} fell below the floor {FLOORS[form]}"


def _page_cases():
    cases = []
    for form in FORMS:
        for name in load_gold():
            reason = KNOWN_WORSE.get((form, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(form, name, marks=marks, id=f"{form}-{name}"))
    return cases


@pytest.mark.parametrize("form,name", _page_cases())
def test_english_page_not_clearly_worse(results, form, name):
    page = next(p for p in results[form].pages if p.name == name)
    assert page.f1 >= page.bar_f1 - PAGE_MARGIN, (
        f"{form}/{name}: cleanlake F1 {page.f1:.3f} (P {page.precision:.3f} R {page.recall:.3f}) vs trafilatura "
        f"precision {page.bar_f1:.3f}; see python -m benchmarks.english_eval --show {name}")

