"""Markdown (with or without front matter) -> blocks, from markdown-it tokens.

Each paragraph, heading, list item and table row becomes a block with the share of its text that is
link text; an image becomes an image block of its own (it splits the paragraph around it), and so
does every hard line break. Markdown syntax never reaches the text.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

from transforms.boilerplate.blocks import Block, Image
from transforms.forms.inline import InlineText

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_TAG = re.compile(r"<[^>]*>")
_BR = re.compile(r"<br\s*/?>", re.I)


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


def parse_markdown(text: str) -> list[Block]:
    out: list[Block] = []
    stack: list[str] = []      # enclosing containers: item, quote
    heading = 0
    row: list[Block] | None = None
    for tok in _MD.parse(text):
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
            row = []
        elif t == "tr_close" and row is not None:
            cells = [b for b in row if b.image is None]
            text_ = " ".join(b.text for b in cells)
            if text_:
                out.append(Block(text_, "cell", 0, sum(b.link_chars for b in cells), tuple(x for b in cells for x in b.links)))
            out.extend(b for b in row if b.image is not None)
            row = None
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
