"""The Prefect flow: discover -> plan against the lake's snapshot -> extract in batches -> MERGE into Delta tables.

The flow only orchestrates; the work is in plain functions (``run_ingest`` here,
``flows.process``, ``flows.lake``), so all of it can be called and tested without Prefect.
A Prefect task wraps a batch of files, never one page.
"""
from __future__ import annotations

import os
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Iterable

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.config import lake_url, landing_url
from flows.discover import RawFile, discover
from flows.containers import expand, is_container, known_for
from flows.lake import BUFFER_BYTES, Lake, LakeError, record_run
from flows.process import BatchResult, process_batch
from schemas import ARTICLES_DELTA, PIPELINE_VERSION, REJECTS_DELTA, articles_table, rejects_table
from transforms import DEFAULT_OPTIONS, ExtractOptions, doc_id_for

BATCH_SIZE = 64
RUNNERS = ("process", "thread", "dask")
Reprocess = Callable[[RawFile, "dict | None"], bool]


@dataclass
class RunSummary:
    run_id: str
    flow: str
    landing: str
    lake: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    counts: Counter = field(default_factory=Counter)
    by_site: Counter = field(default_factory=Counter)     # articles written, per site
    by_reason: Counter = field(default_factory=Counter)   # rejects written, per "stage: reason"

    def as_row(self) -> dict:
        c = self.counts
        return {"run_id": self.run_id, "flow": self.flow, "started_at": self.started_at,
                "finished_at": self.finished_at, "status": self.status, "landing": self.landing,
                "files_seen": c["seen"], "files_new": c["new"], "files_changed": c["changed"],
                "files_unchanged": c["unchanged"], "files_reprocessed": c["reprocessed"],
                "articles_written": c["articles"], "rejects_written": c["rejects"],
                "pipeline_version": PIPELINE_VERSION, "records_skipped": c["records_skipped"]}


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(landing: str, files: list[RawFile], known_sha: dict[str, str], ingested_at: datetime,
                  options: ExtractOptions, isolate: bool) -> BatchResult:
    """One batch: in a worker process with the per-file time limit (``isolate``), or inline.

    Inside a Dask worker this needs a worker that may start processes (Dask's
    ``distributed.worker.daemon: false``); a daemonic one runs the batch inline, without the limit,
    and says so in the log."""
    if isolate:
        from flows.executor import can_start_processes, run_batch_in_process
        if can_start_processes():
            return run_batch_in_process(landing, files, known_sha, ingested_at, options)
        _warn_no_time_limit()
    return process_batch(landing, files, known_sha, ingested_at, options)


_warned = False


def _warn_no_time_limit() -> None:
    global _warned
    if not _warned:
        _warned = True
        get_run_logger().warning(
            "this worker is a daemonic process and cannot start extraction processes: batches run inline "
            "without the per-file time limit (start the Dask workers with distributed.worker.daemon=False, "
            "e.g. DASK_DISTRIBUTED__WORKER__DAEMON=False)")


def plan(files: Iterable[RawFile], ledger: dict[str, dict], reprocess: Reprocess):
    """Split discovered files into (to_process, unchanged). Unchanged costs a stat, not a read."""
    todo, unchanged = [], []
    for f in files:
        old = ledger.get(f.source_file)
        if reprocess(f, old):
            todo.append(f)
        elif (old is not None and old["size"] == f.size and old["mtime_ns"] == f.mtime_ns and not f.problem
              and old["content_sha256"]):  # a file never read (timed out, unreadable) is tried again
            unchanged.append(f)
        else:
            todo.append(f)
    return todo, unchanged


def _no_reprocess(f: RawFile, old: dict | None) -> bool:
    return False


def run_ingest(landing: str | None = None, lake: str | None = None, *, flow_name: str = "ingest",
               reprocess: Reprocess = _no_reprocess, options: ExtractOptions = DEFAULT_OPTIONS,
               batch_size: int = BATCH_SIZE, submit: Callable | None = None, max_in_flight: int = 8,
               lock_wait: float = 0.0, progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Ingest the landing zone into the lake, exactly once.

    ``reprocess(file, ledger_entry)`` forces a file through extraction again (backfills).
    ``submit(batch, known_sha, ingested_at)`` returns a future-like object with ``.result()`` (a
    Prefect task future inside the flow); when None the batches run inline.
    ``progress(done, total)`` is called as batches finish.

    Rows are merged into the Delta tables on ``doc_id`` when the buffer is full and at the end
    (articles, then rejects), and the run's ``runs`` row is written last. Each MERGE is idempotent:
    a run killed anywhere is completed exactly by the next one.
    """
    landing, lake_root = landing_url(landing), lake_url(lake)
    now = datetime.now(timezone.utc)
    summary = RunSummary(new_run_id(now), flow_name, landing, lake_root, now)
    store = Lake(lake_root)
    with store.lock(wait=lock_wait):
        ledger, outcome_by_doc = store.read_state()
        try:
            files = list(discover(landing))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            raise
        except Exception as exc:  # noqa: BLE001 - an unreachable store: one line, not a traceback
            raise LakeError(f"cannot list the landing zone {landing}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__}") from None
        summary.counts["seen"] = len(files)
        todo, unchanged = plan(files, ledger, reprocess)
        # WARC / JSONL: always read (a run killed inside one left some of its records), one job per
        # new or changed record; unchanged records come back as entries, non-page records as a count
        todo += [f for f in unchanged if is_container(f)]
        unchanged = [f for f in unchanged if not is_container(f)]
        summary.counts["unchanged"] += len(unchanged)
        containers = {f.source_file for f in todo if is_container(f)}
        forced = {f.source_file for f in todo if is_container(f) and reprocess(f, ledger.get(f.source_file))}
        lake_sha = store.record_hashes(containers)   # what the lake holds per record
        record_sha = store.record_hashes(containers - forced) if forced else lake_sha   # ... to skip by
        todo, index = expand(landing, todo, options, record_sha)
        summary.counts["records_skipped"] += index.skipped
        buffered: list[BatchResult] = []
        buffered_bytes = 0
        done = 0

        def collect(result: BatchResult) -> None:
            nonlocal done, buffered_bytes
            for e in result.entries:   # a backfilled container's records: same bytes or changed
                if e.get("source_record") is not None and e["status"] in ("new", "changed") and e["doc_id"] in lake_sha:
                    e["status"] = "reprocessed" if lake_sha[e["doc_id"]] == e["content_sha256"] else "changed"
            buffered.append(result)
            buffered_bytes += result.articles.nbytes + result.rejects.nbytes
            done += len(result.entries)
            if progress:
                progress(done, len(todo) + len(index.entries))
            if buffered_bytes > BUFFER_BYTES:
                flush()

        def flush() -> None:
            nonlocal buffered_bytes
            if not buffered:
                return
            articles = pa.concat_tables([r.articles for r in buffered])
            rejects = pa.concat_tables([r.rejects for r in buffered])
            entries = [e for r in buffered for e in r.entries]
            buffered.clear()
            buffered_bytes = 0
            publish(store, summary, ledger, outcome_by_doc, entries, articles, rejects)

        if index.entries:
            collect(BatchResult(articles_table([]), rejects_table([]), index.entries))
        pending = []
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            # known hashes: a file that only looks changed (new mtime, same bytes) is touched, not rewritten
            known = {f.source_file: ledger[f.source_file]["content_sha256"] for f in batch
                     if f.record is None and f.source_file in ledger and ledger[f.source_file]["content_sha256"]
                     and not reprocess(f, ledger[f.source_file])}
            known.update({f.key: k for f in batch if f.record is not None and f.source_file in containers
                          and (k := known_for(f, record_sha))})
            if submit is None:
                collect(process_batch(landing, batch, known, now, options))
                continue
            pending.append(submit(batch, known, now))
            while len(pending) >= max_in_flight:
                collect(pending.pop(0).result())
        for fut in pending:
            collect(fut.result())
        flush()
        summary.finished_at = datetime.now(timezone.utc)
        summary.status = "completed"
        record_run(store, summary)
    return summary


def _doc_id_of(source_file: str, source_record) -> str:
    return doc_id_for(source_file if source_record is None else f"{source_file}#{source_record}")


def _with_ledger(rows: pa.Table, schema: pa.Schema, entry_by_doc: dict[str, dict], run_id: str) -> pa.Table:
    """Rows of one table plus the ledger columns (from their entries) and ``_op = 'up'``, as the MERGE source."""
    n = rows.num_rows
    if "doc_id" in rows.column_names and rows["doc_id"].null_count == 0:
        docs = rows["doc_id"].to_pylist()
    else:   # reject rows: the id the article would have had
        recs = rows["source_record"].to_pylist() if "source_record" in rows.column_names else [None] * n
        given = rows["doc_id"].to_pylist() if "doc_id" in rows.column_names else [None] * n
        docs = [g or _doc_id_of(sf, r) for g, sf, r in zip(given, rows["source_file"].to_pylist(), recs)]
    ents = [entry_by_doc.get(d, {}) for d in docs]
    cols = {}
    for f in schema:
        if f.name == "doc_id":
            cols[f.name] = pa.array(docs, pa.string())
        elif f.name in ("size", "mtime_ns"):
            cols[f.name] = pa.array([e.get(f.name) for e in ents], pa.int64())
        elif f.name == "run_id":
            cols[f.name] = pa.array([run_id] * n, pa.string())
        elif f.name in rows.column_names:
            cols[f.name] = rows[f.name]
        else:
            cols[f.name] = pa.nulls(n, f.type)
    cols["_op"] = pa.array(["up"] * n, pa.string())
    return pa.table(cols).cast(_source_schema(schema))


def _source_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema] + [pa.field("_op", pa.string())])


def _op_rows(schema: pa.Schema, op: str, docs: list[str], sizes=None, mtimes=None) -> pa.Table:
    n = len(docs)
    cols = {}
    for f in schema:
        if f.name == "doc_id":
            cols[f.name] = pa.array(docs, pa.string())
        elif f.name == "size" and sizes is not None:
            cols[f.name] = pa.array(sizes, pa.int64())
        elif f.name == "mtime_ns" and mtimes is not None:
            cols[f.name] = pa.array(mtimes, pa.int64())
        else:
            cols[f.name] = pa.nulls(n, f.type)
    cols["_op"] = pa.array([op] * n, pa.string())
    return pa.table(cols).cast(_source_schema(schema))


def publish(store: Lake, summary: RunSummary, ledger: dict[str, dict], outcome_by_doc: dict[str, str],
            entries: list[dict], articles: pa.Table, rejects: pa.Table) -> None:
    """Merge one buffer of a run's rows into the lake: articles, then rejects, each one MERGE on doc_id.

    A document written as an article is deleted from rejects and the other way round; a file that
    was only touched (new mtime, same bytes) gets its size and mtime updated, nothing else."""
    run_id = summary.run_id
    entry_by_doc: dict[str, dict] = {}
    touch: dict[str, list[dict]] = {"article": [], "reject": []}
    for e in entries:
        sf = e["source_file"]
        doc = e.get("doc_id") or _doc_id_of(sf, e.get("source_record"))
        entry_by_doc[doc] = e
        if e["status"] == "unchanged":
            summary.counts["unchanged"] += 1
            old = ledger.get(sf)
            kind = outcome_by_doc.get(doc)
            if kind and old is not None and (old["size"], old["mtime_ns"]) != (e["size"], e["mtime_ns"]):
                touch[kind].append({"doc_id": doc, "size": e["size"], "mtime_ns": e["mtime_ns"]})
            continue
        if e["outcome"] == "skipped":   # a container's record that is not a page
            summary.counts["records_skipped"] += 1
            continue
        same_bytes = sf in ledger and ledger[sf]["content_sha256"] == e["content_sha256"]
        summary.counts["reprocessed" if same_bytes else e["status"]] += 1
        summary.counts["articles" if e["outcome"] == "article" else "rejects"] += 1
    if articles.num_rows:
        summary.by_site.update(s or "(no site)" for s in articles["site"].to_pylist())
    if rejects.num_rows:
        summary.by_reason.update(f"{st}: {r[:120]}" for st, r in zip(rejects["stage"].to_pylist(),
                                                                      rejects["reason"].to_pylist()))
    art_src = _with_ledger(articles, ARTICLES_DELTA, entry_by_doc, run_id)
    rej_src = _with_ledger(rejects, REJECTS_DELTA, entry_by_doc, run_id)
    art_docs, rej_docs = art_src["doc_id"].to_pylist(), rej_src["doc_id"].to_pylist()

    def touches(kind, schema):
        t = touch[kind]
        return _op_rows(schema, "touch", [x["doc_id"] for x in t], [x["size"] for x in t], [x["mtime_ns"] for x in t])

    store.merge("articles", pa.concat_tables([art_src, _op_rows(ARTICLES_DELTA, "del", rej_docs),
                                              touches("article", ARTICLES_DELTA)]), run_id)
    store.merge("rejects", pa.concat_tables([rej_src, _op_rows(REJECTS_DELTA, "del", art_docs),
                                             touches("reject", REJECTS_DELTA)]), run_id)
    for d in art_docs:
        outcome_by_doc[d] = "article"
    for d in rej_docs:
        outcome_by_doc[d] = "reject"


def task_runner(runner: str, address: str | None):
    """The Prefect task runner for ``--runner``: threads that hand batches to worker processes
    (``process``), plain threads (``thread``), or a Dask cluster (``dask``, prefect-dask)."""
    if runner == "dask":
        from prefect_dask import DaskTaskRunner
        return DaskTaskRunner(address=address) if address else DaskTaskRunner()
    from prefect.task_runners import ThreadPoolTaskRunner
    # One batch (one worker process) per core, as a bare process pool has: two per core made the
    # workers take turns on the cores and cost ~20 % more CPU per page (measured on 2 cores).
    return ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2)


def options_for(per_file_seconds: float | None) -> ExtractOptions:
    if per_file_seconds is None:
        return DEFAULT_OPTIONS
    return DEFAULT_OPTIONS.with_(limits=replace(DEFAULT_OPTIONS.limits, per_file_seconds=per_file_seconds))


def _run_flow(landing: str | None, lake: str | None, batch_size: int, runner: str, flow_name: str,
              reprocess: Reprocess, lock_wait: float, progress, per_file_seconds: float | None) -> dict:
    logger = get_run_logger()
    landing_u, lake_u = landing_url(landing), lake_url(lake)
    isolate = runner in ("process", "dask")
    options = options_for(per_file_seconds)

    def submit(batch, known, ingested_at):
        return extract_batch.submit(landing_u, batch, known, ingested_at, options, isolate)

    # One batch queued beyond the running ones, so that a core never waits while the flow writes rows;
    # a Dask cluster may have more workers than this machine has cores.
    workers = os.cpu_count() or 2
    in_flight = 2 * workers if runner == "dask" else workers + 1
    summary = run_ingest(landing_u, lake_u, flow_name=flow_name, reprocess=reprocess, submit=submit, options=options,
                         batch_size=batch_size, max_in_flight=in_flight, lock_wait=lock_wait, progress=progress)
    from flows.artifacts import publish_run_artifact
    publish_run_artifact(summary)
    row = summary.as_row()
    logger.info("run %s: %s", summary.run_id, {k: v for k, v in row.items() if k.startswith(("files_", "articles", "rejects"))})
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


@flow(name="cleanlake-ingest", log_prints=True, task_runner=task_runner("process", None))
def ingest_flow(landing: str | None = None, lake: str | None = None, batch_size: int = BATCH_SIZE,
                runner: str = "process", lock_wait: float = 0.0, per_file_seconds: float | None = None) -> dict:
    """Scheduled and manual runs: process the new and changed files of the landing zone."""
    from flows.progress import terminal_progress
    with terminal_progress("ingest") as progress:
        return _run_flow(landing, lake, batch_size, runner, "ingest", _no_reprocess, lock_wait, progress,
                         per_file_seconds)


@flow(name="cleanlake-backfill", log_prints=True, task_runner=task_runner("process", None))
def backfill_flow(selection: dict, landing: str | None = None, lake: str | None = None,
                  batch_size: int = BATCH_SIZE, runner: str = "process", lock_wait: float = 0.0,
                  per_file_seconds: float | None = None) -> dict:
    """Reprocess chosen files (``flows.backfill.selector``) and replace their rows exactly once."""
    from flows.backfill import selector
    from flows.progress import terminal_progress
    choose = selector(lake_url(lake), selection)
    with terminal_progress("backfill") as progress:
        return _run_flow(landing, lake, batch_size, runner, "backfill", choose, lock_wait, progress, per_file_seconds)

