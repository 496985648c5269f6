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

Tokens as the shared scorer counts them (``transforms.scripts``): one per letter of a no-space
script, one per word of any other, lower-cased. Thresholds live in ``BoilerplateOptions`` and were
fitted on all dev sets (see ``benchmarks/extraction.py``).
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import chain

from transforms.scripts import NOSPACE_LETTER, TOKEN, WORD


def bag(text: str) -> Counter:
    """The text's tokens as the shared scorer counts them (``transforms.scripts``: one per letter of
    a no-space script, one per word of any other), lower-cased."""
    return Counter(lower_tokens(text))


def lower_tokens(text: str) -> list[str]:
    """The text's tokens, lower-cased: the lower-cased text's tokens where lower-casing keeps every
    character one character (one C call, not one per token), else each token lower-cased."""
    low = text.lower()
    return TOKEN.findall(low) if len(low) == len(text) else list(map(str.lower, TOKEN.findall(text)))


def cut_from(block_bag: Counter, ours_bag: Counter) -> bool:
    """A block (its token bag) is not the classifier's: under 80 % of its tokens are in ``ours_bag``."""
    get = ours_bag.get   # (not ``ours_bag[t]``: a missing key goes through ``Counter.__missing__``)
    held = 0
    for t, c in block_bag.items():
        o = get(t, 0)
        held += c if c < o else o
    return held < 0.8 * sum(block_bag.values())


def agreement(ours: str, theirs: str) -> tuple[float, float, int, int]:
    """``(cover, support, our tokens, their tokens)``: the share of their tokens that ours hold, the
    share of our tokens that theirs hold."""
    return bag_agreement(bag(ours), bag(theirs))[:4]


def bag_agreement(a: Counter, b: Counter) -> tuple[float, float, int, int, int]:
    """``agreement`` of two token bags, with the shared token count last."""
    na, nb = sum(a.values()), sum(b.values())
    shared = sum((a & b).values())
    return (shared / nb if nb else 1.0), (shared / na if na else 0.0), na, nb, shared


def cjk_share(text: str, sample: int = 4000) -> float:
    """Share of the tokens of the text's first ``sample`` characters that are letters of a no-space
    script (Han, kana, Thai, Lao, Khmer, Myanmar): the pages the classifier counts by character."""
    return _letter_share(text[:sample])


@lru_cache(maxsize=64)   # a page asks for the share of the same article text up to three times
def _letter_share(head: str) -> float:
    # A no-space letter is always a token of its own and never part of a word: the letters are
    # counted as they are blanked out, then the words of what is left (a third less CPU than listing
    # every token of a Chinese text).
    rest, letters = NOSPACE_LETTER.subn(" ", head)
    n = letters + len(WORD.findall(rest))
    return letters / n if n else 0.0


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


# --- the learned arbiter -------------------------------------------------------------------------
# A small gradient-boosted model decides per page between the classifier's article and trafilatura's.
# Trafilatura's comment section is an input (a page with one is often a forum or a news page with
# reader comments), never output: adding it lowered F1 on 84 of the 86 dev pages that have one. It is trained by
# ``benchmarks/train_arbiter.py`` on every dev set and form, cross-validated by site, and shipped as
# JSON next to this file. The features are general: agreement of the two opinions, sizes, the shape
# of what each kept (lists, table cells, links, headings, prose), the script, the form.

_KINDS_LISTY = ("item", "cell")
FEATURES = (
    "cover", "support", "log_ours", "log_traf", "log_ratio", "cjk", "dump", "form_markdown", "form_text",
    "cut_share", "cut_prose", "cut_listy", "cut_links", "cut_headings",
    "traf_listy", "traf_links", "traf_prose", "traf_headings", "log_traf_blocks", "traf_block_tokens",
    "ours_listy", "ours_links", "ours_prose", "log_ours_blocks",
    "log_comments", "comments_ratio", "comments_prose", "log_page", "traf_page_share", "ours_page_share",
    "extra_share", "ours_only_share",
)
# The ``expand`` heads' inputs: ``FEATURES``, how much the widened article adds
# (``boilerplate.expand``), and the shape of what it adds: a listing's entries are short, alike and
# often link-led; a product page's "viewed also" carousel is the same, with prices; a service page's
# sections are prose under headings. Adding these eight raised the cross-validated wcxb_dev mean F1 of
# the HTML head .821 -> .824 and of the Markdown head .754 -> .755 (products +.010, listings +.009).
EXPAND_FEATURES = FEATURES + (
    "log_expand_ratio", "add_prose", "add_listy", "add_links", "add_headings", "log_add_blocks",
    "add_block_tokens", "wide_page_share", "add_repeated",
)


def expand_features(x: list[float], traf: list, wide: list, o) -> list[float]:
    """``EXPAND_FEATURES`` of a page: its ``features`` ``x``, the log ratio of the widened article's
    tokens (``wide``) to trafilatura's (``traf``), and the shape of the blocks widening adds (those
    whose whitespace-normalised text is not one of trafilatura's): prose, list/table, link and
    heading shares (``_shape``), how many, their mean size, the widened article's share of the page,
    and the share of added blocks whose coarse shape (kind, size in steps of 4 tokens, link-led)
    recurs three times or more (the entries of a list or carousel)."""
    import math
    from transforms.boilerplate import signals as sg
    from transforms.boilerplate.expand import added_blocks

    added = added_blocks(traf, wide)
    tokens = {b.text: sg.tokens(b.text) for b in wide}   # each widened block's text counted once
    nt = sum(sg.tokens(b.text) for b in traf)
    a_n, a_listy, a_links, a_prose, a_heads = _shape(added, o)
    nw = sum(tokens[b.text] for b in wide)
    page = math.expm1(x[FEATURES.index("log_page")]) or 1.0
    shapes = Counter((b.kind, min(tokens[b.text] // 4, 10), b.link_share > 0.5) for b in added)
    repeated = sum(c for c in shapes.values() if c >= 3) / (len(added) or 1)
    return [*x, math.log((nw + 1) / (nt + 1)), a_prose, a_listy, a_links, float(a_heads), math.log1p(len(added)),
            a_n / (len(added) or 1), nw / page, repeated]


def _shape(blocks, o) -> tuple[int, float, float, float, int]:
    """(tokens, listy share, link share, prose share, headings) of a list of blocks, by tokens."""
    from transforms.boilerplate import signals as sg
    from transforms.boilerplate.classify import is_prose

    n = listy = links = prose = 0.0
    heads = 0
    for b in blocks:
        t = sg.tokens(b.text)
        n += t
        if b.kind in _KINDS_LISTY:
            listy += t
        links += t * b.link_share
        if is_prose(b, o):
            prose += t
        heads += b.kind == "heading"
    d = n or 1.0
    return int(n), listy / d, links / d, prose / d, heads


def features(ours: list, traf: list, comments: list, o, *, form: str, page_tokens: int) -> list[float]:
    """The arbiter model's inputs (``FEATURES``, in order) for one page. ``ours``: the classifier's
    article blocks; ``traf``: trafilatura's main-text blocks; ``comments``: its comment-section
    blocks; ``page_tokens``: tokens of every block of the page."""
    import math

    ours_text = "\n".join(b.text for b in ours)
    seen: dict[str, list[str]] = {}   # one tokenization per block text (the two opinions share most blocks)

    def toks(text: str) -> list[str]:
        t = seen.get(text)
        if t is None:
            t = seen[text] = lower_tokens(text)
        return t
    block_tokens = [toks(b.text) for b in traf]
    traf_bag = Counter(chain.from_iterable(block_tokens))
    ours_bag = Counter(chain.from_iterable(toks(b.text) for b in ours))   # (no token spans a line break)
    cover, support, na, nb, shared = bag_agreement(ours_bag, traf_bag)
    ours_texts = {b.text for b in ours}   # a block the classifier's article holds as it is: all its tokens held
    cut = [b for b, t in zip(traf, block_tokens) if b.text not in ours_texts and cut_from(Counter(t), ours_bag)]
    c_n, c_listy, c_links, c_prose, c_heads = _shape(cut, o)
    t_n, t_listy, t_links, t_prose, t_heads = _shape(traf, o)
    o_n, o_listy, o_links, o_prose, _ = _shape(ours, o)
    m_n, _, _, m_prose, _ = _shape(comments, o)
    ours_only = na - shared
    page = max(page_tokens, 1)
    return [
        cover, support, math.log1p(na), math.log1p(nb), math.log((na + 1) / (nb + 1)),
        cjk_share(ours_text or "\n".join(b.text for b in traf)), float(form != "html"), float(form == "markdown"), float(form == "text"),
        c_n / (t_n or 1), c_prose, c_listy, c_links, float(c_heads),
        t_listy, t_links, t_prose, float(t_heads), math.log1p(len(traf)), t_n / (len(traf) or 1),
        o_listy, o_links, o_prose, math.log1p(len(ours)),
        math.log1p(m_n), m_n / (t_n + 1), m_prose, math.log1p(page), t_n / page, o_n / page,
        (c_n * c_prose) / (o_n + 1), ours_only / (na or 1),
    ]


class TreeModel:
    """A gradient-boosted tree ensemble read from JSON: ``{"features": [...], "baseline": b, "trees":
    [[node, ...], ...]}``, each node ``[feature, threshold, left, right, value]`` (``feature`` -1 for a
    leaf). Written by hand because the model is trained with scikit-learn, which the job does not
    need to run: evaluating a few hundred small trees is a loop, and keeping scikit-learn (and its
    SciPy) out of the runtime saves ~100 MB per install and its import time per worker."""

    def __init__(self, spec: dict):
        self.baseline = float(spec["baseline"])
        self.trees = [[tuple(n) for n in t] for t in spec["trees"]]

    def predict(self, x: list[float]) -> float:
        total = self.baseline
        for nodes in self.trees:
            i = 0
            while True:
                f, thr, left, right, value = nodes[i]
                if f < 0:
                    total += value
                    break
                i = left if x[f] <= thr else right
        return total


class ArbiterModel:
    """The shipped ensembles over ``FEATURES``. ``choose``: how much better, in F1, the classifier's
    article is predicted to be than trafilatura's (trimmed where ``record.trims_edges``) on this page.
    ``trim`` (None in a model without it): on a page where trafilatura's article is trimmed, how much
    better the trimmed article is predicted to be than the untrimmed one: trimming to the prose drops
    a listing's entries, which hold little prose. ``expand_head(form)`` (None in a model without it):
    on a page where trafilatura's article stands, how much better its widening over the page
    (``record.widened``: an HTML page's DOM container, a Markdown dump's gaps) is predicted to be,
    over ``EXPAND_FEATURES``; one head per form (``expand`` for HTML, ``expand_markdown``): one head
    for both lowered cross-validated wcxb html from .821 to .819."""

    EXPAND_HEADS = {"html": "expand", "markdown": "expand_markdown"}

    def __init__(self, spec: dict):
        if list(spec["features"]) != list(FEATURES):
            raise ValueError("arbiter model was trained on other features; retrain it (benchmarks/train_arbiter.py)")
        self.version = spec.get("version", "")
        self.choose = TreeModel(spec["choose"])
        self.trim = TreeModel(spec["trim"]) if spec.get("trim") else None
        self.expand: dict[str, TreeModel] = {}
        for form, key in self.EXPAND_HEADS.items():
            if spec.get(key):
                if list(spec[key]["features"]) != list(EXPAND_FEATURES):
                    raise ValueError(f"arbiter model's {key} head was trained on other features; retrain it "
                                     "(benchmarks/train_arbiter.py)")
                self.expand[form] = TreeModel(spec[key])

    def expand_head(self, form: str) -> TreeModel | None:
        return self.expand.get(form)


_MODELS: dict = {}


def load_model(name: str) -> ArbiterModel | None:
    """The shipped model ``<name>.json`` beside this module, read once per process (None if absent)."""
    if name not in _MODELS:
        import json
        from pathlib import Path

        path = Path(__file__).with_name(f"{name}.json")
        _MODELS[name] = ArbiterModel(json.loads(path.read_text("utf-8"))) if path.exists() else None
    return _MODELS[name]
