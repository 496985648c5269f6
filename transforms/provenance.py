"""What the crawler knew about a page: its URL, when it was fetched, the charset its server declared.

Pure: values in, values out. ``Provenance`` is built by the container readers (WARC header, JSON Lines
field), from a sidecar file's bytes (``from_sidecar``) or from a mirror tree's path
(``from_mirror_path``), and is applied to an extracted record by ``apply``.

Precedence (documented in the README):

- ``url``, ``site``, ``fetched_at``: the crawler's word (WARC header, JSONL field, sidecar) wins over
  the page's own metadata (canonical link, ``og:url``, a source line); the crawler fetched that URL.
- ``title``, ``author``, ``published_at``: the page's own metadata wins; the crawler's values only
  fill what the page does not say.
- a mirror tree's path (``new.qq.com/rain/a/X.html``) is weaker than both: it gives ``site`` and
  ``url`` only when the page says nothing and no crawler record does.
- ``charset``: the HTTP ``Content-Type`` charset is tried first; when the bytes do not decode strictly
  with it, the usual detection (``transforms.decode``) decides.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta, timezone

from transforms.metadata.urls import normalize_url, site_of
from transforms.types import Reject

_HOST_SEGMENT = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$", re.I)
# Single-byte charsets decode any bytes, and servers send them as defaults (HTTP/1.1's iso-8859-1):
# they are trusted only when the bytes are not valid UTF-8 with non-ASCII characters.
_SINGLE_BYTE = {"latin_1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_SIDECAR_MAX = 1 << 20

SIDECAR_FIELDS = {
    "url": ("url", "URL", "uri", "target_uri", "source_url", "sourceURL", "link", "metadata.url", "metadata.sourceURL"),
    "fetched_at": ("fetched_at", "fetch_time", "fetched", "crawled_at", "crawl_time", "scraped_at", "retrieved_at",
                   "downloaded_at", "timestamp", "metadata.scrapeTime", "metadata.fetched_at"),
    "title": ("title", "metadata.title", "headline"),
    "author": ("author", "byline", "metadata.author"),
    "published_at": ("published_at", "date_published", "datePublished", "published", "pubdate",
                     "metadata.publishedTime", "metadata.published_at"),
}


@dataclass(frozen=True)
class Provenance:
    url: str | None = None                # crawler: wins over the page
    fetched_at: datetime | None = None    # crawler: always from here
    charset: str | None = None            # the HTTP Content-Type charset, tried first
    title: str | None = None              # crawler: only fills what the page lacks
    author: str | None = None
    published_at: datetime | None = None
    mirror_url: str | None = None         # from a mirror tree's path: weaker than the page
    source_record: int | None = None      # WARC record offset / JSONL line number; None for a one-page file

    def merged(self, other: "Provenance | None") -> "Provenance":
        """``self`` with its empty fields filled from ``other``."""
        if other is None:
            return self
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(self)
                                if getattr(self, f.name) is None and getattr(other, f.name) is not None})


def sidecar_names(page_name: str) -> tuple[str, ...]:
    """The file names a page's sidecar may have, preferred first: ``x.html.meta.json``, ``x.html.json``,
    ``x.meta.json``, ``x.json``. A container (WARC, JSONL) has none: its records carry their provenance."""
    low = page_name.lower()
    if low.endswith((".json", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".warc", ".warc.gz")):
        return ()
    stem = page_name[:-3] if low.endswith(".gz") else page_name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return (f"{page_name}.meta.json", f"{page_name}.json", f"{stem}.meta.json", f"{stem}.json")


def record_doc_id(source_file: str, source_record: int | None) -> str:
    """A record inside a container: the hash of ``file#record``; a one-page file: the hash of its path."""
    key = source_file if source_record is None else f"{source_file}#{source_record}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def parse_instant(value) -> datetime | None:
    """An ISO 8601 / WARC-Date / HTTP date, or epoch seconds (milliseconds), as an aware datetime; else None.
    A value without a zone is UTC (crawlers record UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        secs = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(secs, tz=timezone.utc) if 0 < secs < 4e9 else None
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    s = value.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d, h, mi, sec, frac, zone = m.groups()
        try:
            dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0),
                          int((frac or "0").ljust(6, "0")[:6]))
            if zone and zone.upper() != "Z":
                zone = zone.replace(":", "")
                sign = 1 if zone[0] == "+" else -1
                off = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
                if off >= timedelta(hours=24):
                    return None
                return dt.replace(tzinfo=timezone(sign * off))
            return dt.replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    if len(s) == 14 and s.isdigit():  # 20240501103000: WARC/0.x and CDX timestamps
        return parse_instant(f"{s[:4]}-{s[4:6]}-{s[6:8]}T{s[8:10]}:{s[10:12]}:{s[12:14]}Z")
    try:
        from email.utils import parsedate_to_datetime
        dt = parsedate_to_datetime(s)  # "Wed, 01 May 2024 10:30:00 GMT"
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a ``Content-Type`` value, as a codec Python knows; else None."""
    if not content_type:
        return None
    m = _CHARSET.search(content_type)
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1)).name
    except LookupError:
        return None


def mime_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def transcode(raw: bytes, charset: str | None) -> tuple[bytes, str | None]:
    """Apply the server's charset first: bytes that decode strictly with it are re-encoded as UTF-8 for
    the extractor (which then reads them as UTF-8); returns (bytes, the charset used or None)."""
    if not charset or charset in ("utf-8", "utf_8"):
        return raw, None
    if charset in _SINGLE_BYTE:
        try:
            raw.decode("utf-8")
            if not raw.isascii():
                return raw, None  # valid non-ASCII UTF-8 labelled latin-1: the label is the default, not the truth
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw, None
    return text.encode("utf-8"), charset


def apply(record: dict, prov: Provenance | None, source_file: str, raw_sha256: str | None = None,
          charset: str | None = None) -> dict:
    """The extracted ``record`` with the crawler's provenance applied (precedence in the module docstring)."""
    out = dict(record)
    p = prov or Provenance()
    out["doc_id"] = record_doc_id(source_file, p.source_record)
    out["source_record"] = p.source_record
    out["fetched_at"] = p.fetched_at
    if raw_sha256:
        out["content_sha256"] = raw_sha256
    if charset:
        out["charset"] = charset
    crawler_url = normalize_url(p.url)
    if crawler_url:
        out["url"] = crawler_url
        out["site"] = site_of(crawler_url)
    elif p.mirror_url and not out.get("url") and not out.get("site"):
        out["url"] = normalize_url(p.mirror_url)
        out["site"] = site_of(out["url"])
    for name in ("title", "author", "published_at"):
        if out.get(name) in (None, "") and getattr(p, name) is not None:
            out[name] = getattr(p, name)
    return out


def from_mirror_path(source_file: str) -> Provenance | None:
    """``new.qq.com/rain/a/X.html`` -> the page's weak URL ``https://new.qq.com/rain/a/X.html`` (a mirror tree
    written by ``wget -x`` / HTTrack starts with the host; the scheme is not recorded, https is assumed)."""
    parts = source_file.split("/")
    if len(parts) < 2 or not _HOST_SEGMENT.match(parts[0].lower()):
        return None
    path = "/".join(parts[1:])
    if path.lower().endswith(".gz"):
        path = path[:-3]
    url = normalize_url(f"https://{parts[0].lower()}/{path}")
    return Provenance(mirror_url=url) if url else None


def _get(obj: dict, dotted: str):
    cur = obj
    for key in dotted.split("."):
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def first_field(obj: dict, names) -> object:
    for name in names:
        v = _get(obj, name)
        if v not in (None, "", [], {}):
            return v
    return None


def provenance_from_fields(obj: dict, names: dict) -> Provenance:
    """A Provenance from a JSON object, each role looked up under its names (``SIDECAR_FIELDS`` form)."""
    url = first_field(obj, names.get("url", ()))
    title = first_field(obj, names.get("title", ()))
    author = first_field(obj, names.get("author", ()))
    if isinstance(author, list):
        author = ", ".join(a for a in author if isinstance(a, str)) or None
    return Provenance(
        url=url if isinstance(url, str) else None,
        fetched_at=parse_instant(first_field(obj, names.get("fetched_at", ()))),
        title=title.strip() or None if isinstance(title, str) else None,
        author=author.strip() or None if isinstance(author, str) else None,
        published_at=parse_instant(first_field(obj, names.get("published_at", ()))),
    )


def from_sidecar(data: bytes, name: str = "sidecar") -> Provenance | Reject:
    """A sidecar's bytes (``<page>.json`` / ``<page>.meta.json``) -> Provenance, or a Reject saying why not."""
    if len(data) > _SIDECAR_MAX:
        return Reject("read", f"{name} is over {_SIDECAR_MAX} bytes; a sidecar holds a page's metadata, not pages")
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return Reject("decode", f"{name} is not UTF-8 JSON")
    except ValueError as exc:
        return Reject("parse", f"{name} is not valid JSON ({exc})"[:300])
    if not isinstance(obj, dict):
        return Reject("parse", f"{name} is JSON but not an object ({type(obj).__name__})")
    return provenance_from_fields(obj, SIDECAR_FIELDS)
