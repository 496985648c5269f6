"""A plain-text dump of a whole page (every visible line, navigation and sidebars included) -> blocks.

Text that was hard-wrapped at a fixed width (old pages in ``<pre>``, e-mail style) is re-joined into
paragraphs first: when many lines share one display width, a line of that width continues on the next
line unless the next line is indented.
"""
from __future__ import annotations

import re
from collections import Counter

from transforms import scripts
from transforms.boilerplate.blocks import Block

_MARKS = re.compile(r"[，。；、,;]")


# East Asian wide and full-width ranges (Hangul Jamo, CJK, kana, Hangul, compatibility, full-width forms).
_WIDE = (r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
           r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_WIDE_RUN = re.compile(_WIDE + "+")


def display_width(line: str) -> int:
    """Columns the line takes in a monospace font: wide (CJK, full-width) characters count two.
    Counted by runs (a Chinese paragraph is a few runs, not hundreds of one-letter matches: ~6x faster)."""
    if line.isascii():
        return len(line)
    return len(line) + sum(map(len, _WIDE_RUN.findall(line)))


def wrap_width(lines: list[str], min_width: int, min_share: float) -> int | None:
    """The width prose was hard-wrapped at: a sharp peak (one width, or one less) holding most long
    lines, most of which carry sentence punctuation (a list of headlines cut to one width does not)."""
    # A line of fewer characters than min_width / 2 cannot reach min_width columns: skip measuring it.
    widths = [display_width(ln.rstrip()) if len(ln) * 2 >= min_width else 0 for ln in lines]
    long = [w for w in widths if w >= min_width]
    if len(long) < 5:
        return None
    top, _ = Counter(long).most_common(1)[0]
    peak = [ln for ln, w in zip(lines, widths) if top - 1 <= w <= top]
    punctuated = sum(1 for ln in peak if _MARKS.search(ln))
    return top if len(peak) >= 5 and len(peak) >= min_share * len(long) and punctuated >= min_share * len(peak) else None


def unwrap(lines: list[str], min_width: int = 50, min_share: float = 0.5, slack: int = 4) -> list[str]:
    """Join hard-wrapped lines back into paragraphs (no-op for text that is not hard-wrapped)."""
    width = wrap_width(lines, min_width, min_share)
    if width is None:
        return lines
    out: list[str] = []
    joining = False
    for ln in lines:
        indented = ln[:1] in (" ", "\t", "\u3000")
        if joining and ln.strip() and not indented:
            out[-1] = _join(out[-1], ln.strip())
        else:
            out.append(ln)
        w = display_width(ln.rstrip())
        joining = bool(ln.strip()) and width - slack <= w <= width + 1
    return out


def _join(a: str, b: str) -> str:
    """CJK text joins without a space, Latin words with one."""
    a = a.rstrip()
    wide = display_width(a[-1:]) == 2 or display_width(b[:1]) == 2
    return a + b if wide or a.endswith("-") else a + " " + b


def unwrap_blocks(blocks: list[Block]) -> list[Block]:
    """``unwrap`` for blocks of another form (HTML ``<pre>``/``<br>`` text): re-joined lines lose link data."""
    texts = [b.text for b in blocks if b.image is None]
    if wrap_width(texts, 50, 0.5) is None:
        return blocks
    out: list[Block] = []
    run: list[str] = []
    for b in [*blocks, None]:
        if b is not None and b.image is None and b.kind in ("p", "cell"):
            run.append(b.text)
            continue
        out.extend(Block(t) for t in unwrap(run))
        run = []
        if b is not None:
            out.append(b)
    return out


def parse_text(text: str, max_line_chars: int, split_tokens: int | None = None) -> list[Block]:
    """One block per non-empty (re-joined) line, whitespace collapsed; an over-long line is cut, and a
    line of at least ``split_tokens`` tokens is split into its sentences and menu entries."""
    blocks = []
    for line in unwrap(text.splitlines()):
        line = " ".join(line.split())[:max_line_chars]
        if line:
            blocks.extend(Block(p) for p in split_long(line, split_tokens))
    return blocks


def split_paragraphs(blocks: list[Block], split_tokens: int | None) -> list[Block]:
    """``blocks`` with every paragraph without links of at least ``split_tokens`` tokens cut into its
    sentences and menu entries (``split_long``): a dump that ran navigation, article and footer into
    one line (in a Markdown dump, or in trafilatura's paragraphs of any dump)."""
    if not split_tokens:
        return blocks
    out: list[Block] = []
    for b in blocks:
        pieces = split_long(b.text, split_tokens) if b.kind == "p" and not b.link_chars and b.image is None else [b.text]
        out.extend([b] if len(pieces) == 1 else [Block(p) for p in pieces])
    return out


def split_long(line: str, split_tokens: int | None) -> list[str]:
    """``[line]``, or its sentences and menu entries when it holds ``split_tokens`` tokens or more."""
    if split_tokens and len(line) >= split_tokens and scripts.tokens(line) >= split_tokens:
        return scripts.split_sentences(line) or [line]
    return [line]
