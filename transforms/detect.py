"""Which raw form a decoded file is: html, markdown+front_matter, markdown or text.

HTML: a doctype/<html>/<head>/<body> start (scripts and comments may stand before it), or many tags.
Front matter: a first ``---`` line followed by a ``key: value`` line (a Markdown page that merely
starts with a horizontal rule is not front matter). Markdown: syntax a plain-text dump does not have:
links, a heading on the first line, two kinds of block syntax (headings, bold, fences, rules, table
separators), or one kind with several list items, quotes or hard-break line ends (html2text writes them).
"""
from __future__ import annotations

import re

RAW_FORMATS = ("html", "markdown+front_matter", "markdown", "text")

_HTML = re.compile(
    r"^\s*(?:<!--.*?-->\s*|<script\b.*?</script>\s*|<style\b.*?</style>\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
    re.I | re.S,
)
_HTML_TAGS = re.compile(r"<(?:div|p|span|a|table|script|meta|title|br)\b[^>]*>", re.I)
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


def detect_form(text: str) -> str:
    head = text[:65536]
    if _HTML.search(head) or len(_HTML_TAGS.findall(head[:8192])) >= 5:
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
