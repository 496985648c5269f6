"""The Prefect artifact each run publishes: counts, articles by site, rejects by reason, and the
rejected files themselves (the first ``REJECTS_LISTED``, then a count)."""
from __future__ import annotations


def _cell(value) -> str:
    return str(value).replace("|", "/").replace("\n", " ")


def run_markdown(summary) -> str:
    from flows.ingest import REJECTS_LISTED
    row = summary.as_row()
    lines = [f"# cleanlake {summary.flow} run `{summary.run_id}`", ""]
    if summary.flow_run_id:
        lines += [f"Prefect flow run `{summary.flow_run_id}`; lake `{summary.lake}`", ""]
    lines += ["| files seen | new | changed | unchanged | reprocessed | articles | rejects |",
              "|---|---|---|---|---|---|---|",
              f"| {row['files_seen']} | {row['files_new']} | {row['files_changed']} | {row['files_unchanged']} | "
              f"{row['files_reprocessed']} | {row['articles_written']} | {row['rejects_written']} |", "",
              "## Articles by site", "", "| site | articles |", "|---|---|"]
    lines += [f"| {site} | {n} |" for site, n in summary.by_site.most_common()] or ["| (none) | 0 |"]
    lines += ["", "## Rejects by reason", "", "| reason | files |", "|---|---|"]
    lines += [f"| {_cell(reason)} | {n} |" for reason, n in summary.by_reason.most_common()] or ["| (none) | 0 |"]
    n_rejects = row["rejects_written"]
    if n_rejects:
        lines += ["", "## Rejected files", "", "| file | stage | reason |", "|---|---|---|"]
        lines += [f"| `{_cell(sf)}` | {stage} | {_cell(reason[:200])} |" for sf, stage, reason in summary.rejected]
        if n_rejects > len(summary.rejected):
            lines += ["", f"... and {n_rejects - len(summary.rejected)} more (first {REJECTS_LISTED} listed; "
                          f"`cleanlake sql \"SELECT source_file, stage, reason FROM rejects\"` has them all)"]
    return "\n".join(lines) + "\n"


def publish_run_artifact(summary) -> None:
    from prefect.artifacts import create_markdown_artifact
    create_markdown_artifact(markdown=run_markdown(summary), key=f"cleanlake-{summary.flow}",
                             description=f"cleanlake {summary.flow} run {summary.run_id}")
