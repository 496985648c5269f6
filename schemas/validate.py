"""The contract between the transforms and the lake: a record becomes a row, or a reject.

Like a dlt schema contract declared next to the producer: every field is checked against the
explicit Arrow schema in ``schemas.tables`` before anything is written, and a record that breaks
the contract becomes a ``rejects`` row with a reason a person understands.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pyarrow as pa

from schemas.tables import ARTICLES, PIPELINE_VERSION, REJECTS
from transforms.types import Reject

_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_HEX = re.compile(r"^[0-9a-f]+$")
_MAX = {"site": 253, "title": 2000, "author": 500, "url": 4000, "summary": 10000, "lang": 16, "charset": 64}


def _string_list(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of strings, got {type(value).__name__}")
    return value


def _offset(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_row(record: dict, ingested_at: datetime) -> dict | Reject:
    """Map a transform record to an ``articles`` row, or to a ``Reject`` at stage 'validate'."""
    try:
        return _to_row(record, ingested_at)
    except (ValueError, TypeError, KeyError) as exc:
        return Reject("validate", f"record breaks the articles schema: {exc}"[:500])


def _to_row(rec: dict, ingested_at: datetime) -> dict:
    row: dict = {}
    for name in ("doc_id", "source_file", "content_sha256", "raw_format", "text"):
        value = rec[name]
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is missing or empty")
        row[name] = value
    if not _HEX.match(row["doc_id"]) or not _HEX.match(row["content_sha256"]):
        raise ValueError("doc_id and content_sha256 must be hex digests")
    for name in ("charset", "url", "site", "title", "author", "lang", "summary"):
        value = rec.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or null, got {type(value).__name__}")
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and len(value) > _MAX[name]:
                raise ValueError(f"{name} is {len(value)} characters long (limit {_MAX[name]})")
        row[name] = value
    if row["site"] is not None and not _HOST.fullmatch(row["site"]):  # fullmatch: "$" would let "a.com\n" pass
        raise ValueError(f"site {row['site'][:80]!r} is not a lower-case host name")
    url = row["url"]
    if url is not None and (not url.startswith(("http://", "https://")) or not urlsplit(url).hostname
                            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)):
        raise ValueError(f"url {url[:80]!r} is not an absolute http(s) URL")
    published = rec.get("published_at")
    if published is not None:
        if not isinstance(published, datetime) or published.tzinfo is None:
            raise ValueError("published_at must be a datetime with a time zone")
        row["published_at"] = published.astimezone(timezone.utc)
        row["published_tz"] = _offset(published)
        row["month"] = f"{published.year:04d}-{published.month:02d}"  # in the page's own zone
    else:
        row["published_at"] = row["published_tz"] = row["month"] = None
    row["categories"] = _string_list(rec.get("categories", []), "categories")
    row["tags"] = _string_list(rec.get("tags", []), "tags")
    images = rec.get("images", [])
    if not isinstance(images, list):
        raise ValueError("images must be a list")
    row["images"] = []
    for img in images:
        if not isinstance(img, dict) or not isinstance(img.get("url"), str):
            raise ValueError("each image must be a mapping with a url string")
        caption = img.get("caption")
        row["images"].append({"url": img["url"], "caption": caption if isinstance(caption, str) else None})
    fetched = rec.get("fetched_at")
    if fetched is not None and (not isinstance(fetched, datetime) or fetched.tzinfo is None):
        raise ValueError("fetched_at must be a datetime with a time zone")
    row["fetched_at"] = fetched.astimezone(timezone.utc) if fetched is not None else None
    record = rec.get("source_record")
    if record is not None and (not isinstance(record, int) or isinstance(record, bool) or record < 0):
        raise ValueError("source_record must be a non-negative integer or null")
    row["source_record"] = record
    row["char_count"] = len(row["text"])
    row["ingested_at"] = ingested_at
    row["pipeline_version"] = PIPELINE_VERSION
    return row


def reject_row(source_file: str, content_sha256: str | None, reject: Reject, ingested_at: datetime, *,
               doc_id: str | None = None, url: str | None = None, fetched_at: datetime | None = None,
               source_record: int | None = None) -> dict:
    """A ``rejects`` row; a record of a container says which (``doc_id``, ``source_record``) and what the
    crawler knew (``url``, ``fetched_at``)."""
    return {
        "doc_id": doc_id,
        "url": url if isinstance(url, str) and len(url) <= _MAX["url"] else None,
        "fetched_at": fetched_at.astimezone(timezone.utc) if fetched_at is not None else None,
        "source_record": source_record,
        "source_file": source_file,
        "content_sha256": content_sha256,
        "stage": reject.stage,
        "reason": reject.reason,
        "ingested_at": ingested_at,
        "pipeline_version": PIPELINE_VERSION,
    }


def articles_table(rows: list[dict], schema: pa.Schema = ARTICLES) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def rejects_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=REJECTS)
