"""Script neutrality: the same pages written in another script. Every Latin letter of a page's text
(its text nodes, the text fields of its JSON-LD and of the JSON a page preloads into a ``data-*``
attribute, which trafilatura reads on a forum, its title and description meta tags) and of its gold
is replaced by a letter of Cyrillic, Greek, Hangul or Arabic, one letter for one; markup, attributes,
URLs, digits, punctuation and white space are untouched. The structure, density, position and
repetition of every block stay as they were, so an extractor that decides by general signals scores
about the same; what it loses shows how much it leans on English words (a "Copyright" or "Share"
pattern, a stop-word list). Trafilatura runs on the same swapped pages.

    python -m benchmarks.script_swap ../shared/devset/wcxb_dev --every 3
    python -m benchmarks.script_swap ../shared/devset/wcxb_dev --scripts Cyrl,Hang

The swapped pages and gold are written once under ``/tmp/cleanlake-script-swap/<set>-<script>/``
(so trafilatura's cached outputs are reused on a rerun); the original pages are scored in the same
run. Program code in the page's text is swapped too (a real Russian page keeps its code in Latin
letters); both extractors see the same pages, so the comparison stays fair.

Hand-written (no library maps one alphabet onto another while leaving markup alone): an lxml walk
over text nodes and a ``str.translate`` table.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
from pathlib import Path

from benchmarks.extraction import _shared_of, format_table, run

ROOT = Path("/tmp/cleanlake-script-swap")
_LATIN = "abcdefghijklmnopqrstuvwxyz"
# Named by ISO 15924 code. One letter per Latin letter, a..z. Hangul and Arabic have no case: A and a map to the same letter.
ALPHABETS = {
    "Cyrl": "абцдефгхийклмнопярстувшжыз",
    "Grek": "αβψδεφγηιξκλμνοπϙρστθωςχυζ",
    "Hang": "가나다라마바사아자차카타파하거너더러머버서어저처커터",
    "Arab": "ابتثجحخدذرزسشصضطظعغفقكلمنه",
}
_META_TEXT = re.compile(r"title|description|author|site_name|keywords", re.I)
_GOLD_KEEP = frozenset(("source_file", "url", "page_type", "lang", "published_at"))


def table(script: str) -> dict[int, str]:
    """The ``str.translate`` table of a script: a..z and A..Z to its letters."""
    letters = ALPHABETS[script]
    out = {ord(a): b for a, b in zip(_LATIN, letters)}
    out.update({ord(a.upper()): b.upper() for a, b in zip(_LATIN, letters)})
    return out


def _swap_json(value, t: dict[int, str]):
    """JSON-LD with its text values swapped; keys, ``@`` values and URLs kept."""
    if isinstance(value, dict):
        return {k: (v if k.startswith("@") else _swap_json(v, t)) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_json(v, t) for v in value]
    if isinstance(value, str) and value[:1] in "{[" and len(value) > 1:
        try:   # JSON inside a JSON string (a forum's preloaded data): swapped as JSON
            return json.dumps(_swap_json(json.loads(value), t), ensure_ascii=False)
        except ValueError:
            pass
    if isinstance(value, str) and not value.startswith(("http://", "https://", "/")):
        return _swap_markup(value, t) if "<" in value else value.translate(t)
    return value


_TAG_OR_ENTITY = re.compile(r"(<[^<>]*>|&#?\w+;)")


def _swap_markup(value: str, t: dict[int, str]) -> str:
    """An HTML string (a JSON field holding a post's markup) with only its text swapped: tags and
    entities kept."""
    return "".join(p if i % 2 else p.translate(t) for i, p in enumerate(_TAG_OR_ENTITY.split(value)))


def _swap_attribute_json(el, t: dict[int, str]) -> None:
    """JSON carried in a ``data-*`` attribute (a forum's preloaded posts, which trafilatura reads) swapped
    like JSON-LD."""
    for k, v in el.attrib.items():
        if k.startswith("data-") and v[:1] in "{[" and len(v) > 1:
            try:
                el.set(k, json.dumps(_swap_json(json.loads(v), t), ensure_ascii=False))
            except ValueError:
                pass


def swap_html(raw: bytes, script: str) -> bytes:
    """The page with the Latin letters of its text in ``script``, as UTF-8 HTML with a charset meta."""
    import lxml.html

    from transforms.decode import decode
    from transforms.options import DEFAULT_OPTIONS

    t = table(script)
    html, _ = decode(raw, DEFAULT_OPTIONS)
    doc = lxml.html.document_fromstring(html)
    for el in list(doc.iter()):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "meta":
            if el.get("charset") is not None or (el.get("http-equiv") or "").lower() == "content-type":
                el.getparent().remove(el)   # the page is written back as UTF-8
                continue
            if _META_TEXT.search(el.get("name") or el.get("property") or "") and el.get("content"):
                el.set("content", _swap_json(el.get("content"), t))
        elif tag == "script" and (el.get("type") or "").lower() == "application/ld+json" and el.text:
            try:
                el.text = json.dumps(_swap_json(json.loads(el.text), t), ensure_ascii=False)
            except ValueError:
                pass
        elif tag and tag not in ("script", "style") and el.text:
            el.text = el.text.translate(t)
        if tag:
            _swap_attribute_json(el, t)
        if el.tail:
            el.tail = el.tail.translate(t)
    head = doc.find("head")
    if head is None:
        head = lxml.html.Element("head")
        doc.insert(0, head)
    head.insert(0, lxml.html.Element("meta", charset="utf-8"))
    return b"<!DOCTYPE html>\n" + lxml.html.tostring(doc, encoding="utf-8")


def swap_gold(gold: dict, script: str) -> dict:
    """A gold record with its text fields (text, title, author, snippets) swapped like the page."""
    t = table(script)
    out = {}
    for k, v in gold.items():
        if k in _GOLD_KEEP or v is None:
            out[k] = v
        elif isinstance(v, str):
            out[k] = v.translate(t)
        elif isinstance(v, list):
            out[k] = [x.translate(t) if isinstance(x, str) else x for x in v]
        else:
            out[k] = v
    return out


def make_set(set_dir: Path, script: str, every: int = 1) -> Path:
    """``ROOT/<set>-<script>`` holding the swapped ``gold.jsonl`` and ``html/<page>.html`` for every
    ``every``-th page of the set's HTML."""
    out = ROOT / f"{set_dir.name}-{script}"
    (out / "html").mkdir(parents=True, exist_ok=True)
    tools = ROOT / "tools"
    if not tools.exists():
        tools.symlink_to(_shared_of(set_dir) / "tools")
    gold = out / "gold.jsonl"
    if not gold.exists():
        lines = [json.dumps(swap_gold(json.loads(ln), script))   # ASCII: no raw U+2028 for splitlines
                 for ln in (set_dir / "gold.jsonl").read_text("utf-8").split("\n") if ln.strip()]
        tmp = gold.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", "utf-8")
        os.replace(tmp, gold)
    for p in sorted((set_dir / "html").iterdir())[::every]:
        key = re.sub(r"\.(html\.gz|html|htm)$", "", p.name)
        target = out / "html" / f"{key}.html"
        if not target.exists():
            raw = p.read_bytes()
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(swap_html(gzip.decompress(raw) if p.name.endswith(".gz") else raw, script))
            os.replace(tmp, target)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set_dir", type=Path, help="one dev set with html/ and gold.jsonl")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scripts", default=",".join(ALPHABETS))
    args = ap.parse_args(argv)
    set_dir = args.set_dir.resolve()
    rows = run(set_dir, workers=args.workers, every=args.every, forms=("html",))
    base = {r.page_type: r for r in rows}
    summary = []
    for script in args.scripts.split(","):
        swapped = run(make_set(set_dir, script, args.every), workers=args.workers, forms=("html",))
        rows += swapped
        r, b = next(x for x in swapped if not x.page_type), base[""]
        summary.append(f"{script:<5} word F1 cleanlake {r.word_f1:.3f} ({r.word_f1 - b.word_f1:+.3f} vs Latin), "
                       f"trafilatura {r.baseline_word_f1:.3f} ({r.baseline_word_f1 - b.baseline_word_f1:+.3f}); "
                       f"shingle F1 cleanlake {r.f1:.3f} ({r.f1 - b.f1:+.3f}), trafilatura {r.baseline_f1:.3f} "
                       f"({r.baseline_f1 - b.baseline_f1:+.3f})")
    print(format_table(rows))
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
