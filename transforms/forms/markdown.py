"""Markdown (with or without front matter) -> blocks, from markdown-it tokens.

Each paragraph, heading, list item and table row becomes a block with the share of its text that is
link text; an image becomes an image block of its own (it splits the paragraph around it), and so
does every hard line break. Markdown syntax never reaches the text.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

from transforms.boilerplate.blocks import Block, Image
from transforms.forms.inline import InlineText
from transforms.forms.text import split_paragraphs

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
# A page's links are normalised (percent-encoding, punycode) once, not once per parser: the same
# function, memoised, serves this parser and the renderer of ``transforms.forms.dump_html``.
normalize_link = lru_cache(maxsize=8192)(_MD.normalizeLink)
_MD.normalizeLink = normalize_link
_TAG = re.compile(r"<[^<>]*>")  # not [^>]*: each of many unclosed "<" would scan to the end
_BR = re.compile(r"<br\s*/?>", re.I)
_PIPE = re.compile(r"(?<!\\)\|")
_LAYOUT_ROW_CHARS = 200   # a table row longer than this holds paragraphs (a layout table), not data


def _inline(children, kind: str, level: int, out: list[Block]) -> None:
    line, link_depth = InlineText(), 0

    def flush() -> None:
        b = line.take(kind, level)
        if b:
            out.append(b)

    for tok in children or ():
        t = tok.type
        if t == "text" or t == "code_inline":
            line.add(tok.content, link_depth > 0)
        elif t == "softbreak":
            line.add("\n")
        elif t == "hardbreak" or (t == "html_inline" and _BR.match(tok.content)):
            flush()
        elif t == "link_open":
            link_depth += 1
            line.links.append(tok.attrs.get("href", ""))
        elif t == "link_close":
            link_depth = max(0, link_depth - 1)
        elif t == "image":
            flush()
            alt = tok.content.strip()
            out.append(Block(alt, "image", image=Image(str(tok.attrs.get("src", "")), None), link_chars=len(alt)))
    flush()


def _row_cells(source_line: str) -> list[str]:
    """The cells of a pipe-table row as written: GFM keeps only as many cells as the header has,
    and a layout table flattened to Markdown often puts the whole article in an extra cell."""
    s = source_line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in _PIPE.split(s)]


def _row_blocks(row: list[Block]) -> list[Block]:
    """A data row (short cells) is one block; a layout row holding paragraphs keeps them apart."""
    cells = [b for b in row if b.image is None]
    text = " ".join(b.text for b in cells)
    images = [b for b in row if b.image is not None]
    if len(text) > _LAYOUT_ROW_CHARS:
        return row
    joined = [Block(text, "cell", 0, sum(b.link_chars for b in cells), tuple(x for b in cells for x in b.links))] if text else []
    return joined + images


def tokenize(text: str) -> list:
    """markdown-it's tokens of a Markdown page (CommonMark with GFM tables): ``parse_markdown`` reads
    them, and ``dump_html.markdown_html`` renders them for trafilatura (one parse, not two)."""
    return _MD.parse(text)


def parse_markdown(text: str, split_tokens: int | None = None, tokens: list | None = None) -> list[Block]:
    """Blocks of a Markdown page; a paragraph without links of at least ``split_tokens`` tokens (a dump
    that ran navigation and article into one line) is split into its sentences and menu entries.
    ``tokens``: ``tokenize(text)``, when the caller has them already."""
    return split_paragraphs(_parse(text, tokenize(text) if tokens is None else tokens), split_tokens)


def _parse(text: str, tokens: list) -> list[Block]:
    out: list[Block] = []
    stack: list[str] = []      # enclosing containers: item, quote
    heading = 0
    row: list[Block] | None = None
    from_source = False
    lines = text.splitlines()
    for tok in tokens:
        t = tok.type
        if t == "heading_open":
            heading = int(tok.tag[1])
        elif t == "heading_close":
            heading = 0
        elif t in ("list_item_open", "blockquote_open"):
            stack.append("item" if t == "list_item_open" else "quote")
        elif t in ("list_item_close", "blockquote_close"):
            stack.pop()
        elif t == "tr_open":
            row, from_source = [], bool(tok.map)
            if from_source:  # cells parsed from the source: markdown-it drops those past the header's count
                for cell in _row_cells(" ".join(lines[tok.map[0]:tok.map[1]])):
                    for inline in _MD.parseInline(cell):
                        _inline(inline.children, "cell", 0, row)
        elif t == "tr_close" and row is not None:
            out.extend(_row_blocks(row))
            row = None
        elif t == "inline" and row is not None and from_source:
            continue
        elif t == "inline":
            kind = "heading" if heading else (stack[-1] if stack else "p")
            _inline(tok.children, kind, heading, row if row is not None else out)
        elif t in ("fence", "code_block"):
            out.extend(Block(ln.strip(), "code") for ln in tok.content.splitlines() if ln.strip())
        elif t == "html_block":
            for ln in _BR.sub("\n", tok.content).splitlines():
                ln = " ".join(_TAG.sub(" ", ln).split())
                if ln:
                    out.append(Block(ln))
    return out
