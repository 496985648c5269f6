"""Where extraction runs: worker processes with a per-file time limit.

Extraction is CPU-bound Python, so it runs in processes, not threads. Each Prefect task (a batch of
files) borrows one ``Worker`` — a child process — from the process-wide ``WorkerPool`` and sends it
the batch's files in one message; the worker answers file by file as it goes. A file that takes longer than ``options.limits.per_file_seconds``
(an extractor that hangs inside lxml cannot be interrupted by a signal) gets its worker killed and
replaced, and becomes a reject that names the limit; the batch goes on with a fresh worker.

The pool lives in whatever process runs the task: the flow's own process with the local runner, or
each Dask worker process with ``--runner dask`` (when Dask lets its workers start processes).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from datetime import datetime

from flows.discover import RawFile
from flows.process import BatchResult, FileOutcome, assemble, process_file
from transforms import ExtractOptions, Reject

_CTX = mp.get_context("spawn")   # no fork of a process that runs threads (Prefect, DuckDB)
STARTUP_SECONDS = 120.0          # a worker's start-up (imports) on a loaded machine; not part of any file's limit
STOP = threading.Event()         # set on Ctrl-C (stop_all): no new worker, no new batch


class Stopped(RuntimeError):
    pass


def _worker_main(conn, delay: float) -> None:
    """Child process: receive a batch of jobs (landing, RawFile, known_sha, ingested_at, options) and
    answer one FileOutcome per job, in order, as each finishes."""
    import time
    conn.send("ready")   # imports done: the per-file clock starts only now (not at process start-up)
    while True:
        try:
            jobs = conn.recv()
        except (EOFError, OSError):
            return
        if jobs is None:
            return
        for job in jobs:
            if delay:
                time.sleep(delay)   # test hook: simulates an extractor that hangs
            conn.send(process_file(*job))


class Worker:
    def __init__(self) -> None:
        # CLEANLAKE_TEST_SLOW_SECONDS makes every extraction sleep first: only the tests set it.
        delay = float(os.environ.get("CLEANLAKE_TEST_SLOW_SECONDS", "0") or 0)
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_worker_main, args=(child, delay), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> bool:
        """Wait for the child's "ready" (its imports done); worker start-up never counts as a file's time."""
        if not self.ready:
            try:
                self.ready = self.conn.poll(timeout) and self.conn.recv() == "ready"
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    def run(self, jobs: list[tuple], timeout: float):
        """Yield each job's outcome in order; stop (killing the worker) at the first job that takes
        longer than ``timeout``: the caller learns which one by the count it received.
        The first job's clock starts once the worker is up (``wait_ready``)."""
        if STOP.is_set() or not self.wait_ready():
            self.kill()
            return
        self.conn.send(jobs)
        for _ in jobs:
            if not self.conn.poll(timeout):
                self.kill()
                return
            try:
                yield self.conn.recv()
            except (EOFError, OSError):
                self.kill()
                return

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


class WorkerPool:
    """Idle worker processes, created on demand and reused across batches and runs."""

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def acquire(self) -> Worker:
        try:
            worker = self._idle.get_nowait()
            if worker.alive():
                return worker
        except queue.Empty:
            pass
        worker = Worker()
        with self._lock:
            self._all.append(worker)
        return worker

    def release(self, worker: Worker) -> None:
        if worker.alive():
            self._idle.put(worker)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            if w.alive():
                w.stop()
        self._idle = queue.SimpleQueue()


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> WorkerPool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool()
        return _POOL


def shutdown() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.close()
            _POOL = None


def stop_all() -> None:
    """Ctrl-C: kill every worker at once (without waiting) so in-flight batches end now."""
    STOP.set()
    with _POOL_LOCK:
        p = _POOL
    if p is None:
        return
    with p._lock:
        workers = list(p._all)
    for w in workers:
        try:
            if w.proc.is_alive():
                w.proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass


def can_start_processes() -> bool:
    """False in a daemonic process (a Dask worker by default), which may not have children."""
    return not mp.current_process().daemon


def run_batch_in_process(landing: str, files: list[RawFile], known_sha: dict[str, str], ingested_at: datetime,
                         options: ExtractOptions) -> BatchResult:
    """A batch through one borrowed worker process, with the per-file time limit."""
    limit = options.limits.per_file_seconds
    outcomes: list[FileOutcome] = []
    pending = list(files)
    worker = pool().acquire()
    try:
        while pending:
            if STOP.is_set():
                raise Stopped("the run was cancelled")
            jobs = [(landing, raw, known_sha.get(raw.key), ingested_at, options) for raw in pending]
            done = 0
            for out in worker.run(jobs, limit):
                outcomes.append(out)
                done += 1
            if done == len(pending):
                break
            slow = pending[done]   # the file the worker was on when its time ran out
            reason = (f"extraction took longer than the per-file limit of {limit:g} s "
                      "(limits.per_file_seconds); the worker was stopped")
            outcomes.append(FileOutcome.rejected(slow, Reject("extract", reason), ingested_at))
            pending = pending[done + 1:]
            worker = pool().acquire()
    finally:
        pool().release(worker)
    return assemble(outcomes)
