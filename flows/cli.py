"""``cleanlake``: run the ingest flow, extract files without a lake, query the lake with SQL."""
from __future__ import annotations

import os

# No internet here, and nothing phones home: set before Prefect is imported anywhere.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import csv
import json
import sys
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from flows.config import ENV_LAKE, ENV_LANDING

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="cleanlake: scraped pages in, clean hive-partitioned Parquet out, DuckDB on top.")

LandingOpt = typer.Option(None, "--landing", help=f"landing zone (default ${ENV_LANDING} or data/raw)")
LakeOpt = typer.Option(None, "--lake", help=f"lake root (default ${ENV_LAKE} or data/lake)")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"cleanlake: error: {message}", err=True)
    raise typer.Exit(code)


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


RunnerOpt = typer.Option("process", "--runner", help="process (worker processes, default), thread, or dask")
AddressOpt = typer.Option(None, "--address", help="Dask scheduler, tcp://HOST:PORT (with --runner dask)")
WaitOpt = typer.Option(0.0, "--wait", min=0, help="seconds to wait for another run's lock before giving up")
BatchOpt = typer.Option(64, "--batch-size", min=1, help="files per Prefect task")
PerFileOpt = typer.Option(None, "--per-file-seconds", min=0.1, help="time limit for one file (default 30)")
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

_COUNTS = ("files_seen", "files_new", "files_changed", "files_unchanged", "files_reprocessed",
           "articles_written", "rejects_written")


def _flow_call(fn, **kwargs) -> None:
    """Run a flow; a run that cannot proceed ends with one line and a non-zero status."""
    from flows.executor import shutdown
    from flows.lake import LakeError
    if kwargs.get("runner") not in ("process", "thread", "dask"):
        _fail(f"unknown runner {kwargs.get('runner')!r}: use process, thread or dask")
    address = kwargs.pop("address", None)
    if address and kwargs["runner"] != "dask":
        _fail("--address goes with --runner dask")
    if kwargs["runner"] == "dask":
        from flows.ingest import task_runner
        fn = fn.with_options(task_runner=task_runner("dask", address))
    _precheck(kwargs.get("landing"), kwargs.get("lake"), kwargs.get("lock_wait", 0.0))
    try:
        summary = fn(**kwargs)
    except (LakeError, FileNotFoundError, NotADirectoryError, PermissionError, ValueError) as exc:
        _fail(str(exc))
    finally:
        shutdown()
    typer.echo(f"run {summary['run_id']} {summary['status']}: " + ", ".join(f"{k}={summary[k]}" for k in _COUNTS))


def _precheck(landing: str | None, lake: str | None, wait: float = 0.0) -> None:
    """Fail in one line, before Prefect starts, when the run could not proceed at all."""
    import fsspec

    from flows.config import lake_url, landing_url
    from flows.lake import Lake, LakeError
    fs, root = fsspec.core.url_to_fs(landing_url(landing))
    try:
        is_dir = fs.isdir(root)
    except OSError as exc:
        _fail(f"cannot reach the landing zone {landing_url(landing)!r}: {exc}")
    if not is_dir:
        _fail(f"landing zone {landing_url(landing)!r} is not a folder")
    try:
        store = Lake(lake_url(lake))
        store.check_format()
        with store.lock(wait=wait):   # waits up to --wait, as the run itself will
            store.read_state()        # damage (a missing or corrupt file) is named before Prefect starts
    except LakeError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot open the lake {lake_url(lake)!r}: {exc}")


@app.command()
def run(landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt, batch_size: int = BatchOpt,
        runner: str = RunnerOpt, address: Optional[str] = AddressOpt, wait: float = WaitOpt,
        per_file_seconds: Optional[float] = PerFileOpt, jsonl_fields: Optional[str] = JsonlFieldsOpt) -> None:
    """Ingest the new and changed raw files of the landing zone into the lake (a Prefect flow run)."""
    from flows.ingest import ingest_flow
    _set_jsonl_fields(jsonl_fields)
    _flow_call(ingest_flow, landing=landing, lake=lake, batch_size=batch_size, runner=runner, address=address,
               lock_wait=wait, per_file_seconds=per_file_seconds)


@app.command()
def backfill(landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt,
             all_: bool = typer.Option(False, "--all", help="reprocess every file"),
             paths: Optional[List[str]] = typer.Option(None, "--paths", help="glob(s) on paths in the landing zone"),
             since: Optional[str] = typer.Option(None, "--since", help="published on or after DATE (YYYY-MM-DD)"),
             until: Optional[str] = typer.Option(None, "--until", help="published on or before DATE"),
             site: Optional[str] = typer.Option(None, "--site", help="articles of this site"),
             batch_size: int = BatchOpt, runner: str = RunnerOpt, address: Optional[str] = AddressOpt,
             wait: float = WaitOpt, per_file_seconds: Optional[float] = PerFileOpt) -> None:
    """Reprocess chosen files (after an extraction improvement) and replace their rows exactly once."""
    chosen = [name for name, given in (("--all", all_), ("--paths", bool(paths)), ("--since/--until", bool(since or until)),
                                       ("--site", bool(site))) if given]
    if len(chosen) != 1:
        _fail("choose exactly one of --all, --paths, --since/--until, --site")
    selection = {"all": all_, "paths": paths or [], "since": since, "until": until, "site": site}
    from flows.ingest import backfill_flow
    _flow_call(backfill_flow, selection=selection, landing=landing, lake=lake, batch_size=batch_size, runner=runner,
               address=address, lock_wait=wait, per_file_seconds=per_file_seconds)


@app.command()
def compact(lake: Optional[str] = LakeOpt, wait: float = WaitOpt,
            retain_hours: float = typer.Option(24.0, "--retain-hours", min=0,
                                               help="vacuum keeps the files of every version this recent")) -> None:
    """OPTIMIZE the Delta tables (small files merged; query results stay the same), then VACUUM."""
    from flows.compact import compact as compact_lake
    from flows.config import lake_url
    from flows.lake import LakeError
    try:
        out = compact_lake(lake_url(lake), lock_wait=wait, retain_hours=retain_hours)
    except LakeError as exc:
        _fail(str(exc))
    typer.echo(f"compact: merged {out['files_merged']} files into {out['files_written']}, "
               f"vacuumed {out['files_vacuumed']} files older than {retain_hours:g} h")


@app.command()
def history(lake: Optional[str] = LakeOpt, limit: int = typer.Option(50, "--limit", min=1)) -> None:
    """The lake's commits, newest first: table, version, time, operation, run, rows added/updated/removed."""
    from flows.config import lake_url
    from flows.lake import Lake, LakeError
    try:
        rows = Lake(lake_url(lake)).history()[:limit]
    except LakeError as exc:
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
    from flows.lake import Lake, LakeError
    store = Lake(lake_url(lake))
    try:
        with store.lock(wait=wait):
            done = store.repair()
    except LakeError as exc:
        _fail(str(exc))
    for line in done or ["nothing to repair"]:
        typer.echo(line)


@app.command()
def restore(version: int = typer.Argument(..., help="articles version (see `cleanlake history`)"),
            lake: Optional[str] = LakeOpt, wait: float = WaitOpt) -> None:
    """Restore the lake to the moment articles was at VERSION (a new commit; history is kept)."""
    from flows.config import lake_url
    from flows.lake import Lake, LakeError
    store = Lake(lake_url(lake))
    try:
        with store.lock(wait=wait):
            out = store.restore(version)
    except (LakeError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"restored {', '.join(out) or 'nothing (already there)'} to articles version {version}")


@app.command()
def migrate(lake: Optional[str] = LakeOpt) -> None:
    """Convert a lake of the old layout (Parquet files, _ledger, _runs) into Delta tables, in place."""
    from flows.config import lake_url
    from flows.lake import LakeError
    from flows.migrate import migrate as migrate_lake
    try:
        out = migrate_lake(lake_url(lake))
    except LakeError as exc:
        _fail(str(exc))
    typer.echo(f"migrated: {out['articles']} articles, {out['rejects']} rejects, {out['runs']} runs; "
               f"the old files are in {out['old']}")


@app.command()
def serve(cron: str = typer.Option(..., "--cron", help='schedule, e.g. "*/30 * * * *"'),
          landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt,
          name: str = typer.Option("scheduled", "--name", help="deployment name"),
          runner: str = RunnerOpt) -> None:
    """Serve the ingest flow as a scheduled Prefect deployment (needs a Prefect server: PREFECT_API_URL)."""
    if not os.environ.get("PREFECT_API_URL"):
        _fail("serve needs a running Prefect server: start one with `prefect server start` and set "
              "PREFECT_API_URL=http://127.0.0.1:4200/api (a temporary server cannot hold schedules)")
    from flows.config import lake_url, landing_url
    from flows.ingest import ingest_flow
    ingest_flow.serve(name=name, cron=cron,
                      parameters={"landing": landing_url(landing), "lake": lake_url(lake), "runner": runner})


@app.command()
def extract(files: List[Path] = typer.Argument(..., help="raw files (HTML, Markdown, text dumps, WARC, JSON Lines)"),
            jsonl_fields: Optional[str] = typer.Option(None, "--jsonl-fields",
                                                       help="JSON Lines field names: url=url,html=html,markdown=markdown,"
                                                            "text=text,fetched_at=fetched_at")) -> None:
    """Print one JSON object per file, or per record of a WARC / JSON Lines file: the record, or
    {"source_file", "reject": {stage, reason}}. No lake."""
    from transforms import Reject
    from transforms import extract as extract_record
    from transforms.containers import container_kind, iter_records, parse_field_map
    from transforms.options import DEFAULT_OPTIONS
    try:
        fields = parse_field_map(jsonl_fields)
    except ValueError as exc:
        _fail(str(exc))
    out = sys.stdout

    def emit(obj) -> None:
        out.write(json.dumps(obj, ensure_ascii=False, default=_jsonable) + "\n")

    def rejected(name, rec, stage, reason, **extra):
        return {"source_file": name, **({"source_record": rec} if rec is not None else {}), **extra,
                "reject": {"stage": stage, "reason": reason}}

    for path in files:
        name = str(path)
        try:
            if container_kind(name):
                with open(path, "rb") as fh:
                    for item in iter_records(fh, name, DEFAULT_OPTIONS, fields):
                        if item.kind == "skipped":
                            continue
                        rec = item.reject if item.kind == "reject" else extract_record(item.raw, name, DEFAULT_OPTIONS, item.provenance)
                        url = item.provenance.url if item.provenance else None
                        emit(rejected(name, item.source_record, rec.stage, rec.reason, **({"url": url} if url else {}))
                             if isinstance(rec, Reject) else rec)
                continue
            raw = path.read_bytes()
        except OSError as exc:
            emit(rejected(name, None, "read", f"cannot read the file: {exc.strerror or exc}"))
            continue
        rec = extract_record(raw, name)
        emit(rejected(name, None, rec.stage, rec.reason) if isinstance(rec, Reject) else rec)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(query: str = typer.Argument(..., help="SQL over the views articles, rejects, runs, ledger"),
        lake: Optional[str] = LakeOpt,
        fmt: Format = typer.Option(Format.table, "--format", help="table, csv, or json (one object per line)"),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="VERSION (of articles, see `cleanlake history`) "
                                            "or TIMESTAMP: query the lake as it was then")) -> None:
    """Query the lake with DuckDB SQL."""
    import duckdb

    from flows.config import lake_url
    from flows.lake import LakeError
    from flows.sql import WriteRefused, connect, read_only_query
    try:
        con = connect(lake_url(lake), as_of=as_of)
        rel = read_only_query(con, query)
    except (duckdb.Error, WriteRefused, LakeError, ValueError) as exc:
        _fail(str(exc).splitlines()[0])
    if rel is None:
        return
    if fmt is Format.table:
        rel.show(max_width=200, max_rows=100)
        return
    cols, rows = rel.columns, rel.fetchall()
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(cols)
        writer.writerows(rows)
    else:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(cols, row)), ensure_ascii=False, default=_jsonable) + "\n")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
