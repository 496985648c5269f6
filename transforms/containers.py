"""Container files: many pages in one file (WARC / WARC.gz, JSON Lines / JSON Lines.gz), read as a stream.

``iter_records(stream, name, options)`` yields one ``Item`` per record, in file order, holding at most
one record's payload in memory (``options.limits.max_file_bytes``): a page (bytes + what the crawler
knew: ``Provenance``), a record that is not a page (``skipped``: counted in the run, not rejected), or a
bad record (``reject``: a reason; the rest of the file is still read).

``source_record`` is the record's byte offset in the (compressed) file for WARC and the 1-based line
number for JSON Lines: with the file's path it names the record (``provenance.record_doc_id``).

Pure in the house sense: a binary stream in (the caller opens the file), items out; no file system,
Prefect or DuckDB here.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from transforms.options import ExtractOptions
from transforms.provenance import Provenance, charset_of, first_field, mime_of, parse_instant, provenance_from_fields
from transforms.types import Reject

WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
CONTAINER_SUFFIXES = WARC_SUFFIXES + JSONL_SUFFIXES

PAGE_MIMES = {"text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown",
              "application/xml+html", ""}
_GZIP = b"\x1f\x8b"
_SCAN = 1 << 16

# JSON Lines field names recognised by default, per role, first match wins (dotted = nested).
# Scrapy feed exports (url, body/html, title), crawl4ai (url, html, cleaned_html, markdown{raw_markdown}),
# Firecrawl (markdown, html/rawHtml, metadata.sourceURL/url/title/statusCode), common ETL dumps.
JSONL_FIELDS: dict[str, tuple[str, ...]] = {
    "url": ("url", "URL", "uri", "source_url", "sourceURL", "link", "metadata.sourceURL", "metadata.url",
            "metadata.source_url"),
    "html": ("html", "raw_html", "rawHtml", "body", "page_html", "html_content", "content_html", "cleaned_html"),
    "markdown": ("markdown", "markdown.raw_markdown", "raw_markdown", "md", "markdown_content",
                 "metadata.markdown"),
    "text": ("text", "content", "page_text", "extracted_text", "plain_text", "body_text"),
    "fetched_at": ("fetched_at", "fetch_time", "fetched", "crawled_at", "crawl_time", "scraped_at",
                   "retrieved_at", "downloaded_at", "timestamp", "metadata.scrapeTime", "metadata.fetched_at"),
    "title": ("title", "metadata.title"),
    "author": ("author", "metadata.author"),
    "published_at": ("published_at", "date_published", "datePublished", "metadata.publishedTime"),
    "status": ("status", "status_code", "statusCode", "metadata.statusCode"),
}
CONTENT_ROLES = ("html", "markdown", "text")   # the first present is the page


@dataclass(frozen=True)
class Item:
    kind: str                              # page | skipped | reject
    source_record: int | None
    raw: bytes = b""
    provenance: Provenance | None = None
    reject: Reject | None = None
    why: str | None = None                 # skipped: what the record is
    sha256: str | None = None              # of the record's payload (change detection), when read

    @classmethod
    def page(cls, rec: int, raw: bytes, prov: Provenance) -> "Item":
        return cls("page", rec, raw, prov, sha256=hashlib.sha256(raw).hexdigest())

    @classmethod
    def bad(cls, rec: int | None, stage: str, reason: str, prov: Provenance | None = None,
            sha: str | None = None) -> "Item":
        return cls("reject", rec, provenance=prov, reject=Reject(stage, reason[:500]), sha256=sha)


def container_kind(name: str) -> str | None:
    low = name.lower()
    if low.endswith(WARC_SUFFIXES):
        return "warc"
    if low.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def parse_field_map(spec: str | None) -> dict[str, tuple[str, ...]]:
    """``url=link,html=page.html`` -> the default names with those roles replaced (a role may be given
    several times: ``text=a,text=b``). Unknown roles raise ValueError (a usage error, not a reject)."""
    out = dict(JSONL_FIELDS)
    given: dict[str, list[str]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        role, sep, name = part.partition("=")
        role, name = role.strip(), name.strip()
        if not sep or not name or role not in JSONL_FIELDS:
            raise ValueError(f"bad --jsonl-fields entry {part!r}: ROLE=FIELD with ROLE one of {', '.join(JSONL_FIELDS)}")
        given.setdefault(role, []).append(name)
    out.update({role: tuple(names) for role, names in given.items()})
    return out


def iter_records(stream: BinaryIO, name: str, options: ExtractOptions,
                 jsonl_fields: dict[str, tuple[str, ...]] | None = None) -> Iterator[Item]:
    kind = container_kind(name)
    if kind == "warc":
        return iter_warc(stream, options)
    if kind == "jsonl":
        return iter_jsonl(stream, options, jsonl_fields)
    raise ValueError(f"{name!r} is not a container file")


# --- WARC ------------------------------------------------------------------------------------------

class _Offset:
    """A read-only view of ``fh`` from ``base`` on, with positions relative to ``base`` (warcio counts
    offsets from where its iterator started)."""

    def __init__(self, fh: BinaryIO, base: int):
        self.fh, self.base = fh, base
        fh.seek(base)

    def read(self, n: int = -1) -> bytes:
        return self.fh.read(n)

    def readline(self, n: int = -1) -> bytes:
        return self.fh.readline(n)

    def tell(self) -> int:
        return self.fh.tell() - self.base


def _resync(fh: BinaryIO, start: int, gz: bool) -> int | None:
    """The offset of the next record after ``start``: the next gzip member header, or the next
    ``WARC/1.`` line of an uncompressed file; None at the end."""
    marker = b"\x1f\x8b\x08" if gz else b"\nWARC/"
    fh.seek(start)
    pos, tail = start, b""
    while True:
        chunk = fh.read(_SCAN)
        if not chunk:
            return None
        buf = tail + chunk
        i = buf.find(marker)
        if i >= 0:
            return pos - len(tail) + i + (0 if gz else 1)
        tail = buf[-(len(marker) - 1):]
        pos += len(chunk)


def iter_warc(fh: BinaryIO, options: ExtractOptions, payloads: bool = True) -> Iterator[Item]:
    """Records of a WARC stream (seekable binary file, plain or gzip per record). A record that cannot be
    read (a corrupt gzip member, a bad header) is one reject and reading resumes at the next record; a
    file that ends inside a record (a crawler still writing, a cut copy) ends with one reject.
    ``payloads=False``: an index pass; page items come without their bytes (nothing held, nothing hashed)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    limit = options.limits.max_file_bytes
    start = fh.tell()
    gz = fh.read(2) == _GZIP
    size = fh.seek(0, 2)
    base = start
    while base is not None:
        view = _Offset(fh, base)
        it = ArchiveIterator(view, check_digests=False)
        try:
            for record in it:
                # it.offset is where this record starts (get_record_offset() would read the record first)
                yield _warc_item(record, base + it.offset, limit, payloads)
            end = base + it.offset
        except (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, IndexError, KeyError) as exc:
            at = base + it.offset
            what = "a corrupt gzip member" if isinstance(exc, zlib.error) or gz else "not a readable WARC record"
            yield Item.bad(at, "read", f"WARC record at byte {at} is {what} ({type(exc).__name__}: "
                                       f"{str(exc)[:120]!r}); reading resumed at the next record")
            base = _resync(fh, at + 1, gz)
            continue
        fh.seek(end)
        rest = fh.read(_SCAN)
        if rest.strip(b"\r\n\x00"):
            yield Item.bad(end, "read", f"WARC file ends with a truncated record at byte {end} "
                                        f"({size - end} bytes that are not a whole record)")
        return


def _warc_item(record, offset: int, limit: int, payloads: bool = True) -> Item:
    h = record.rec_headers
    rtype = record.rec_type
    uri = (h.get_header("WARC-Target-URI") or "").strip().strip("<>")
    fetched = parse_instant(h.get_header("WARC-Date"))
    if rtype not in ("response", "resource", "conversion"):
        return Item("skipped", offset, why=f"WARC {rtype} record")
    if not uri.lower().startswith(("http://", "https://")):
        return Item("skipped", offset, why=f"WARC {rtype} record for {uri.split(':', 1)[0] or 'no'}: URI, not a web page")
    content_type = h.get_header("Content-Type")
    if rtype == "response":
        http = record.http_headers
        if http is None or not (h.get_header("Content-Type") or "").startswith("application/http"):
            return Item("skipped", offset, why="WARC response record without an HTTP response")
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return Item("skipped", offset, why=f"HTTP {status or 'response without a status'}"
                                               f"{' redirect' if status.startswith('3') else ''}")
        content_type = http.get_header("Content-Type")
    mime = mime_of(content_type)
    if mime not in PAGE_MIMES:
        return Item("skipped", offset, why=f"not a page ({mime})")
    prov = Provenance(url=uri, fetched_at=fetched, charset=charset_of(content_type), source_record=offset)
    declared = record.length or 0
    if declared > limit:
        return Item.bad(offset, "read", f"WARC record is {declared} bytes, over the limit of {limit} bytes "
                                        "(limits.max_file_bytes)", prov)
    if not payloads:
        return Item("page", offset, provenance=prov)
    payload = record.content_stream().read(limit + 1)
    if len(payload) > limit:
        return Item.bad(offset, "read", f"WARC record's decoded payload is over the limit of {limit} bytes "
                                        "(limits.max_file_bytes)", prov)
    left = getattr(record.raw_stream, "limit", 0)
    if left:
        return Item.bad(offset, "read", f"WARC record is truncated: {left} of its {declared} bytes are missing",
                        prov, hashlib.sha256(payload).hexdigest())
    return Item.page(offset, payload, prov)


# --- JSON Lines --------------------------------------------------------------------------------------

def _raw_chunks(fh: BinaryIO) -> Iterator[bytes]:
    while chunk := fh.read(_SCAN):
        yield chunk


def _gunzip_chunks(fh: BinaryIO) -> Iterator[bytes]:
    """Decompressed chunks of a gzip stream (several members too), as they come: a stream that breaks
    raises only after everything before the break was yielded."""
    d, fed = zlib.decompressobj(wbits=31), False
    for chunk in _raw_chunks(fh):
        while chunk:
            fed = True
            out = d.decompress(chunk)
            if out:
                yield out
            chunk = b""
            if d.eof:
                chunk = d.unused_data.lstrip(b"\x00")
                d, fed = zlib.decompressobj(wbits=31), False
    if fed:
        raise EOFError("compressed stream ended before its end marker")


def _lines(chunks: Iterator[bytes], limit: int, n: int = 0) -> Iterator[tuple[int, bytes | None, str | None]]:
    """(line number, bytes, problem): a line over ``limit`` is dropped as it streams, never held whole."""
    buf, over = b"", False
    for chunk in chunks:
        buf += chunk
        while True:
            i = buf.find(b"\n")
            if i < 0:
                if len(buf) > limit:
                    over, buf = True, b""
                break
            line, buf = buf[:i + 1], buf[i + 1:]
            n += 1
            if over or len(line) > limit:
                over = False
                yield n, None, f"JSON Lines line {n} is over the limit of {limit} bytes (limits.max_file_bytes)"
            else:
                yield n, line, None
    if buf or over:
        n += 1
        yield (n, None, f"JSON Lines line {n} is over the limit of {limit} bytes (limits.max_file_bytes)") if over \
            else (n, buf, None)


def iter_jsonl(fh: BinaryIO, options: ExtractOptions, fields: dict[str, tuple[str, ...]] | None = None,
               first_line: int = 1) -> Iterator[Item]:
    """One record per line. Blank lines are skipped; a line that is not a JSON object, or has no content
    field, is a reject; a gzip stream that breaks ends the file with one reject (the lines before it count).
    ``first_line``: the number of the stream's first line (a reader that seeked to a line)."""
    fields = fields or JSONL_FIELDS
    limit = options.limits.max_file_bytes
    head = fh.read(2)
    fh.seek(fh.tell() - len(head))
    chunks = _gunzip_chunks(fh) if head == _GZIP else _raw_chunks(fh)
    n = first_line - 1
    try:
        for n, line, problem in _lines(chunks, limit, first_line - 1):
            if problem:
                yield Item.bad(n, "read", problem)
                continue
            if not line.strip():
                continue
            yield _jsonl_item(n, line, fields)
    except (EOFError, zlib.error) as exc:
        yield Item.bad(n + 1, "read", f"gzip data is truncated or corrupt after line {n} "
                                      f"({type(exc).__name__}: {exc}); the lines before it were read")


def _jsonl_item(n: int, line: bytes, fields: dict[str, tuple[str, ...]]) -> Item:
    sha = hashlib.sha256(line).hexdigest()
    try:
        obj = json.loads(line)
    except UnicodeDecodeError:
        return Item.bad(n, "decode", f"JSON Lines line {n} is not UTF-8", sha=sha)
    except ValueError as exc:
        return Item.bad(n, "parse", f"JSON Lines line {n} is not JSON ({exc})", sha=sha)
    if not isinstance(obj, dict):
        return Item.bad(n, "parse", f"JSON Lines line {n} is not a JSON object ({type(obj).__name__})", sha=sha)
    prov = provenance_from_fields(obj, fields)
    prov = Provenance(url=prov.url, fetched_at=prov.fetched_at, title=prov.title, author=prov.author,
                      published_at=prov.published_at, charset=None, source_record=n)
    status = first_field(obj, fields.get("status", ()))
    if isinstance(status, (int, str)) and str(status).isdigit() and not str(status).startswith("2"):
        return Item("skipped", n, why=f"HTTP {status}{' redirect' if str(status).startswith('3') else ''}")
    for role in CONTENT_ROLES:
        value = first_field(obj, fields.get(role, ()))
        if isinstance(value, dict):  # crawl4ai: "markdown": {"raw_markdown": ..., "fit_markdown": ...}
            value = value.get("raw_markdown") or value.get("markdown")
        if isinstance(value, str) and value.strip():
            return Item.page(n, value.encode("utf-8", "surrogatepass"), prov)
    names = sorted({f for r in CONTENT_ROLES for f in fields.get(r, ())})
    return Item.bad(n, "read", f"JSON Lines line {n} has no content field (looked for {', '.join(names)})"[:500],
                    prov, sha)

