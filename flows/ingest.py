"""The Prefect flow: discover -> plan against the ledger -> extract in batches -> stage -> commit.

The flow only orchestrates; the work is in plain functions (``run_ingest`` here,
``flows.process``, ``flows.lake``), so all of it can be called and tested without Prefect.
A Prefect task wraps a batch of files, never one page.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Iterable

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from flows.config import lake_url, landing_url
from flows.discover import RawFile, discover
from flows.lake import Lake, StagedWriter, rewrite_without
from flows.process import BatchResult, process_batch
from schemas import LEDGER, PIPELINE_VERSION, RUNS
from transforms import DEFAULT_OPTIONS, ExtractOptions

BATCH_SIZE = 64
RUNNERS = ("process", "thread", "dask")
# A run whose share of rejected files (of the files it processed) is above this ends Failed in
# Prefect (red in the UI), with its rows still written; at or below it, Completed with a message.
# The CLI, ``serve`` and prefect.yaml pass it; a flow called from Python defaults to 1.0 (never
# Failed for rejects) so that it returns its summary.
MAX_REJECT_SHARE = 0.5
REJECTS_LISTED = 50                 # rejected files named in the log and the artifact; then a count
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
    flow_run_id: str | None = None                        # the Prefect flow run, when run by Prefect
    rejected: list = field(default_factory=list)          # first REJECTS_LISTED (source_file, stage, reason)

    def as_row(self) -> dict:
        c = self.counts
        return {"run_id": self.run_id, "flow": self.flow, "started_at": self.started_at,
                "finished_at": self.finished_at, "status": self.status, "landing": self.landing,
                "files_seen": c["seen"], "files_new": c["new"], "files_changed": c["changed"],
                "files_unchanged": c["unchanged"], "files_reprocessed": c["reprocessed"],
                "articles_written": c["articles"], "rejects_written": c["rejects"],
                "pipeline_version": PIPELINE_VERSION, "flow_run_id": self.flow_run_id}


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


class MostlyRejected(Exception):
    """The run's rows were written, but more than ``max_reject_share`` of its files were rejected."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result


class RunCancelled(Exception):
    """The run was interrupted (Ctrl-C): nothing of it was published; its ``runs`` row says cancelled."""

    def __init__(self, summary: "RunSummary"):
        super().__init__(f"run {summary.run_id} cancelled: nothing was written to the lake")
        self.summary = summary


CANCEL = threading.Event()   # set by the CLI on the first Ctrl-C: no more batches are handed out


def _transient(exc: BaseException) -> bool:
    """A storage error worth retrying: connection drops, timeouts, throttling (S3), not bad input."""
    import errno
    if CANCEL.is_set():
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ECONNRESET, errno.ETIMEDOUT, errno.EAGAIN, errno.EPIPE):
        return True
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & {"EndpointConnectionError", "ConnectionClosedError", "ReadTimeoutError",
                         "ConnectTimeoutError", "ClientPayloadError", "ServerDisconnectedError"}) or \
        ("ClientError" in names and any(code in str(exc) for code in ("SlowDown", "Throttl", "InternalError",
                                                                     "ServiceUnavailable", "RequestTimeout")))


def _retry_transient(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the task's own error, classified
        return _transient(exc)
    return False


@task(name="extract-batch", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(2),
      retry_jitter_factor=0.5, retry_condition_fn=_retry_transient)
def extract_batch(landing: str, files: list[RawFile], known_sha: dict[str, str], ingested_at: datetime,
                  options: ExtractOptions, isolate: bool) -> BatchResult:
    """One batch: in a worker process with the per-file time limit (``isolate``), or inline.

    Inside a Dask worker this needs a worker that may start processes (Dask's
    ``distributed.worker.daemon: false``); a daemonic one runs the batch inline, without the limit,
    and says so in the log."""
    if isolate:
        from flows.executor import Stopped, can_start_processes, run_batch_in_process
        if can_start_processes():
            try:
                return run_batch_in_process(landing, files, known_sha, ingested_at, options)
            except Stopped:
                from prefect.states import Cancelled
                return Cancelled(message="the run was cancelled (Ctrl-C); this batch is not published")
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
               lock_wait: float = 0.0, progress: Callable[[int, int], None] | None = None,
               run_id: str | None = None, flow_run_id: str | None = None,
               cancel: threading.Event | None = None) -> RunSummary:
    """Ingest the landing zone into the lake, exactly once.

    ``reprocess(file, ledger_entry)`` forces a file through extraction again (backfills).
    ``submit(batch, known_sha, ingested_at)`` returns a future-like object with ``.result()`` (a
    Prefect task future inside the flow); when None the batches run inline.
    ``progress(done, total)`` is called once the total is known, then as batches finish.
    ``cancel``: once set, no batch is handed out, nothing is published, the ``runs`` row says
    cancelled and ``RunCancelled`` is raised.
    """
    landing, lake_root = landing_url(landing), lake_url(lake)
    now = datetime.now(timezone.utc)
    summary = RunSummary(run_id or new_run_id(now), flow_name, landing, lake_root, now, flow_run_id=flow_run_id)
    store = Lake(lake_root)
    with store.lock(wait=lock_wait):
        store.recover()
        ledger = {r["source_file"]: r for r in store.read_ledger().to_pylist()}
        files = list(discover(landing))
        summary.counts["seen"] = len(files)
        todo, unchanged = plan(files, ledger, reprocess)
        summary.counts["unchanged"] += len(unchanged)
        if progress:
            progress(0, len(todo))
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
                stages, reasons = result.rejects["stage"].to_pylist(), result.rejects["reason"].to_pylist()
                summary.by_reason.update(f"{st}: {r[:120]}" for st, r in zip(stages, reasons))
                room = REJECTS_LISTED - len(summary.rejected)
                if room > 0:
                    summary.rejected.extend(list(zip(result.rejects["source_file"].to_pylist(), stages, reasons))[:room])
            done += len(result.entries)
            if progress:
                progress(done, len(todo))

        def cancelled() -> bool:
            return cancel is not None and cancel.is_set()

        def result_of(fut):
            if cancel is not None and hasattr(fut, "wait"):
                while not cancelled():
                    fut.wait(0.2)
                    if fut.state.is_final():
                        break
                if cancelled():
                    raise RunCancelled(summary)
            return fut.result()

        try:
            pending = []
            for start in range(0, len(todo), batch_size):
                if cancelled():
                    raise RunCancelled(summary)
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
                    collect(result_of(pending.pop(0)))
            for fut in pending:
                collect(result_of(fut))
            if cancelled():
                raise RunCancelled(summary)
        except BaseException as exc:
            # nothing of this run is published: drop its staging, keep one runs row that says why
            _abandon(store, summary, articles, rejects,
                     "cancelled" if isinstance(exc, (RunCancelled, KeyboardInterrupt)) or cancelled() else "failed")
            if cancelled() and not isinstance(exc, RunCancelled):
                raise RunCancelled(summary) from None
            raise
        publish(store, summary, ledger, entries, articles, rejects, now)
    return summary


def _abandon(store: Lake, summary: RunSummary, articles: StagedWriter, rejects: StagedWriter, status: str) -> None:
    """A run that ends before its commit: close and delete its staging, record it in ``runs``."""
    from flows.compat import record_run
    for writer in (articles, rejects):
        for w, fh in writer.writers.values():
            try:
                w.close()
                fh.close()
            except Exception:  # noqa: BLE001 - staging is deleted next
                pass
    try:
        staging = store.path(f"_staging/{summary.run_id}")
        if store.fs.exists(staging):
            store.fs.rm(staging, recursive=True)
        summary.status = status
        summary.finished_at = datetime.now(timezone.utc)
        record_run(store, summary)
    except Exception:  # noqa: BLE001 - disk full or storage gone: the original error is what to report
        logging.getLogger("cleanlake").debug("could not record the %s run", status, exc_info=True)


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


def _run_id_from_name() -> str | None:
    """The run id the flow-run name was made with (``_flow_run_name``), so the two always agree."""
    from prefect.runtime import flow_run
    name = flow_run.name or ""
    kind, _, rest = name.partition(" ")
    if kind not in ("ingest", "backfill") or not rest:
        return None
    return rest.split(" ", 1)[0]


def _flow_run_name() -> str:
    """``ingest 20261201T233110-ab12cd34 -> lake``: says what runs, with the run id of the ``runs`` row."""
    from prefect.runtime import flow_run
    params = flow_run.parameters or {}
    kind = "backfill" if "selection" in params else "ingest"
    lake = lake_url(params.get("lake"))
    return f"{kind} {new_run_id(datetime.now(timezone.utc))} -> {lake.rstrip('/').rsplit('/', 1)[-1] or lake}"


def reject_share(summary: RunSummary) -> float:
    processed = summary.counts["articles"] + summary.counts["rejects"]
    return summary.counts["rejects"] / processed if processed else 0.0


def outcome_message(summary: RunSummary) -> str:
    c = summary.counts
    def n(k: int, word: str) -> str:
        return f"{k} {word}" + ("" if k == 1 else "s")
    msg = f"{n(c['articles'], 'article')}, {n(c['rejects'], 'reject')} of {n(c['seen'], 'file')} ({c['unchanged']} unchanged)"
    if c["rejects"]:
        msg += f"; rejects {reject_share(summary):.0%} of the files processed"
    return msg


def _log_rejects(logger, summary: RunSummary) -> None:
    n = summary.counts["rejects"]
    if not n:
        return
    top = "; ".join(f"{reason} ({k})" for reason, k in summary.by_reason.most_common(3))
    names = ", ".join(sf for sf, _, _ in summary.rejected[:10])
    more = f" and {n - 10} more" if n > 10 else ""
    logger.warning("%d of %d files processed were rejected (%.0f%%): %s. Files: %s%s (the artifact "
                   "cleanlake-%s lists the first %d; the rejects view has them all)",
                   n, n + summary.counts["articles"], 100 * reject_share(summary), top, names, more,
                   summary.flow, REJECTS_LISTED)


def _tag_flow_run(flow_run_id: str | None, tags: list[str]) -> None:
    if not flow_run_id or not tags:
        return
    try:
        from prefect.client.orchestration import get_client
        from prefect.runtime import flow_run
        with get_client(sync_client=True) as client:
            client.update_flow_run(flow_run_id, tags=sorted(set(flow_run.tags or []) | set(tags)))
    except Exception:  # noqa: BLE001 - a tag is a nicety; the state and the log say it too
        logging.getLogger("cleanlake").debug("could not tag the flow run", exc_info=True)


def _run_flow(landing: str | None, lake: str | None, batch_size: int, runner: str, flow_name: str,
              reprocess: Reprocess, lock_wait: float, progress, per_file_seconds: float | None,
              max_reject_share: float = MAX_REJECT_SHARE, address: str | None = None):
    from contextlib import ExitStack

    from prefect.context import FlowRunContext
    from prefect.runtime import flow_run
    from prefect.states import Cancelled, Completed, Failed
    logger = get_run_logger()
    landing_u, lake_u = landing_url(landing), lake_url(lake)
    isolate = runner in ("process", "dask")
    options = options_for(per_file_seconds)
    total, offset = [0], [0]

    def on_progress(done: int, n: int) -> None:
        total[0] = n
        if progress:
            progress(done, n)

    stack = ExitStack()
    own_runner = None
    if runner == "dask":
        # a served deployment cannot carry a task runner object: open the Dask one here when the
        # flow's own runner is not already Dask on that address
        ctx = FlowRunContext.get()
        current = ctx.task_runner if ctx else None
        if type(current).__name__ != "DaskTaskRunner" or (address and getattr(current, "address", None) != address):
            own_runner = stack.enter_context(task_runner("dask", address))

    def submit(batch, known, ingested_at):
        first = offset[0] + 1
        offset[0] += len(batch)
        named = extract_batch.with_options(task_run_name=f"extract files {first}-{offset[0]} of {total[0]}")
        if own_runner is not None:
            return own_runner.submit(named, parameters={"landing": landing_u, "files": batch, "known_sha": known,
                                                        "ingested_at": ingested_at, "options": options,
                                                        "isolate": isolate})
        return named.submit(landing_u, batch, known, ingested_at, options, isolate)

    # One batch queued beyond the running ones, so that a core never waits while the flow writes rows;
    # a Dask cluster may have more workers than this machine has cores.
    workers = os.cpu_count() or 2
    in_flight = 2 * workers if runner == "dask" else workers + 1
    fr_id = str(flow_run.id) if flow_run.id else None
    try:
        with stack:
            summary = run_ingest(landing_u, lake_u, flow_name=flow_name, reprocess=reprocess, submit=submit,
                                 options=options, batch_size=batch_size, max_in_flight=in_flight, lock_wait=lock_wait,
                                 progress=on_progress, run_id=_run_id_from_name(), flow_run_id=fr_id, cancel=CANCEL)
    except RunCancelled as exc:
        logger.warning("run %s cancelled (Ctrl-C): nothing was published; the runs view records it",
                       exc.summary.run_id)
        return Cancelled(message=f"run {exc.summary.run_id} cancelled: nothing was published")
    from flows.artifacts import publish_run_artifact
    publish_run_artifact(summary)
    row = summary.as_row()
    logger.info("run %s: %s", summary.run_id, outcome_message(summary))
    _log_rejects(logger, summary)
    result = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    result["by_reason"] = dict(summary.by_reason)
    result["lake"] = lake_u
    share = reject_share(summary)
    if summary.counts["rejects"]:
        _tag_flow_run(fr_id, ["rejects"] + (["mostly-rejects"] if share > max_reject_share else []))
    if share > max_reject_share:
        message = (f"{outcome_message(summary)}: over the {max_reject_share:.0%} reject threshold "
                   "(rows were written; see the rejects view)")
        return Failed(message=message, data=MostlyRejected(message, result))
    return Completed(message=outcome_message(summary), data=result)


FLOW_OPTIONS = dict(log_prints=True, task_runner=task_runner("process", None), flow_run_name=_flow_run_name,
                    persist_result=False)


@flow(name="cleanlake-ingest", **FLOW_OPTIONS)
def ingest_flow(landing: str | None = None, lake: str | None = None, batch_size: int = BATCH_SIZE,
                runner: str = "process", lock_wait: float = 0.0, per_file_seconds: float | None = None,
                max_reject_share: float = 1.0, address: str | None = None):
    """Scheduled and manual runs: process the new and changed files of the landing zone."""
    from flows.progress import terminal_progress
    with terminal_progress("ingest") as progress:
        return _run_flow(landing, lake, batch_size, runner, "ingest", _no_reprocess, lock_wait, progress,
                         per_file_seconds, max_reject_share, address)


@flow(name="cleanlake-backfill", **FLOW_OPTIONS)
def backfill_flow(selection: dict, landing: str | None = None, lake: str | None = None,
                  batch_size: int = BATCH_SIZE, runner: str = "process", lock_wait: float = 0.0,
                  per_file_seconds: float | None = None, max_reject_share: float = 1.0,
                  address: str | None = None):
    """Reprocess chosen files (``flows.backfill.selector``) and replace their rows exactly once."""
    from flows.backfill import selector
    from flows.progress import terminal_progress
    choose = selector(lake_url(lake), selection)
    with terminal_progress("backfill") as progress:
        return _run_flow(landing, lake, batch_size, runner, "backfill", choose, lock_wait, progress, per_file_seconds,
                         max_reject_share, address)
