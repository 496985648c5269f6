"""Extraction on dumps made by a real tool: each dev page's HTML turned into Markdown by markdownify
(``markdownify.markdownify(html, heading_style="ATX")``, what scrapers built on it land), then
scored like any other form, next to plain trafilatura over the same dump made HTML.

    pip install markdownify
    python -m benchmarks.tool_dumps ../shared/devset              # every set
    python -m benchmarks.tool_dumps ../shared/devset --every 4    # a fixed quarter of each set

The dumps are written once under ``/tmp/cleanlake-tool-dumps/<set>/markdown/`` (with the set's gold
and a link to the shared scorer), so trafilatura's cached outputs are reused on a rerun.
"""
from __future__ import annotations

import argparse
import gzip
import os
import re
from pathlib import Path

from benchmarks.extraction import _shared_of, format_table, run

ROOT = Path("/tmp/cleanlake-tool-dumps")


def markdownify_dump(raw: bytes) -> str:
    import markdownify

    from transforms.decode import decode
    from transforms.options import DEFAULT_OPTIONS

    html, _ = decode(raw, DEFAULT_OPTIONS)
    return markdownify.markdownify(html, heading_style="ATX")


def make_dumps(set_dir: Path, every: int = 1) -> Path:
    """``ROOT/<set>`` holding ``gold.jsonl`` and ``markdown/<page>.md`` for every ``every``-th page."""
    out = ROOT / set_dir.name
    (out / "markdown").mkdir(parents=True, exist_ok=True)
    tools = ROOT / "tools"
    if not tools.exists():
        tools.symlink_to(_shared_of(set_dir) / "tools")
    gold = out / "gold.jsonl"
    if not gold.exists():
        gold.symlink_to(set_dir / "gold.jsonl")
    for p in sorted((set_dir / "html").iterdir())[::every]:
        key = re.sub(r"\.(html\.gz|html|htm)$", "", p.name)
        target = out / "markdown" / f"{key}.md"
        if not target.exists():
            raw = p.read_bytes()
            raw = gzip.decompress(raw) if p.name.endswith(".gz") else raw
            tmp = target.with_suffix(".tmp")
            tmp.write_text(markdownify_dump(raw), "utf-8")
            os.replace(tmp, target)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("devset", type=Path)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    rows = []
    for set_dir in sorted(p for p in args.devset.resolve().iterdir() if (p / "gold.jsonl").exists() and (p / "html").is_dir()):
        dumps = make_dumps(set_dir, args.every)
        rows += run(dumps, workers=args.workers, forms=("markdown",))
    print("markdownify dumps (form 'markdown' below):")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
