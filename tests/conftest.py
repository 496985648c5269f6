"""Shared fixtures. Tests that need ``../shared`` (dev set, seeds, gold, scorer) skip without it."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path() -> Path | None:
    """``../shared`` next to the worktree, if it has the scorer (absent in a fresh clone)."""
    return SHARED if (SHARED / "tools" / "score_extraction.py").exists() else None


@pytest.fixture
def shared_dir() -> Path:
    """``../shared``; the test is skipped, with the reason, when it is absent (a fresh clone)."""
    base = shared_path()
    if base is None:
        pytest.skip(f"needs {SHARED} (dev set, seeds, gold and scorer); not present in this checkout")
    return base
