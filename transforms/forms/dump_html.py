"""A text or Markdown dump made minimal HTML, so that trafilatura can give its opinion on it.

Markdown is rendered by markdown-it (CommonMark, front matter already cut); a text dump becomes one
``<p>`` per non-empty line. This is also how ``benchmarks.extraction`` runs plain trafilatura on a dump.
"""
from __future__ import annotations

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_html(body: str) -> str:
    return _MD.render(body)


def text_html(text: str) -> str:
    return "<html><body>" + "".join(f"<p>{_esc(ln)}</p>" for ln in text.splitlines() if ln.strip()) + "</body></html>"
