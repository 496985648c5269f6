"""The unit every form parser produces and the classifier consumes: one line of visible text."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

KINDS = ("p", "heading", "item", "quote", "cell", "image", "code")


@dataclass(frozen=True)
class Image:
    url: str
    caption: str | None = None


@dataclass(frozen=True)
class Block:
    """One paragraph, heading, list item, table row or image of a page, in document order.

    ``link_chars`` counts the characters of ``text`` that are link text (0 where the form has no
    links, as in a plain-text dump); ``links`` are the link targets; ``image`` is set for a block
    that is an image (then ``text`` is empty, or the alt text). ``path`` places a block of an HTML
    page in the DOM: two blocks in the same container share a path prefix.
    """

    text: str
    kind: str = "p"
    level: int = 0                 # heading level 1-6, 0 otherwise
    link_chars: int = 0
    links: tuple[str, ...] = ()
    image: Image | None = None
    path: tuple[int, ...] = ()     # HTML: ids of the enclosing container elements, outermost first

    @cached_property  # asked for by many signals; a frozen Block's text never changes
    def link_share(self) -> float:
        n = len(self.text.strip())
        return min(1.0, self.link_chars / n) if n else 0.0
