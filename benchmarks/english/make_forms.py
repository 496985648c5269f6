"""Regenerate ``text/`` and ``markdown/`` from ``html/`` (the hand-written pages).

    .venv/bin/python -m benchmarks.english.make_forms     # needs beautifulsoup4 and markdownify

``text/<name>.txt`` is every visible line of the whole page, navigation, sidebars and footer included, the
way a browser's "save as text" or a scraper's text dump gives it: one line per block element or ``<br>``,
inline elements (links, bold, spans) kept on their line. ``markdown/<name>.md`` is the whole page through
markdownify (ATX headings, ``*`` bullets, links as ``[text](url)``). The outputs are committed, so the
benchmark itself needs neither library.
"""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

HERE = Path(__file__).resolve().parent

BLOCK = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "section", "table", "tbody", "td", "th", "thead", "tr", "ul", "button",
    "time", "textarea",
}
INVISIBLE = ("head", "script", "style", "noscript", "template", "iframe", "svg")


def _visible_soup(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(INVISIBLE):
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    return soup


def text_dump(html: str) -> str:
    soup = _visible_soup(html)
    parts: list[str] = []

    def walk(node):
        for child in node.children:
            if isinstance(child, NavigableString):
                parts.append(re.sub(r"\s+", " ", str(child)))
            elif isinstance(child, Tag):
                if child.name == "br":
                    parts.append("\n")
                    continue
                block = child.name in BLOCK
                if block:
                    parts.append("\n")
                walk(child)
                if block:
                    parts.append("\n")

    walk(soup.body or soup)
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in "".join(parts).split("\n"))
    return "\n".join(ln for ln in lines if ln) + "\n"


def markdown_dump(html: str) -> str:
    from markdownify import markdownify

    soup = _visible_soup(html)
    md = markdownify(str(soup.body or soup), heading_style="ATX", bullets="*", strip=["input", "button", "form"])
    md = re.sub(r"[ \t]+\n", "\n", md)
    md = re.sub(r"\n{3,}", "\n\n", md)
    return md.strip() + "\n"


def main() -> None:
    for page in sorted((HERE / "html").glob("*.html")):
        raw = page.read_bytes()
        enc = "iso-8859-1" if b"charset=iso-8859-1" in raw[:1024] else "utf-8"
        html = raw.decode(enc)
        (HERE / "text" / f"{page.stem}.txt").write_text(text_dump(html), encoding="utf-8")
        (HERE / "markdown" / f"{page.stem}.md").write_text(markdown_dump(html), encoding="utf-8")
        print(page.stem)


if __name__ == "__main__":
    main()
