"""Checks on the raw bytes before anything parses them: compression, size caps, nesting depth.

``guard(raw, source_file, options)`` returns the bytes to decode, or raises ``RejectError`` with a
reason that names the limit that fired (the limits live in ``options.limits``).
"""
from __future__ import annotations

import re
import zlib

from transforms.options import ExtractOptions
from transforms.types import RejectError

_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
# Elements that nest by closing tags. Tags with implied ends (p, li, td, ...) never deepen a page.
_NESTING = rb"div|span|section|article|table|ul|ol|blockquote|font|center"
# [^<>]: a tag ends before the next "<" (with [^>], each of many unclosed "<div" scanned to the end: quadratic).
_TAG = re.compile(rb"<(/?)(" + _NESTING + rb")\b[^<>]*?(/?)>", re.I)
_LOOKS_HTML = re.compile(rb"<(?:html|body|div|p|span|table)\b", re.I)


def gunzip(raw: bytes, limit: int) -> bytes:
    """Decompress (gzip, possibly several members), stopping at ``limit`` bytes: a decompression bomb
    costs at most that much memory."""
    out, total = [], 0
    data = raw
    while data:
        d = zlib.decompressobj(wbits=31)
        pos = 0
        while pos < len(data):
            chunk = d.decompress(data[pos:pos + _CHUNK], limit + 1 - total)
            pos += _CHUNK
            while True:
                total += len(chunk)
                out.append(chunk)
                if total > limit:
                    raise RejectError("read", f"decompressed size is over the limit of {limit} bytes "
                                              "(limits.max_decompressed_bytes): a decompression bomb?")
                if not d.unconsumed_tail:
                    break
                chunk = d.decompress(d.unconsumed_tail, limit + 1 - total)
            if d.eof:
                break
        if not d.eof:
            raise RejectError("read", "gzip data is truncated or corrupt")
        data = d.unused_data.lstrip(b"\x00")
    return b"".join(out)


def too_deep(raw: bytes, limit: int) -> bool:
    """Nesting goes deeper than ``limit`` (a stray closing tag never takes the depth below 0)."""
    depth = 0
    for close, _name, self_closing in _TAG.findall(raw):
        if self_closing:
            continue  # <div/>
        if close:
            depth = depth - 1 if depth else 0
        else:
            depth += 1
            if depth > limit:
                return True
    return False


def flatten(raw: bytes, limit: int) -> bytes:
    """Drop the nesting tags below depth ``limit`` (their text stays): lxml's HTML parser silently
    loses whatever sits about 255 levels deep."""
    depth, out, last = 0, [], 0
    for m in _TAG.finditer(raw):
        if m.group(3):
            continue
        if m.group(1):
            keep = depth <= limit
            depth = max(0, depth - 1)
        else:
            depth += 1
            keep = depth <= limit
        if not keep:
            out.append(raw[last:m.start()])
            last = m.end()
    out.append(raw[last:])
    return b"".join(out)


def guard(raw: bytes, source_file: str, options: ExtractOptions) -> bytes:
    limits = options.limits
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gunzip(raw, limits.max_decompressed_bytes)
        except zlib.error as exc:
            raise RejectError("read", f"gzip data is corrupt ({exc})") from None
        if len(raw) > limits.max_file_bytes:
            raise RejectError("read", f"decompressed file is {len(raw)} bytes, over the limit of "
                                      f"{limits.max_file_bytes} bytes (limits.max_file_bytes)")
    if _LOOKS_HTML.search(raw[:65536]) and too_deep(raw, limits.max_html_depth):
        raw = flatten(raw, limits.max_html_depth)
    return raw
