"""Trafilatura is the floor: decide per page between the classifier's article and trafilatura's.

The block classifier (``classify``) was fitted on Chinese news; trafilatura holds across page types
and languages. Where the two agree, the classifier's cleaner cut is kept; where they disagree, the
classifier needs evidence to override trafilatura, and the evidence is general:

- ``cover``: the share of trafilatura's tokens that the classifier's article also holds. A low
  cover means the classifier kept one block of a page whose content trafilatura found spread over
  lists, tables, later sections or posts.
- ``support``: the share of the classifier's tokens that trafilatura also holds. A low support
  means the classifier took text trafilatura judged boilerplate (or trafilatura missed the article).
- ``extra_prose``: how much of what the classifier cut from trafilatura's text is prose.
- the page's script: on pages written in a no-space script (Han, kana) the classifier was measured
  better than trafilatura on every dev set and form, so it keeps the article unless trafilatura
  holds much more.

Tokens as the shared scorer counts them: one per CJK ideograph or kana, one per run of other
letters or digits in any script, lower-cased. Thresholds live in ``BoilerplateOptions`` and were
fitted on all dev sets (see ``benchmarks/extraction.py``).
"""
from __future__ import annotations

import re
from collections import Counter

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def bag(text: str) -> Counter:
    return Counter(t.lower() for t in _TOKEN.findall(text))


def agreement(ours: str, theirs: str) -> tuple[float, float, int, int]:
    """``(cover, support, our tokens, their tokens)``: the share of their tokens that ours hold, the
    share of our tokens that theirs hold."""
    a, b = bag(ours), bag(theirs)
    na, nb = sum(a.values()), sum(b.values())
    shared = sum((a & b).values())
    return (shared / nb if nb else 1.0), (shared / na if na else 0.0), na, nb


def cjk_share(text: str, sample: int = 4000) -> float:
    """Share of the tokens of the text's first ``sample`` characters that are CJK characters."""
    s = text[:sample]
    n = len(_TOKEN.findall(s))
    return len(_CJK_CHAR.findall(s)) / n if n else 0.0


def keep_classifier(ours: str, theirs: str, o, dump: bool = False, extra_prose: int | None = None) -> bool:
    """True when the classifier's article (``ours``) stands; False when trafilatura's does.

    On a dump (``dump``) trafilatura sees no markup, so what it keeps beyond the classifier's
    article is mostly the page's navigation and lists: the classifier stands once it holds a
    modest share (``dump_min_cover``) of trafilatura's tokens. ``extra_prose``: tokens of the prose
    blocks trafilatura kept and the classifier did not; when the classifier's article lies within
    trafilatura's (``cut_min_support``) and what it cut holds next to no prose (``cut_max_prose``
    of its own tokens: navigation, link lists, short labels), its cut stands."""
    if not theirs.strip():
        return True
    if not ours.strip():
        return False
    cover, support, na, nb = agreement(ours, theirs)
    if cjk_share(ours) >= o.cjk_page_share:
        return cover >= o.cjk_min_cover or na >= nb
    if dump:
        return cover >= o.dump_min_cover
    if cover >= o.min_cover and support >= o.min_support:
        return True
    if cover >= o.min_superset_cover and na <= o.max_superset_ratio * nb:
        return True
    return extra_prose is not None and support >= o.cut_min_support and extra_prose <= o.cut_max_prose * na
