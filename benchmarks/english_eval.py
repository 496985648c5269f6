"""English pages: cleanlake's ``extract`` next to trafilatura's precision preset, per raw form.

    python -m benchmarks.english_eval                 # table per form + pages where cleanlake is worse
    python -m benchmarks.english_eval --show en-04    # also what cleanlake kept/dropped on matching pages

Pages, their three raw forms and the hand-written gold are in ``benchmarks/english/`` (see
``benchmarks/english/make_forms.py``). The bar (issue 3) is trafilatura with ``favor_precision=True``,
fed the same way as the dev-set baseline: HTML directly, a text dump as one ``<p>`` per line, Markdown
rendered to HTML with markdown-it-py first. Scores use the shared scorer's ``prf`` (4-token shingles)
when ``../shared/tools/score_extraction.py`` exists, else an identical local copy, so the benchmark also
runs in a clone without ``../shared``. ``run()`` returns the numbers for tests.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "english"
FORMS = ("html", "text", "markdown")
SUFFIX = {"html": ".html", "text": ".txt", "markdown": ".md"}
SHARED_SCORER = HERE.parent.parent / "shared" / "tools" / "score_extraction.py"


# --- scoring -------------------------------------------------------------------------------------
# Same method as ../shared/tools/score_extraction.py (copied so the benchmark runs without ../shared).
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9]+")
_SHINGLE = 4


def _tokens(text):
    toks = [t.lower() for t in _TOKEN.findall(text or "")]
    if len(toks) < _SHINGLE:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + _SHINGLE]) for i in range(len(toks) - _SHINGLE + 1))


def _local_prf(gold, pred):
    g, p = _tokens(gold), _tokens(pred)
    shared = sum((g & p).values())
    gp, pp = sum(g.values()), sum(p.values())
    precision = shared / pp if pp else (1.0 if not gp else 0.0)
    recall = shared / gp if gp else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, shared, gp, pp


def load_prf():
    """``prf`` from the shared scorer when it is there, else the local copy. Returns (prf, source)."""
    if SHARED_SCORER.exists():
        spec = importlib.util.spec_from_file_location("score_extraction", SHARED_SCORER)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.prf, str(SHARED_SCORER)
    return _local_prf, "local copy of the shared scorer"


# --- extractors ----------------------------------------------------------------------------------
def to_html(raw: bytes, form: str) -> str:
    """The input trafilatura gets for a raw form (as in benchmarks/extraction.py, the dev-set baseline)."""
    from markdown_it import MarkdownIt

    from transforms.decode import decode
    from transforms.frontmatter import split_front_matter
    from transforms.options import DEFAULT_OPTIONS

    text, _ = decode(raw, DEFAULT_OPTIONS)
    if form == "markdown":
        _, body, _ = split_front_matter(text)
        return MarkdownIt("commonmark").render(body)
    if form == "text":
        esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
        return "<html><body>" + "".join(f"<p>{esc(ln)}</p>" for ln in text.splitlines() if ln.strip()) + "</body></html>"
    return text


def trafilatura_precision(raw: bytes, form: str) -> str:
    import trafilatura

    return trafilatura.extract(to_html(raw, form), favor_precision=True) or ""


def cleanlake(raw: bytes, source_file: str) -> dict:
    """cleanlake's record; a ``Reject`` becomes an empty record (F1 0)."""
    from transforms import Reject, extract

    rec = extract(raw, source_file)
    return {"text": "", "title": None} if isinstance(rec, Reject) else rec


# --- run -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    name: str
    form: str
    f1: float            # cleanlake
    precision: float
    recall: float
    bar_f1: float        # trafilatura favor_precision=True
    bar_precision: float
    bar_recall: float
    text: str = field(repr=False, default="")
    bar_text: str = field(repr=False, default="")
    title: str | None = None      # cleanlake's title (trafilatura's is not compared)
    title_ok: bool = False        # equals the gold title


@dataclass(frozen=True)
class FormResult:
    form: str
    pages: tuple[Page, ...]

    @property
    def docs(self) -> int:
        return len(self.pages)

    def _mean(self, attr: str) -> float:
        return sum(getattr(p, attr) for p in self.pages) / len(self.pages) if self.pages else 0.0

    @property
    def titles_ok(self) -> int:
        return sum(p.title_ok for p in self.pages)

    @property
    def f1(self) -> float:
        return self._mean("f1")

    @property
    def bar_f1(self) -> float:
        return self._mean("bar_f1")

    @property
    def precision(self) -> float:
        return self._mean("precision")

    @property
    def recall(self) -> float:
        return self._mean("recall")

    @property
    def bar_precision(self) -> float:
        return self._mean("bar_precision")

    @property
    def bar_recall(self) -> float:
        return self._mean("bar_recall")

    def worse(self, margin: float = 0.0) -> list[Page]:
        """Pages where cleanlake's F1 is below the bar's by more than ``margin``, worst first."""
        return sorted((p for p in self.pages if p.f1 < p.bar_f1 - margin), key=lambda p: p.f1 - p.bar_f1)


def load_gold(pages: Path = PAGES) -> dict[str, dict]:
    out = {}
    for line in (pages / "gold.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["source_file"]] = rec
    return out


def run(pages: Path = PAGES, forms: tuple[str, ...] = FORMS) -> dict[str, FormResult]:
    """{form: FormResult} over every page in ``gold.jsonl``; a page missing in a form counts as F1 0."""
    prf, _ = load_prf()
    gold = load_gold(pages)
    out = {}
    for form in forms:
        rows = []
        for name, g in gold.items():
            path = pages / form / f"{name}{SUFFIX[form]}"
            raw = path.read_bytes() if path.exists() else b""
            rec = cleanlake(raw, path.name) if raw else {"text": "", "title": None}
            ours = rec.get("text") or ""
            bar = trafilatura_precision(raw, form) if raw else ""
            P, R, F, *_ = prf(g["text"], ours)
            bP, bR, bF, *_ = prf(g["text"], bar)
            title = rec.get("title")
            rows.append(Page(name, form, F, P, R, bF, bP, bR, ours, bar, title,
                             (title or "").strip() == (g.get("title") or "").strip()))
        out[form] = FormResult(form, tuple(rows))
    return out


# --- report --------------------------------------------------------------------------------------
def format_report(results: dict[str, FormResult], margin: float = 0.0) -> str:
    lines = [f"{'form':<9} {'docs':>4}  {'cleanlake F1':>12} {'(P / R)':>13}   {'traf. precision F1':>18} {'(P / R)':>13}   {'diff':>6}  {'titles':>6}"]
    for r in results.values():
        lines.append(f"{r.form:<9} {r.docs:>4}  {r.f1:>12.3f} ({r.precision:.3f}/{r.recall:.3f})   "
                     f"{r.bar_f1:>18.3f} ({r.bar_precision:.3f}/{r.bar_recall:.3f})   {r.f1 - r.bar_f1:>+6.3f}  {r.titles_ok:>3}/{r.docs:<2}")
    for r in results.values():
        worse = r.worse(margin)
        lines.append("")
        lines.append(f"[{r.form}] pages where cleanlake is worse than trafilatura precision: {len(worse)}")
        for p in worse:
            lines.append(f"  {p.name:<28} cleanlake F1 {p.f1:.3f} (P {p.precision:.3f} R {p.recall:.3f})"
                         f"   traf. precision F1 {p.bar_f1:.3f} (P {p.bar_precision:.3f} R {p.bar_recall:.3f})")
    return "\n".join(lines)


def explain(page: Page, gold_text: str) -> str:
    """Lines cleanlake kept that are not gold lines, and gold lines it lost (whole-line comparison)."""
    norm = lambda s: " ".join(s.split())  # noqa: E731
    gold_lines = [norm(x) for x in gold_text.splitlines() if x.strip()]
    pred_lines = [norm(x) for x in page.text.splitlines() if x.strip()]
    gset, pset = set(gold_lines), set(pred_lines)
    pred_blob = norm(page.text)
    out = [f"--- {page.name} [{page.form}] cleanlake F1 {page.f1:.3f} (P {page.precision:.3f} R {page.recall:.3f})"]
    if not page.title_ok:
        out.append(f"  ! title  {page.title!r}")
    out += [f"  + kept   {x[:110]}" for x in pred_lines if x not in gset]
    out += [f"  - lost   {x[:110]}" for x in gold_lines if x not in pset and x not in pred_blob]
    out += [f"  ~ merged {x[:110]}" for x in gold_lines if x not in pset and x in pred_blob]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", nargs="*", metavar="PAGE", help="explain cleanlake's output on pages whose name starts with PAGE (none given: every worse page)")
    a = ap.parse_args(argv)
    results = run()
    _, source = load_prf()
    print(f"English pages: {PAGES} (scorer: {source})")
    print(format_report(results))
    print("(titles: cleanlake's title equal to the gold title)")
    if a.show is not None:
        gold = load_gold()
        print()
        for r in results.values():
            pages = [p for p in r.pages if any(p.name.startswith(s) for s in a.show)] if a.show else r.worse()
            for p in pages:
                print(explain(p, gold[p.name]["text"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
