"""A parsed YAML front matter mapping -> record fields, tolerant of wrong types.

Keys are matched case-insensitively, with the usual aliases of static-site generators (Hugo, Jekyll,
Hexo): ``date``/``published``/``pubDate``, ``link``/``source``/``original_url``, ``category``,
``keywords``, ``description``/``excerpt``, ``image``/``cover``. A value of the wrong type is coerced
where the intent is clear (a list as title -> its first string, a number as tags -> ``["3"]``) and
otherwise dropped with a problem string; unknown keys are ignored.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from transforms.metadata.dates import parse_date
from transforms.metadata.titles import clean_title
from transforms.metadata.urls import normalize_url, site_of
from transforms.options import ExtractOptions

FIELDS = ("title", "published_at", "url", "site", "author", "categories", "tags", "summary", "lang", "thumbnail")

_ALIASES = {
    "title": ("title", "headline", "name"),
    "published_at": ("date", "published_at", "published", "publishdate", "pubdate", "publish_date",
                     "date_published", "datepublished", "created", "created_at", "time", "posted"),
    "url": ("url", "canonical", "canonical_url", "canonicalurl", "original_url", "source_url", "sourceurl",
            "link", "permalink", "source", "original", "from"),
    "author": ("author", "authors", "byline", "writer", "creator"),
    "categories": ("categories", "category", "section", "sections"),
    "tags": ("tags", "tag", "keywords", "keyword"),
    "summary": ("summary", "description", "excerpt", "abstract", "lead", "subtitle"),
    "lang": ("lang", "language", "locale", "languagecode"),
    "thumbnail": ("thumbnail", "image", "cover", "featured_image", "featuredimage", "og_image", "banner"),
    "site": ("site", "site_name", "sitename", "host", "domain"),
}
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*$")
_SPLIT_TAGS = re.compile(r"(?<!\s)\s*[,，;；、]\s*")  # (?<!\s): tried once per run of spaces, not from each
_WS = re.compile(r"\s+")
_MAX_LIST = 50
_MAX_STR = 2000


def _scalar_str(v) -> str | None:
    """A string from a scalar: str as is, numbers as text; dates/bools/containers -> None."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, str):
        s = _WS.sub(" ", v).strip()
        return s[:_MAX_STR] or None
    if isinstance(v, (int, float)):
        return str(v)
    return None


def _first_str(v) -> str | None:
    if isinstance(v, (list, tuple)):
        for x in v:
            s = _first_str(x)
            if s:
                return s
        return None
    if isinstance(v, dict):
        for k in ("name", "title", "value", "text", "url", "href"):
            if k in v:
                s = _first_str(v[k])
                if s:
                    return s
        return None
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    return _scalar_str(v)


def _str_list(v, split: bool = False) -> list[str]:
    if v is None or isinstance(v, bool):
        return []
    items = v if isinstance(v, (list, tuple, set)) else [v]
    out: list[str] = []
    for x in items:
        s = _first_str(x)
        if not s:
            continue
        parts = _SPLIT_TAGS.split(s) if split and not isinstance(v, (list, tuple, set)) else [s]
        for p in parts:
            p = p.strip().strip("#").strip()
            if p and p not in out:
                out.append(p)
        if len(out) >= _MAX_LIST:
            break
    return out[:_MAX_LIST]


def _lookup(meta: dict, field: str):
    lowered = {}
    for k, v in meta.items():
        if isinstance(k, str):
            lowered.setdefault(k.strip().lower().replace("-", "_"), (k, v))
    for alias in _ALIASES[field]:
        if alias in lowered:
            return lowered[alias]
    return None, None


def _lang(v) -> str | None:
    s = _first_str(v)
    if not s:
        return None
    m = _LANG.match(s.strip())
    if not m:
        return None
    code = m.group(1).lower()
    return code if len(code) == 2 else None


def from_front_matter(meta: dict, options: ExtractOptions) -> tuple[dict, list[str]]:
    """Return ``(fields, problems)``; fields has every key of FIELDS (None / [] when missing)."""
    fields: dict = {k: ([] if k in ("categories", "tags") else None) for k in FIELDS}
    problems: list[str] = []
    if not isinstance(meta, dict):
        if meta is not None:
            problems.append(f"front matter is a {type(meta).__name__}, not a mapping")
        return fields, problems

    key, v = _lookup(meta, "title")
    if key is not None:
        fields["title"] = clean_title(_first_str(v)) if not isinstance(v, (datetime, date)) else None
        if fields["title"] is None and v not in (None, ""):
            problems.append(f"front matter '{key}' is not usable text")

    key, v = _lookup(meta, "published_at")
    if key is not None and v not in (None, ""):
        dt = parse_date(v, options)
        if dt is None:
            problems.append(f"front matter '{key}' is not a date: {str(v)[:60]!r}")
        fields["published_at"] = dt

    key, v = _lookup(meta, "url")
    if key is not None and v not in (None, ""):
        cand = v if isinstance(v, (list, tuple)) else [v]
        url = next((u for u in (normalize_url(_first_str(c)) for c in cand) if u), None)
        if url is None and key.lower() in ("url", "canonical", "canonical_url", "original_url", "link", "permalink"):
            problems.append(f"front matter '{key}' is not an absolute http(s) URL")
        fields["url"] = url
    fields["site"] = site_of(fields["url"]) if fields["url"] else None
    if fields["site"] is None:
        key, v = _lookup(meta, "site")
        s = _first_str(v)
        if s:
            fields["site"] = site_of(s if "://" in s else "http://" + s)

    key, v = _lookup(meta, "author")
    if key is not None:
        names = _str_list(v)
        fields["author"] = "、".join(names[:4]) if names else None

    key, v = _lookup(meta, "categories")
    fields["categories"] = _str_list(v)
    key, v = _lookup(meta, "tags")
    fields["tags"] = _str_list(v, split=(key or "").lower().startswith("keyword"))

    key, v = _lookup(meta, "summary")
    fields["summary"] = _first_str(v) if key is not None and not isinstance(v, (datetime, date)) else None

    key, v = _lookup(meta, "lang")
    fields["lang"] = _lang(v)

    key, v = _lookup(meta, "thumbnail")
    fields["thumbnail"] = normalize_url(_first_str(v)) if key is not None else None
    return fields, problems
