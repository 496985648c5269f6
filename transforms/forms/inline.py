"""The text of one block being built from inline pieces (HTML text nodes, Markdown inline tokens)."""
from __future__ import annotations

import re

from transforms.boilerplate.blocks import Block

# A line break between two CJK characters is no space (CJK text has none between words).
# (The ideographic space U+3000 is whitespace, not a CJK character: a run of it was tried from each of
# its positions, quadratic.)
_CJK_GAP = re.compile(r"(?<=[\u3001-\u9fff\uff00-\uffef])[^\S\n]*\n\s*(?=[\u3001-\u9fff\uff00-\uffef])")


class InlineText:
    """Collects text pieces, counting the characters that are link text and the link targets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.link_chars = 0
        self.links: list[str] = []

    def add(self, s: str | None, in_link: bool = False) -> None:
        if s:
            self.parts.append(s)
            if in_link:
                self.link_chars += len(s.strip())

    def take(self, kind: str = "p", level: int = 0, path: tuple[int, ...] = ()) -> Block | None:
        """The block built so far (None if it has no text); collecting starts over."""
        joined = "".join(self.parts)
        if not joined or joined.isspace():  # most calls: only the whitespace between two elements
            self.parts, self.link_chars, self.links = [], 0, []
            return None
        text = " ".join(_CJK_GAP.sub("", joined).split())   # not empty: joined has a non-space character
        block = Block(text, kind, level, min(self.link_chars, len(text)), tuple(self.links), path=path)
        self.parts, self.link_chars, self.links = [], 0, []
        return block
