"""Titles: strip site-name suffixes/prefixes by general rules."""
from __future__ import annotations


def clean_title(title, site_name: str | None = None) -> str | None:
    """A page title without its site suffix, whitespace normalised; None if empty."""
    return None
