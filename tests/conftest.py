"""Shared fixtures. Tests that need ``../shared`` (dev set, seeds, gold, scorer) skip without it."""
from __future__ import annotations

import os
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

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_server):
    """The session's temporary server, for subprocesses (so they do not start their own)."""
    from prefect.settings import PREFECT_API_URL
    return PREFECT_API_URL.value()
