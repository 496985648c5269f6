"""The one typed options object passed down through every transform.

No transform reads globals or the environment: a caller builds an ``ExtractOptions`` (or takes
``DEFAULT_OPTIONS``) and passes it down. Thresholds of the boilerplate classifier and the safety
limits live here, with their defaults, so that a benchmark or a test can vary them explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Limits:
    """Safety limits. When one fires, the file becomes a reject whose reason names the limit."""

    max_file_bytes: int = 32 * 1024 * 1024          # raw (or decompressed) bytes of one file
    max_decompressed_bytes: int = 64 * 1024 * 1024  # after gunzip (decompression-bomb cap)
    max_html_depth: int = 200                      # deeper nesting is flattened (lxml drops text ~255 deep)
    max_line_chars: int = 200_000                  # a longer single line is cut before block parsing
    split_line_tokens: int = 200                   # a dump's line this long is cut into sentences and menu
                                                   # entries (navigation and article run into one line)
    per_file_seconds: float = 30.0                 # wall time for one file (enforced by the shell)


@dataclass(frozen=True)
class BoilerplateOptions:
    """Thresholds of the block classifier (``transforms.boilerplate``), tuned on the shared dev set.

    Lengths are in scorer tokens: one per CJK character, one per Latin word or number.
    """

    min_prose_tokens: int = 8          # a sentence-like line shorter than this does not count as prose
    long_line_tokens: int = 40         # a line this long with >= 2 inner marks is prose without a final mark
    max_tokens_per_mark: int = 25     # a long line with fewer marks than one per this many tokens is not prose
    nonprose_base: float = 3.0         # every non-prose line costs this much ...
    nonprose_per_token: float = 0.5    # ... plus this much per token
    link_share_max: float = 0.5        # a block whose link text share is above this is a link block
    link_per_token: float = 1.0        # a link block costs this much per token (plus the base)
    repeat_penalty: float = 4.0        # extra cost of a non-prose line that occurs more than once on the page
    sidebar_opener_tokens: int = 10    # a sidebar opener (相关文章, 热门, ...) is at most this long
    sidebar_cut_share: float = 0.25    # ... and ends the article once this share of the run's prose is above it
    sidebar_resume_share: float = 0.3  # ... unless this share of the run's prose, in at least
    sidebar_resume_blocks: int = 2     # this many prose blocks, still follows it (a mid-article "Read more:")
    byline_tokens: int = 30            # a byline/credit line is at most this long
    notice_tokens: int = 150           # a copyright notice / disclaimer paragraph is at most this long
    trailing_notice_tokens: int = 40   # the article's last lines that are notices this short are cut, whoever chose it
    consent_tokens: int = 200          # a cookie / consent banner paragraph is at most this long (cut, whoever chose it)
    late_opener_share: float = 0.7     # a text dump's article ends at a sidebar label with this share of its tokens above
    meta_rest_tokens: int = 6          # a date/counter line has at most this many other tokens
    ui_tokens: int = 8                 # a share/print control line is at most this long
    container_share: float = 0.8      # HTML: the article container holds this share of the run's prose
    duplicate_key_tokens: int = 20     # a prose block whose first or last this-many tokens repeat an earlier one is dropped
    caption_tokens: int = 40           # text right after an image, at most this long, is its caption
    agreement_share: float = 0.95     # HTML: trafilatura's article is kept if its prose is at least this share ...
    agreement_max: float = 1.1        # ... and at most this multiple of the DOM run's prose (grid: 1.1-1.6)
    header_lines: int = 8              # lines above the article searched for title, date, author
    # trafilatura is the floor (transforms.boilerplate.arbiter): the classifier's article stands when ...
    min_cover: float = 0.9             # ... it holds this share of trafilatura's tokens ...
    min_support: float = 0.5           # ... and trafilatura holds this share of its tokens,
    min_superset_cover: float = 0.9    # or it holds this share of trafilatura's tokens with at most
    max_superset_ratio: float = 2.0    # ... this multiple of trafilatura's tokens;
    cut_min_support: float = 0.9       # or trafilatura holds this share of its tokens and what it cut
    cut_max_prose: float = 0.15        # ... holds prose of at most this share of its tokens;
    dump_min_cover: float = 0.3        # a dump: it stands when it holds this share of trafilatura's tokens;
    cjk_page_share: float = 0.3        # on a page whose article is at least this share CJK characters ...
    cjk_min_cover: float = 0.0         # ... it stands when it holds this share of trafilatura's tokens (or more tokens)
    trafilatura_precision: bool = False  # trafilatura's preset: favor_precision (False: its default, balanced) ...
    trafilatura_fast: bool = True      # ... without its readability/justext fallbacks (fast)
    cjk_comments: bool = False         # a CJK html page: trafilatura's comment section extracted (off: cheaper, same main text)
    retry_share: float = 0.2           # HTML: a fast pass that kept under this share of the page's tokens is redone with fallbacks
    arbiter_model: bool = True         # the shipped model (arbiter_model.json) decides classifier vs trafilatura
    arbiter_margin: float = 0.0        # ... the classifier's article stands when its predicted F1 gain is above this
    superset_tie_cover: float = 0.99   # ... and it stands when it holds this share of trafilatura's tokens
    superset_tie_ratio: float = 1.3    # ... with at most this multiple of them (a tie on the dev sets)
    trim_trafilatura_edges: bool = True  # dumps, CJK pages: trafilatura's article loses edge lines the classifier cut too,
    trim_margin: float = -0.02         # ... unless the model's trim head predicts trimming loses more than this F1 (a listing)
    expand_share: float = 0.8          # HTML: trafilatura's article widened to the deepest container holding this share of it ...
    expand_margin: float = 0.05        # ... where the model's expand head predicts a gain above this F1 (boilerplate.expand)
    expand_gap: int = 10               # a Markdown dump: its trimmed article's gaps of at most this many blocks filled (same head)
    dump_trafilatura: bool = True      # text/Markdown dumps: ask trafilatura too (the dump made minimal HTML)


@dataclass(frozen=True)
class DedupOptions:
    """Duplicate detection (``transforms.dedup``). Lengths are in scorer tokens."""

    threshold: float = 0.8        # Jaccard similarity of shingle sets above which two bodies are near duplicates
    num_perm: int = 128           # MinHash permutations (the signature: 4 bytes each)
    shingle: int = 4              # tokens per shingle (the shared scorer's size too)
    fp_weight: float = 0.3        # LSH band/row choice (datasketch's optimal parameters): candidates are
    fn_weight: float = 0.7        # ... confirmed by the signature, so missed pairs weigh more than extra ones
    seed: int = 1
    edge_paragraphs: int = 3      # the body's trimmings are looked for in this many paragraphs at the top (twice at the end)
    edge_tokens: int = 15         # up to edge_paragraphs paragraphs shorter than this at either end are not body
    byline_tokens: int = 30       # a credit line (source/editor/reporter) at most this long is not body
    notice_tokens: int = 400      # a copyright/disclaimer paragraph at most this long is not body
    min_body_tokens: int = 30     # a body shorter than this: the whole text is used

    def with_(self, **changes) -> "DedupOptions":
        return replace(self, **changes)


@dataclass(frozen=True)
class ExtractOptions:
    """Everything a transform may need to know. Frozen: derive variants with ``.with_(...)``."""

    default_tz_offset_minutes: int = 8 * 60   # Chinese pages that give no zone are China time
    other_tz_offset_minutes: int = 0          # ... a page without Chinese text that gives none: UTC
    chinese_min_han: int = 20                 # Han characters in a page's first 20,000 characters that make it Chinese
    min_text_tokens: int = 8                  # less article text than this, in tokens of its script (a letter of
                                              # Han/kana/Thai, a word of a spaced script; transforms.scripts) -> reject
    keep_headings: bool = True
    boilerplate: BoilerplateOptions = field(default_factory=BoilerplateOptions)
    limits: Limits = field(default_factory=Limits)
    dedup: DedupOptions = field(default_factory=DedupOptions)

    def with_(self, **changes) -> "ExtractOptions":
        return replace(self, **changes)


DEFAULT_OPTIONS = ExtractOptions()
