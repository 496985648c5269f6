"""The Prefect flow: discover -> plan against the ledger -> extract in batches -> stage -> commit.

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
from flows.lake import Lake, StagedWriter, rewrite_without
from flows.process import BatchResult, process_batch
from schemas import LEDGER, PIPELINE_VERSION, RUNS
from transforms import DEFAULT_OPTIONS, ExtractOptions

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
                "pipeline_version": PIPELINE_VERSION}


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
    """
    landing, lake_root = landing_url(landing), lake_url(lake)
    now = datetime.now(timezone.utc)
    summary = RunSummary(new_run_id(now), flow_name, landing, lake_root, now)
    store = Lake(lake_root)
    with store.lock(wait=lock_wait):
        store.recover()
        ledger = {r["source_file"]: r for r in store.read_ledger().to_pylist()}
        files = list(discover(landing))
        summary.counts["seen"] = len(files)
        todo, unchanged = plan(files, ledger, reprocess)
        summary.counts["unchanged"] += len(unchanged)
        articles = StagedWriter(store, summary.run_id, "articles")
        rejects = StagedWriter(store, summary.run_id, "rejects")
        entries: list[dict] = []
        done = 0

        def collect(result: BatchResult) -> None:
            nonlocal done
            articles.add(result.articles)
            rejects.add(result.rejects)
            entries.extend(result.entries)
            if result.articles.num_rows:
                summary.by_site.update(s or "(no site)" for s in result.articles["site"].to_pylist())
            if result.rejects.num_rows:
                summary.by_reason.update(f"{st}: {r[:120]}" for st, r in zip(result.rejects["stage"].to_pylist(),
                                                                              result.rejects["reason"].to_pylist()))
            done += len(result.entries)
            if progress:
                progress(done, len(todo))

        pending = []
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            # known hashes: a file that only looks changed (new mtime, same bytes) is touched, not rewritten
            known = {f.source_file: ledger[f.source_file]["content_sha256"] for f in batch
                     if f.source_file in ledger and ledger[f.source_file]["content_sha256"]
                     and not reprocess(f, ledger[f.source_file])}
            if submit is None:
                collect(process_batch(landing, batch, known, now, options))
                continue
            pending.append(submit(batch, known, now))
            while len(pending) >= max_in_flight:
                collect(pending.pop(0).result())
        for fut in pending:
            collect(fut.result())
        publish(store, summary, ledger, entries, articles, rejects, now)
    return summary


def publish(store: Lake, summary: RunSummary, ledger: dict[str, dict], entries: list[dict],
            articles: StagedWriter, rejects: StagedWriter, now: datetime) -> None:
    """Stage the copy-on-write rewrites, the new ledger and the run row, then commit them all at once."""
    run_id = summary.run_id
    adds = articles.close() + rejects.close()
    removes: list[str] = []
    written = {**articles.location, **rejects.location}
    # copy-on-write: files holding older rows of the source files written now lose those rows
    by_file: dict[str, set[str]] = {}
    for sf in written:
        if sf in ledger:
            by_file.setdefault(ledger[sf]["data_file"], set()).add(sf)
    for seq, (rel, drop) in enumerate(sorted(by_file.items())):
        if not store.exists(rel):
            continue
        copy, kept = rewrite_without(store, run_id, rel, drop, seq)
        removes.append(rel)
        if copy:
            adds.append((f"_staging/{run_id}/{copy}", copy))
            for sf in kept:
                if sf in ledger and sf not in written:
                    ledger[sf] = {**ledger[sf], "data_file": copy}
    for e in entries:
        sf = e["source_file"]
        if e["status"] == "unchanged":
            summary.counts["unchanged"] += 1
            if sf in ledger:
                ledger[sf] = {**ledger[sf], "size": e["size"], "mtime_ns": e["mtime_ns"]}
            continue
        same_bytes = sf in ledger and ledger[sf]["content_sha256"] == e["content_sha256"]
        summary.counts["reprocessed" if same_bytes else e["status"]] += 1
        summary.counts["articles" if e["outcome"] == "article" else "rejects"] += 1
        ledger[sf] = {"source_file": sf, "size": e["size"], "mtime_ns": e["mtime_ns"],
                      "content_sha256": e["content_sha256"], "doc_id": e["doc_id"], "outcome": e["outcome"],
                      "data_file": written[sf], "run_id": run_id, "seen_at": now}
    commit_with_ledger(store, summary, ledger, adds, removes)


def commit_with_ledger(store: Lake, summary: RunSummary, ledger: dict[str, dict], adds: list, removes: list) -> None:
    """Stage the new ledger and the run's row next to the data files, then commit all of it at once."""
    run_id = summary.run_id
    meta = [(f"_staging/{run_id}/_ledger/ledger.parquet", "_ledger/ledger.parquet"),
            (f"_staging/{run_id}/_runs/{run_id}.parquet", f"_runs/{run_id}.parquet")]
    store.write_table(meta[0][0], pa.Table.from_pylist([ledger[k] for k in sorted(ledger)], schema=LEDGER))
    summary.finished_at = datetime.now(timezone.utc)
    summary.status = "completed"
    store.write_table(meta[1][0], pa.Table.from_pylist([summary.as_row()], schema=RUNS))
    store.commit({"run_id": run_id, "adds": adds, "removes": removes, "meta": meta})


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

