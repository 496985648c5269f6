"""Titles: strip site-name suffixes/prefixes by general rules.

A page ``<title>`` is usually ``article title`` + separator + ``section/site name`` (possibly several
segments: ``标题_经济_宏观频道首页_财经网 - CAIJING.COM.CN``). We split on the separators and keep the
leading segment when the trailing segments look like names (short), or equal ``site_name``.
"""
from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
# Separators between title and site name. A plain hyphen only counts with spaces around it
# (``GPT-4``, ``2018-05-22`` must survive) or between Chinese characters (``会谈-新华网``); ``_``, ``|``, ``｜``, ``--`` count bare. The Chinese dash
# ``——`` introduces a subtitle, not a site name, and is never a separator.
# (?<!\s) before a leading run of spaces: tried once per run, not from each of its spaces (quadratic).
_SEP = re.compile(r"(?<!\s)\s+[-–·•:»]\s+|\s[-–](?!\d)|(?<!\d)[-–]\s|(?<=[\u4e00-\u9fff）》”」])-(?=[\u4e00-\u9fff])"
                  r"|(?<!\s)\s*(?:[_|｜]|--|－－)\s*")
_MAX_SITE_SEGMENT = 32   # display width (a CJK character counts 2) of a trailing site/section name
_MIN_KEEP = 4            # the kept title must be at least this long
_MAX_TITLE = 150         # longer than this is not one title (a title line run together with navigation)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _key(s: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).lower())


def clean_title(title, site_name: str | None = None) -> str | None:
    """A page title without its site suffix, whitespace normalised; None if empty."""
    if isinstance(title, (list, tuple)):
        title = next((t for t in title if isinstance(t, str) and t.strip()), None)
    if not isinstance(title, str):
        return None
    title = _WS.sub(" ", title.replace("\u3000", " ").replace("\xa0", " ")).strip()
    if not title or not any(c.isalpha() for c in title):
        return None  # "1", "---": not a title
    site_key = _key(site_name) if isinstance(site_name, str) and site_name.strip() else None

    spans = [(m.start(), m.end()) for m in _SEP.finditer(title)]
    if not spans:
        return title if len(title) <= _MAX_TITLE else None
    segments, pos = [], 0
    for a, b in spans:
        segments.append(title[pos:a])
        pos = b
    segments.append(title[pos:])
    segments = [s.strip() for s in segments]

    # A leading site name (``新浪财经 | 标题``) equal to site_name goes first.
    start = 0
    if site_key is not None and len(segments) > 1 and _key(segments[0]) == site_key:
        start = 1
    # Drop trailing segments while they look like a site/section name: equal to site_name, or
    # short and shorter than what would remain.
    end = len(segments)
    while end > start + 1:
        seg = segments[end - 1]
        rest = " ".join(segments[start:end - 1])
        k = _key(seg)
        is_site = site_key is not None and bool(k) and (k == site_key or k in site_key or site_key in k)
        if not seg or is_site or (_width(seg) <= _MAX_SITE_SEGMENT and _width(seg) < _width(rest)):
            end -= 1
            continue
        break
    a = spans[start - 1][1] if start else 0
    b = spans[end - 1][0] if end < len(segments) else len(title)
    kept = title[a:b].strip()
    if len(kept) < _MIN_KEEP:
        kept = title
    if len(kept) > _MAX_TITLE:
        # A title run together with the site's navigation: the first segment, if it is a title.
        first = segments[start]
        return first if _MIN_KEEP <= len(first) <= _MAX_TITLE else None
    return kept
