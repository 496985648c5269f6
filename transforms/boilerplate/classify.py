"""The block classifier: score every block, take the densest run of prose, then cut what is inside it.

1. ``block_score``: prose blocks score their length in tokens; every other block (short lines, link
   blocks, repeated lines) costs a base plus a share of its length.
2. ``densest_run``: the contiguous run of blocks with the largest total score (Kadane) is the article.
3. ``cut_sidebar``: the run ends at a sidebar opener (相关文章, 热门推荐, Related posts) once prose came;
   on an HTML page, blocks outside the DOM container that holds most of the run's prose are dropped.
4. ``is_noise``: inside the run, bylines, credits, copyright lines, date/counter lines, share controls,
   teasers, link blocks and repeated non-prose lines are dropped, and so is a paragraph that starts
   or ends like an earlier one (a repeated post or summary); images go to ``images`` and the short line right
   after an image becomes its caption.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from transforms.boilerplate import signals as sg
from transforms.boilerplate.blocks import Block, Image
from transforms.options import BoilerplateOptions


@dataclass(frozen=True)
class Article:
    body: list[Block]                         # the article's text blocks, in order
    header: list[Block]                       # the blocks just above the article (title, date, byline live here)
    images: list[Image] = field(default_factory=list)
    dropped: list[Block] = field(default_factory=list)  # blocks inside the run removed as noise (bylines, ...)


def is_prose(block: Block, o: BoilerplateOptions) -> bool:
    return (block.image is None and not sg.is_link_block(block, o.link_share_max)
            and sg.is_prose(block.text, o.min_prose_tokens, o.long_line_tokens, o.max_tokens_per_mark))


def block_score(block: Block, counts: Counter, o: BoilerplateOptions, prose: bool | None = None) -> float:
    """``prose``: ``is_prose(block, o)`` when the caller has it already."""
    if block.image is not None:
        return 0.0
    t = sg.tokens(block.text)
    if sg.is_link_block(block, o.link_share_max):
        return -(o.nonprose_base + o.link_per_token * t)
    if is_prose(block, o) if prose is None else prose:
        return float(t)
    if sg.is_code(block.text):
        return 0.0  # code neither pulls the run (inline script in a dump) nor splits it (code in a how-to)
    cost = o.nonprose_base + o.nonprose_per_token * t
    if counts[sg.norm(block.text)] > 1:
        cost += o.repeat_penalty
    return -cost


def densest_run(scores: list[float]) -> tuple[int, int]:
    """``(start, end)`` (end exclusive) of the contiguous run with the largest sum; (0, 0) if none is positive."""
    best, best_span = 0.0, (0, 0)
    run, start = 0.0, 0
    for i, s in enumerate(scores):
        if run <= 0:
            run, start = 0.0, i
        run += s
        if run > best:
            best, best_span = run, (start, i + 1)
    return best_span


def cut_sidebar(blocks: list[Block], start: int, end: int, o: BoilerplateOptions,
                prose: list[int] | None = None) -> int:
    """New end of the run: the first sidebar opener with enough of the run's prose above it.
    ``prose``: the run's prose tokens per block (0 for a block that is not prose), when known."""
    if prose is None:
        prose = [sg.tokens(b.text) if is_prose(b, o) else 0 for b in blocks[start:end]]
    total, above = sum(prose), 0
    for i in range(start, end):
        if above and above >= o.sidebar_cut_share * total and sg.is_sidebar_opener(blocks[i].text, o.sidebar_opener_tokens):
            if not resumes(blocks[i + 1:end], prose[i - start + 1:], total, o):
                return i
        above += prose[i - start]
    return end


def resumes(after: list[Block], after_prose: list[int], total: int, o: BoilerplateOptions) -> bool:
    """After an opener, the article goes on (a mid-article "Read more: …" pointer) rather than a
    sidebar: the next blocks are consecutive prose paragraphs, not cards where summaries alternate
    with titles, dates and labels, and they hold a real share of the run's prose."""
    following = [t for b, t in zip(after, after_prose) if b.text.strip() and b.image is None][:o.sidebar_resume_blocks]
    return (len(following) == o.sidebar_resume_blocks and all(following)
            and sum(after_prose) >= o.sidebar_resume_share * total)


def article_root(blocks: list[Block], o: BoilerplateOptions,
                 prose: list[int] | None = None) -> tuple[int, ...] | None:
    """HTML: the deepest DOM container holding ``container_share`` of the run's prose, or None.
    ``prose``: as for ``cut_sidebar``."""
    weights: Counter = Counter()
    total = 0
    if prose is None:
        prose = [sg.tokens(b.text) if is_prose(b, o) else 0 for b in blocks]
    for b, t in zip(blocks, prose):
        if b.path and t:
            total += t
            for i in range(1, len(b.path) + 1):
                weights[b.path[:i]] += t
    if not total:
        return None
    return max((p for p, w in weights.items() if w >= o.container_share * total), key=len, default=None)


def outside(block: Block, root: tuple[int, ...] | None) -> bool:
    return root is not None and bool(block.path) and block.path[:len(root)] != root


def is_noise(block: Block, counts: Counter, o: BoilerplateOptions, prose: bool | None = None) -> bool:
    """Inside the article run: a line that is not article text. ``prose``: as for ``block_score``."""
    text = block.text.strip()
    if not text:
        return True
    if prose is None:
        prose = is_prose(block, o)
    if sg.is_link_block(block, o.link_share_max) and not prose:
        return True
    if sg.tokens(text) <= o.notice_tokens and sg.is_copyright(text):
        return True
    if sg.is_byline(text, o.byline_tokens) or sg.is_meta_line(text, o.meta_rest_tokens):
        return True
    if sg.is_ui_line(text, o.ui_tokens) or sg.is_truncated(text):
        return True
    if sg.is_sidebar_opener(text, o.sidebar_opener_tokens) and not prose:
        return True  # a pointer such as "Read more: …" or 相关阅读 that did not end the article
    return counts[sg.norm(text)] > 1 and not prose and block.kind != "heading"


def is_caption(prev: Block | None, block: Block, o: BoilerplateOptions) -> bool:
    """A short standalone line right after an image block, not a full sentence paragraph."""
    if prev is None or prev.image is None or block.image is not None:
        return False
    t = sg.tokens(block.text)
    return 0 < t <= o.caption_tokens and not (sg.ends_like_sentence(block.text) and sg.punct_count(block.text) >= 3)


def drop_trailing_notices(body: list[Block], o: BoilerplateOptions) -> list[Block]:
    """The article without the short copyright / disclaimer lines that end it ("© 2025 X. All rights
    reserved."), whichever extractor chose it: trafilatura keeps a site footer's notice where it sits
    inside the article's container. Position and the notice signal only; a longer paragraph that
    mentions copyright stays. Measured on the final article of every dev page-form: wcxb_dev 102
    page-forms change (html 8, text 56, Markdown 38), 93 score higher and 2 lower in word F1 (none lower
    in shingle F1; means +.0001 to +.0003), must-not-contain leaks 664 -> 655 (text), 391 -> 382
    (Markdown); on the Chinese sets 1 page-form changes (higher)."""
    end = len(body)
    while end and body[end - 1].image is None and sg.tokens(body[end - 1].text) <= o.trailing_notice_tokens \
            and sg.is_copyright(body[end - 1].text):
        end -= 1
    return body[:end]


def drop_consent_notices(body: list[Block], o: BoilerplateOptions) -> list[Block]:
    """The article without its cookie / consent banner paragraphs (``signals.is_consent_notice``),
    whichever extractor chose it: trafilatura keeps a banner that sits inside the page's main
    container, and a dump carries it as a paragraph like any other. Measured on the final article of
    every dev page-form: wcxb_dev 168 page-forms change (html 13, text 81, Markdown 74), 158 score higher
    and 8 lower in word F1 (means html +.0003, text +.0013, Markdown +.0011), must-not-contain leaks on
    Markdown 382 -> 370; the Chinese sets unchanged. Not a classifier signal as well: scoring a banner
    as non-prose there moved the model's inputs and its retrained trees for +.0002 more."""
    return [b for b in body if b.image is not None or not sg.is_consent_notice(b.text, o.consent_tokens)]


def cut_at_late_opener(body: list[Block], o: BoilerplateOptions) -> list[Block]:
    """A text dump's article up to the first sidebar label ("Comments", "Read next", 相关文章) that has
    ``late_opener_share`` of the article's tokens above it: on a dump (no markup, so trafilatura sees one
    flat run of lines) the comment thread or the related list that follows such a label stays in
    whichever article was chosen. Measured on the final text dumps of every dev set: wcxb_dev 100
    page-forms change, 88 higher and 12 lower (mean word F1 +.0028, shingle +.0022; forums 21 higher,
    none lower, +.013), cleaneval_zh 2 higher, xmu_news_zh none. Not on HTML (mean -.0008: a label
    there is more often a section of the article) or Markdown (+.0006, one Chinese page lower).
    ``cut_sidebar``'s rule on the final article, with all tokens counted rather than prose, a higher
    share and no ``resumes`` test: after a late label, what follows is not the article going on."""
    toks = [sg.tokens(b.text) for b in body]
    total, above = sum(toks), 0
    for i, b in enumerate(body):
        if i and above >= o.late_opener_share * total and b.image is None \
                and sg.is_sidebar_opener(b.text, o.sidebar_opener_tokens):
            return body[:i]
        above += toks[i]
    return body


def classify(blocks: list[Block], o: BoilerplateOptions) -> Article:
    counts = sg.line_counts(blocks)
    prose = [is_prose(b, o) for b in blocks]   # asked for by every step below: computed once
    scores = [block_score(b, counts, o, p) for b, p in zip(blocks, prose)]
    start, end = densest_run(scores)
    run_prose = [sg.tokens(b.text) if p else 0 for b, p in zip(blocks[start:end], prose[start:end])]
    end = cut_sidebar(blocks, start, end, o, run_prose)
    root = article_root(blocks[start:end], o, run_prose[:end - start])
    body, images, dropped = [], [], []
    seen: set[tuple[str, ...]] = set()
    prev: Block | None = None
    for b, p in zip(blocks[start:end], prose[start:end]):
        keys = sg.token_keys(b.text, o.duplicate_key_tokens) if p else ()
        if outside(b, root) or any(k in seen for k in keys):  # another container; a repeated paragraph
            dropped.append(b)
        elif b.image is not None:
            images.append(b.image)
        elif images and is_caption(prev, b, o):
            images[-1] = Image(images[-1].url, b.text.strip())
            dropped.append(b)
        elif is_noise(b, counts, o, p):
            dropped.append(b)
        else:
            body.append(b)
            seen.update(keys)
        prev = b
    header = blocks[max(0, start - o.header_lines):start]
    return Article(body=body, header=header, images=images, dropped=dropped)
