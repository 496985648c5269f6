"""Widen trafilatura's article over the page: on an HTML page to the DOM container that holds it.

On a listing, a collection or a service page trafilatura often keeps a few of the entries (or
sections) of the page's main container and drops the rest: the entries are short, link-led and
hold little prose, which is what its heuristics discard. The DOM walk (``forms.html.blocks_from_dom``)
gives every block its container path, so the container that holds most of trafilatura's text is
known, and the other blocks in it are the entries it dropped.

``expand_to_container`` finds the deepest container holding at least ``share`` of the tokens of
trafilatura's blocks (matched to DOM blocks by their whitespace-normalised text) and returns every
text block of it, in page order, plus trafilatura's blocks outside it. Whether the widened article
replaces trafilatura's is decided per page by the arbiter model's ``expand`` head (it loses on a
product page, where the container also holds the "viewed also" carousel, and on a forum), fitted
and cross-validated by site in ``benchmarks/train_arbiter.py``.

A Markdown dump has no DOM: ``fill_span`` widens its (edge-trimmed) article over the gaps between
its blocks instead, the page's blocks that lie between two of trafilatura's at most ``gap`` blocks
apart (the entries of a list it thinned out). A head of its own decides (``expand_markdown``).

Written by hand: it is a walk over the block list the job already has (no library segments a page
by the container paths of its own DOM walk), linear in the number of blocks.
"""
from __future__ import annotations

from collections import Counter

from transforms.boilerplate import signals as sg
from transforms.boilerplate.blocks import Block


def _norm(text: str) -> str:
    return " ".join(text.split())


def expand_to_container(traf_body: list[Block], page_blocks: list[Block], share: float = 0.8) -> list[Block] | None:
    """Trafilatura's article widened to the deepest DOM container holding ``share`` of its tokens
    (see the module docstring), or None where none of its blocks is found on the page or the
    widened article is the same text."""
    lines = {_norm(b.text) for b in traf_body if b.text.strip()}
    found = [_norm(b.text) in lines for b in page_blocks]   # each page block's text normalised once
    held: Counter = Counter()   # container path prefix -> tokens of trafilatura's blocks under it
    total = 0
    for b, f in zip(page_blocks, found):
        if f and b.path and b.image is None:
            n = sg.tokens(b.text)
            total += n
            p = b.path
            for depth in range(1, len(p) + 1):
                held[p[:depth]] += n
    if not total:
        return None
    best = max((p for p, n in held.items() if n >= share * total), key=len)   # nested: one per depth
    depth = len(best)
    out = [b for b, f in zip(page_blocks, found)
           if b.image is None and b.text.strip() and (f or b.path[:depth] == best)]
    if [b.text for b in out] == [b.text for b in traf_body]:
        return None
    return out


def added_blocks(traf_body: list[Block], wide: list[Block]) -> list[Block]:
    """The blocks of a widened article (``wide``) that are not trafilatura's: those whose
    whitespace-normalised text is not one of its blocks' (the arbiter's expand features describe them)."""
    lines = {_norm(b.text) for b in traf_body}
    return [b for b in wide if _norm(b.text) not in lines]


def fill_span(traf_body: list[Block], page_blocks: list[Block], gap: int = 10) -> list[Block] | None:
    """A Markdown dump's analogue of ``expand_to_container`` (a dump has no DOM): trafilatura's
    article with the page's blocks that lie between two of its blocks at most ``gap`` blocks apart,
    in page order: the entries of a list it thinned out. None where nothing is found on the page or
    nothing is added."""
    lines = {_norm(b.text) for b in traf_body if b.text.strip()}
    hit = [i for i, b in enumerate(page_blocks) if b.image is None and _norm(b.text) in lines]
    if not hit:
        return None
    keep = set(hit)
    for a, b in zip(hit, hit[1:]):
        if b - a - 1 <= gap:
            keep.update(range(a + 1, b))
    if len(keep) == len(hit):
        return None
    return [page_blocks[i] for i in sorted(keep) if page_blocks[i].image is None and page_blocks[i].text.strip()]
