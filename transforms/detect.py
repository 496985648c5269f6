"""Which raw form a decoded file is: html, markdown+front_matter, markdown or text."""
from __future__ import annotations

import re

RAW_FORMATS = ("html", "markdown+front_matter", "markdown", "text")

_HTML = re.compile(r"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I | re.S)
_HTML_TAGS = re.compile(r"<(?:div|p|span|a|table|script|meta|title|br)\b[^>]*>", re.I)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
# Markdown syntax that plain text dumps do not have: headings, links/images, emphasis, lists, quotes, fences.
_MD_SIGNS = re.compile(r"^(?:#{1,6}\s|>\s|[-*+]\s|\d+\.\s|```)|\]\(|\*\*[^*\n]+\*\*", re.M)


def detect_form(text: str) -> str:
    head = text[:8192]
    if _HTML.search(head) or len(_HTML_TAGS.findall(head)) >= 5:
        return "html"
    if _FRONT_MATTER.match(text):
        return "markdown+front_matter"
    lines = [ln for ln in text[:20000].splitlines() if ln.strip()]
    if lines and len(_MD_SIGNS.findall(text[:20000])) >= max(2, len(lines) // 50):
        return "markdown"
    return "text"
