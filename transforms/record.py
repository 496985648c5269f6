"""Raw bytes in, record dict (or a ``Reject``) out: the functional core's single entry point.

    decode -> detect form -> parse the form into blocks (transforms.forms)
           -> remove boilerplate (transforms.boilerplate.classify) -> metadata -> record

Pure: no file system, no Prefect, no DuckDB. ``source_file`` is only a name (it feeds ``doc_id``).
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import replace

from transforms.boilerplate import signals as sg
from transforms.boilerplate.arbiter import (FEATURES, bag, cjk_share, cut_from, expand_features, features, keep_classifier,
                                            load_model)
from transforms.boilerplate.blocks import Block
from transforms.boilerplate.classify import (Article, classify, cut_at_late_opener, drop_consent_notices,
                                             drop_trailing_notices, is_prose)
from transforms.boilerplate.expand import expand_to_container, fill_span
from transforms.decode import decode
from transforms.detect import detect_form
from transforms.forms.dump_html import markdown_html, text_html
from transforms.forms.html import (WALK_DEPTH, blocks_from_dom, blocks_from_trafilatura, clean_prologue, document_root,
                                   page_tree, parse_html, trafilatura_tree)
from transforms.forms.markdown import parse_markdown, tokenize
from transforms.forms.text import parse_text, split_paragraphs, unwrap_blocks
from transforms.frontmatter import split_front_matter
from transforms.guard import guard
from transforms.metadata.authors import parse_byline, strip_byline
from transforms.metadata.dates import find_date
from transforms.metadata.front_matter import from_front_matter
from transforms.metadata.html_meta import html_metadata
from transforms.metadata.lang import detect_lang
from transforms.metadata.titles import clean_title
from transforms.metadata.urls import normalize_url, site_of, source_link
from transforms.options import DEFAULT_OPTIONS, BoilerplateOptions, ExtractOptions
from transforms.provenance import Provenance, apply, transcode
from transforms.types import Reject, RejectError

_LABEL = re.compile(r"[\w\u4e00-\u9fff ·&]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_SUFFIXED = re.compile(r"(?<!\s)\s*[-_|｜–—·:：]\s*\S.{0,30}")  # " - 站名", "_财经_新浪网"


def doc_id_for(source_file: str) -> str:
    """Stable id of a document: the hash of its path in the landing zone (content may change)."""
    return hashlib.sha256(source_file.encode("utf-8")).hexdigest()[:32]


def extract(raw: bytes, source_file: str, options: ExtractOptions = DEFAULT_OPTIONS,
            provenance: Provenance | None = None) -> dict | Reject:
    """Never raises for bad input: every failure is a ``Reject`` with a stage and a reason.

    ``provenance``: what the crawler knew (a WARC record's header, a JSON Lines field, a sidecar, a
    mirror path); applied with the precedence of ``transforms.provenance`` and giving the record's
    ``doc_id``, ``source_record`` and ``fetched_at``."""
    try:
        if provenance is not None:
            data, charset = transcode(raw, provenance.charset)
            record = _extract(data, source_file, options)
            return apply(record, provenance, source_file, hashlib.sha256(raw).hexdigest(), charset)
        return _extract(raw, source_file, options)
    except RejectError as exc:
        return exc.reject
    except RecursionError:
        return Reject("parse", "document nesting is too deep to parse")
    except MemoryError:
        return Reject("parse", "document too large to parse in memory")
    except Exception as exc:  # a bug or an input no rule foresaw: keep the run going, say what happened
        return Reject("extract", f"unexpected error while extracting: {type(exc).__name__}: {exc}"[:500])


def with_page_zone(text: str, options: ExtractOptions) -> ExtractOptions:
    """The zone for dates that give none: China time on a page with Chinese text, else UTC."""
    if options.chinese_min_han <= 0:
        return options
    for n, _ in enumerate(_HAN.finditer(text, 0, 20000), 1):  # stop counting at the threshold
        if n >= options.chinese_min_han:
            return options
    return options.with_(default_tz_offset_minutes=options.other_tz_offset_minutes)


def _extract(raw: bytes, source_file: str, options: ExtractOptions) -> dict:
    if len(raw) > options.limits.max_file_bytes:
        raise RejectError("read", f"file is over the limit of {options.limits.max_file_bytes} bytes (limits.max_file_bytes)")
    raw = guard(raw, source_file, options)
    if not raw.strip():
        raise RejectError("read", "file is empty or whitespace only")
    text, charset = decode(raw, options)
    options = with_page_zone(text, options)
    form = detect_form(text)
    article, blocks, fields = parse_form(text, form, options)
    fields = merge(fields, dump_header_fields(article, blocks, options) if form != "html" else {})
    body, byline_author = strip_bylines(article)
    body = drop_trailing_notices(body, options.boilerplate)
    body = drop_consent_notices(body, options.boilerplate)
    if form == "text":
        body = cut_at_late_opener(body, options.boilerplate)
    fields = merge(fields, {"author": byline_author, "url": trailing_source_link(blocks)})
    body_text = "\n".join(b.text for b in body)
    if sum(sg.tokens(b.text) for b in body) < options.min_text_tokens:   # (no token spans a line break)
        raise RejectError("extract", f"no article text found (under {options.min_text_tokens} tokens after boilerplate removal)")
    url = normalize_url(fields.get("url"))
    return {
        "doc_id": doc_id_for(source_file),
        "source_file": source_file,
        "content_sha256": hashlib.sha256(raw).hexdigest(),
        "raw_format": form,
        "charset": charset,
        "url": url,
        "site": fields.get("site") or site_of(url),
        "title": fields.get("title"),
        "author": fields.get("author"),
        "published_at": fields.get("published_at"),
        "categories": list(fields.get("categories") or []),
        "tags": list(fields.get("tags") or []),
        "lang": fields.get("lang") or detect_lang(body_text),
        "summary": fields.get("summary"),
        "text": body_text,
        "images": [{"url": im.url, "caption": im.caption} for im in article.images],
        "char_count": len(body_text),
    }


def parse_form(text: str, form: str, options: ExtractOptions) -> tuple[Article, list[Block], dict]:
    """The article, all blocks of the page, and the metadata its form carries (front matter, <meta>)."""
    if form == "html":
        return html_article(text, options)
    fields: dict = {}
    tokens = None
    if form.startswith("markdown"):
        body = text
        if form == "markdown+front_matter":
            meta, body, _problem = split_front_matter(text)
            fields, _problems = from_front_matter(meta, options)
        tokens = tokenize(body)
        blocks = unwrap_blocks(parse_markdown(body, options.limits.split_line_tokens, tokens))
    else:
        body = text
        blocks = parse_text(text, options.limits.max_line_chars, options.limits.split_line_tokens)
    article = classify(blocks, options.boilerplate)
    if options.boilerplate.dump_trafilatura:
        html = text_html(body) if form == "text" else markdown_html(body, tokens)
        o = options.boilerplate
        doc = trafilatura_tree(html, o.trafilatura_precision, o.trafilatura_fast)
        traf_blocks = split_paragraphs(unwrap_blocks(blocks_from_trafilatura(doc)), options.limits.split_line_tokens)
        article = arbitrate(article, traf_blocks, o, dump=True,
                            comments=unwrap_blocks(blocks_from_trafilatura(doc, "comments")), form=form_name(form),
                            page_tokens=sum(sg.tokens(b.text) for b in blocks), page_blocks=blocks)
    return article, blocks, fields


def form_name(form: str) -> str:
    """The arbiter's form: html, markdown (with or without front matter) or text."""
    return "markdown" if form.startswith("markdown") else form


def arbitrate(article: Article, traf_blocks: list[Block], o: BoilerplateOptions, dump: bool = False, *,
              comments: list[Block] = (), form: str = "html", page_tokens: int = 0,
              page_blocks: list[Block] = ()) -> Article:
    """The classifier's article, or trafilatura's whole result (``transforms.boilerplate.arbiter``):
    the shipped model decides where there is one (``o.arbiter_model``), else the hand-set rule
    ``keep_classifier``. ``comments``: trafilatura's comment section, one of the model's inputs.
    Whether trafilatura's article is trimmed: ``trims_edges``, then ``trim_choice``. ``page_blocks``:
    the page's blocks (an HTML page's DOM blocks, with container paths); trafilatura's article is
    widened over them (``widened``) where the model's expand head predicts a gain."""
    traf_body = trafilatura_body(traf_blocks, dump)
    comment_body = [b for b in comments if b.image is None and b.text.strip()]
    model = load_model("arbiter_model") if o.arbiter_model else None
    cjk = cjk_share("\n".join(b.text for b in article.body or traf_body))
    trim = trims_edges(dump, cjk, o)
    if model is not None:
        x = features(article.body, traf_body, comment_body, o, form=form, page_tokens=page_tokens)
        trim_gain = (lambda: model.trim.predict(x)) if model.trim is not None else None
        trim, gain = trim_choice(trim, cjk, model.choose.predict(x), trim_gain, o)
        use_ours = bool(article.body) and (not traf_body or gain > o.arbiter_margin or holds_trafilatura(x, o))
    else:
        use_ours = keep_classifier_rule(article, traf_body, o, dump)
    if use_ours:
        return article
    if trim:
        traf_body = trim_edges(traf_body, article.body, o, dump)
    head = model.expand_head(form) if model is not None else None
    if head is not None:
        wide = widened(traf_body, page_blocks, o, form=form, trimmed=trim, cjk=cjk)
        if wide is not None and head.predict(expand_features(x, traf_body, wide, o)) > o.expand_margin:
            traf_body = wide
    return Article(body=traf_body, header=article.header, images=[b.image for b in traf_blocks if b.image is not None],
                   dropped=article.dropped)


def widened(traf_body: list[Block], page_blocks: list[Block], o: BoilerplateOptions, *, form: str, trimmed: bool,
            cjk: float) -> list[Block] | None:
    """Trafilatura's article (as ``arbitrate`` has it, ``trimmed`` or not) widened over the page's
    blocks (``boilerplate.expand``), or None where the page gets no widened candidate: an HTML page's
    untrimmed article to its DOM container, a Markdown dump's trimmed article over the gaps between
    its blocks. Not on a page in a no-space script (the classifier's ground) and not on a text dump
    (filling its gaps lowered mean word F1 on every wcxb page type: the lines trafilatura dropped
    between its own are the dump's menus and teasers)."""
    if not page_blocks or cjk >= o.cjk_page_share:
        return None
    if form == "html" and not trimmed:
        return expand_to_container(traf_body, page_blocks, o.expand_share)
    if form == "markdown" and trimmed:
        return fill_span(traf_body, page_blocks, o.expand_gap)
    return None


def trim_choice(trim: bool, cjk: float, gain: float, trim_gain, o: BoilerplateOptions) -> tuple[bool, float]:
    """``(trim, gain)``: whether trafilatura's article is trimmed, and the classifier's predicted F1 gain
    over that article. ``gain``: the model's ``choose`` head (against the trimmed article where
    ``trim``); ``trim_gain``: a callable giving its ``trim`` head, F1(trimmed) - F1(untrimmed), or None.
    On a page not in a no-space script, trimming predicted to lose more than ``trim_margin`` (a
    listing, whose entries are not prose) is not done, and the gain is then over the whole article;
    a CJK page is always trimmed (left whole, a Chinese dump kept its menus).
    ``benchmarks/train_arbiter.py`` scores its cross-validation through this function too."""
    if trim and trim_gain is not None and cjk < o.cjk_page_share:
        t = trim_gain()
        if t <= o.trim_margin:
            return False, gain + t
    return trim, gain


def holds_trafilatura(x: list[float], o: BoilerplateOptions) -> bool:
    """The classifier's article holds all of trafilatura's text and little more (a heading, a
    caption): a tie on every dev set and form (mean F1 within 0.001 over the 280 such page-forms),
    where the classifier's cleaner cut stands."""
    cover, log_ratio = x[FEATURES.index("cover")], x[FEATURES.index("log_ratio")]
    return cover >= o.superset_tie_cover and log_ratio <= math.log(o.superset_tie_ratio)


def trims_edges(dump: bool, cjk: float, o: BoilerplateOptions) -> bool:
    """Trafilatura's article is trimmed (``trim_edges``) on a dump and on a no-space-script page: there
    it raised mean F1 on every dev set (dumps +0.03 to +0.09, Chinese html +0.01 to +0.02); on other
    HTML pages it lowered it (wcxb_dev -0.009, listings -0.07), so there it is left as it is. Where
    it applies, the model's trim head may still leave a page untrimmed (``arbitrate``)."""
    return o.trim_trafilatura_edges and (dump or cjk >= o.cjk_page_share)


def trim_edges(traf_body: list[Block], ours: list[Block], o: BoilerplateOptions, dump: bool = False) -> list[Block]:
    """Trafilatura's article without the non-prose lines above its first and below its last prose
    block that the classifier's article does not hold either: the menu, date line and "related"
    links trafilatura keeps on a dump or a small page. Headings, list items and table rows stay (a
    title, a section heading, the list or table a page is about).

    "Holds": most of the line's tokens are in the classifier's article; on a dump (lines are the
    same text in both opinions) the line itself must be in it too. A token bag alone lets a menu
    line through on a page in Thai, counted by letter, whose article holds every letter (dev dumps:
    +0.002 to +0.019 mean F1 on trafilatura's trimmed article; html pages keep the bag test)."""
    prose = [i for i, b in enumerate(traf_body) if is_prose(b, o)]
    if not prose:
        return traf_body
    ours_text = "\n".join(b.text for b in ours)
    ours_bag = bag(ours_text)
    flat = " ".join(ours_text.split()) if dump else ""

    def droppable(b: Block) -> bool:
        if b.kind in ("heading", "item", "cell"):
            return False
        return cut_from(bag(b.text), ours_bag) or (dump and " ".join(b.text.split()) not in flat)
    first, last = prose[0], prose[-1]
    keep_head = [b for b in traf_body[:first] if not droppable(b)]
    keep_tail = [b for b in traf_body[last + 1:] if not droppable(b)]
    return keep_head + traf_body[first:last + 1] + keep_tail


def trafilatura_body(traf_blocks: list[Block], dump: bool) -> list[Block]:
    """Trafilatura's text blocks; on a dump without the lines that are program code (an inline script
    or style a text or Markdown dump carries as a paragraph: trafilatura cannot tell it from prose
    there). A Markdown code block (kind ``code``) stays."""
    return [b for b in traf_blocks if b.image is None and b.text.strip()
            and not (dump and b.kind != "code" and sg.is_code(b.text))]


def keep_classifier_rule(article: Article, traf_body: list[Block], o: BoilerplateOptions, dump: bool) -> bool:
    """The hand-set rule (before the model): see ``arbiter.keep_classifier``."""
    ours = "\n".join(b.text for b in article.body)
    if ours.strip() and cjk_share(ours) >= o.cjk_page_share and o.cjk_min_cover <= 0:
        return True   # a CJK page: the classifier's article stands
    ours_bag = bag(ours)   # a trafilatura block is the classifier's when most of its tokens are there

    extra_prose = sum(sg.tokens(b.text) for b in traf_body if is_prose(b, o) and cut_from(bag(b.text), ours_bag))
    return keep_classifier(ours, "\n".join(b.text for b in traf_body), o, dump, extra_prose)


def html_article(html: str, options: ExtractOptions) -> tuple[Article, list[Block], dict]:
    """Two opinions on an HTML page, one trafilatura call: the classifier over the whole DOM, and the
    classifier over trafilatura's candidate text. Trafilatura's cleaner result is kept when it found
    about as much prose as the DOM run (agreement); with much less it missed the article, with much
    more it merged blocks or kept a sidebar, and the DOM run wins."""
    o = options.boilerplate
    html = clean_prologue(html)
    tree = page_tree(html)   # None where trafilatura refuses the page: then the walk has a tree of its own
    root = document_root(tree) if tree is not None else parse_html(html)
    raw_blocks = blocks_from_dom(root, WALK_DEPTH)
    dom_blocks = unwrap_blocks(raw_blocks)
    dom = classify(dom_blocks, o)
    cjk = cjk_share("\n".join(b.text for b in dom.body)) >= o.cjk_page_share
    comments = trafilatura_comments(cjk, o)
    doc = trafilatura_tree(tree, o.trafilatura_precision, o.trafilatura_fast, comments)
    traf_blocks = unwrap_blocks(blocks_from_trafilatura(doc))
    if o.trafilatura_fast and not cjk and under_extracted(traf_blocks, raw_blocks, o):
        # trafilatura's fast pass kept little of a page with much text: its fallbacks decide (a second
        # call, rare; not on a CJK page, where the classifier's article stands anyway)
        doc = trafilatura_tree(tree, o.trafilatura_precision, False, comments)
        traf_blocks = unwrap_blocks(blocks_from_trafilatura(doc))
    traf = classify(traf_blocks, o) if traf_blocks else None
    dom_prose = prose_tokens(dom, o)
    if traf is not None and o.agreement_share * dom_prose <= prose_tokens(traf, o) <= o.agreement_max * dom_prose:
        article, blocks = traf, traf_blocks
    else:
        article, blocks = dom, dom_blocks
    article = arbitrate(article, traf_blocks, o, comments=unwrap_blocks(blocks_from_trafilatura(doc, "comments")),
                        form="html", page_tokens=sum(sg.tokens(b.text) for b in raw_blocks), page_blocks=dom_blocks)
    fields = html_metadata(html, options, doc=root, lines=[b.text for b in raw_blocks if b.text])
    return article, blocks, fields


def trafilatura_comments(cjk: bool, o: BoilerplateOptions) -> bool:
    """Whether the trafilatura call on an HTML page extracts its comment section (a forum's posts, one
    of the arbiter's inputs). Not on a page whose classifier article is in a no-space script (``cjk``,
    decided before the call; unless ``cjk_comments``): the comment pass cost ~10 % of trafilatura's
    CPU on xmu_news_zh pages, and without it trafilatura's main text scores the same (.895 -> .896
    there, cleaneval_zh .809 -> .811). Its precision preset would save twice that but lost much of
    its opinion, the arbiter's fallback on such pages (.896 -> .773 on xmu_news_zh)."""
    return o.cjk_comments or not cjk


def under_extracted(traf_blocks: list[Block], page_blocks: list[Block], o: BoilerplateOptions) -> bool:
    """Trafilatura's text is under ``retry_share`` of the page's visible text (in tokens), or one
    merged run of text without structure."""
    page = sum(sg.tokens(b.text) for b in page_blocks)
    sizes = [sg.tokens(b.text) for b in traf_blocks]
    total = sum(sizes)
    merged = total > 300 and max(sizes) > 0.8 * total   # one unstructured run: the page's text merged
    return merged or total < o.retry_share * page


def prose_tokens(article: Article, o: BoilerplateOptions) -> int:
    """Tokens of the article's prose blocks: how much article text a run holds."""
    return sum(sg.tokens(b.text) for b in article.body if is_prose(b, o))


def merge(first: dict, second: dict) -> dict:
    """``first`` with its empty fields filled from ``second``."""
    out = dict(first)
    for k, v in second.items():
        if v not in (None, "", []) and out.get(k) in (None, "", []):
            out[k] = v
    return out


def dump_header_fields(article: Article, blocks: list[Block], options: ExtractOptions) -> dict:
    """Title, date, author and category from the lines just above the article in a dump.

    The date line (``2025-07-31 11:36:49 name 阅读:129``) gives the date and often the author; the
    title is the first heading above the article, else the line right above the date line (bylines
    between them skipped), else a line repeated there; a short label right above the title is its category when the page uses that
    label again (category labels recur in cards and lists; a breadcrumb's 正文 does not).
    """
    header = [b for b in article.header if b.image is None and b.text.strip()]
    lines = [b.text for b in header]
    published, date_idx = find_date(lines, options)
    author = parse_byline(lines[date_idx]) if date_idx is not None else None
    title_idx = _title_index(header, date_idx, options)
    title = clean_title(lines[title_idx]) if title_idx is not None else None
    categories = []
    if title_idx:
        above = header[title_idx - 1]
        if _is_label(above, options) and sg.line_counts(blocks)[sg.norm(above.text)] > 1:
            categories = [above.text.strip()]
    return {"published_at": published, "author": author, "title": title, "categories": categories}


def _is_label(block: Block, options: ExtractOptions) -> bool:
    """A short word-only line: a category or section label."""
    return 0 < sg.tokens(block.text) <= 6 and block.link_share <= options.boilerplate.link_share_max \
        and bool(_LABEL.fullmatch(block.text.strip()))


def _title_index(header: list[Block], date_idx: int | None, options: ExtractOptions) -> int | None:
    o = options.boilerplate
    headings = [i for i, b in enumerate(header) if b.kind == "heading"]
    if headings:
        return min(headings, key=lambda i: (header[i].level, i))

    def title_like(b: Block) -> bool:
        t = sg.tokens(b.text)
        return 4 <= t <= 60 and b.link_share <= o.link_share_max and not sg.is_meta_line(b.text, o.meta_rest_tokens) \
            and not sg.ends_like_sentence(b.text) and not sg.has_counter(b.text) and not sg.is_ui_line(b.text, o.ui_tokens)

    if date_idx is not None:  # the nearest title-like line above the date line, past bylines
        for i in range(date_idx - 1, -1, -1):
            if title_like(header[i]):
                return i
            if not sg.is_byline(header[i].text, o.byline_tokens):
                break
    seen: dict[str, int] = {}
    for i, b in enumerate(header):
        key = sg.norm(b.text)
        if key in seen and title_like(b):
            return seen[key]
        seen.setdefault(key, i)
    # the page's <title> line (headline + separator + site name) next to the bare headline
    texts = [b.text.strip() for b in header]
    for i, t in enumerate(texts):
        if title_like(header[i]) and any(_SUFFIXED.fullmatch(u[len(t):]) for u in texts if u != t and u.startswith(t)):
            return i
    return None


def strip_bylines(article: Article) -> tuple[list[Block], str | None]:
    """The body with a leading byline cut off its first paragraphs, and the author the bylines name."""
    author = None
    for b in [*article.header, *article.dropped]:
        author = author or (parse_byline(b.text) if b.image is None else None)
    body = list(article.body)
    for i, b in enumerate(body[:3]):
        rest, name = strip_byline(b.text)
        if name:
            author = author or name
            body[i] = replace(b, text=rest)
    return [b for b in body if b.text.strip()], author


def trailing_source_link(blocks: list[Block]) -> str | None:
    """A last block that is a lone short link (``[qq](https://...)``) names the source URL."""
    for b in reversed(blocks[-3:]):
        if b.image is None and len(b.links) == 1 and b.link_share > 0.9 and sg.tokens(b.text) <= 6:
            return source_link(f"[{b.text}]({b.links[0]})")
    return None
