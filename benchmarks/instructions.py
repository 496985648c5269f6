"""CPU per page as instructions: ``transforms.extract`` under valgrind, a figure that does not drift.

    python -m benchmarks.instructions                      # this checkout
    python -m benchmarks.instructions --against /tmp/base  # and another checkout (git worktree add /tmp/base REV)

A shared virtual machine's timings drift by tens of percent within minutes (``benchmarks.throughput``
alternates runs to live with that); an instruction count does not. Each side runs twice under
``valgrind --tool=callgrind``: once with only the warm-up (five pages and the language model loaded),
once with every ``--step``-th page of the ``benchmarks.throughput`` corpus too (the xmu_news_zh and
cleaneval_zh HTML pages, or the shipped sample); the difference over the pages is the figure. Start-up,
imports and lazily loaded models cancel. Needs valgrind (Debian: ``apt install valgrind``); ~2 minutes a
side with the default step.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.throughput import ROOT, source_pages

_CHILD = """
import sys
from transforms import extract
from transforms.metadata.lang import detect_lang
pages = [l.rstrip("\\n") for l in open(sys.argv[1], encoding="utf-8")]
raws = [(p, open(p, "rb").read()) for p in pages]
for p, r in raws[:5]:
    extract(r, p)
detect_lang("A plain English sentence, so that the language model is loaded before counting starts.")
if sys.argv[2] == "1":
    for p, r in raws[5:]:
        extract(r, p)
"""


def instructions(checkout: Path, listing: Path, full: bool) -> int:
    """Instructions (callgrind's ``Collected``) of one child run importing ``transforms`` from ``checkout``."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "child.py"
        script.write_text(_CHILD, "utf-8")
        env = dict(os.environ, PYTHONPATH=str(checkout))
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable, str(script),
             str(listing), "1" if full else "0"], env=env, capture_output=True, text=True, check=True)
    m = re.search(r"Collected\s*:\s*([\d,]+)", out.stderr)
    if not m:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(m.group(1).replace(",", ""))


def per_page(checkout: Path, pages: list[Path]) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(map(str, pages)))
        listing = Path(fh.name)
    try:
        return (instructions(checkout, listing, True) - instructions(checkout, listing, False)) / (len(pages) - 5)
    finally:
        listing.unlink()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--step", type=int, default=5, help="every N-th page of the corpus (default 5)")
    ap.add_argument("--against", type=Path, help="another checkout to count the same way")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt install valgrind)")
    all_pages = source_pages()
    pages = all_pages[:5] + all_pages[::args.step]
    print(f"{len(pages) - 5} pages (every {args.step}th of {len(all_pages)}), after 5 warm-up pages")
    here = per_page(ROOT, pages)
    print(f"{'this checkout':<40} {here / 1e6:8.1f} M instructions per page")
    if args.against:
        there = per_page(args.against.resolve(), pages)
        print(f"{str(args.against):<40} {there / 1e6:8.1f} M instructions per page")
        print(f"ratio {here / there:.3f}")


if __name__ == "__main__":
    main()
