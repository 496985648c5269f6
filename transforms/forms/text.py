"""A plain-text dump of a whole page (every visible line, navigation and sidebars included) -> blocks."""
from __future__ import annotations

from transforms.boilerplate.blocks import Block


def parse_text(text: str, max_line_chars: int) -> list[Block]:
    """One block per non-empty line, whitespace collapsed; an over-long line is cut at ``max_line_chars``."""
    blocks = []
    for line in text.splitlines():
        line = " ".join(line.split())[:max_line_chars]
        if line:
            blocks.append(Block(line))
    return blocks
