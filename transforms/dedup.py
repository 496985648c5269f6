"""Duplicate detection, the pure part: text -> fingerprint (exact key, MinHash signature, LSH band keys),
and the grouping rules. No file system, DuckDB or Prefect here (``flows/dedup.py`` does the lookups).

Tokens are the shared scorer's: one per CJK ideograph or kana, one per run of other letters or digits
in any script, lower-cased. Shingles are runs of ``DedupOptions.shingle`` consecutive tokens inside a
paragraph (a line of the article text), so moving paragraphs around does not change the set; a
paragraph shorter than a shingle is one shingle.

The fingerprint is computed on the article *body*: credit lines, notices (copyright, disclaimer, "reprint
with permission") and the short paragraphs at either end (titles repeated in the text, "source: X",
"editor: Y", share prompts) are left out, so a long shared disclaimer or another portal's byline does not
make two different articles look alike, and a syndicated copy with another site's trimmings still
matches. When that leaves too little, the whole text is used.

- **exact**: the hash of the whole text's tokens (NFKC, lower case; whitespace and punctuation fold away),
  so a page landed as HTML and as a text dump has the same key whenever the same text was extracted.
- **near**: a MinHash signature (rensa's ``RMinHash``: 8-10x faster than datasketch here, see
  ``benchmarks/dedup.py``) banded for the Jaccard threshold with datasketch's optimal parameters;
  a candidate that shares a band is confirmed by the Jaccard estimated from the whole signature.

Grouping: a document's ``dup_group`` is the ``doc_id`` of its group's first member (order: ``ingested_at``,
then ``doc_id``), its own id when it matches nothing earlier; ``dup_kind`` says how a later member
matched (``exact`` or ``near``) and is null for the first member and for unique documents.
"""
from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np

from transforms.boilerplate import signals as sg
from transforms.options import DedupOptions

# The shared scorer's tokens (tools/score_extraction.py), verbatim.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")

EXACT = "exact"
NEAR = "near"
EXACT_BAND = -1        # the exact key is stored as one more "band" row


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def _paragraph_tokens(text: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in text.splitlines():
        toks = tokens(line)
        if toks:
            out.append((line, toks))
    return out


def body_paragraphs(text: str, options: DedupOptions) -> list[list[str]]:
    """The tokens of the body's paragraphs.

    Looked at only near either end (the first ``edge_paragraphs`` and the last ``2 * edge_paragraphs``
    paragraphs, where sites put their trimmings): a sidebar opener there (相关阅读, Related stories) ends
    the body; credit lines and notices (copyright, disclaimer, reprint notes) there are dropped; and up
    to ``edge_paragraphs`` short paragraphs (under ``edge_tokens``) at each end are trimmed. When that
    leaves fewer than ``min_body_tokens`` tokens, the short paragraphs are kept; when even that is too
    little, the whole text is used."""
    paras = _paragraph_tokens(text)
    n, edge = len(paras), options.edge_paragraphs
    head_end, tail_start = min(edge, n), max(n - 2 * edge, 0)

    def trimming(line: str, toks: list[str]) -> bool:
        return ((len(toks) <= options.byline_tokens and sg.is_byline(line, options.byline_tokens))
                or (len(toks) <= options.notice_tokens and sg.is_copyright(line)))

    end = n
    for i in range(max(tail_start, 1), n):
        line, toks = paras[i]
        if len(toks) <= options.byline_tokens and sg.is_sidebar_opener(line, options.byline_tokens):
            end = i
            break
    kept = [toks for i, (line, toks) in enumerate(paras[:end])
            if not ((i < head_end or i >= tail_start) and trimming(line, toks))]
    lo, hi = 0, len(kept)
    while lo < hi and lo < edge and len(kept[lo]) < options.edge_tokens:
        lo += 1
    while hi > lo and len(kept) - hi < edge and len(kept[hi - 1]) < options.edge_tokens:
        hi -= 1
    body = kept[lo:hi]
    if sum(map(len, body)) >= options.min_body_tokens:
        return body
    if sum(map(len, kept)) >= options.min_body_tokens:  # a short article: keep its short lines, not the notices
        return kept
    return [toks for _, toks in paras]


def normalized(text: str) -> str:
    """The text with case, width (NFKC), whitespace and punctuation folded: its tokens, one space apart."""
    return " ".join(tokens(text if text.isascii() else unicodedata.normalize("NFKC", text)))


def shingles(paragraphs: Iterable[list[str]], k: int) -> list[str]:
    out: list[str] = []
    for toks in paragraphs:
        if len(toks) < k:
            out.append(" ".join(toks))
        else:
            out.extend(map(" ".join, zip(*(toks[i:] for i in range(k)))))
    return out


def _int64(digest: bytes) -> int:
    return struct.unpack("<q", digest)[0]


@lru_cache(maxsize=32)
def band_params(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    """(bands, rows per band) minimising the weighted false positive and negative areas (datasketch's
    ``MinHashLSH`` optimal-parameter search)."""
    from datasketch.lsh import _optimal_param
    return tuple(int(x) for x in _optimal_param(threshold, num_perm, fp_weight, fn_weight))


@dataclass(frozen=True)
class Fingerprint:
    exact: int                 # int64 hash of the normalised text
    sig: bytes                 # the MinHash signature, num_perm little-endian uint32
    keys: tuple[int, ...]      # one int64 key per LSH band

    def band_rows(self) -> list[tuple[int, int]]:
        """(band, key) rows as stored: the exact key as band -1, then the LSH bands 0..b-1."""
        return [(EXACT_BAND, self.exact)] + list(enumerate(self.keys))


def signature(shingle_list: list[str], options: DedupOptions) -> np.ndarray:
    from rensa import RMinHash
    m = RMinHash(num_perm=options.num_perm, seed=options.seed)
    if shingle_list:
        m.update(shingle_list)
    return np.asarray(m.digest(), dtype="<u4")


def band_keys(sig: np.ndarray, bands: int, rows: int) -> tuple[int, ...]:
    raw = sig.astype("<u4", copy=False).tobytes()
    width = rows * 4
    return tuple(_int64(hashlib.blake2b(raw[i * width:(i + 1) * width], digest_size=8,
                                        person=b"band%04d" % i).digest()) for i in range(bands))


def fingerprint(text: str, options: DedupOptions) -> Fingerprint:
    norm = normalized(text)
    if not norm:  # no token at all (symbols only): exact only when byte-identical, never near
        return Fingerprint(_int64(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8,
                                                  person=b"raw").digest()), b"", ())
    exact = _int64(hashlib.blake2b(norm.encode("utf-8"), digest_size=8, person=b"exact").digest())
    body = body_paragraphs(text, options)
    sig = signature(shingles(body, options.shingle), options)
    b, r = band_params(options.threshold, options.num_perm, options.fp_weight, options.fn_weight)
    return Fingerprint(exact, sig.tobytes(), band_keys(sig, b, r))


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """The Jaccard similarity estimated from two signatures: the share of equal minima."""
    a, b = np.frombuffer(sig_a, dtype="<u4"), np.frombuffer(sig_b, dtype="<u4")
    if a.size != b.size or a.size == 0:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


# --- grouping -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """What grouping needs to know of a document, stored or new."""

    doc_id: str
    order: tuple            # (ingested_at, doc_id): the earliest is the group's first member
    exact: int
    sig: bytes
    group: str | None = None  # its dup_group (None: not yet assigned)
    kind: str | None = None


def relation(a: Member, b: Member, threshold: float) -> str | None:
    """exact, near, or None: how a matches b."""
    if a.exact == b.exact and a.sig == b.sig:
        return EXACT
    if similarity(a.sig, b.sig) >= threshold:
        return NEAR
    return None


def choose(doc: Member, candidates: Iterable[Member], threshold: float) -> tuple[str, str | None]:
    """(dup_group, dup_kind) of ``doc`` given the earlier documents it shares a band key with: the group
    of the earliest confirmed one; ``exact`` when some confirmed member of that group is exact."""
    confirmed = []
    for c in candidates:
        if c.doc_id == doc.doc_id:
            continue
        rel = relation(doc, c, threshold)
        if rel:
            confirmed.append((c.order, c, rel))
    if not confirmed:
        return doc.doc_id, None
    confirmed.sort(key=lambda t: t[0])
    group = confirmed[0][1].group or confirmed[0][1].doc_id
    kind = EXACT if any(rel == EXACT and (c.group or c.doc_id) == group for _, c, rel in confirmed) else NEAR
    return group, kind


def assign_batch(new: list[tuple[str, tuple, Fingerprint]], stored: Mapping[str, Member],
                 hits: Mapping[str, Iterable[str]], threshold: float) -> dict[str, tuple[str, str | None]]:
    """Groups for a batch of new documents ``(doc_id, order, fingerprint)``.

    ``stored`` holds the lake's documents that share a key with some new one (with their groups);
    ``hits[doc_id]`` names those a new document shares a key with. New documents also match each
    other: they are taken in order, each against the stored hits and the earlier new ones with a
    common key."""
    out: dict[str, tuple[str, str | None]] = {}
    seen_keys: dict[tuple[int, int], list[str]] = {}
    members: dict[str, Member] = {}
    for doc_id, order, fp in sorted(new, key=lambda t: t[1]):
        me = Member(doc_id, order, fp.exact, fp.sig)
        cands = {d: stored[d] for d in hits.get(doc_id, ()) if d in stored}
        for bk in fp.band_rows():
            for other in seen_keys.get(bk, ()):
                cands[other] = members[other]
            seen_keys.setdefault(bk, []).append(doc_id)
        group, kind = choose(me, cands.values(), threshold)
        out[doc_id] = (group, kind)
        members[doc_id] = Member(doc_id, order, fp.exact, fp.sig, group, kind)
    return out


def regroup(members: Iterable[Member], threshold: float) -> dict[str, tuple[str, str | None]]:
    """Groups for the members left when a group's first member left it (its text changed, it became a
    reject): in order, each joins the earliest new first member it matches, or starts a group."""
    roots: list[Member] = []
    out: dict[str, tuple[str, str | None]] = {}
    for m in sorted(members, key=lambda m: m.order):
        for r in roots:
            rel = relation(m, r, threshold)
            if rel:
                out[m.doc_id] = (r.doc_id, rel)
                break
        else:
            roots.append(m)
            out[m.doc_id] = (m.doc_id, None)
    return out
