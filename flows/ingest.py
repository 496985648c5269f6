"""The Prefect flow: discover -> plan against the ledger -> extract in batches -> stage -> commit.

The flow only orchestrates; the work is in plain functions (``flows.process.process_batch``,
``flows.lake``), so everything here can also be called and tested without Prefect.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

import pyarrow as pa
from prefect import flow, get_run_logger, task

from flows.config import lake_url, landing_url
from flows.discover import RawFile, discover
from flows.lake import Lake, StagedWriter, rewrite_without
from flows.process import BatchResult, process_batch
from schemas import LEDGER, PIPELINE_VERSION, RUNS
from transforms import DEFAULT_OPTIONS, ExtractOptions

BATCH_SIZE = 64


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

    def as_row(self) -> dict:
        c = self.counts
        return {"run_id": self.run_id, "flow": self.flow, "started_at": self.started_at,
                "finished_at": self.finished_at, "status": self.status, "landing": self.landing,
                "files_seen": c["seen"], "files_new": c["new"], "files_changed": c["changed"],
                "files_unchanged": c["unchanged"], "files_reprocessed": c["reprocessed"], "articles_written": c["articles"],
                "rejects_written": c["rejects"], "pipeline_version": PIPELINE_VERSION}


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


@task(name="extract-batch")
def extract_batch(landing: str, files: list[RawFile], known_sha: dict[str, str], ingested_at: datetime,
                  options: ExtractOptions) -> BatchResult:
    return process_batch(landing, files, known_sha, ingested_at, options)


def plan(files: Iterable[RawFile], ledger: dict[str, dict], reprocess: Callable[[RawFile, dict | None], bool]):
    """Split discovered files into (to_process, unchanged). Unchanged costs a stat, not a read."""
    todo, unchanged = [], []
    for f in files:
        old = ledger.get(f.source_file)
        if reprocess(f, old):
            todo.append(f)
        elif old is not None and old["size"] == f.size and old["mtime_ns"] == f.mtime_ns and not f.problem:
            unchanged.append(f)
        else:
            todo.append(f)
    return todo, unchanged


def run_ingest(landing: str | None = None, lake: str | None = None, *, flow_name: str = "ingest",
               reprocess: Callable[[RawFile, dict | None], bool] = lambda f, old: False,
               options: ExtractOptions = DEFAULT_OPTIONS, batch_size: int = BATCH_SIZE,
               submit: Callable | None = None, max_in_flight: int = 8) -> RunSummary:
    """Ingest the landing zone into the lake, exactly once. ``submit(batch, known_sha, ingested_at)`` returns a
    future-like object with ``.result()`` (a Prefect task future inside the flow) or, when None, the
    batches run inline."""
    landing, lake_root = landing_url(landing), lake_url(lake)
    now = datetime.now(timezone.utc)
    summary = RunSummary(new_run_id(now), flow_name, landing, lake_root, now)
    store = Lake(lake_root)
    with store.lock():
        store.recover()
        ledger = {r["source_file"]: r for r in store.read_ledger().to_pylist()}
        files = list(discover(landing))
        summary.counts["seen"] = len(files)
        todo, unchanged = plan(files, ledger, reprocess)
        summary.counts["unchanged"] += len(unchanged)
        articles = StagedWriter(store, summary.run_id, "articles")
        rejects = StagedWriter(store, summary.run_id, "rejects")
        entries: list[dict] = []

        def collect(result: BatchResult) -> None:
            articles.add(result.articles)
            rejects.add(result.rejects)
            entries.extend(result.entries)

        pending = []
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            # known hashes: a changed-looking file whose hash is the same is only touched, not rewritten
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

        adds = articles.close() + rejects.close()
        journal_meta, removes = [], []
        written = {**articles.location, **rejects.location}
        # copy-on-write: files holding older rows of the source files written now lose those rows
        replaced = {sf for sf in written if sf in ledger}
        by_file: dict[str, set[str]] = {}
        for sf in replaced:
            by_file.setdefault(ledger[sf]["data_file"], set()).add(sf)
        moved: dict[str, str] = {}
        for seq, (rel, drop) in enumerate(sorted(by_file.items())):
            if not store.exists(rel):
                continue
            copy, kept = rewrite_without(store, summary.run_id, rel, drop, seq)
            removes.append(rel)
            if copy:
                adds.append((f"_staging/{summary.run_id}/{copy}", copy))
                moved.update({sf: copy for sf in kept})
        for sf, rel in moved.items():
            if sf in ledger and sf not in written:
                ledger[sf] = {**ledger[sf], "data_file": rel}
        for e in entries:
            sf = e["source_file"]
            if e["status"] == "unchanged":
                summary.counts["unchanged"] += 1
                if sf in ledger:
                    ledger[sf] = {**ledger[sf], "size": e["size"], "mtime_ns": e["mtime_ns"]}
                continue
            status = "reprocessed" if sf in ledger and ledger[sf]["content_sha256"] == e["content_sha256"] else e["status"]
            summary.counts[status] += 1
            summary.counts["articles" if e["outcome"] == "article" else "rejects"] += 1
            ledger[sf] = {"source_file": sf, "size": e["size"], "mtime_ns": e["mtime_ns"],
                          "content_sha256": e["content_sha256"], "doc_id": e["doc_id"], "outcome": e["outcome"],
                          "data_file": written[sf], "run_id": summary.run_id, "seen_at": now}
        ledger_rel = f"_staging/{summary.run_id}/_ledger/ledger.parquet"
        store.write_table(ledger_rel, pa.Table.from_pylist([ledger[k] for k in sorted(ledger)], schema=LEDGER))
        journal_meta.append((ledger_rel, "_ledger/ledger.parquet"))
        summary.finished_at = datetime.now(timezone.utc)
        summary.status = "completed"
        run_rel = f"_staging/{summary.run_id}/_runs/{summary.run_id}.parquet"
        store.write_table(run_rel, pa.Table.from_pylist([summary.as_row()], schema=RUNS))
        journal_meta.append((run_rel, f"_runs/{summary.run_id}.parquet"))
        store.commit({"run_id": summary.run_id, "adds": adds, "removes": removes, "meta": journal_meta})
    return summary


@flow(name="cleanlake-ingest", log_prints=True)
def ingest_flow(landing: str | None = None, lake: str | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Scheduled and manual runs: process new and changed files of the landing zone."""
    logger = get_run_logger()
    landing_u, lake_u = landing_url(landing), lake_url(lake)

    def submit(batch, known, ingested_at):
        return extract_batch.submit(landing_u, batch, known, ingested_at, DEFAULT_OPTIONS)

    summary = run_ingest(landing_u, lake_u, submit=submit, batch_size=batch_size)
    row = summary.as_row()
    logger.info("run %s: %s", summary.run_id, {k: v for k, v in row.items() if k.startswith(("files_", "articles", "rejects"))})
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
