"""The lake: three Delta Lake tables (delta-rs, ``deltalake``) under one root, local or ``s3://``.

    <lake>/articles/   Delta table, partitioned by site and month (hive folders; a missing value is
                       the hive null partition ``__HIVE_DEFAULT_PARTITION__``, read as NULL)
    <lake>/rejects/    Delta table, one row per file (or container record) that did not become an article
    <lake>/runs/       Delta table, one row per run
    <lake>/_lock       local lakes only: an flock that queues writers politely (not what keeps the lake exact)

There is no separate ledger. Each articles and rejects row carries the ledger's columns (the raw
file's ``size`` and ``mtime_ns`` when the row was written, and the ``run_id`` that wrote it), so
change detection reads a few columns of the current snapshot, and a row cannot exist without its
ledger entry nor the other way round. The ``ledger`` view is a projection of those columns.

Every write is a MERGE on ``doc_id``: a row that exists is replaced, one that does not is inserted,
and a document that moved between articles and rejects is deleted from the table it left. A MERGE
is idempotent, so a run killed between two commits (articles, rejects, runs) ends exactly once when
it is rerun. Two writers are ordered by Delta's optimistic concurrency (a commit is a conditional
create of the next log entry, on local disks and on S3 alike): a writer whose MERGE conflicts with
a concurrent commit re-reads the table and runs its MERGE again, so no ``doc_id`` is ever written
twice. Nothing of ours outlives a writer.
"""
from __future__ import annotations

import json
import os
import posixpath
import random
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import unquote

import fsspec
import pyarrow as pa
import pyarrow.dataset as pads

from schemas import ARTICLES_DELTA, LEDGER, REJECTS_DELTA, RUNS

TABLES = {"articles": (ARTICLES_DELTA, ["site", "month"]), "rejects": (REJECTS_DELTA, []), "runs": (RUNS, [])}
KEYS = {"articles": "doc_id", "rejects": "doc_id", "runs": "run_id"}
BUFFER_BYTES = 128 * 1024 * 1024   # rows buffered by a run before they are merged (one commit per table)
COMMIT_ATTEMPTS = 30               # MERGEs retried after a concurrent writer's commit
RETAIN_HOURS = 24                  # compact/vacuum keep every file a version of the last day needs
OLD_FORMAT_MARKERS = ("_ledger/ledger.parquet", "_runs", "_commits", "_staging")
TABLE_CONFIG = {"delta.checkpointInterval": "20", "delta.logRetentionDuration": "interval 30 days"}


class LakeError(RuntimeError):
    """A run or query that cannot go on; the message is one line a person can act on."""


class LakeLockedError(LakeError):
    pass


class LakeDamagedError(LakeError):
    pass


class LakeWriteError(LakeError):
    pass


class OldFormatError(LakeError):
    pass


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if "No space left on device" in text or "os error 28" in text:
        return "no space left on device"
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return line[:300]


def _storage_options(url: str) -> dict[str, str] | None:
    """delta-rs (object_store) settings for an ``s3://`` lake, from the usual ``AWS_*`` variables."""
    if not url.startswith(("s3://", "s3a://")):
        return None
    opts = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        opts["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            opts["AWS_ALLOW_HTTP"] = "true"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    opts["AWS_REGION"] = region or "us-east-1"
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        if os.environ.get(key):
            opts[key] = os.environ[key]
    # commits are conditional creates (If-None-Match), which S3 and S3-compatible servers support:
    # no DynamoDB lock, no lease of ours
    opts.setdefault("conditional_put", "etag")
    # an outage: object_store retries with back-off for up to this long before the run fails
    opts.setdefault("retry_timeout", os.environ.get("CLEANLAKE_S3_RETRY_TIMEOUT", "120s"))
    opts.setdefault("max_retries", "1000")   # bounded by retry_timeout, not by a count of quick refusals
    opts.setdefault("backoff_config.max_backoff", "2s")
    return opts


def _loose(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])


def parse_as_of(value) -> int | datetime | None:
    """``--as-of``: a version number of the articles table, or an ISO date/timestamp (UTC if no zone)."""
    if value is None or isinstance(value, (int, datetime)):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--as-of {text!r} is neither a version number nor a timestamp (e.g. 2025-03-01T12:00:00Z)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _view(t: pa.DataType) -> pa.DataType:
    if t == pa.string():
        return pa.string_view()
    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, _view(t.value_type), t.value_field.nullable))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _view(f.type), f.nullable) for f in t])
    return t


def _snapshot_dataset(dt, partitions: list[str]) -> pads.Dataset:
    """The snapshot's files as one Arrow dataset. delta-rs writes strings as Arrow ``string_view``;
    the dataset declares them so (partition columns stay ``string``), so that a filter pushed down
    by DuckDB compares like with like (a ``string`` schema over ``string_view`` files fails with
    "no kernel matching input types (string, string_view)")."""
    base = dt.to_pyarrow_dataset()
    schema = pa.schema([f if f.name in partitions else pa.field(f.name, _view(f.type), f.nullable) for f in base.schema])
    return dt.to_pyarrow_dataset(schema=schema)


class Lake:
    def __init__(self, url: str):
        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/") or "/"
        self.local = "file" in self.fs.protocol or self.fs.protocol in ("file", "local")
        if self.local:
            self.root = os.path.abspath(self.root)
        self.storage_options = _storage_options(self.url)

    # -- paths ---------------------------------------------------------------------------------
    def path(self, rel: str) -> str:
        return posixpath.join(self.root, rel)

    def uri(self, table: str) -> str:
        if self.local:
            return self.path(table)
        return self.url.rstrip("/") + "/" + table

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def old_format(self) -> str | None:
        """The marker of the pre-Delta layout, if this lake has one."""
        for rel in OLD_FORMAT_MARKERS:
            if self.exists(rel):
                return rel
        if not any(self.exists(f"{t}/_delta_log") for t in TABLES) and self.fs.glob(self.path("articles/*/*/*.parquet")):
            return "articles/site=*/month=*/*.parquet"
        return None

    def _lost_log(self, name: str) -> bool:
        """Data files without a ``_delta_log`` in a lake whose other tables have one: the log was lost."""
        return (not self.exists(f"{name}/_delta_log") and bool(self.fs.glob(self.path(f"{name}/**/*.parquet")))
                and any(self.exists(f"{t}/_delta_log") for t in TABLES if t != name))

    def check_format(self) -> None:
        marker = self.old_format()
        if marker:
            raise OldFormatError(
                f"the lake {self.url} is in the old (pre-Delta) layout ({marker}); convert it with "
                f"`cleanlake migrate --lake {self.url}`, or rebuild it: move it aside and run `cleanlake run`")

    # -- lock ----------------------------------------------------------------------------------
    @contextmanager
    def lock(self, wait: float = 0.0):
        """A courtesy queue for writers of a local lake: flock (released by the kernel even on kill -9);
        a second writer waits up to ``wait`` seconds, then gives up in one line. Correctness does not
        depend on it: concurrent writers (and every writer of an ``s3://`` lake) are ordered by Delta's
        conditional commits."""
        if not self.local:
            yield
            return
        import fcntl
        os.makedirs(self.root, exist_ok=True)
        fd = os.open(self.path("_lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                        waited = f" after waiting {wait:g} s" if wait else ""
                        raise LakeLockedError(f"the lake {self.url} is locked by a running cleanlake job ({holder}){waited}; "
                                              "try again when it has finished, or pass --wait SECONDS") from None
                    time.sleep(0.2)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            except OSError:
                pass   # a full disk: the lock holds all the same
            yield
        finally:
            os.close(fd)

    # -- tables --------------------------------------------------------------------------------
    def _load(self, name: str, version=None, check: bool = False):
        """The table, or None if it does not exist yet. Damage is named (``LakeDamagedError``)."""
        from deltalake import DeltaTable
        uri = self.uri(name)
        try:
            if not DeltaTable.is_deltatable(uri, storage_options=self.storage_options):
                if self._lost_log(name):
                    raise LakeDamagedError(f"the {name} table has data files but its log {name}/_delta_log is gone; "
                                           f"{self._recovery()}")
                if self.exists(f"{name}/_delta_log"):
                    raise LakeDamagedError(self._diagnose_log(name) or
                                           f"the {name} table's log ({name}/_delta_log) cannot be read")
                return None
            dt = DeltaTable(uri, storage_options=self.storage_options)
            if version is not None:
                dt.load_as_version(version)
            elif check:
                self._check_recent_log(name, dt.version())
            return dt
        except LakeError:
            raise
        except Exception as exc:  # noqa: BLE001 - delta-rs raises several kinds; name what is damaged
            found = self._diagnose_log(name)
            if found:
                raise LakeDamagedError(found) from None
            raise LakeError(f"cannot read the {name} table of {self.url}: {_one_line(exc)}") from None

    def table(self, name: str, check: bool = False):
        """The table, created (empty, with its declared schema) if it does not exist yet."""
        from deltalake import DeltaTable
        dt = self._load(name, check=check)
        if dt is not None:
            return dt
        schema, partitions = TABLES[name]
        try:
            return DeltaTable.create(self.uri(name), schema, partition_by=partitions or None, mode="ignore",
                                     configuration=TABLE_CONFIG, storage_options=self.storage_options)
        except Exception as exc:  # noqa: BLE001 - another writer created it first, or a write error
            dt = self._load(name)
            if dt is None:
                raise LakeWriteError(f"cannot create the {name} table in {self.url}: {_one_line(exc)}") from None
            return dt

    # -- damage --------------------------------------------------------------------------------
    def _recovery(self) -> str:
        return f"run `cleanlake repair --lake {self.url}` (the next run re-ingests what it held)"

    def _diagnose_log(self, name: str) -> str | None:
        """A one-line message naming the log entry or checkpoint of table ``name`` that cannot be read."""
        found = self._find_log_damage(name)
        if found is None:
            return None
        kind, rel, newest = found
        if kind == "commit" and not newest:
            return (f"the {name} table's log entry {rel} is corrupt or empty and is not the newest; "
                    f"rebuild the lake: move it aside and run `cleanlake run --lake {self.url}`")
        what = {"pointer": "checkpoint pointer", "checkpoint": "checkpoint", "commit": "log entry"}[kind]
        fix = (f"run `cleanlake repair --lake {self.url}` (the table goes back one version; the next run redoes it)"
               if kind == "commit" else f"run `cleanlake repair --lake {self.url}` (the log is replayed without it)")
        return f"the {name} table's {what} {rel} is corrupt; {fix}"

    def _check_recent_log(self, name: str, version: int) -> None:
        """delta-rs reads an empty log entry as a commit without actions (the table silently loses the
        files it added): check the entries since the last checkpoint, a few small reads."""
        log = f"{name}/_delta_log"
        start = 0
        try:
            start = int(json.loads(self.fs.cat_file(self.path(f"{log}/_last_checkpoint")))["version"]) + 1
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError):
            raise LakeDamagedError(self._diagnose_log(name) or f"the {name} table's {log}/_last_checkpoint is corrupt") from None
        paths = [self.path(f"{log}/{v:020d}.json") for v in range(max(start, version - 99), version + 1)]
        bodies = self.fs.cat(paths, on_error="return") if paths else {}
        for p in paths:
            body = bodies.get(p)
            try:
                if isinstance(body, Exception):
                    raise body
                lines = [ln for ln in body.decode("utf-8").splitlines() if ln.strip()]
                if not lines:
                    raise ValueError("empty")
                json.loads(lines[0])    # garbage fails here, a torn entry at its last line
                json.loads(lines[-1])
            except (OSError, ValueError, UnicodeDecodeError, AttributeError):
                newest = p == paths[-1]
                rel = f"{log}/{posixpath.basename(p)}"
                raise LakeDamagedError(self._diagnose_log(name) or
                                       f"the {name} table's log entry {rel} is corrupt or empty{'' if newest else ' and is not the newest'}; "
                                       + (f"run `cleanlake repair --lake {self.url}`" if newest else
                                          f"rebuild the lake: move it aside and run `cleanlake run --lake {self.url}`")) from None

    def _find_log_damage(self, name: str) -> tuple[str, str, bool] | None:
        """(kind, lake-relative path, is the newest entry) of the first unreadable log file, or None."""
        import pyarrow.parquet as pq
        log = f"{name}/_delta_log"
        try:
            names = sorted(posixpath.basename(p) for p in self.fs.ls(self.path(log), detail=False))
        except Exception:  # noqa: BLE001 - not there, or the store is unreachable: nothing to name
            return None
        if "_last_checkpoint" in names:
            try:
                json.loads(self.fs.cat_file(self.path(f"{log}/_last_checkpoint")))
            except (OSError, ValueError):
                return "pointer", f"{log}/_last_checkpoint", False
        for n in names:
            if n.endswith(".checkpoint.parquet"):
                try:
                    with self.fs.open(self.path(f"{log}/{n}"), "rb") as fh:
                        pq.read_metadata(fh)
                except Exception:  # noqa: BLE001
                    return "checkpoint", f"{log}/{n}", False
        commits = [n for n in names if n.endswith(".json") and n[:-5].isdigit()]
        for n in commits:
            try:
                body = self.fs.cat_file(self.path(f"{log}/{n}")).decode("utf-8")
                if not [json.loads(ln) for ln in body.splitlines() if ln.strip()]:
                    raise ValueError("empty")
            except (OSError, ValueError, UnicodeDecodeError):
                return "commit", f"{log}/{n}", n == commits[-1]
        return None

    def _data_file_states(self, dt):
        """(lake-relative path, None | "missing" | "corrupt") for each data file the snapshot names:
        a file is sound when its Parquet footer reads."""
        import pyarrow.parquet as pq
        for uri in dt.file_uris():
            rel = self._rel_of(uri)
            try:
                with self.fs.open(self.path(rel), "rb") as fh:
                    pq.read_metadata(fh)
            except FileNotFoundError:
                yield rel, "missing"
            except Exception:  # noqa: BLE001 - any unreadable footer is damage
                yield rel, "corrupt"
            else:
                yield rel, None

    def _diagnose_files(self, name: str, dt) -> str | None:
        for rel, state in self._data_file_states(dt):
            if state is not None:
                return f"data file {rel} of the {name} table is {state}; {self._recovery()}"
        return None

    def _rel_of(self, uri: str) -> str:
        path = unquote(uri.split("://", 1)[-1]) if "://" in uri else uri
        return posixpath.relpath(path, self.root) if path.startswith(self.root) else path

    def _read(self, name: str, dt, columns: list[str]) -> pa.Table:
        """A few columns of every row of the snapshot, read by delta-rs itself (several times faster
        than building a pyarrow dataset with per-file statistics for it)."""
        from deltalake import QueryBuilder
        try:
            sql = "SELECT " + ", ".join(f'"{c}"' for c in columns) + " FROM t"
            return pa.table(QueryBuilder().register("t", dt).execute(sql).read_all())
        except Exception as exc:  # noqa: BLE001
            found = self._diagnose_files(name, dt)
            if found:
                raise LakeDamagedError(found) from None
            raise LakeError(f"cannot read the {name} table of {self.url}: {_one_line(exc)}") from None

    # -- snapshot for a run --------------------------------------------------------------------
    def read_state(self) -> tuple[dict[str, dict], dict[str, str]]:
        """What change detection needs, from the current snapshot: ``(by_file, outcome_by_doc)``.

        ``by_file``: source_file -> {size, mtime_ns, content_sha256, outcome}; a file whose rows do
        not agree (a document in both tables after an interrupted run) gets ``content_sha256`` None,
        so it is processed again. Reads only the ledger columns, but opens every data file: a missing
        or corrupt one is named here, before anything is written.
        """
        try:
            return self._read_state()
        except LakeError:
            raise
        except Exception as exc:  # noqa: BLE001 - an unreachable store (botocore's errors are no OSError)
            raise LakeError(f"cannot read the lake {self.url}: {_one_line(exc)}") from None

    def _read_state(self) -> tuple[dict[str, dict], dict[str, str]]:
        self.check_format()
        cols = ["doc_id", "source_file", "size", "mtime_ns", "content_sha256"]
        outcome: dict[str, str] = {}
        by_file: dict[str, dict] = {}
        for name, kind in (("articles", "article"), ("rejects", "reject")):
            dt = self.table(name, check=True)
            t = self._read(name, dt, cols)
            for doc, sf, size, mtime, sha in zip(*(t[c].to_pylist() for c in cols)):
                bad = doc in outcome
                outcome[doc] = kind
                entry = {"source_file": sf, "size": size, "mtime_ns": mtime, "content_sha256": sha, "outcome": kind}
                old = by_file.get(sf)
                if old is not None and (bad or (old["size"], old["mtime_ns"], old["content_sha256"])
                                        != (size, mtime, sha)):
                    entry["content_sha256"] = None
                if bad:
                    entry["content_sha256"] = None
                by_file[sf] = entry if old is None or entry["content_sha256"] is None else old
        runs = self.table("runs", check=True)
        self._read("runs", runs, ["run_id"])
        return by_file, outcome

    def record_hashes(self, source_files: set[str]) -> dict[str, str]:
        """``doc_id -> content_sha256`` of the rows of these files (a container has one row per record),
        for per-record change detection; a document in both tables (an interrupted run) gets none."""
        if not source_files:
            return {}
        wanted = pa.array(sorted(source_files), pa.string())
        out: dict[str, str] = {}
        seen: set[str] = set()
        for name in ("articles", "rejects"):
            dt = self.table(name)
            t = dt.to_pyarrow_dataset().to_table(columns=["doc_id", "content_sha256"],
                                                 filter=pads.field("source_file").isin(wanted.to_pylist())) \
                if dt is not None else None
            if t is None:
                continue
            for doc, sha in zip(t["doc_id"].to_pylist(), t["content_sha256"].to_pylist()):
                if doc in seen:
                    out.pop(doc, None)
                    continue
                seen.add(doc)
                if sha:
                    out[doc] = sha
        return out

    # -- writing -------------------------------------------------------------------------------
    def merge(self, name: str, source: pa.Table, run_id: str, operation: str = "upsert") -> dict:
        """MERGE ``source`` into table ``name`` on its key, retried after a concurrent commit.

        ``source`` has the table's columns (all nullable) and ``_op``: ``up`` (replace or insert),
        ``del`` (delete if present), ``touch`` (set size and mtime_ns only), ``dup`` (set dup_group and
        dup_kind only: an older article ``flows.dedup`` regrouped)."""
        from deltalake import CommitProperties, WriterProperties
        from deltalake.exceptions import CommitFailedError
        if source.num_rows == 0:
            return {}
        key = KEYS[name]
        props = CommitProperties(custom_metadata={"cleanlake.run_id": run_id, "cleanlake.operation": operation})
        writer = WriterProperties(compression="ZSTD")
        has_ops = "_op" in source.column_names
        for attempt in range(COMMIT_ATTEMPTS):
            dt = self.table(name)
            try:
                m = dt.merge(source, f"t.{key} = s.{key}", source_alias="s", target_alias="t",
                             writer_properties=writer, commit_properties=props)
                if has_ops:
                    m = (m.when_matched_delete("s._op = 'del'")
                         .when_matched_update({"size": "s.size", "mtime_ns": "s.mtime_ns"}, "s._op = 'touch'"))
                    if "dup_group" in source.column_names:
                        m = m.when_matched_update({"dup_group": "s.dup_group", "dup_kind": "s.dup_kind"}, "s._op = 'dup'")
                    m = (m.when_matched_update_all("s._op = 'up'")
                         .when_not_matched_insert_all("s._op = 'up'"))
                else:
                    m = m.when_matched_update_all().when_not_matched_insert_all()
                return m.execute()
            except CommitFailedError:
                time.sleep(min(2.0, 0.1 * (attempt + 1)) * (0.5 + random.random()))
            except LakeError:
                raise
            except Exception as exc:  # noqa: BLE001 - disk full, unreachable store, damaged file
                found = self._diagnose_files(name, dt) if "not found" in str(exc).lower() or "parquet" in str(exc).lower() else None
                if found:
                    raise LakeDamagedError(found) from None
                raise LakeWriteError(f"could not write the {name} table of {self.url}: {_one_line(exc)}; "
                                     "the lake still reads as its last good version, rerun when fixed") from None
        raise LakeWriteError(f"could not commit to the {name} table of {self.url}: other writers kept committing "
                             f"first ({COMMIT_ATTEMPTS} tries); rerun")

    def put_run(self, row: pa.Table, run_id: str) -> None:
        """Write a run's row: an overwrite of the rows with this run_id (file statistics find them, so
        unlike a MERGE it does not read the whole runs table)."""
        from deltalake import CommitProperties, WriterProperties, write_deltalake
        from deltalake.exceptions import CommitFailedError
        quoted = run_id.replace("'", "''")
        props = CommitProperties(custom_metadata={"cleanlake.run_id": run_id, "cleanlake.operation": "run"})
        for attempt in range(COMMIT_ATTEMPTS):
            dt = self.table("runs")
            try:
                write_deltalake(dt, row, mode="overwrite", predicate=f"run_id = '{quoted}'", commit_properties=props,
                                writer_properties=WriterProperties(compression="ZSTD"))
                return
            except CommitFailedError:
                time.sleep(min(2.0, 0.1 * (attempt + 1)) * (0.5 + random.random()))
            except Exception as exc:  # noqa: BLE001
                raise LakeWriteError(f"could not write the runs table of {self.url}: {_one_line(exc)}; "
                                     "the lake still reads as its last good version, rerun when fixed") from None
        raise LakeWriteError(f"could not commit to the runs table of {self.url}: other writers kept committing first")

    # -- reading -------------------------------------------------------------------------------
    def _versions_as_of(self, as_of) -> dict[str, int | None]:
        """The version of each table at ``as_of``: an articles version (the other tables as they were
        until the next articles commit), or an instant."""
        as_of = parse_as_of(as_of)
        hist = {name: self._history(name) for name in TABLES}
        if isinstance(as_of, int):
            arts = {h["version"]: h["timestamp"] for h in hist["articles"]}
            if as_of not in arts:
                have = f"0..{max(arts)}" if arts else "none"
                raise ValueError(f"--as-of {as_of}: the articles table has no version {as_of} (versions {have})")
            later = [ts for v, ts in arts.items() if v > as_of]
            until = min(later) - 1 if later else None
            out = {"articles": as_of}
            for name in ("rejects", "runs"):
                vs = [h["version"] for h in hist[name] if until is None or h["timestamp"] <= until]
                out[name] = max(vs) if vs else None
            return out
        ms = int(as_of.timestamp() * 1000)
        out = {}
        for name in TABLES:
            vs = [h["version"] for h in hist[name] if h["timestamp"] <= ms]
            out[name] = max(vs) if vs else None
        return out

    def _history(self, name: str) -> list[dict]:
        dt = self._load(name)
        return dt.history() if dt is not None else []

    def datasets(self, as_of=None) -> dict[str, pads.Dataset]:
        """One snapshot per table as Arrow datasets: articles, rejects, runs, and the ledger view.

        Readers never list files: each dataset holds exactly the files of its table's snapshot, so a
        commit or a compaction under a running query changes nothing it reads (vacuum keeps removed
        files for ``RETAIN_HOURS``)."""
        self.check_format()
        versions = self._versions_as_of(as_of) if as_of is not None else {}
        out: dict[str, pads.Dataset] = {}
        for name, (schema, _) in TABLES.items():
            if as_of is not None and versions.get(name) is None:
                dt = None
            else:
                dt = self._load(name, versions.get(name))
            out[name] = _snapshot_dataset(dt, TABLES[name][1]) if dt is not None else pads.dataset(schema.empty_table())
        out["ledger"] = pads.dataset(self._ledger_table(out))
        return out

    def _ledger_table(self, ds: dict[str, pads.Dataset]) -> pa.Table:
        parts = []
        schema = _loose(LEDGER)
        for name, kind in (("articles", "article"), ("rejects", "reject")):
            cols = ["source_file", "size", "mtime_ns", "content_sha256", "doc_id", "run_id", "ingested_at"]
            try:
                t = ds[name].to_table(columns=cols + (["__filename"] if isinstance(ds[name], pads.FileSystemDataset) else []))
            except Exception as exc:  # noqa: BLE001
                raise LakeError(f"cannot read the {name} table of {self.url}: {_one_line(exc)}") from None
            n = t.num_rows
            data_file = (pa.array([f"{name}/{p}" for p in t["__filename"].to_pylist()], pa.string())
                         if "__filename" in t.column_names else pa.nulls(n, pa.string()))
            parts.append(pa.table({"source_file": t["source_file"], "size": t["size"], "mtime_ns": t["mtime_ns"],
                                   "content_sha256": t["content_sha256"], "doc_id": t["doc_id"],
                                   "outcome": pa.array([kind] * n, pa.string()), "data_file": data_file,
                                   "run_id": t["run_id"], "seen_at": t["ingested_at"]}).cast(schema))
        return pa.concat_tables(parts)

    def history(self) -> list[dict]:
        """Every commit of every table, newest first: table, version, time, operation, run, rows added/removed."""
        rows = []
        for name in TABLES:
            for h in self._history(name):
                m = h.get("operationMetrics") or {}
                added = sum(int(m.get(k, 0) or 0) for k in ("num_target_rows_inserted", "num_added_rows"))
                updated = int(m.get("num_target_rows_updated", 0) or 0)
                removed = sum(int(m.get(k, 0) or 0) for k in ("num_target_rows_deleted", "num_deleted_rows"))
                rows.append({"table": name, "version": h["version"],
                             "time": datetime.fromtimestamp(h["timestamp"] / 1000, timezone.utc),
                             "operation": h.get("operation"), "run_id": h.get("cleanlake.run_id"),
                             "rows_added": added, "rows_updated": updated, "rows_removed": removed})
        rows.sort(key=lambda r: (r["time"], r["table"], r["version"]), reverse=True)
        return rows

    # -- maintenance ---------------------------------------------------------------------------
    def compact(self, retain_hours: float = RETAIN_HOURS) -> dict:
        """OPTIMIZE (small files merged per partition, query results unchanged), a checkpoint, then
        VACUUM of files no version of the last ``retain_hours`` needs."""
        from deltalake import CommitProperties, WriterProperties
        from deltalake.exceptions import CommitFailedError
        out = {"files_removed": 0, "files_added": 0, "files_vacuumed": 0}
        extra = [t for t in ("_dedup_bands",) if self._load(t) is not None]  # flows.dedup's band keys
        for name in list(TABLES) + extra:
            for attempt in range(COMMIT_ATTEMPTS):
                dt = self.table(name)
                try:
                    m = dt.optimize.compact(writer_properties=WriterProperties(compression="ZSTD"),
                                            commit_properties=CommitProperties(
                                                custom_metadata={"cleanlake.operation": "compact"}))
                    break
                except CommitFailedError:
                    time.sleep(min(2.0, 0.1 * (attempt + 1)) * (0.5 + random.random()))
                except Exception as exc:  # noqa: BLE001
                    raise LakeWriteError(f"could not compact the {name} table of {self.url}: {_one_line(exc)}") from None
            else:
                raise LakeWriteError(f"could not compact the {name} table of {self.url}: other writers kept committing")
            out["files_removed"] += int(m.get("numFilesRemoved", 0))
            out["files_added"] += int(m.get("numFilesAdded", 0))
            dt = self.table(name)
            try:
                dt.create_checkpoint()
                out["files_vacuumed"] += len(dt.vacuum(retention_hours=int(retain_hours), dry_run=False,
                                                       enforce_retention_duration=False))
            except Exception as exc:  # noqa: BLE001
                raise LakeWriteError(f"could not vacuum the {name} table of {self.url}: {_one_line(exc)}") from None
        return out

    def repair(self) -> list[str]:
        """Make a damaged lake readable again; each action is a line. A corrupt or missing data file
        is moved to ``_damaged/`` and dropped from its table (the next run re-ingests its raw files,
        which are then no longer in the ledger); a corrupt checkpoint is moved aside (the log is
        replayed); a corrupt newest log entry is moved aside (the table goes back one version)."""
        done = []
        for name in TABLES:
            log = f"{name}/_delta_log"
            if self._lost_log(name):
                self._set_aside(name)
                done.append(f"moved the {name} table's unreferenced data files to _damaged/{name}/")
                continue
            if not self.exists(log):
                continue
            for _ in range(5):
                found = self._find_log_damage(name)
                if found is None:
                    break
                kind, rel, newest = found
                if kind == "commit" and not newest:
                    done.append(f"cannot repair {rel} (not the newest log entry): rebuild the lake")
                    break
                self._set_aside(rel)
                done.append(f"moved {rel} to _damaged/")
                if kind != "commit" and self.exists(f"{log}/_last_checkpoint"):
                    self._set_aside(f"{log}/_last_checkpoint")
            dt = self._load(name)
            if dt is None:
                continue
            for rel, state in self._data_file_states(dt):
                if state == "missing":
                    done.append(f"dropped missing data file {rel} from the {name} table")
                elif state == "corrupt":
                    self._set_aside(rel)
                    done.append(f"moved corrupt data file {rel} to _damaged/ and dropped it from the {name} table")
            if any(f"the {name} table" in d for d in done):
                dt.repair(dry_run=False)
        return done

    def _set_aside(self, rel: str) -> None:
        dst = self.path(f"_damaged/{rel}")
        if self.fs.exists(dst):
            dst = f"{dst}.{int(time.time())}"
        self.fs.makedirs(posixpath.dirname(dst), exist_ok=True)
        if self.local:
            os.replace(self.path(rel), dst)
        else:
            self.fs.mv(self.path(rel), dst, recursive=True)

    def restore(self, version: int) -> dict:
        """Restore the articles table to ``version`` and the other tables to the same moment."""
        versions = self._versions_as_of(int(version))
        out = {}
        for name, v in versions.items():
            dt = self._load(name)
            if dt is None or v is None or v == dt.version():
                continue
            out[name] = dt.restore(v)
        return out


def record_run(lake: "Lake | str", summary) -> None:
    """Write one ``runs`` row for ``summary`` whatever its status (completed | failed | cancelled).
    Idempotent: the row replaces any earlier row of the same run."""
    store = lake if isinstance(lake, Lake) else Lake(lake)
    store.put_run(pa.Table.from_pylist([summary.as_row()], schema=RUNS), summary.run_id)
