"""The Prefect artifact each run publishes: counts by site and rejects by reason."""
from __future__ import annotations


def run_markdown(summary) -> str:
    row = summary.as_row()
    lines = [f"# cleanlake {summary.flow} run `{summary.run_id}`", "",
             "| files seen | new | changed | unchanged | reprocessed | articles | rejects |",
             "|---|---|---|---|---|---|---|",
             f"| {row['files_seen']} | {row['files_new']} | {row['files_changed']} | {row['files_unchanged']} | "
             f"{row['files_reprocessed']} | {row['articles_written']} | {row['rejects_written']} |", "",
             "## Articles by site", "", "| site | articles |", "|---|---|"]
    lines += [f"| {site} | {n} |" for site, n in summary.by_site.most_common()] or ["| (none) | 0 |"]
    lines += ["", "## Rejects by reason", "", "| reason | files |", "|---|---|"]
    lines += [f"| {reason.replace('|', '/')} | {n} |" for reason, n in summary.by_reason.most_common()] or ["| (none) | 0 |"]
    return "\n".join(lines) + "\n"


def publish_run_artifact(summary) -> None:
    from prefect.artifacts import create_markdown_artifact
    create_markdown_artifact(markdown=run_markdown(summary), key=f"cleanlake-{summary.flow}",
                             description=f"cleanlake {summary.flow} run {summary.run_id}")
