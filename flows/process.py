"""Raw files -> article rows, reject rows and ledger entries. Plain functions, no Prefect.

``process_file`` handles one file (read, hash, extract, validate) and returns a small picklable
``FileOutcome``; ``assemble`` turns a batch of outcomes into Arrow tables. ``process_batch`` is the
two together, inline. Every file given ends as exactly one article row, one reject row, or
'unchanged' (same bytes as the lake already holds).
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime

import fsspec
import pyarrow as pa

from flows.discover import RawFile, name_bytes, open_dir
from schemas import articles_table, reject_row, rejects_table, to_row
from transforms import DEFAULT_OPTIONS, ExtractOptions, Reject, doc_id_for, extract


@dataclass
class BatchResult:
    articles: pa.Table
    rejects: pa.Table
    entries: list[dict] = field(default_factory=list)   # one per file: ledger fields + 'status'


@dataclass
class FileOutcome:
    entry: dict                 # ledger fields + 'status' (new | changed | unchanged) + 'outcome'
    row: dict | None = None     # an articles row
    reject: dict | None = None  # a rejects row
    more: list["FileOutcome"] = field(default_factory=list)   # further records of one job (a bad sidecar, a slice)

    @classmethod
    def rejected(cls, raw: RawFile, reject: Reject, ingested_at: datetime, sha: str | None = None,
                 status: str = "new") -> "FileOutcome":
        doc_id = doc_id_for(raw.key)
        entry = {"source_file": raw.source_file, "source_record": raw.record, "size": raw.size, "mtime_ns": raw.mtime_ns,
                 "doc_id": doc_id, "content_sha256": sha, "status": status, "outcome": "reject"}
        return cls(entry, reject=reject_row(raw.source_file, sha, reject, ingested_at, doc_id=doc_id,
                                            source_record=raw.record))


class ReadRefused(OSError):
    """A raw file that is not read: it is not (or no longer) the regular file discovery saw."""

    def __init__(self, reason: str):
        super().__init__(errno.EPERM, reason)


_FILE_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NOCTTY", 0))


def open_raw_local(root: str, raw: RawFile) -> int:
    """Open a local raw file without following any link: the folders on its path one by one through
    descriptors (``open_dir``), the file with ``O_NOFOLLOW | O_NONBLOCK`` (a FIFO or device never
    blocks the open), then ``fstat``: it must be a regular file, and the very file discovery saw
    (same device and inode) when discovery recorded them."""
    rel = raw.open_path if raw.open_path is not None else raw.source_file.encode("utf-8")
    parent, _, name = rel.rpartition(b"/")
    try:
        dfd = open_dir(os.fsencode(os.path.realpath(root)), parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise ReadRefused("a folder on its path is a symlink or no folder now (changed after discovery); "
                              "not followed") from None
        raise
    try:
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except OSError:
            st = None   # the open below says why
        if st is not None and stat.S_ISLNK(st.st_mode):
            raise ReadRefused("the file is a symlink now (changed after discovery); not followed")
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise ReadRefused("not a regular file (FIFO, device, socket or folder); not read")
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=dfd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ReadRefused("the file is a symlink now (changed after discovery); not followed") from None
            raise
    finally:
        os.close(dfd)
    st = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(st.st_mode):
        problem = "not a regular file (FIFO, device, socket or folder); not read"
    elif raw.ino and (st.st_dev, st.st_ino) != (raw.dev, raw.ino):
        problem = "the file was replaced after discovery (another inode); not read this run"
    if problem:
        os.close(fd)
        raise ReadRefused(problem)
    return fd


def read_raw(landing: str, raw: RawFile, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes (so an oversized file is detected without reading it all)."""
    fs, root = fsspec.core.url_to_fs(landing)
    if "file" in fs.protocol or fs.protocol in ("file", "local"):
        fd = open_raw_local(root, raw)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)   # a regular file: reads do not block anyway
        with os.fdopen(fd, "rb") as fh:
            return fh.read(limit + 1)
    return _read_object(fs, f"{root.rstrip('/')}/{raw.source_file}", limit)


def _retry_seconds() -> float:
    """How long a read from an object store waits out an outage: ``CLEANLAKE_S3_RETRY_TIMEOUT``
    (e.g. ``120s``, ``2m``), the same bound the lake's writes use."""
    text = os.environ.get("CLEANLAKE_S3_RETRY_TIMEOUT", "120s").strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|m|min)?", text)
    if not m:
        return 120.0
    return float(m.group(1)) * {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "min": 60.0}[m.group(2)]


def _read_object(fs, path: str, limit: int) -> bytes:
    """Read a landing file from an object store, retrying with backoff while the store does not
    answer (connection refused or reset, timeouts: botocore's errors are no OSError) for up to
    ``_retry_seconds``; then an OSError, so the file becomes a reject that the next run retries
    (it has no content hash). A missing or forbidden object is not retried."""
    deadline = time.monotonic() + _retry_seconds()
    delay = 0.5
    while True:
        try:
            with fs.open(path, "rb") as fh:
                return fh.read(limit + 1)
        except (FileNotFoundError, PermissionError, IsADirectoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - the store may come back: retry until the deadline
            if time.monotonic() + delay > deadline:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise OSError(f"the object store did not answer ({first})") from None
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def process_file(landing: str, raw: RawFile, known_sha: str | None, ingested_at: datetime,
                 options: ExtractOptions = DEFAULT_OPTIONS) -> FileOutcome:
    """``known_sha``: the content hash the lake holds for this file, if any (change detection).
    A record of a container (``raw.record`` set) goes to ``flows.containers.process_record``."""
    if raw.record is not None and not raw.problem:
        from flows.containers import process_record
        return process_record(landing, raw, known_sha, ingested_at, options)
    status = "new" if known_sha is None else "changed"
    if raw.problem:
        return FileOutcome.rejected(raw, Reject("read", raw.problem), ingested_at, status=status)
    try:
        data = read_raw(landing, raw, options.limits.max_file_bytes)
    except OSError as exc:
        return FileOutcome.rejected(raw, Reject("read", f"cannot read the file: {exc.strerror or exc}"), ingested_at,
                                    status=status)
    sha = hashlib.sha256(data).hexdigest()
    size = len(data) if len(data) <= options.limits.max_file_bytes else raw.size
    prov, side_bytes, side_reject = page_provenance(landing, raw, ingested_at)
    if side_bytes is not None:   # the page's hash covers its sidecar: editing only the sidecar is a change
        sha = hashlib.sha256(data + b"\0" + side_bytes).hexdigest()
    doc_id = doc_id_for(raw.source_file)
    entry = {"source_file": raw.source_file, "source_record": None, "size": size, "mtime_ns": raw.mtime_ns,
             "doc_id": doc_id, "content_sha256": sha, "status": status}
    more = [side_reject] if side_reject is not None else []
    if known_sha == sha:   # the hash covers the sidecar too: its reject, if any, is in the lake already
        return FileOutcome({**entry, "status": "unchanged", "outcome": None})
    record = extract(data, raw.source_file, options, prov)
    if prov is not None and not isinstance(record, Reject):
        record["content_sha256"] = sha
    result = record if isinstance(record, Reject) else to_row(record, ingested_at)
    if isinstance(result, Reject):
        return FileOutcome({**entry, "outcome": "reject"}, more=more, reject=reject_row(
            raw.source_file, sha, result, ingested_at, doc_id=doc_id, url=prov.url if prov else None,
            fetched_at=prov.fetched_at if prov else None))
    return FileOutcome({**entry, "outcome": "article"}, row=result, more=more)


def page_provenance(landing: str, raw: RawFile, ingested_at: datetime):
    """What is known about a one-page file besides its bytes: its mirror path's host and its sidecar.
    Returns (Provenance or None, the sidecar's bytes or None, a FileOutcome rejecting a bad sidecar or None).
    A bad sidecar does not stop the page: the page is ingested without it, the sidecar is a reject."""
    from transforms.provenance import from_mirror_path, from_sidecar
    prov = from_mirror_path(raw.source_file)
    if not raw.sidecar:
        return prov, None, None
    side = RawFile(raw.sidecar, 0, raw.mtime_ns, open_path=name_bytes(raw.sidecar))
    try:
        side_bytes = read_raw(landing, side, 1 << 20)
    except OSError as exc:
        got = Reject("read", f"cannot read the sidecar: {exc.strerror or exc}")
        side_bytes = None
    else:
        got = from_sidecar(side_bytes, f"sidecar {raw.sidecar}")
    if isinstance(got, Reject):
        out = FileOutcome.rejected(RawFile(raw.sidecar, len(side_bytes or b""), raw.mtime_ns), got, ingested_at,
                                   hashlib.sha256(side_bytes).hexdigest() if side_bytes is not None else None)
        out.entry["outcome"] = "reject"
        return prov, side_bytes, out
    return got.merged(prov), side_bytes, None


def flatten(outcomes: list[FileOutcome]) -> list[FileOutcome]:
    return [x for o in outcomes for x in (o, *o.more)]


def assemble(outcomes: list[FileOutcome]) -> BatchResult:
    outcomes = flatten(outcomes)
    return BatchResult(articles_table([o.row for o in outcomes if o.row is not None]),
                       rejects_table([o.reject for o in outcomes if o.reject is not None]),
                       [o.entry for o in outcomes])


def process_batch(landing: str, files: list[RawFile], known_sha: dict[str, str], ingested_at: datetime,
                  options: ExtractOptions = DEFAULT_OPTIONS) -> BatchResult:
    """A batch inline, in this process (no per-file time limit): tests and the thread runner."""
    return assemble([process_file(landing, raw, known_sha.get(raw.key), ingested_at, options) for raw in files])
