"""The Prefect flow: discover -> plan against the lake's snapshot -> extract in batches -> MERGE into Delta tables.

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
from flows.dedup import assign_groups, regroup_updates, write_bands
from flows.discover import RawFile, discover
from flows.containers import expand, is_container, known_for
from flows.lake import BUFFER_BYTES, Lake, LakeError, record_run
from flows.process import BatchResult, process_batch
from schemas import ARTICLES_DELTA, PIPELINE_VERSION, REJECTS_DELTA, articles_table, rejects_table
from transforms import DEFAULT_OPTIONS, ExtractOptions, doc_id_for
from transforms.options import DedupOptions

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
                "pipeline_version": PIPELINE_VERSION, "flow_run_id": self.flow_run_id,
                "records_skipped": c["records_skipped"]}


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
    ``cancel``: once set, no batch is handed out, nothing more is merged, the ``runs`` row says
    cancelled and ``RunCancelled`` is raised.

    Rows are merged into the Delta tables on ``doc_id`` when the buffer is full and at the end
    (articles, then rejects), and the run's ``runs`` row is written last. Each MERGE is idempotent:
    a run killed anywhere is completed exactly by the next one.
    """
    landing, lake_root = landing_url(landing), lake_url(lake)
    now = datetime.now(timezone.utc)
    summary = RunSummary(run_id or new_run_id(now), flow_name, landing, lake_root, now, flow_run_id=flow_run_id)
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
        if progress:
            progress(0, len(todo) + len(index.entries))
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
            room = REJECTS_LISTED - len(summary.rejected)
            if result.rejects.num_rows and room > 0:
                summary.rejected.extend(list(zip(result.rejects["source_file"].to_pylist(),
                                                 result.rejects["stage"].to_pylist(),
                                                 result.rejects["reason"].to_pylist()))[:room])
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
            publish(store, summary, ledger, outcome_by_doc, entries, articles, rejects, options.dedup)

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
            if index.entries:
                collect(BatchResult(articles_table([]), rejects_table([]), index.entries))
            pending = []
            for start in range(0, len(todo), batch_size):
                if cancelled():
                    raise RunCancelled(summary)
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
                    collect(result_of(pending.pop(0)))
            for fut in pending:
                collect(result_of(fut))
            if cancelled():
                raise RunCancelled(summary)
        except BaseException as exc:
            # what is still buffered is not merged; the runs row says why the run ended
            _record_end(store, summary, "cancelled" if isinstance(exc, (RunCancelled, KeyboardInterrupt)) or cancelled()
                        else "failed")
            if cancelled() and not isinstance(exc, RunCancelled):
                raise RunCancelled(summary) from None
            raise
        flush()
        summary.finished_at = datetime.now(timezone.utc)
        summary.status = "completed"
        record_run(store, summary)
    return summary


def _record_end(store: Lake, summary: RunSummary, status: str) -> None:
    """A run that ends before its last merge (Ctrl-C, a failure): one ``runs`` row with its status."""
    try:
        summary.status = status
        summary.finished_at = datetime.now(timezone.utc)
        record_run(store, summary)
    except Exception:  # noqa: BLE001 - disk full or storage gone: the original error is what to report
        logging.getLogger("cleanlake").debug("could not record the %s run", status, exc_info=True)


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


def _dup_rows(updates: pa.Table) -> pa.Table:
    """MERGE rows (``_op = 'dup'``) that set only dup_group and dup_kind: older articles regrouped."""
    t = _op_rows(ARTICLES_DELTA, "dup", updates["doc_id"].to_pylist())
    for name in ("dup_group", "dup_kind"):
        i = t.schema.get_field_index(name)
        t = t.set_column(i, t.schema.field(i), updates[name].cast(t.schema.field(i).type))
    return t


def publish(store: Lake, summary: RunSummary, ledger: dict[str, dict], outcome_by_doc: dict[str, str],
            entries: list[dict], articles: pa.Table, rejects: pa.Table,
            dedup: DedupOptions = DEFAULT_OPTIONS.dedup) -> None:
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
    rej_src = _with_ledger(rejects, REJECTS_DELTA, entry_by_doc, run_id)
    rej_docs = rej_src["doc_id"].to_pylist()
    # duplicate groups (flows.dedup): band rows first, then the articles MERGE carries the groups
    gone = [d for d in rej_docs if outcome_by_doc.get(d) == "article"]
    articles, bands = assign_groups(store, articles, gone=gone, options=dedup)
    write_bands(store, bands, remove=gone)
    regrouped = regroup_updates(articles, bands)
    art_src = _with_ledger(articles, ARTICLES_DELTA, entry_by_doc, run_id)
    art_docs = art_src["doc_id"].to_pylist()
    moved = set(regrouped["doc_id"].to_pylist())

    def touches(kind, schema):
        t = [x for x in touch[kind] if x["doc_id"] not in moved]  # one source row per doc_id
        return _op_rows(schema, "touch", [x["doc_id"] for x in t], [x["size"] for x in t], [x["mtime_ns"] for x in t])

    store.merge("articles", pa.concat_tables([art_src, _op_rows(ARTICLES_DELTA, "del", rej_docs),
                                              touches("article", ARTICLES_DELTA), _dup_rows(regrouped)]), run_id)
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
