"""Which raw form a decoded file is: html, markdown+front_matter, markdown or text.

HTML: a doctype/<html>/<head>/<body> start (scripts and comments may stand before it), or many tags.
Front matter: a first ``---`` line followed by a ``key: value`` line (a Markdown page that merely
starts with a horizontal rule is not front matter). Markdown: syntax a plain-text dump does not have:
links, a heading on the first line, two kinds of block syntax (headings, bold, fences, rules, table
separators), or one kind with several list items, quotes or hard-break line ends (html2text writes them).
"""
from __future__ import annotations

import heapq
import re

RAW_FORMATS = ("html", "markdown+front_matter", "markdown", "text")

# The page's start: doctype, <html>, <head> or <body> ...
_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
# ... after any run of comments, scripts and styles. A block may end at any later closing tag
# (``document.write("</script>")`` inside a script), so the prologue is scanned as a set of reachable
# positions, never by a backtracking regex: one ``(?:<script\b.*?</script>\s*)*`` took exponential
# time in the number of closing tags on a page whose prologue did not end in a doctype.
_PROLOGUE_OPEN = re.compile(r"<!--|<script\b|<style\b", re.I)
_PROLOGUE_CLOSE = re.compile(r"-->|</script>|</style>", re.I)
_KIND = {"<!--": "-->", "<script": "</script>", "<style": "</style>"}
_SPACE = re.compile(r"\s*")
_HTML_TAGS = re.compile(r"<(?:div|p|span|a|table|script|meta|title|br)\b[^<>]{0,2000}>", re.I)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|\r?\n)")
_MD_LINK = re.compile(r"\]\([^)\s]*\)?")
# Kinds of block syntax; a dump may show one of them by accident (a "------" line), rarely two.
_MD_KINDS = {
    "heading": re.compile(r"^#{1,6}[ \t]+\S", re.M),
    "bold": re.compile(r"\*\*[^*\n]+\*\*"),
    "fence": re.compile(r"^```", re.M),
    "rule": re.compile(r"^[ \t]*(?:\* \* \*|\*\*\*|-{3,5})[ \t]*$", re.M),
    "table": re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*\|", re.M),
}
_MD_WEAK = re.compile(r"^[ \t]*[-*+][ \t]+\S|^>[ \t]?[^>\s]|\S {2,}$", re.M)
_FIRST_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+\S")
_SAMPLE = 20000


def starts_as_html(head: str) -> bool:
    """``head`` opens with doctype/<html>/<head>/<body>, after whitespace and any comments, scripts
    and styles."""
    return prologue_end(head, _HTML_START, empty_ok=True) is not None


def prologue_end(text: str, start: re.Pattern, empty_ok: bool = False) -> int | None:
    """Where ``start`` matches after leading whitespace and a run of comments, scripts and styles
    (each with the whitespace after it; an empty run only if ``empty_ok``): the first such place, or None.

    The same language as ``\\A\\s*(?:<!--.*?-->\\s*|<script\\b.*?</script>\\s*|<style\\b.*?</style>\\s*)*``
    followed by ``start``, but linear: a block may end at any later closing tag of its kind, so the
    run is scanned as a set of reachable positions, each closing tag looked at once.
    """
    first = _SPACE.match(text).end()
    if empty_ok and start.match(text, first):
        return first
    if not _PROLOGUE_OPEN.match(text, first):
        return None
    armed: dict[str, int] = {}      # closing tag -> the earliest position it may close a block from
    _open(text, first, armed)
    reach: list[int] = []           # a heap of positions after a block
    for close in _PROLOGUE_CLOSE.finditer(text, first):
        while reach and reach[0] <= close.start():
            q = heapq.heappop(reach)
            if start.match(text, q):
                return q
            _open(text, q, armed)
        tag = close.group().lower()
        if tag in armed and close.start() >= armed[tag]:
            heapq.heappush(reach, _SPACE.match(text, close.end()).end())
    return min((q for q in reach if start.match(text, q)), default=None)


def _open(text: str, pos: int, armed: dict[str, int]) -> None:
    """A block opens at ``pos``: from its end on, its closing tag may close it."""
    m = _PROLOGUE_OPEN.match(text, pos)
    if m:
        closer = _KIND[m.group().lower()]
        armed[closer] = min(armed.get(closer, m.end()), m.end())


def detect_form(text: str) -> str:
    head = text[:65536]
    if starts_as_html(head) or _enough_tags(head[:8192], 5):
        return "html"
    if _FRONT_MATTER.match(text):
        return "markdown+front_matter"
    sample = text[:_SAMPLE]
    if len(_MD_LINK.findall(sample)) >= 2 or _FIRST_HEADING.match(sample):
        return "markdown"
    kinds = sum(1 for rx in _MD_KINDS.values() if rx.search(sample))
    weak = len(_MD_WEAK.findall(sample))
    if kinds >= 2 or (kinds >= 1 and weak >= 3):
        return "markdown"
    return "text"


def _enough_tags(head: str, n: int) -> bool:
    return any(i >= n - 1 for i, _ in enumerate(_HTML_TAGS.finditer(head)))
