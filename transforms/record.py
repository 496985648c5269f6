"""Raw bytes in, record dict (or a ``Reject``) out: the functional core's single entry point.

    decode -> detect form -> parse the form -> remove boilerplate -> metadata -> record

Pure: no file system, no Prefect, no DuckDB. ``source_file`` is only a name (it feeds ``doc_id``).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import trafilatura
from markdown_it import MarkdownIt

from transforms.decode import decode
from transforms.detect import detect_form
from transforms.frontmatter import split_front_matter
from transforms.options import DEFAULT_OPTIONS, ExtractOptions
from transforms.types import Reject, RejectError

_MD = MarkdownIt("commonmark")


def doc_id_for(source_file: str) -> str:
    """Stable id of a document: the hash of its path in the landing zone (content may change)."""
    return hashlib.sha256(source_file.encode("utf-8")).hexdigest()[:32]


def extract(raw: bytes, source_file: str, options: ExtractOptions = DEFAULT_OPTIONS) -> dict | Reject:
    """Never raises for bad input: every failure is a ``Reject`` with a stage and a reason."""
    try:
        return _extract(raw, source_file, options)
    except RejectError as exc:
        return exc.reject
    except RecursionError:
        return Reject("parse", "document nesting is too deep to parse")
    except MemoryError:
        return Reject("parse", "document too large to parse in memory")
    except Exception as exc:  # a bug or an input no rule foresaw: keep the run going, say what happened
        return Reject("extract", f"unexpected error while extracting: {type(exc).__name__}: {exc}"[:500])


def _extract(raw: bytes, source_file: str, options: ExtractOptions) -> dict:
    if len(raw) > options.limits.max_file_bytes:
        raise RejectError("read", f"file is {len(raw)} bytes, over the limit of {options.limits.max_file_bytes} bytes")
    if not raw.strip():
        raise RejectError("read", "file is empty or whitespace only")
    text, charset = decode(raw, options)
    form = detect_form(text)
    meta: dict = {}
    if form == "markdown+front_matter":
        meta, body, _problem = split_front_matter(text)
        html = _MD.render(body)
    elif form == "markdown":
        html = _MD.render(text)
    elif form == "text":
        html = "<html><body>" + "".join(f"<p>{_esc(line)}</p>" for line in text.splitlines() if line.strip()) + "</body></html>"
    else:
        html = text
    body_text = trafilatura.extract(html, include_comments=False, favor_precision=False) or ""
    if len(body_text.strip()) < options.min_text_chars:
        raise RejectError("extract", f"no article text found (under {options.min_text_chars} characters after boilerplate removal)")
    published = _parse_date(meta.get("date"), options)
    return {
        "doc_id": doc_id_for(source_file),
        "source_file": source_file,
        "content_sha256": hashlib.sha256(raw).hexdigest(),
        "raw_format": form,
        "charset": charset,
        "url": None,
        "site": None,
        "title": str(meta["title"]) if isinstance(meta.get("title"), str) else None,
        "author": None,
        "published_at": published,
        "categories": [str(c) for c in meta.get("categories") or [] if isinstance(c, (str, int))],
        "tags": [str(c) for c in meta.get("tags") or [] if isinstance(c, (str, int))],
        "lang": None,
        "summary": None,
        "text": body_text,
        "images": [],
        "char_count": len(body_text),
    }


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _parse_date(value, options: ExtractOptions) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip())
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone(timedelta(minutes=options.default_tz_offset_minutes)))
    return dt
