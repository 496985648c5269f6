"""Extraction on dumps made the way scraping tools make them, scored like any other form, next to
plain trafilatura over the same dump made HTML:

- ``markdownify``: ``markdownify.markdownify(html, heading_style="ATX")``, what scrapers built on
  it land (form ``markdown``);
- ``innertext``: the page's ``document.body.innerText`` as a browser computes it without CSS
  (form ``text``; ``innertext_dump``): there is no browser here, so the HTML standard's rendering
  rules are applied by hand to the DOM (hidden elements skipped, a line break around every block,
  two around a paragraph, a tab between table cells, white space collapsed). Style sheets are not
  read, so elements hidden only by CSS stay in the dump (a real browser drops them).

    pip install markdownify
    python -m benchmarks.tool_dumps ../shared/devset                      # markdownify, every set
    python -m benchmarks.tool_dumps ../shared/devset --tool innertext --every 2

The dumps are written once under ``/tmp/cleanlake-tool-dumps/<set>/{markdown,text}/`` (with the
set's gold and a link to the shared scorer), so trafilatura's cached outputs are reused on a rerun.
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


# innerText: elements that are not rendered (display: none in the UA style sheet; noscript with
# scripting on), elements that are blocks (one required line break before and after), and the two
# that are paragraphs (two). https://html.spec.whatwg.org/multipage/dom.html#the-innertext-idl-attribute
_HIDDEN = frozenset("head script style noscript template title meta link base area datalist param source track "
                    "dialog iframe object embed input select textarea button map audio video canvas".split())
_BLOCK = frozenset("address article aside blockquote body center dd details dir div dl dt fieldset figcaption figure "
                   "footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li listing main menu nav ol optgroup "
                   "option plaintext pre search section summary ul xmp caption table thead tbody tfoot".split())
_PARAGRAPH = frozenset(("p",))
_SPACE = re.compile(r"[ \t\n\r\f]+")


def innertext_dump(raw: bytes) -> str:
    """The body's ``innerText`` without CSS: each text run with its white space collapsed, ``<br>`` a
    line break, a block one required line break on each side, ``<p>`` two, a table cell followed by
    a tab, a row by a line break; runs of required breaks become the largest of them."""
    from transforms.decode import decode
    from transforms.forms.html import parse_html
    from transforms.options import DEFAULT_OPTIONS

    html, _ = decode(raw, DEFAULT_OPTIONS)
    root = parse_html(html)
    if root is None:
        return ""
    body = root.find(".//body")
    items: list = []   # strings, and ints: required line breaks

    def hidden(el) -> bool:
        style = (el.get("style") or "").replace(" ", "").lower()
        return el.tag in _HIDDEN or el.get("hidden") is not None or "display:none" in style

    def walk(el, pre: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or hidden(el):
            return
        pre = pre or tag in ("pre", "textarea", "listing", "xmp", "plaintext")
        if tag == "br":
            items.append("\n")
            return
        breaks = 2 if tag in _PARAGRAPH else (1 if tag in _BLOCK or tag == "tr" else 0)
        if breaks:
            items.append(breaks)
        if el.text:
            items.append(el.text if pre else _SPACE.sub(" ", el.text))
        for child in el:
            walk(child, pre)
            if child.tail:
                items.append(child.tail if pre else _SPACE.sub(" ", child.tail))
        if tag in ("td", "th") and el.getnext() is not None:
            items.append("\t")
        if breaks:
            items.append(breaks)

    walk(body if body is not None else root, False)
    out: list[str] = []
    pending = 0
    for it in items:
        if isinstance(it, int):
            pending = max(pending, it)
            continue
        if not it.strip(" ") and (pending or not out or out[-1].endswith("\n")):
            continue   # collapsible white space at the start of a line is not rendered
        if pending and out:
            out.append("\n" * pending)
        pending = 0
        out.append(it)
    lines = [ln.strip(" ") for ln in "".join(out).split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


TOOLS = {"markdownify": ("markdown", ".md", markdownify_dump), "innertext": ("text", ".txt", innertext_dump)}


def make_dumps(set_dir: Path, every: int = 1, tool: str = "markdownify") -> Path:
    """``ROOT/<set>`` holding ``gold.jsonl`` and ``<form>/<page><suffix>`` (the tool's dump) for
    every ``every``-th page."""
    form, suffix, dump = TOOLS[tool]
    out = ROOT / set_dir.name
    (out / form).mkdir(parents=True, exist_ok=True)
    tools = ROOT / "tools"
    if not tools.exists():
        tools.symlink_to(_shared_of(set_dir) / "tools")
    gold = out / "gold.jsonl"
    if not gold.exists():
        gold.symlink_to(set_dir / "gold.jsonl")
    for p in sorted((set_dir / "html").iterdir())[::every]:
        key = re.sub(r"\.(html\.gz|html|htm)$", "", p.name)
        target = out / form / f"{key}{suffix}"
        if not target.exists():
            raw = p.read_bytes()
            raw = gzip.decompress(raw) if p.name.endswith(".gz") else raw
            tmp = target.with_suffix(".tmp")
            tmp.write_text(dump(raw), "utf-8")
            os.replace(tmp, target)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("devset", type=Path)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tool", choices=sorted(TOOLS), default="markdownify")
    args = ap.parse_args(argv)
    form = TOOLS[args.tool][0]
    rows = []
    for set_dir in sorted(p for p in args.devset.resolve().iterdir() if (p / "gold.jsonl").exists() and (p / "html").is_dir()):
        dumps = make_dumps(set_dir, args.every, args.tool)
        rows += run(dumps, workers=args.workers, forms=(form,))
    print(f"{args.tool} dumps (form '{form}' below):")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
