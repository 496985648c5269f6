"""Metadata from an HTML page: <title>, <meta>, JSON-LD, <time>, canonical link, visible date text."""
from __future__ import annotations

from transforms.options import ExtractOptions

KEYS = ("title", "author", "published_at", "url", "site", "site_name", "categories", "tags", "summary")


def html_metadata(html: str, options: ExtractOptions) -> dict:
    """Keys: title, author, published_at, url, site, site_name, categories, tags, summary."""
    return {k: ([] if k in ("categories", "tags") else None) for k in KEYS}
