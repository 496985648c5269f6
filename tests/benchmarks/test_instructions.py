"""``benchmarks.instructions`` counts what extraction costs per page under valgrind (skipped without it)."""
from __future__ import annotations

import shutil

import pytest

from benchmarks.instructions import per_page
from benchmarks.throughput import ROOT, source_pages

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")


def test_instructions_per_page_are_counted_past_the_warm_up():
    pages = source_pages()
    n = per_page(ROOT, pages[:5] + pages[5:7])   # five warm-up pages, two counted
    assert 1e6 < n < 5e10, n   # an extraction is millions of instructions, and start-up is not in it
