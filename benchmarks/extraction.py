"""Extraction quality: cleanlake's ``extract`` next to plain trafilatura, per set and raw form.

    python -m benchmarks.extraction ../shared/devset      # every set under the dev set
    python -m benchmarks.extraction ../shared/seeds       # the seeds, scored against ../shared/gold/seeds.jsonl

Scores come from the shared scorer (``<shared>/tools/score_extraction.py``, 4-token shingles); both
extractors run in the same process pool over the same files, so the two columns are comparable.
``run(path)`` returns the numbers for tests.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

FORM_DIRS = ("html", "text", "markdown")


@dataclass(frozen=True)
class Row:
    set: str
    form: str
    docs: int
    f1: float          # cleanlake mean F1
    baseline_f1: float  # plain trafilatura mean F1
    leaks: int | None = None          # must_not_contain strings that survived (seeds only)
    baseline_leaks: int | None = None
    seconds: float = 0.0              # cleanlake wall time, summed over files
    baseline_seconds: float = 0.0     # trafilatura wall time (decode + extract), summed over files


def load_scorer(shared: Path):
    path = shared / "tools" / "score_extraction.py"
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _shared_of(path: Path) -> Path:
    for p in (path, *path.parents):
        if (p / "tools" / "score_extraction.py").exists():
            return p
    raise FileNotFoundError(f"no tools/score_extraction.py above {path}")


def baseline_text(raw: bytes, form: str) -> str:
    """Plain trafilatura with default options, as the gold README describes it."""
    import trafilatura
    from markdown_it import MarkdownIt

    from transforms.decode import decode
    from transforms.detect import detect_form
    from transforms.frontmatter import split_front_matter
    from transforms.options import DEFAULT_OPTIONS

    text, _ = decode(raw, DEFAULT_OPTIONS)
    if form == "markdown":
        body = split_front_matter(text)[1] if detect_form(text) == "markdown+front_matter" else text
        html = MarkdownIt("commonmark").render(body)
    elif form == "text":
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
        html = "<html><body>" + "".join(f"<p>{esc(ln)}</p>" for ln in text.splitlines() if ln.strip()) + "</body></html>"
    else:
        html = text
    return trafilatura.extract(html) or ""


def _one(args: tuple[str, str, bool]) -> tuple[str, dict, str, float, float]:
    from transforms.record import extract
    from transforms.types import Reject

    path, form, with_baseline = args
    raw = Path(path).read_bytes()
    t0 = time.perf_counter()
    rec = extract(raw, Path(path).name)
    dt = time.perf_counter() - t0
    if isinstance(rec, Reject):
        rec = {"source_file": Path(path).name, "text": ""}
    t0 = time.perf_counter()
    btext = baseline_text(raw, form) if with_baseline else ""
    return path, rec, btext, dt, time.perf_counter() - t0


def _warm_up() -> None:
    """Pay one-time setup (imports, the language model) before timing pages."""
    from transforms.record import extract

    extract(b"Warm up the worker process with a short English paragraph, long enough for the language model.", "warm-up.txt")


def _jobs(path: Path) -> list[tuple[str, str, Path, list[tuple[str, str]]]]:
    """(set name, form, gold file, [(file, form)]) for a dev-set dir, one set, or the seeds dir."""
    path = path.resolve()
    if (path / "gold.jsonl").exists():
        out = []
        for form in FORM_DIRS:
            d = path / form
            if d.is_dir():
                files = sorted(str(f) for f in d.iterdir() if f.is_file())
                out.append((path.name, form, path / "gold.jsonl", [(f, form) for f in files]))
        return out
    seeds_gold = path.parent / "gold" / f"{path.name}.jsonl"
    if seeds_gold.exists():
        files = sorted(str(f) for f in path.iterdir() if f.is_file())
        gold = {json.loads(ln)["source_file"]: json.loads(ln) for ln in seeds_gold.read_text("utf-8").splitlines() if ln.strip()}
        jobs = []
        for f in files:
            fmt = gold.get(Path(f).name, {}).get("raw_format", "text")
            jobs.append((f, "text" if fmt == "text" else "markdown"))
        return [(path.name, "mixed", seeds_gold, jobs)]
    out = []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        out.extend(_jobs(sub))
    return out


def _score(scorer, gold: dict, preds: dict[str, dict]) -> tuple[float, int]:
    f1s, leaks = [], 0
    for key, g in gold.items():
        p = preds.get(key, {})
        f1s.append(scorer.prf(g.get("text"), p.get("text"))[2])
        leaks += sum(1 for bad in g.get("must_not_contain", []) if bad in (p.get("text") or ""))
    return (sum(f1s) / len(f1s) if f1s else 0.0), leaks


def run(path: str | Path, workers: int = 2, baseline: bool = True) -> list[Row]:
    """One ``Row`` per set and raw form; ``baseline=False`` skips trafilatura (its F1 is then NaN)."""
    path = Path(path)
    scorer = load_scorer(_shared_of(path.resolve()))
    rows = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_up) as pool:
        for set_name, form, gold_file, jobs in _jobs(path):
            gold = scorer.load(gold_file, "source_file")
            ours, base, secs, bsecs = {}, {}, 0.0, 0.0
            for file, rec, btext, dt, bdt in pool.map(_one, [(f, fm, baseline) for f, fm in jobs], chunksize=4):
                key = scorer.join_key(file)
                ours[key], base[key] = rec, {"text": btext}
                secs += dt
                bsecs += bdt
            gold = {k: v for k, v in gold.items() if k in ours}
            f1, leaks = _score(scorer, gold, ours)
            bf1, bleaks = _score(scorer, gold, base) if baseline else (float("nan"), None)
            has_leaks = any(g.get("must_not_contain") for g in gold.values())
            rows.append(Row(set_name, form, len(gold), f1, bf1, leaks if has_leaks else None,
                            bleaks if has_leaks else None, secs, bsecs))
    return rows


def format_table(rows: list[Row]) -> str:
    lines = [f"{'set':<14} {'form':<9} {'docs':>4}  {'cleanlake':>9}  {'trafilatura':>11}  {'leaks':>9}  {'pages/s':>15}"]
    for r in rows:
        leaks = f"{r.leaks}/{r.baseline_leaks}" if r.leaks is not None else "-"
        rate = f"{_rate(r.docs, r.seconds):.0f} / {_rate(r.docs, r.baseline_seconds):.0f}"
        lines.append(f"{r.set:<14} {r.form:<9} {r.docs:>4}  {r.f1:>9.3f}  {r.baseline_f1:>11.3f}  {leaks:>9}  {rate:>15}")
    return "\n".join(lines)


def _rate(docs: int, seconds: float) -> float:
    return docs / seconds if seconds else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="dev-set dir, one set dir, or the seeds dir")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    rows = [r for p in a.paths for r in run(p, a.workers)]
    print(format_table(rows))
    print("mean F1 per set and raw form; leaks and pages/s (per core): cleanlake / trafilatura")
    return 0


if __name__ == "__main__":
    sys.exit(main())
