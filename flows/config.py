"""Where the landing zone and the lake are, from flags, then environment, then defaults."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_LANDING = "CLEANLAKE_LANDING"
ENV_LAKE = "CLEANLAKE_LAKE"


def landing_url(value: str | None = None) -> str:
    return value or os.environ.get(ENV_LANDING) or str(PROJECT_ROOT / "data" / "raw")


def lake_url(value: str | None = None) -> str:
    return value or os.environ.get(ENV_LAKE) or str(PROJECT_ROOT / "data" / "lake")
