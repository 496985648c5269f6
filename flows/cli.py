"""``cleanlake``: run the ingest flow, extract files without a lake, query the lake with SQL.

Every bad option or value is refused while the command line is parsed, in one
``cleanlake: error: ...`` line, before any Prefect server starts. A run that cannot go on (disk full,
storage unreachable, the temporary server not starting) ends the same way: one line naming the
cause (``-v`` adds the traceback).
"""
from __future__ import annotations

import os

# No internet here, and nothing phones home: set before Prefect is imported anywhere.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A temporary server on a loaded 2-core machine can take well over Prefect's default 20 s to start.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import csv
import errno
import json
import re
import signal
import sys
import threading
import time
from datetime import date, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from typer._click import exceptions as cx   # typer's own (vendored) click

from flows.config import ENV_LAKE, ENV_LANDING

CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(add_completion=False, no_args_is_help=True, context_settings=CONTEXT,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="cleanlake: scraped pages in, a clean validated lake out, DuckDB on top.")

VERBOSITY = {"level": 0}   # -1 quiet, 0 normal, 1 verbose
EXIT_CANCELLED = 130


class CliError(Exception):
    """A one-line error for the user; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def _fail(message: str, code: int = 2):
    raise CliError(message, code)


def _say(line: str = "", err: bool = False) -> None:
    if VERBOSITY["level"] >= 0:
        typer.echo(line, err=err)


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


# -- parse-time checks ------------------------------------------------------------------------------
def _check_date(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        if len(value) == 10:
            date.fromisoformat(value)
        else:
            datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD, or an ISO date-time)") from None
    return value


def _check_cron(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    try:
        from cronsim import CronSim
        CronSim(value, datetime.now())
    except Exception as exc:  # noqa: BLE001 - cronsim raises its own error types
        raise typer.BadParameter(f"{value!r} is not a cron expression ({exc}); e.g. \"*/30 * * * *\"") from None
    return value


_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://[^\s:/]+:\d{1,5}$")


def _check_address(value: Optional[str]) -> Optional[str]:
    if value is not None and not _ADDRESS.match(value):
        raise typer.BadParameter(f"{value!r} is not a Dask scheduler address (tcp://HOST:PORT)")
    return value


def _check_tz(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"{value!r} is not a time zone (e.g. UTC, Asia/Shanghai, Europe/Berlin)") from None
    return value


def _check_memory(value: Optional[str]) -> Optional[str]:
    if value is not None and not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value, re.I):
        raise typer.BadParameter(f"{value!r} is not a memory size (e.g. 2GB, 512MB)")
    return value


class Runner(str, Enum):
    process = "process"
    thread = "thread"
    dask = "dask"


LandingOpt = typer.Option(None, "--landing", help=f"landing zone (default ${ENV_LANDING}, cleanlake.toml, or ./data/raw)")
LakeOpt = typer.Option(None, "--lake", help=f"lake root (default ${ENV_LAKE}, cleanlake.toml, or ./data/lake)")
RunnerOpt = typer.Option(Runner.process, "--runner", help="process (worker processes, default), thread, or dask")
AddressOpt = typer.Option(None, "--address", callback=_check_address,
                          help="Dask scheduler, tcp://HOST:PORT (with --runner dask)")
WaitOpt = typer.Option(0.0, "--wait", min=0, help="seconds to wait for another run's lock before giving up")
BatchOpt = typer.Option(64, "--batch-size", min=1, help="files per Prefect task")
PerFileOpt = typer.Option(None, "--per-file-seconds", min=0.1, help="time limit for one file (default 30)")
RejectShareOpt = typer.Option(0.5, "--max-reject-share", min=0.0, max=1.0,
                              help="the Prefect run ends Failed when more than this share of the files it processed "
                                   "were rejected (rows are written anyway); 1 turns it off")
JsonlFieldsOpt = typer.Option(None, "--jsonl-fields", help="JSON Lines field names, e.g. url=link,html=body,"
                                                            "fetched_at=crawled (default: Scrapy/crawl4ai/Firecrawl names)")


def _set_jsonl_fields(spec: str | None) -> None:
    """The field map reaches the worker processes (spawned) through the environment."""
    if spec is None:
        return
    from flows.containers import FIELDS_ENV
    from transforms.containers import parse_field_map
    try:
        parse_field_map(spec)
    except ValueError as exc:
        _fail(str(exc))
    os.environ[FIELDS_ENV] = spec


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version
        try:
            v = version("cleanlake")
        except PackageNotFoundError:
            v = "unknown (not installed)"
        typer.echo(f"cleanlake {v}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit"),
          quiet: bool = typer.Option(False, "-q", "--quiet", help="only errors: no progress, no summary, no Prefect logs"),
          verbose: bool = typer.Option(False, "-v", "--verbose", help="Prefect's debug logs; tracebacks with errors")) -> None:
    """cleanlake: scraped pages in, a clean validated lake out, DuckDB on top."""
    if quiet and verbose:
        raise typer.BadParameter("-q and -v contradict each other", param_hint="-q/-v")
    VERBOSITY["level"] = -1 if quiet else (1 if verbose else 0)
    if quiet:
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
        os.environ["CLEANLAKE_PROGRESS"] = "0"
    elif verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "DEBUG"


# -- paths ------------------------------------------------------------------------------------------
def _existing_lake(lake: Optional[str]) -> str:
    """The lake to read: it must already be one (only ``run`` creates a lake)."""
    from flows.compat import is_lake
    from flows.config import lake_url, where_from
    url = lake_url(lake)
    try:
        ok = is_lake(url)
    except OSError as exc:
        _fail(f"cannot reach the lake {url}: {exc}")
    if not ok:
        _fail(f"{url} is not a cleanlake lake (from {where_from(lake, ENV_LAKE, 'lake')}); check the path, "
              "or create it with `cleanlake run --lake PATH`")
    return url


def _lake_errors() -> tuple[type[BaseException], ...]:
    """The lake's own one-line errors: ``LakeError`` (the Delta lake's base class) or ``LakeLockedError``."""
    from flows import lake as lake_mod
    return tuple({getattr(lake_mod, "LakeError", lake_mod.LakeLockedError), lake_mod.LakeLockedError})


def _precheck(landing: str | None, lake: str | None, wait: float) -> None:
    """Fail in one line, before Prefect starts, when the run could not proceed at all."""
    import fsspec

    from flows.config import ENV_LANDING, lake_url, landing_url, where_from
    from flows.lake import Lake
    url = landing_url(landing)
    try:
        fs, root = fsspec.core.url_to_fs(url)
        is_dir = fs.isdir(root)
    except Exception as exc:  # noqa: BLE001 - any storage error, named
        _fail(f"cannot reach the landing zone {url}: {_describe(exc)}")
    if not is_dir:
        _fail(f"landing zone {url} is not a folder (from {where_from(landing, ENV_LANDING, 'landing')})")
    try:
        store = Lake(lake_url(lake))
        if hasattr(store, "check_format"):   # the Delta lake: an old layout or damage is named now
            store.check_format()
        with store.lock(wait=wait):          # waits up to --wait, as the run itself will
            if hasattr(store, "read_state"):
                store.read_state()
    except _lake_errors() as exc:
        _fail(str(exc))
    except Exception as exc:  # noqa: BLE001
        _fail(f"cannot open the lake {lake_url(lake)}: {_describe(exc)}")


# -- errors as one line -----------------------------------------------------------------------------
def _describe(exc: BaseException) -> str:
    """One line naming the cause of ``exc`` (disk full, storage unreachable, ...)."""
    names = {c.__name__ for c in type(exc).__mro__}
    if isinstance(exc, ImportError) and "s3fs" in str(exc):
        return "s3:// paths need the s3 extra: pip install 'cleanlake[s3]'"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" writing {exc.filename}" if exc.filename else ""
        return (f"no space left on the device{where}; nothing of this run was published (the lake is as "
                "it was); free some space and run again")
    if isinstance(exc, OSError) and exc.errno == errno.EDQUOT:
        return "disk quota exceeded; nothing of this run was published; free some space and run again"
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ReadTimeoutError"}:
        return f"object storage unreachable: {str(exc).splitlines()[0]}"
    if "ClientError" in names or "NoCredentialsError" in names:
        return f"object storage refused the request: {str(exc).splitlines()[0]}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return str(exc)
    if isinstance(exc, ConnectionError) or "ConnectError" in names:
        return f"connection failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    text = str(exc).strip().splitlines()
    if "ephemeral Prefect API server" in str(exc):
        return ("the temporary Prefect server did not start in time "
                f"(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS={os.environ.get('PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS')}); "
                "raise it, or point PREFECT_API_URL at a running server")
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


# -- the temporary Prefect server ---------------------------------------------------------------------
_SERVER: dict = {}


def _start_prefect(display) -> None:
    """Start the temporary Prefect server ourselves (when no API is configured), with a status line,
    one retry, and a one-line error if it still fails."""
    from prefect.settings import PREFECT_API_URL
    if PREFECT_API_URL.value():
        return
    from prefect.server.api.server import SubprocessASGIServer
    timeout = float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])
    if display:
        display.status("starting a temporary Prefect server")
    last = None
    for _ in range(2):
        server = SubprocessASGIServer()
        try:
            server.start(timeout=timeout)
            _SERVER["server"] = _SERVER["started"] = server
            return
        except Exception as exc:  # noqa: BLE001 - retried once, then one line
            last = exc
            try:
                server.stop()
            except Exception:  # noqa: BLE001
                pass
    _fail(f"the temporary Prefect server did not start within {timeout:g} s twice ({_describe(last)}); "
          "set PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher, or PREFECT_API_URL to a running server", 1)


def _quiet_prefect_exit(fast: bool = False) -> None:
    """Flush Prefect's events while the server is up, then silence it: no "EventsWorker failed".
    ``fast`` (after Ctrl-C): a short flush, and the temporary server is killed, not waited for."""
    import logging
    server = _SERVER.pop("server", None)
    if server is None:
        return   # a server we did not start (PREFECT_API_URL) stays up and keeps taking events
    if not fast:   # after Ctrl-C the server is killed at once: its events do not matter any more
        try:
            from prefect.events.worker import EventsWorker
            EventsWorker.drain_all(timeout=3)
        except Exception:  # noqa: BLE001
            pass
    logging.disable(logging.CRITICAL)
    try:
        if fast and server.server_process is not None:
            server.server_process.kill()
            server.server_process.wait(2)
            server.server_process = None
        server.stop()
    except Exception:  # noqa: BLE001
        pass


def _kill_prefect_now() -> None:
    import logging
    logging.disable(logging.CRITICAL)
    server = _SERVER.get("server")
    proc = getattr(server, "server_process", None)
    if proc is not None:
        try:
            proc.kill()
        except Exception:  # noqa: BLE001
            pass


def _console_formatter_without_tracebacks() -> None:
    """Prefect's console lines keep no tracebacks unless -v (the API, hence the UI, keeps them).
    Patched on the handler class, so it holds for handlers Prefect creates later."""
    if VERBOSITY["level"] > 0:
        return
    from prefect.logging.handlers import PrefectConsoleHandler
    if getattr(PrefectConsoleHandler, "_cleanlake_short", False):
        return
    original = PrefectConsoleHandler.format

    def short(self, record):
        text = original(self, record)
        return text.split("\nTraceback (most recent call last):", 1)[0]

    PrefectConsoleHandler.format = short
    PrefectConsoleHandler._cleanlake_short = True


# -- running a flow ----------------------------------------------------------------------------------
class _Interrupts:
    """First Ctrl-C: stop handing out batches, kill the workers, let the flow record the run as
    cancelled, exit within 5 s. Second: exit at once."""

    GRACE = 4.5

    def __init__(self):
        self.count = 0
        self.finished = threading.Event()
        self.previous = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self.handle)
        return self

    def __exit__(self, *exc):
        self.finished.set()
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False

    def handle(self, signum, frame):
        from flows.executor import stop_all
        from flows.ingest import CANCEL
        self.count += 1
        if self.count > 1:
            _kill_prefect_now()
            sys.stderr.write("\ncleanlake: interrupted again: exiting now (an unfinished run publishes nothing)\n")
            sys.stderr.flush()
            os._exit(EXIT_CANCELLED)
        CANCEL.set()
        stop_all()
        sys.stderr.write("\ncleanlake: stopping: no more batches; nothing of this run will be published "
                         "(Ctrl-C again to exit at once)\n")
        sys.stderr.flush()
        threading.Thread(target=self._watchdog, daemon=True).start()

    def _watchdog(self):
        if not self.finished.wait(self.GRACE):
            _kill_prefect_now()
            sys.stderr.write("cleanlake: error: cancelled: the run did not wind down in time; exiting now "
                             "(nothing was published)\n")
            sys.stderr.flush()
            os._exit(EXIT_CANCELLED)


def _flow_call(fn, label: str, **kwargs) -> None:
    """Run a flow; a run that cannot proceed ends with one line and a non-zero status."""
    from flows.executor import shutdown
    from flows.progress import display, summary_lines
    runner = kwargs["runner"]
    if kwargs.get("address") and runner != "dask":
        _fail("--address goes with --runner dask")
    _precheck(kwargs.get("landing"), kwargs.get("lake"), kwargs.get("lock_wait", 0.0))
    started = time.monotonic()
    state = None
    with _Interrupts() as interrupts:
        try:
            with display(label) as disp:
                try:
                    _start_prefect(disp)
                    from flows.ingest import CANCEL
                    if CANCEL.is_set():
                        _fail("cancelled before the run started; nothing was written", EXIT_CANCELLED)
                    _console_formatter_without_tracebacks()
                    if disp:
                        disp.status("listing the landing zone")
                    state = fn(**kwargs, return_state=True)
                finally:
                    shutdown()
            _report(state, time.monotonic() - started, summary_lines)
        finally:
            _quiet_prefect_exit(fast=interrupts.count > 0)


def _report(state, elapsed: float, summary_lines) -> None:
    from flows.ingest import CANCEL, RunCancelled
    if state is not None and state.is_cancelled():
        _fail(f"{state.message or 'cancelled'} ({elapsed:.1f} s); the runs view records it as cancelled",
              EXIT_CANCELLED)
    result = state.result(raise_on_failure=False) if state is not None else None
    if isinstance(result, RunCancelled) or CANCEL.is_set():
        run_id = result.summary.run_id if isinstance(result, RunCancelled) else "?"
        _fail(f"run {run_id} cancelled after {elapsed:.1f} s: nothing was published; the runs view "
              "records it as cancelled", EXIT_CANCELLED)
    from flows.ingest import MostlyRejected
    if isinstance(result, MostlyRejected):
        if VERBOSITY["level"] >= 0:
            for line in summary_lines(result.result, elapsed):
                typer.echo(line)
        _fail(str(result), 1)
    if isinstance(result, _lake_errors()):
        _fail(str(result))
    if isinstance(result, BaseException):
        _fail(_describe(result), 1)
    if not isinstance(result, dict):
        _fail(f"the flow ended {state.type.value if state else 'without a state'}: {getattr(state, 'message', '')}", 1)
    if VERBOSITY["level"] >= 0:
        for line in summary_lines({**result, "status": result.get("status")}, elapsed):
            typer.echo(line)
    if state.is_failed():
        _fail(state.message or "the run failed", 1)


def _flow_kwargs(landing, lake, batch_size, runner, address, wait, per_file_seconds, max_reject_share) -> dict:
    if runner is Runner.dask:
        import importlib.util
        if importlib.util.find_spec("prefect_dask") is None:
            _fail("--runner dask needs the dask extra: pip install 'cleanlake[dask]'")
    return dict(landing=landing, lake=lake, batch_size=batch_size, runner=runner.value, address=address,
                lock_wait=wait, per_file_seconds=per_file_seconds, max_reject_share=max_reject_share)


@app.command()
def run(landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt, batch_size: int = BatchOpt,
        runner: Runner = RunnerOpt, address: Optional[str] = AddressOpt, wait: float = WaitOpt,
        per_file_seconds: Optional[float] = PerFileOpt, max_reject_share: float = RejectShareOpt,
        jsonl_fields: Optional[str] = JsonlFieldsOpt) -> None:
    """Ingest the new and changed raw files of the landing zone into the lake (a Prefect flow run).
    The only command that creates a lake."""
    if address and runner is not Runner.dask:
        _fail("--address goes with --runner dask")
    from flows.ingest import ingest_flow
    _set_jsonl_fields(jsonl_fields)
    _flow_call(ingest_flow, "ingest", **_flow_kwargs(landing, lake, batch_size, runner, address, wait,
                                                    per_file_seconds, max_reject_share))


def _selection_text(selection: dict) -> str:
    if selection["all"]:
        return "--all"
    if selection["paths"]:
        return "--paths " + " ".join(selection["paths"])
    if selection["site"]:
        return f"--site {selection['site']}"
    return " ".join(f"--{k} {selection[k]}" for k in ("since", "until") if selection[k])


@app.command()
def backfill(landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt,
             all_: bool = typer.Option(False, "--all", help="reprocess every file"),
             paths: Optional[List[str]] = typer.Option(None, "--paths", help="glob(s) on paths in the landing zone"),
             since: Optional[str] = typer.Option(None, "--since", callback=_check_date,
                                                 help="published on or after DATE (YYYY-MM-DD, the page's own zone)"),
             until: Optional[str] = typer.Option(None, "--until", callback=_check_date,
                                                 help="published on or before DATE (the page's own zone)"),
             site: Optional[str] = typer.Option(None, "--site", help="articles of this site"),
             dry_run: bool = typer.Option(False, "--dry-run", help="list the selected files; change nothing"),
             batch_size: int = BatchOpt, runner: Runner = RunnerOpt, address: Optional[str] = AddressOpt,
             wait: float = WaitOpt, per_file_seconds: Optional[float] = PerFileOpt,
             max_reject_share: float = RejectShareOpt) -> None:
    """Reprocess chosen files (after an extraction improvement) and replace their rows exactly once."""
    chosen = [name for name, given in (("--all", all_), ("--paths", bool(paths)), ("--since/--until", bool(since or until)),
                                       ("--site", bool(site))) if given]
    if len(chosen) != 1:
        _fail("choose exactly one of --all, --paths, --since/--until, --site")
    if since and until and since > until:
        _fail(f"--since {since} is after --until {until}")
    if address and runner is not Runner.dask:
        _fail("--address goes with --runner dask")
    selection = {"all": all_, "paths": paths or [], "since": since, "until": until, "site": site}
    lake_u = _existing_lake(lake)
    from flows.backfill import selector
    from flows.config import landing_url
    from flows.discover import discover
    try:
        choose = selector(lake_u, selection)
        files = list(discover(landing_url(landing)))
    except (OSError, ValueError) as exc:
        _fail(_describe(exc))
    picked = [f.source_file for f in files if choose(f, None)]
    what = _selection_text(selection)
    if not picked:
        _fail(f"backfill {what}: no file in the landing zone matches; nothing to do", 1)
    _say(f"backfill {what}: {len(picked)} of {len(files)} files in the landing zone selected")
    if dry_run:
        for name in picked:
            typer.echo(name)
        return
    from flows.ingest import backfill_flow
    _flow_call(backfill_flow, "backfill", selection=selection,
               **_flow_kwargs(landing, lake_u, batch_size, runner, address, wait, per_file_seconds, max_reject_share))


@app.command()
def compact(lake: Optional[str] = LakeOpt, wait: float = WaitOpt,
            retain_hours: float = typer.Option(24.0, "--retain-hours", min=0,
                                               help="vacuum keeps the files of every version this recent")) -> None:
    """OPTIMIZE the Delta tables (small files merged; query results stay the same), then VACUUM."""
    lake_u = _existing_lake(lake)
    from flows.compact import compact as compact_lake
    try:
        out = compact_lake(lake_u, lock_wait=wait, retain_hours=retain_hours)
    except _lake_errors() as exc:
        _fail(str(exc))
    typer.echo(f"compact: merged {out['files_merged']} files into {out['files_written']}, "
               f"vacuumed {out['files_vacuumed']} files older than {retain_hours:g} h")


@app.command()
def history(lake: Optional[str] = LakeOpt, limit: int = typer.Option(50, "--limit", min=1)) -> None:
    """The lake's commits, newest first: table, version, time, operation, run, rows added/updated/removed."""
    from flows.config import lake_url
    from flows.lake import Lake
    try:
        rows = Lake(_existing_lake(lake)).history()[:limit]
    except _lake_errors() as exc:
        _fail(str(exc))
    typer.echo(f"{'table':<9} {'version':>7}  {'time (UTC)':<19}  {'operation':<12} {'run':<26} "
               f"{'added':>7} {'updated':>7} {'removed':>7}")
    for r in rows:
        typer.echo(f"{r['table']:<9} {r['version']:>7}  {r['time']:%Y-%m-%d %H:%M:%S}  {str(r['operation']):<12} "
                   f"{r['run_id'] or '-':<26} {r['rows_added']:>7} {r['rows_updated']:>7} {r['rows_removed']:>7}")


@app.command()
def repair(lake: Optional[str] = LakeOpt, wait: float = WaitOpt) -> None:
    """Make a damaged lake readable: set aside corrupt or missing data files, checkpoints, a torn newest
    log entry (to _damaged/); the next run re-ingests the files whose rows they held."""
    from flows.config import lake_url
    from flows.lake import Lake
    store = Lake(_existing_lake(lake))
    try:
        with store.lock(wait=wait):
            done = store.repair()
    except _lake_errors() as exc:
        _fail(str(exc))
    for line in done or ["nothing to repair"]:
        typer.echo(line)


@app.command()
def restore(version: int = typer.Argument(..., help="articles version (see `cleanlake history`)"),
            lake: Optional[str] = LakeOpt, wait: float = WaitOpt) -> None:
    """Restore the lake to the moment articles was at VERSION (a new commit; history is kept)."""
    from flows.config import lake_url
    from flows.lake import Lake
    store = Lake(_existing_lake(lake))
    try:
        with store.lock(wait=wait):
            out = store.restore(version)
    except (*_lake_errors(), ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"restored {', '.join(out) or 'nothing (already there)'} to articles version {version}")


@app.command()
def migrate(lake: Optional[str] = LakeOpt) -> None:
    """Convert a lake of the old layout (Parquet files, _ledger, _runs) into Delta tables, in place."""
    from flows.config import lake_url
    from flows.migrate import migrate as migrate_lake
    try:
        out = migrate_lake(lake_url(lake))
    except _lake_errors() as exc:
        _fail(str(exc))
    typer.echo(f"migrated: {out['articles']} articles, {out['rejects']} rejects, {out['runs']} runs; "
               f"the old files are in {out['old']}")



@app.command()
def serve(cron: str = typer.Option(..., "--cron", callback=_check_cron, help='schedule, e.g. "*/30 * * * *"'),
          landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt,
          name: str = typer.Option("scheduled", "--name", help="deployment name"),
          batch_size: int = BatchOpt, runner: Runner = RunnerOpt, address: Optional[str] = AddressOpt,
          wait: float = typer.Option(3600.0, "--wait", min=0,
                                     help="seconds a scheduled run waits for another writer's lock (default 3600)"),
          per_file_seconds: Optional[float] = PerFileOpt, max_reject_share: float = RejectShareOpt,
          tag: Optional[List[str]] = typer.Option(None, "--tag", help="extra tags on the deployment's runs")) -> None:
    """Serve the ingest flow as a scheduled Prefect deployment (needs a Prefect server: PREFECT_API_URL).

    Runs of the deployment are limited to one at a time (a colliding run waits in the queue), and
    stopping ``serve`` leaves the schedule on (it is not paused)."""
    if address and runner is not Runner.dask:
        _fail("--address goes with --runner dask")
    if not os.environ.get("PREFECT_API_URL"):
        _fail("serve needs a running Prefect server: start one with `prefect server start` and set "
              "PREFECT_API_URL=http://127.0.0.1:4200/api (a temporary server cannot hold schedules)")
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.config import lake_url, landing_url
    from flows.ingest import ingest_flow
    params = _flow_kwargs(landing_url(landing), lake_url(lake), batch_size, runner, address, wait, per_file_seconds,
                          max_reject_share)
    ingest_flow.serve(name=name, cron=cron, parameters=params, pause_on_shutdown=False,
                      global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
                      tags=["cleanlake", f"lake:{lake_url(lake)}", *(tag or [])])


class ExtractFormat(str, Enum):
    json = "json"
    text = "text"
    markdown = "markdown"


def _extract_inputs(names: list[str]):
    """(label, bytes or OSError) for each input: files as given, folders walked, ``-`` for stdin."""
    from flows.discover import is_raw_name
    for name in names:
        if name == "-":
            yield "-", sys.stdin.buffer.read()
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_raw_name(p.relative_to(path).as_posix()))
            if not found:
                yield name, OSError(f"folder has no raw files ({', '.join(('.html', '.md', '.txt'))}, ...)")
            for p in found:
                yield str(p), _read(p)
            continue
        yield name, _read(path)


def _read(path: Path):
    try:
        return path.read_bytes()
    except OSError as exc:
        return exc


def _markdown_record(rec: dict) -> str:
    head = [f"# {rec.get('title') or rec.get('source_file')}", ""]
    meta = [str(v) for v in (rec.get("author"), rec.get("published_at"), rec.get("url")) if v]
    if meta:
        head += ["*" + " · ".join(meta) + "*", ""]
    return "\n".join(head) + "\n\n".join(p for p in (rec.get("text") or "").split("\n") if p.strip()) + "\n"


@app.command()
def extract(files: List[str] = typer.Argument(..., help="raw files (HTML, Markdown, text dumps, WARC, JSON Lines) "
                                                    "or folders (walked); - reads stdin"),
            fmt: ExtractFormat = typer.Option(ExtractFormat.json, "--format",
                                              help="json (one object per file or record), text, or markdown"),
            jsonl_fields: Optional[str] = typer.Option(None, "--jsonl-fields",
                                                       help="JSON Lines field names: url=url,html=html,markdown=markdown,"
                                                            "text=text,fetched_at=fetched_at"),
            max_reject_share: float = typer.Option(0.5, "--max-reject-share", min=0.0, max=1.0,
                                                   help="exit 1 when more than this share of the results were "
                                                        "rejects (0: any reject; 1: never)")) -> None:
    """Extract files without Prefect or a lake: one result per file, or per record of a WARC / JSON
    Lines file. Like ``run``, a reject is a result: the exit status is 1 when more than
    ``--max-reject-share`` of the results were rejects (a single rejected file: 1)."""
    from transforms import Reject
    from transforms import extract as extract_record
    from transforms.containers import container_kind, iter_records, parse_field_map
    from transforms.options import DEFAULT_OPTIONS
    try:
        fields = parse_field_map(jsonl_fields)
    except ValueError as exc:
        _fail(str(exc))
    out = sys.stdout
    rejected = results_n = 0

    def results():
        """(label, source_record, url, record or Reject) for each page or container record."""
        import io
        for label, raw in _extract_inputs(files):
            if isinstance(raw, OSError):
                yield label, None, None, Reject("read", f"cannot read the file: {raw.strerror or raw}")
            elif container_kind(label):
                for item in iter_records(io.BytesIO(raw), label, DEFAULT_OPTIONS, fields):
                    if item.kind == "skipped":
                        continue
                    url = item.provenance.url if item.provenance else None
                    yield label, item.source_record, url, (item.reject if item.kind == "reject" else
                                                           extract_record(item.raw, label, DEFAULT_OPTIONS,
                                                                          item.provenance))
            else:
                yield label, None, None, extract_record(raw, label)

    for label, record_no, url, rec in results():
        results_n += 1
        if isinstance(rec, Reject):
            rejected += 1
            if fmt is ExtractFormat.json:
                where = {"source_record": record_no} if record_no is not None else {}
                where.update({"url": url} if url else {})
                out.write(json.dumps({"source_file": label, **where,
                                      "reject": {"stage": rec.stage, "reason": rec.reason}},
                                     ensure_ascii=False) + "\n")
            else:
                typer.echo(f"cleanlake: reject: {label}{'#' + str(record_no) if record_no is not None else ''}: "
                           f"{rec.stage}: {rec.reason}", err=True)
            continue
        if fmt is ExtractFormat.json:
            out.write(json.dumps(rec, ensure_ascii=False, default=_jsonable) + "\n")
        elif fmt is ExtractFormat.text:
            out.write((rec.get("text") or "").rstrip("\n") + "\n\n")
        else:
            out.write(_markdown_record(rec) + "\n")
    out.flush()
    if rejected and rejected > max_reject_share * results_n:
        raise typer.Exit(1)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def _zone(name: Optional[str]) -> tzinfo:
    if name:
        from zoneinfo import ZoneInfo
        return ZoneInfo(name)
    return datetime.now().astimezone().tzinfo   # the machine's zone


def _shown(value, zone: tzinfo, width: int | None):
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(zone)
    if width is None:
        return value
    if value is None:
        return "NULL"
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else (
        json.dumps(value, ensure_ascii=False, default=_jsonable) if isinstance(value, (list, dict)) else str(value))
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[:max(width - 1, 1)] + "…"


def _fetch(rel, limit: int | None):
    import pyarrow as pa
    if rel is None:
        return [], [], False
    if isinstance(rel, pa.Table):          # an engine that hands back materialised results
        table = rel.slice(0, limit + 1) if limit is not None else rel
    else:                                   # a DuckDB relation: fetch only what is shown
        target = rel.limit(limit + 1) if limit is not None and hasattr(rel, "limit") else rel
        table = target.to_arrow_table() if hasattr(target, "to_arrow_table") else target.fetch_arrow_table()
    # DuckDB hands instants back in UTC (the configuration is locked); convert below, per --tz
    rows = table.to_pylist() if isinstance(table, pa.Table) else list(table)
    more = limit is not None and len(rows) > limit
    return table.column_names, rows[:limit] if limit is not None else rows, more


def _display_width(text: str) -> int:
    from rich.cells import cell_len
    return cell_len(text)


def _print_table(cols, rows, zone, width, more, limit, markdown: bool) -> None:
    cells = [[_shown(r[c], zone, width) for c in cols] for r in rows]
    if markdown:
        esc = [[c.replace("|", "\\|") for c in row] for row in cells]
        typer.echo("| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |")
        typer.echo("|" + "|".join("---" for _ in cols) + "|")
        for row in esc:
            typer.echo("| " + " | ".join(row) + " |")
    else:
        widths = [max([_display_width(c)] + [_display_width(row[i]) for row in cells]) for i, c in enumerate(cols)]

        def line(values):
            return " │ ".join(v + " " * (w - _display_width(v)) for v, w in zip(values, widths)).rstrip()
        typer.echo(line(cols))
        typer.echo("─┼─".join("─" * w for w in widths))
        for row in cells:
            typer.echo(line(row))
    note = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    note += f"; more not shown: --max-rows {limit})" if more else ")"
    typer.echo(note if not markdown else f"\n{note}")


@app.command()
def sql(query: Optional[str] = typer.Argument(None, help="SQL over the views articles, rejects, runs, ledger; "
                                                         "- or nothing reads it from stdin"),
        file: Optional[Path] = typer.Option(None, "-f", "--file", exists=True, dir_okay=False, readable=True,
                                            help="read the SQL from this file"),
        lake: Optional[str] = LakeOpt,
        fmt: Format = typer.Option(Format.table, "--format", help="table, csv, json (one object per line), markdown"),
        max_rows: Optional[int] = typer.Option(None, "--max-rows", min=0,
                                               help="rows shown per statement (default 100 for table/markdown, all "
                                                    "for csv/json)"),
        max_width: int = typer.Option(200, "--max-width", min=4, help="characters per cell in table/markdown"),
        tz: Optional[str] = typer.Option(None, "--tz", callback=_check_tz,
                                         help="time zone for shown timestamps (default the machine's)"),
        timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="seconds a statement may run"),
        memory: Optional[str] = typer.Option(None, "--memory", callback=_check_memory, help="DuckDB memory limit, e.g. 2GB"),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="read the lake as of a version or time (Delta lake)")) -> None:
    """Query the lake with DuckDB SQL (read-only). Every statement's result is shown."""
    if file is not None and query not in (None, "-"):
        _fail("give the query as an argument or with -f FILE, not both")
    if file is not None:
        text = file.read_text(encoding="utf-8")
    elif query in (None, "-"):
        if sys.stdin.isatty():
            _fail("no query: give one as an argument, with -f FILE, or on stdin")
        text = sys.stdin.read()
    else:
        text = query
    if not text.strip():
        _fail("the query is empty")
    lake_u = _existing_lake(lake)
    from flows.compat import query_errors, sql_connect, sql_query
    errors = query_errors()
    zone = _zone(tz)
    limit = max_rows if max_rows is not None else (100 if fmt in (Format.table, Format.markdown) else None)
    try:
        con = sql_connect(lake_u, as_of=as_of, memory_limit=memory)
        # one row more than is shown, so that "more not shown" is known without fetching everything
        results = sql_query(con, text, timeout=timeout, max_rows=None if limit is None else limit + 1)
        first = True
        for rel in results:
            if rel is None:
                continue
            cols, rows, more = _fetch(rel, limit)
            if fmt in (Format.table, Format.markdown):
                if not first:
                    typer.echo("")
                _print_table(cols, rows, zone, max_width, more, limit, fmt is Format.markdown)
            elif fmt is Format.csv:
                if not first:
                    sys.stdout.write("\n")
                writer = csv.writer(sys.stdout, lineterminator="\n")
                writer.writerow(cols)
                writer.writerows([[_shown(r[c], zone, None) for c in cols] for r in rows])
            else:
                for r in rows:
                    sys.stdout.write(json.dumps({c: _shown(r[c], zone, None) for c in cols}, ensure_ascii=False,
                                                default=_jsonable) + "\n")
            first = False
    except _lake_errors() as exc:
        _fail(str(exc), 1)
    except errors as exc:
        _fail(str(exc).strip(), 1)   # DuckDB's whole message: hints such as 'Did you mean "articles"?'
    except ValueError as exc:
        _fail(str(exc), 1)


class _Entry:
    """``main`` as click's CliRunner wants a command (tests run the real entry point, errors included)."""
    name = "cleanlake"

    def main(self, args=None, prog_name=None, **_):
        main(list(args or []))


entry = _Entry()


def main(argv: list[str] | None = None) -> None:
    code = 0
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="cleanlake")
        code = rv if isinstance(rv, int) else 0
    except CliError as exc:
        typer.echo(f"cleanlake: error: {exc}", err=True)
        code = exc.code
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("cleanlake: error: aborted", err=True)
        code = EXIT_CANCELLED
    except cx.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        code = 0
    except cx.ClickException as exc:   # usage errors: one line, before anything starts
        typer.echo(f"cleanlake: error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        typer.echo("\ncleanlake: interrupted", err=True)
        code = EXIT_CANCELLED
    except Exception as exc:  # noqa: BLE001 - a failure the user can act on, in one line
        if VERBOSITY["level"] > 0:
            import traceback
            traceback.print_exc()
        typer.echo(f"cleanlake: error: {_describe(exc)}", err=True)
        code = 1
    sys.stdout.flush()
    if code == EXIT_CANCELLED and "prefect" in sys.modules:
        # Ctrl-C: not Python's slow teardown of Prefect's threads; the logs get a short flush first
        # when they go to a server that stays up (not the temporary one, already stopped)
        if _SERVER.get("started") is None:
            try:
                from prefect.logging.handlers import APILogWorker
                APILogWorker.drain_all(timeout=1)
            except Exception:  # noqa: BLE001
                pass
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
