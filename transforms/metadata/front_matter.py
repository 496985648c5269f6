"""A parsed YAML front matter mapping -> record fields, tolerant of wrong types."""
from __future__ import annotations

from transforms.options import ExtractOptions

FIELDS = ("title", "published_at", "url", "site", "author", "categories", "tags", "summary", "lang", "thumbnail")


def from_front_matter(meta: dict, options: ExtractOptions) -> tuple[dict, list[str]]:
    """Return ``(fields, problems)``; fields has every key of FIELDS (None / [] when missing)."""
    fields = {k: ([] if k in ("categories", "tags") else None) for k in FIELDS}
    return fields, []
