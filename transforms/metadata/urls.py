"""URLs: normalise, derive the (path-safe) site, recognise a source-link line."""
from __future__ import annotations


def normalize_url(url) -> str | None:
    """An absolute http(s) URL with a valid host, normalised; anything else -> None."""
    return None


def site_of(url) -> str | None:
    """Lower-cased host (IDNA ASCII, only [a-z0-9.-]); safe as a directory name. None if no host."""
    return None


def source_link(line: str) -> str | None:
    """If ``line`` is only a Markdown link with short text, its (normalised) URL."""
    return None
