"""Raw bytes -> text: BOM, declared charset, detected charset (charset-normalizer)."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from transforms.options import ExtractOptions
from transforms.types import RejectError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Chinese legacy charsets: read the superset so that a page declared gb2312 with GBK-only characters survives.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs", "cp936": "gb18030"}


def _norm(name: str) -> str | None:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


def _clean_ratio(text: str) -> float:
    """Share of characters that are not replacement or control characters."""
    if not text:
        return 1.0
    bad = text.count("\ufffd") + sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return 1.0 - bad / len(text)


def decode(raw: bytes, options: ExtractOptions) -> tuple[str, str]:
    """Return ``(text, charset)``. Raises ``RejectError('decode', ...)`` for binary content."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, errors="replace"), name
    head = raw[:4096]
    candidates: list[str] = []
    m = _META_CHARSET.search(head)
    if m:
        declared = _norm(m.group(1).decode("ascii", "ignore"))
        if declared:
            candidates.append(declared)
    candidates.append("utf-8")
    for name in candidates:
        try:
            return raw.decode(name), name
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw[:65536]).best()
    if best is not None:
        name = _norm(best.encoding) or best.encoding
        text = raw.decode(name, errors="replace")
        if _clean_ratio(text) > 0.97:
            return text, name
    # Mostly UTF-8 with a few invalid bytes: keep the page, replace the bad bytes.
    text = raw.decode("utf-8", errors="replace")
    if _clean_ratio(text) > 0.97:
        return text, "utf-8"
    raise RejectError("decode", "content is not text in any supported charset (binary file?)")
