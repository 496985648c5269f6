"""The lake on disk (or object storage, through fsspec): layout, staging, atomic commits, the ledger.

    <lake>/articles/site=<host>/month=<YYYY-MM>/part-<run>-<n>.parquet   hive-partitioned, zstd
    <lake>/rejects/part-<run>-<n>.parquet
    <lake>/_ledger/ledger.parquet        every raw file seen: size, mtime, hash, outcome, data file
    <lake>/_runs/<run>.parquet           one row per run
    <lake>/_staging/<run>/...            a run's files before they are published
    <lake>/_commits/<run>.json           the journal of a commit being published

A run writes only under ``_staging/<run>/``. To publish, it writes a journal naming every file to
move into place and every file it replaces, renames the journal into ``_commits/`` (the commit
point), then applies it. A run killed before the commit point leaves only staging litter, which the
next run deletes; one killed after it is rolled forward by the next run. Either way the lake ends
exactly as a clean run would leave it. Rows are written with the explicit schemas of ``schemas``.
"""
from __future__ import annotations

import json
import posixpath
from collections import defaultdict
from contextlib import contextmanager

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas import ARTICLES, ARTICLES_FILE, HIVE_NULL, LEDGER, PARTITION_KEYS, REJECTS, RUNS

COMPRESSION = "zstd"
ROW_GROUP_ROWS = 16_384           # rows buffered per partition before a row group is written
BUFFER_BYTES = 128 * 1024 * 1024  # all partitions' buffers together; the largest is flushed past it
LEASE_SECONDS = 300               # an S3 lake's lock lease; its holder renews it every fifth of this


class LakeLockedError(RuntimeError):
    pass


def partition_dir(site: str | None, month: str | None) -> str:
    # site is validated as a lower-case host name and month as YYYY-MM before it gets here
    return f"site={site or HIVE_NULL}/month={month or HIVE_NULL}"


class Lake:
    def __init__(self, url: str):
        self.url = url
        self.fs, root = fsspec.core.url_to_fs(url)
        self.root = root.rstrip("/") or "/"
        self.local = "file" in self.fs.protocol or self.fs.protocol in ("file", "local")

    # -- paths ---------------------------------------------------------------------------------
    def path(self, rel: str) -> str:
        return posixpath.join(self.root, rel)

    def rel(self, path: str) -> str:
        return posixpath.relpath(path, self.root)

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def ensure(self) -> None:
        for sub in ("articles", "rejects", "_ledger", "_runs", "_staging", "_commits"):
            self.fs.makedirs(self.path(sub), exist_ok=True)

    # -- lock ----------------------------------------------------------------------------------
    @contextmanager
    def lock(self, wait: float = 0.0):
        """One writer at a time; a second one waits up to ``wait`` seconds, then gives up with a clear
        message. Local lakes use flock (released by the kernel even on kill -9); S3 lakes a lease
        object (``_object_lock``); other object stores rely on one writer by deployment."""
        self.ensure()
        if not self.local:
            if "s3" in self.fs.protocol:
                with self._object_lock(wait):
                    yield
            else:
                yield
            return
        import fcntl
        import os
        import time
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
                        raise LakeLockedError(f"the lake {self.url} is locked by a running cleanlake job ({holder}); "
                                              "try again when it has finished, or pass --wait SECONDS") from None
                    time.sleep(0.2)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _object_lock(self, wait: float):
        """An S3 lease: ``_lock`` is created only if absent (a conditional PUT, ``If-None-Match: *``),
        renewed by a heartbeat while the run goes on, and deleted at the end. A writer killed
        without deleting it leaves a lease that nobody renews: once it is older than
        ``LEASE_SECONDS`` by the server's clock, the next writer deletes exactly that object
        (``If-Match`` its ETag) and takes the lock."""
        import os
        import socket
        import threading
        import time
        bucket, key, _ = self.fs.split_path(self.path("_lock"))
        body = json.dumps({"holder": f"{socket.gethostname()} pid {os.getpid()}"}).encode()
        deadline = time.monotonic() + wait
        while True:
            try:
                etag = self.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=body, IfNoneMatch="*")["ETag"]
                break
            except FileExistsError:
                holder = self._break_stale_lease(bucket, key)
                if holder is None:
                    continue  # it was stale and is gone: try again at once
                if time.monotonic() >= deadline:
                    raise LakeLockedError(f"the lake {self.url} is locked by a running cleanlake job ({holder}); "
                                          "try again when it has finished, or pass --wait SECONDS") from None
                time.sleep(1.0)
        stop = threading.Event()

        def heartbeat() -> None:
            nonlocal etag
            while not stop.wait(LEASE_SECONDS / 5):
                try:
                    etag = self.fs.call_s3("put_object", Bucket=bucket, Key=key, Body=body, IfMatch=etag)["ETag"]
                except OSError:
                    pass  # a network blip: the next beat tries again, well before the lease runs out

        beat = threading.Thread(target=heartbeat, name="cleanlake-lease", daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join(10)
            try:
                self.fs.call_s3("delete_object", Bucket=bucket, Key=key, IfMatch=etag)
            except OSError:
                pass

    def _break_stale_lease(self, bucket: str, key: str) -> str | None:
        """None if the lease is gone (or was stale and is now deleted); else who holds it."""
        try:
            head = self.fs.call_s3("head_object", Bucket=bucket, Key=key)
        except FileNotFoundError:
            return None
        try:
            holder = json.loads(self.fs.cat_file(self.path("_lock"))).get("holder")
        except (OSError, ValueError, AttributeError):
            holder = None
        from email.utils import parsedate_to_datetime
        server_now = parsedate_to_datetime(head["ResponseMetadata"]["HTTPHeaders"]["date"])
        if (server_now - head["LastModified"]).total_seconds() <= LEASE_SECONDS:
            return holder or "another process"
        try:
            self.fs.call_s3("delete_object", Bucket=bucket, Key=key, IfMatch=head["ETag"])
        except OSError:
            pass  # renewed or taken meanwhile: the next try sees it
        return None

    # -- recovery ------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Roll forward committed journals, then drop staging litter. Returns the run ids rolled forward."""
        self.ensure()
        done = []
        for path in sorted(self.fs.glob(self.path("_commits/*.json"))):
            with self.fs.open(path, "r") as fh:
                journal = json.load(fh)
            self._apply(journal)
            self.fs.rm(path)
            done.append(journal["run_id"])
        for path in self.fs.glob(self.path("_staging/*")):   # glob: an object store has no empty folders
            self.fs.rm(path, recursive=True)
        for path in self.fs.glob(self.path("_commits/*.tmp")):
            self.fs.rm(path)
        return done

    def _move(self, src_rel: str, dst_rel: str) -> None:
        src, dst = self.path(src_rel), self.path(dst_rel)
        if not self.fs.exists(src):
            return  # already moved by an earlier, interrupted apply
        self.fs.makedirs(posixpath.dirname(dst), exist_ok=True)
        if self.local:
            import os
            os.replace(src, dst)
        else:
            self.fs.mv(src, dst)

    def _apply(self, journal: dict) -> None:
        for src, dst in journal["adds"]:
            self._move(src, dst)
        for rel in journal["removes"]:
            if self.fs.exists(self.path(rel)):
                self.fs.rm(self.path(rel))
        for src, dst in journal["meta"]:
            self._move(src, dst)

    def commit(self, journal: dict) -> None:
        """Publish: write the journal, rename it into place (the commit point), apply, clean up."""
        run_id = journal["run_id"]
        tmp, final = self.path(f"_commits/{run_id}.tmp"), self.path(f"_commits/{run_id}.json")
        with self.fs.open(tmp, "w") as fh:
            json.dump(journal, fh)
        if self.local:
            import os
            os.replace(tmp, final)
        else:
            self.fs.mv(tmp, final)
        self._apply(journal)
        self.fs.rm(final)
        staging = self.path(f"_staging/{run_id}")
        if self.fs.exists(staging):
            self.fs.rm(staging, recursive=True)

    # -- reading -------------------------------------------------------------------------------
    def read_ledger(self) -> pa.Table:
        if not self.exists("_ledger/ledger.parquet"):
            return LEDGER.empty_table()
        with self.fs.open(self.path("_ledger/ledger.parquet"), "rb") as fh:
            return pq.read_table(fh, schema=LEDGER)

    def read_file(self, rel: str, schema: pa.Schema) -> pa.Table:
        with self.fs.open(self.path(rel), "rb") as fh:
            return pq.read_table(fh, schema=schema)

    def datasets(self, as_of=None) -> dict:
        """The lake's tables as Arrow datasets (see ``parquet_datasets``)."""
        return parquet_datasets(self, as_of)

    # -- writing -------------------------------------------------------------------------------
    def write_table(self, rel: str, table: pa.Table) -> None:
        self.fs.makedirs(posixpath.dirname(self.path(rel)), exist_ok=True)
        with self.fs.open(self.path(rel), "wb") as fh:
            pq.write_table(table, fh, compression=COMPRESSION)


class StagedWriter:
    """Buffers rows per partition and writes them as large row groups into a run's staging area.

    Memory is bounded by ``BUFFER_BYTES`` whatever the number of rows. Remembers which final data
    file each source_file's row went to (for the ledger).
    """

    def __init__(self, lake: Lake, run_id: str, table: str):
        self.lake, self.run_id, self.table = lake, run_id, table
        self.schema = ARTICLES_FILE if table == "articles" else REJECTS
        self.buffers: dict[str, list[pa.Table]] = defaultdict(list)
        self.buffered_rows: dict[str, int] = defaultdict(int)
        self.buffered_bytes = 0
        self.writers: dict[str, tuple[pq.ParquetWriter, object]] = {}
        self.final_paths: dict[str, str] = {}     # partition -> final rel path
        self.location: dict[str, str] = {}        # source_file -> final rel path
        self.rows = 0
        self._seq = 0

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self.table == "articles":
            keys = [partition_dir(s, m) for s, m in zip(table["site"].to_pylist(), table["month"].to_pylist())]
            table = table.select(ARTICLES_FILE.names)
        else:
            keys = [""] * table.num_rows
        groups: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(keys):
            groups[key].append(i)
        for key, idx in groups.items():
            part = table.take(pa.array(idx)) if len(idx) != table.num_rows else table
            self.buffers[key].append(part)
            self.buffered_rows[key] += part.num_rows
            self.buffered_bytes += part.nbytes
            final = self._final_path(key)
            for sf in part["source_file"].to_pylist():
                self.location[sf] = final
            self.rows += part.num_rows
            if self.buffered_rows[key] >= ROW_GROUP_ROWS:
                self._flush(key)
        while self.buffered_bytes > BUFFER_BYTES:
            self._flush(max(self.buffered_rows, key=lambda k: self.buffered_rows[k]))

    def _final_path(self, key: str) -> str:
        if key not in self.final_paths:
            self._seq += 1
            name = f"part-{self.run_id}-{self._seq:05d}.parquet"
            self.final_paths[key] = posixpath.join(self.table, key, name) if key else posixpath.join(self.table, name)
        return self.final_paths[key]

    def _flush(self, key: str) -> None:
        parts = self.buffers.pop(key, [])
        self.buffered_rows.pop(key, None)
        if not parts:
            return
        table = pa.concat_tables(parts).cast(self.schema)
        self.buffered_bytes -= sum(p.nbytes for p in parts)
        if key not in self.writers:
            rel = f"_staging/{self.run_id}/{self._final_path(key)}"
            self.lake.fs.makedirs(posixpath.dirname(self.lake.path(rel)), exist_ok=True)
            fh = self.lake.fs.open(self.lake.path(rel), "wb")
            self.writers[key] = (pq.ParquetWriter(fh, self.schema, compression=COMPRESSION), fh)
        self.writers[key][0].write_table(table, row_group_size=ROW_GROUP_ROWS)

    def close(self) -> list[tuple[str, str]]:
        """Flush everything; return ``(staging_rel, final_rel)`` pairs for the journal."""
        for key in list(self.buffers):
            self._flush(key)
        adds = []
        for key, (writer, fh) in self.writers.items():
            writer.close()
            fh.close()
            final = self.final_paths[key]
            adds.append((f"_staging/{self.run_id}/{final}", final))
        return adds


def rewrite_without(lake: Lake, run_id: str, rel: str, drop: set[str], seq: int) -> tuple[str | None, list[str]]:
    """Copy-on-write: stage a copy of data file ``rel`` without the rows of ``drop`` source files.

    Returns ``(final_rel_of_copy or None if nothing is left, source_files kept)``.
    """
    schema = ARTICLES_FILE if rel.startswith("articles/") else REJECTS
    table = lake.read_file(rel, schema)
    mask = pc.invert(pc.is_in(table["source_file"], value_set=pa.array(sorted(drop), pa.string())))
    kept = table.filter(mask)
    if kept.num_rows == 0:
        return None, []
    final = posixpath.join(posixpath.dirname(rel), f"part-{run_id}-rw{seq:05d}.parquet")
    lake.write_table(f"_staging/{run_id}/{final}", kept)
    return final, kept["source_file"].to_pylist()


assert set(PARTITION_KEYS) <= set(ARTICLES.names)
assert RUNS.names[0] == "run_id"


# -- readers: Arrow datasets over the Parquet layout (the delta branch replaces this) ----------
_DATASET_FILES = {   # view -> (folder under the lake root, file pattern, declared schema)
    "articles": ("articles", "**/*.parquet", ARTICLES),
    "rejects": ("rejects", "*.parquet", REJECTS),
    "runs": ("_runs", "*.parquet", RUNS),
    "ledger": ("_ledger", "ledger.parquet", LEDGER),
}


def _data_files(lake: Lake, folder: str, pattern: str) -> list[str]:
    """The data files of one table: regular files only, no symlink followed (a link planted inside
    the lake, pointing out of it, is not read)."""
    import fnmatch
    import os
    import stat
    base = lake.path(folder)
    if lake.local:
        out, recursive, name_pattern = [], pattern.startswith("**/"), pattern.rsplit("/", 1)[-1]
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = sorted(dirnames) if recursive else []
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if name.startswith((".", "_")) or not fnmatch.fnmatch(name, name_pattern):
                    continue
                try:
                    if stat.S_ISREG(os.lstat(full).st_mode):
                        out.append(full)
                except OSError:
                    continue
        return out
    return sorted(p for p in lake.fs.glob(posixpath.join(base, pattern))
                  if not posixpath.basename(p).startswith((".", "_")))


def parquet_datasets(lake: Lake, as_of=None) -> dict:
    """``{view: pyarrow.dataset.Dataset}`` for articles, rejects, runs and ledger, each with its
    declared schema (older files without the newer columns read them as NULL). ``articles`` carries
    the hive partition keys ``site`` and ``month`` (``__HIVE_DEFAULT_PARTITION__`` reads as NULL).
    The Parquet layout has no versions: ``as_of`` needs the Delta lake."""
    import pyarrow.dataset as pads
    if as_of is not None:
        raise ValueError("reading the lake as of a version or time needs the Delta lake layout")
    if lake.local:
        from pyarrow import fs as pafs
        filesystem = pafs.LocalFileSystem()
    else:
        filesystem = lake.fs
    out = {}
    for name, (folder, pattern, schema) in _DATASET_FILES.items():
        files = _data_files(lake, folder, pattern)
        if not files:
            out[name] = pads.dataset(schema.empty_table())
            continue
        kwargs = {}
        if name == "articles":
            keys = pa.schema([schema.field(k) for k in PARTITION_KEYS])
            kwargs = {"partitioning": pads.HivePartitioning(keys, null_fallback=HIVE_NULL),
                      "partition_base_dir": lake.path(folder)}
        out[name] = pads.dataset(files, schema=schema, format="parquet", filesystem=filesystem, **kwargs)
    return out

