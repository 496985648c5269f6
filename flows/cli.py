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


@app.command()
def run(landing: Optional[str] = LandingOpt, lake: Optional[str] = LakeOpt,
        batch_size: int = typer.Option(64, min=1, help="files per Prefect task")) -> None:
    """Ingest new and changed raw files of the landing zone into the lake (a Prefect flow run)."""
    from flows.ingest import ingest_flow
    from flows.lake import LakeLockedError
    try:
        summary = ingest_flow(landing=landing, lake=lake, batch_size=batch_size)
    except (LakeLockedError, FileNotFoundError, PermissionError) as exc:
        _fail(str(exc))
    keys = ("files_seen", "files_new", "files_changed", "files_unchanged", "articles_written", "rejects_written")
    typer.echo(f"run {summary['run_id']} {summary['status']}: " + ", ".join(f"{k}={summary[k]}" for k in keys))


@app.command()
def extract(files: List[Path] = typer.Argument(..., help="raw files (HTML, Markdown, text dumps)")) -> None:
    """Print one JSON object per file: the record, or {"source_file", "reject": {stage, reason}}. No lake."""
    from transforms import Reject
    from transforms import extract as extract_record
    out = sys.stdout
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            obj = {"source_file": str(path), "reject": {"stage": "read", "reason": f"cannot read the file: {exc.strerror or exc}"}}
        else:
            rec = extract_record(raw, str(path))
            obj = ({"source_file": str(path), "reject": {"stage": rec.stage, "reason": rec.reason}}
                   if isinstance(rec, Reject) else rec)
        out.write(json.dumps(obj, ensure_ascii=False, default=_jsonable) + "\n")


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(query: str = typer.Argument(..., help="SQL over the views articles, rejects, runs, ledger"),
        lake: Optional[str] = LakeOpt,
        fmt: Format = typer.Option(Format.table, "--format", help="table, csv, or json (one object per line)")) -> None:
    """Query the lake with DuckDB SQL."""
    import duckdb

    from flows.config import lake_url
    from flows.sql import connect
    try:
        con = connect(lake_url(lake))
        rel = con.sql(query)
    except duckdb.Error as exc:
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
