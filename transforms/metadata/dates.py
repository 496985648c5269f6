"""Publication dates: parse one value, or find the date line among a page's header lines."""
from __future__ import annotations

from datetime import datetime

from transforms.options import ExtractOptions


def parse_date(value, options: ExtractOptions) -> datetime | None:
    """Any single value -> an aware datetime, or None (never raises)."""
    return None


def find_date(lines: list[str], options: ExtractOptions) -> tuple[datetime | None, int | None]:
    """The publication date among header lines and the index of its line, or (None, None)."""
    return None, None
