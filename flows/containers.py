"""Container files in a run: a WARC or JSON Lines file becomes one job per record.

``expand(landing, files, options)`` (in the flow's process) replaces each container file by jobs: one
``RawFile`` per page record of a WARC or line of a plain JSON Lines file (``record`` = its
``source_record``, ``offset`` = where to seek), or one job per ``JSONL_GZ_SLICE`` lines of a
``.jsonl.gz`` (a gzip stream cannot be entered in the middle). The index pass reads the file once,
one record at a time, and hashes each record's payload: a record whose hash the lake already holds is
an 'unchanged' entry and gets no job; records that are not pages (WARC request, dns, metadata, images,
redirects) are counted there. Each job is then extracted in a worker like any file
(``process_record``), with the per-file time limit applying to one record, and its rows keyed by
``doc_id_for(f"{source_file}#{source_record}")``.

So change detection is per record: a WARC that grew, or a JSONL that gained lines, costs one read of
the file and the extraction of its new records only; a changed record replaces its row; a rerun after a
kill extracts exactly the records whose rows the killed run did not publish.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import BinaryIO, Iterator

import fsspec

from flows.discover import RawFile
from schemas import reject_row, to_row
from transforms import ExtractOptions, Reject, extract
from transforms.containers import Item, container_kind, iter_jsonl, iter_warc, parse_field_map
from transforms.provenance import record_doc_id

JSONL_GZ_SLICE = 64
# JSON Lines field names for this process (``--jsonl-fields``); an environment variable so that the
# worker processes, which are spawned, see the same map.
FIELDS_ENV = "CLEANLAKE_JSONL_FIELDS"


def jsonl_fields() -> dict:
    return parse_field_map(os.environ.get(FIELDS_ENV))


@dataclass
class ContainerIndex:
    jobs: list[RawFile] = field(default_factory=list)
    entries: list[dict] = field(default_factory=list)   # the unchanged records (no job), for the run's counts
    skipped: int = 0


@contextmanager
def open_stream(landing: str, source_file: str) -> Iterator[BinaryIO]:
    """The raw file as a seekable binary stream (a local file is opened without following a symlink)."""
    fs, root = fsspec.core.url_to_fs(landing)
    path = f"{root.rstrip('/')}/{source_file}"
    if "file" in fs.protocol or fs.protocol in ("file", "local"):
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) if not os.path.islink(path) else os.O_RDONLY
        with os.fdopen(os.open(path, flags), "rb", buffering=1 << 16) as fh:
            yield fh
        return
    with fs.open(path, "rb") as fh:
        yield fh


def is_container(raw: RawFile) -> bool:
    return container_kind(raw.source_file) is not None


def index(landing: str, raw: RawFile, options: ExtractOptions, known: dict[str, str] | None = None) -> ContainerIndex:
    """The jobs of one container file: one per record whose payload hash is not the one the lake holds
    (``known``: doc_id -> hash); the others become 'unchanged' entries here, without a job. Reads the
    file once, one record at a time."""
    known = known or {}
    out = ContainerIndex()
    kind = container_kind(raw.source_file)

    def unchanged(item: Item) -> bool:
        doc = record_doc_id(raw.source_file, item.source_record)
        if item.sha256 is None or known.get(doc) != item.sha256:
            return False
        out.entries.append({"source_file": raw.source_file, "source_record": item.source_record, "doc_id": doc,
                            "size": raw.size, "mtime_ns": raw.mtime_ns, "content_sha256": item.sha256,
                            "status": "unchanged", "outcome": None})
        return True

    with open_stream(landing, raw.source_file) as fh:
        if kind == "warc":
            # with no hash to compare against (a first ingest), headers only: the payload is read once, in the worker
            for item in iter_warc(fh, options, payloads=bool(known)):
                if item.kind == "skipped":
                    out.skipped += 1
                elif not unchanged(item):
                    out.jobs.append(replace(raw, record=item.source_record, offset=item.source_record))
            return out
        gz = fh.read(2) == b"\x1f\x8b"
        fh.seek(0)
        offsets = _line_offsets(fh) if not gz else None
        fh.seek(0)
        todo: list[int] = []
        for item in iter_jsonl(fh, options, jsonl_fields()):
            if item.kind == "skipped":
                out.skipped += 1
            elif not unchanged(item):
                todo.append(item.source_record)
        if offsets is not None:
            out.jobs.extend(replace(raw, record=n, offset=offsets[n - 1]) for n in todo if n - 1 < len(offsets))
            return out
        while todo:   # a gzip stream is read from its start: slices of nearby lines, one job each
            first = todo[0]
            group = [n for n in todo if n < first + JSONL_GZ_SLICE]
            out.jobs.append(replace(raw, record=first, offset=None, count=group[-1] - first + 1))
            todo = todo[len(group):]
    return out


def _line_offsets(fh: BinaryIO) -> list[int]:
    offsets, pos = [], 0
    while True:
        line = fh.readline(1 << 20)
        if not line:
            return offsets
        offsets.append(pos)
        pos += len(line)
        while not line.endswith(b"\n"):   # a long line: read on to its end (never held whole)
            line = fh.readline(1 << 20)
            if not line:
                return offsets
            pos += len(line)


def expand(landing: str, files: list[RawFile], options: ExtractOptions,
           known: dict[str, str] | None = None) -> tuple[list[RawFile], ContainerIndex]:
    """Files with each container replaced by the jobs of its new and changed records; the containers'
    unchanged records as entries, and the count of records that are not pages. A container that
    cannot be opened stays one job, which becomes its reject."""
    todo: list[RawFile] = []
    total = ContainerIndex()
    for raw in files:
        if raw.problem or not is_container(raw) or raw.record is not None:
            todo.append(raw)
            continue
        try:
            got = index(landing, raw, options, known)
        except OSError as exc:
            todo.append(replace(raw, problem=f"cannot read the file: {exc.strerror or exc}"))
            continue
        todo.extend(got.jobs)
        total.entries.extend(got.entries)
        total.skipped += got.skipped
    return todo, total


def known_for(job: RawFile, record_sha: dict[str, str]):
    """What ``process_record`` compares a job's records with: the hash of its record, or for a slice
    a mapping ``file#line -> hash``."""
    if job.count == 1:
        return record_sha.get(record_doc_id(job.source_file, job.record))
    out = {}
    for n in range(job.record, job.record + job.count):
        sha = record_sha.get(record_doc_id(job.source_file, n))
        if sha:
            out[f"{job.source_file}#{n}"] = sha
    return out


def read_items(landing: str, raw: RawFile, options: ExtractOptions) -> list[Item]:
    """The items of one job: the record at ``raw.offset`` (or the ``count`` lines from ``raw.record``)."""
    kind = container_kind(raw.source_file)
    with open_stream(landing, raw.source_file) as fh:
        if kind == "warc":
            fh.seek(raw.offset or 0)
            item = next(iter_warc(fh, options), None)
            return [item] if item is not None else []
        if raw.offset is not None:
            fh.seek(raw.offset)
            line = fh.readline(options.limits.max_file_bytes + 1)
            return list(iter_jsonl(_One(line), options, jsonl_fields(), first_line=raw.record))[:1]
        items = iter_jsonl(fh, options, jsonl_fields())
        return [i for i in islice((i for i in items if i.source_record >= raw.record), raw.count)
                if i.source_record < raw.record + raw.count]


class _One:
    """One line as a stream (a seeked JSON Lines line goes through the same reader)."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.pos + n
        out, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return out

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else len(self.data) + pos
        return self.pos


def process_record(landing: str, raw: RawFile, known, ingested_at: datetime, options: ExtractOptions):
    """One job of a container (worker side): its record(s) -> a FileOutcome (several: ``more``).

    ``known``: the payload hash the lake holds for this record (a one-record job), or a mapping
    ``key -> hash`` for the records of a slice."""
    from flows.process import FileOutcome
    try:
        items = read_items(landing, raw, options)
    except OSError as exc:
        items = [Item.bad(raw.record, "read", f"cannot read the file: {exc.strerror or exc}")]
    outcomes = [record_outcome(raw, item, known.get(f"{raw.source_file}#{item.source_record}")
                               if isinstance(known, dict) else known, ingested_at, options) for item in items]
    if not outcomes:   # the record is gone (the file was rewritten shorter since the index pass)
        entry = {"source_file": raw.source_file, "source_record": raw.record, "doc_id": record_doc_id(raw.source_file, raw.record),
                 "size": raw.size, "mtime_ns": raw.mtime_ns, "content_sha256": None, "status": "skipped",
                 "outcome": "skipped"}
        return FileOutcome(entry)
    head = outcomes[0]
    head.more = outcomes[1:]
    return head


def record_outcome(raw: RawFile, item: Item, known_sha: str | None, ingested_at: datetime, options: ExtractOptions):
    from flows.process import FileOutcome
    sf = raw.source_file
    doc_id = record_doc_id(sf, item.source_record)
    entry = {"source_file": sf, "source_record": item.source_record, "doc_id": doc_id, "size": raw.size,
             "mtime_ns": raw.mtime_ns, "content_sha256": item.sha256,
             "status": "new" if known_sha is None else "changed"}
    if item.kind == "skipped":
        return FileOutcome({**entry, "status": "skipped", "outcome": "skipped"})
    if known_sha is not None and known_sha == item.sha256:
        return FileOutcome({**entry, "status": "unchanged", "outcome": None})
    prov = item.provenance
    result = item.reject if item.kind == "reject" else extract(item.raw, sf, options, prov)
    if not isinstance(result, Reject):
        result = to_row(result, ingested_at)
    if isinstance(result, Reject):
        return FileOutcome({**entry, "outcome": "reject"}, reject=reject_row(
            sf, item.sha256, result, ingested_at, doc_id=doc_id, url=prov.url if prov else None,
            fetched_at=prov.fetched_at if prov else None, source_record=item.source_record))
    return FileOutcome({**entry, "outcome": "article"}, row=result)
