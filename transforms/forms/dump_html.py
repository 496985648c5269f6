"""A text or Markdown dump made minimal HTML, so that trafilatura can give its opinion on it.

Markdown is rendered by markdown-it (CommonMark, front matter already cut); a text dump becomes one
``<p>`` per non-empty line. This is also how ``benchmarks.extraction`` runs plain trafilatura on a dump.
"""
from __future__ import annotations

from markdown_it import MarkdownIt

from transforms.forms.markdown import normalize_link

_MD = MarkdownIt("commonmark")
_MD.normalizeLink = normalize_link   # (the same links as the job's own parse: normalised once)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_html(body: str, tokens: list | None = None) -> str:
    """``body`` rendered by CommonMark. ``tokens``: the job's own parse of it
    (``transforms.forms.markdown.tokenize``, CommonMark with GFM tables), rendered as they are when
    they hold no table (the two parsers then give the same tokens), else ``body`` is parsed again."""
    if tokens is not None and not any(t.type == "table_open" for t in tokens):
        return _MD.renderer.render(tokens, _MD.options, {})
    return _MD.render(body)


def text_html(text: str) -> str:
    return "<html><body>" + "".join(f"<p>{_esc(ln)}</p>" for ln in text.splitlines() if ln.strip()) + "</body></html>"
