"""Raw bytes -> text: binary sniffing, BOM, UTF-8, Chinese legacy charsets, declared charset, detection.

Order of evidence (strongest first):

1. magic numbers / NUL bytes: images, PDF, archives, executables are rejected (stage ``decode``);
2. a byte order mark (UTF-8, UTF-16, UTF-32);
3. strict UTF-8: non-ASCII bytes that happen to form valid UTF-8 are almost never anything else, so
   UTF-8 wins over a declared ``gb2312``/``iso-8859-1`` that is wrong;
4. UTF-8 with a few invalid bytes (a truncated or corrupted character) stays UTF-8, the bad bytes replaced;
5. GB18030 (superset of GBK/GB2312) and Big5: a strict decode is scored by how many of its Han characters
   are *common* characters (GB2312 level 1 / Big5 level 1); real text scores near 1, text decoded with
   the wrong one of the two about 0.5. This does not depend on the text's length, so a short GBK page is
   not mistaken for something else (charset detectors often get a few lines of GBK wrong);
6. the declared ``<meta charset>`` when it decodes strictly, then charset-normalizer, then UTF-8 with
   replacement if the result is still mostly clean.

Line endings are normalised to ``\\n``.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from transforms.options import ExtractOptions
from transforms.types import RejectError

_META_CHARSET = re.compile(rb"""<meta[^<>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^<>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Chinese legacy charsets: read the superset so that a page declared gb2312 with GBK-only characters survives.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs",
             "cp950": "big5hkscs", "big5hkscs": "big5hkscs", "cp936": "gb18030", "hz": "gb18030"}
_CJK_FAMILY = {"gb18030", "big5hkscs"}
_OTHER_MULTIBYTE = {"euc_kr", "cp949", "johab", "shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "euc_jp",
                    "euc_jis_2004", "euc_jisx0213", "iso2022_jp", "iso2022_kr"}

# (magic bytes, offset, what it is)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"), (b"\xff\xd8\xff", 0, "JPEG image"), (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"), (b"%PDF-", 0, "PDF document"), (b"PK\x03\x04", 0, "zip archive (or docx/xlsx/epub)"),
    (b"PK\x05\x06", 0, "zip archive"), (b"\x1f\x8b", 0, "gzip-compressed file"), (b"BZh", 0, "bzip2-compressed file"),
    (b"\xfd7zXZ\x00", 0, "xz-compressed file"), (b"7z\xbc\xaf\x27\x1c", 0, "7z archive"), (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x7fELF", 0, "ELF executable"), (b"MZ", 0, None), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "MS Office (OLE) document"),
    (b"WEBP", 8, "WebP image"), (b"WAVE", 8, "WAV audio"), (b"AVI ", 8, "AVI video"), (b"ftyp", 4, "MP4/MOV video"),
    (b"ID3", 0, "MP3 audio"), (b"OggS", 0, "Ogg media"), (b"\x00\x00\x01\x00", 0, "ICO image"),
    (b"wOFF", 0, "WOFF font"), (b"wOF2", 0, "WOFF2 font"), (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd-compressed file"),
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_MAX_SCORED_HAN = 20000    # enough characters to score a charset
_MIN_HAN_TO_SCORE = 4      # fewer Han characters than this: too few to score, prefer GB18030
_COMMON_OK = 0.85          # share of common characters that a real Chinese text reaches
_SAMPLE_BYTES = 256 * 1024  # charset decisions on a large file look at its head only
_MAX_BAD_UTF8 = 0.05       # invalid sequences per decoded non-ASCII character still read as UTF-8


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
    bad = text.count("\ufffd") + len(_CTRL.findall(text))
    return 1.0 - bad / len(text)


def _sniff_binary(raw: bytes) -> None:
    for magic, offset, what in _MAGIC:
        if raw[offset:offset + len(magic)] == magic:
            if what is None:  # "MZ": only an executable when a PE header follows
                if b"PE\x00\x00" not in raw[:1024]:
                    continue
                what = "Windows executable"
            raise RejectError("decode", f"binary content ({what}), not a text page")
    head = raw[:65536]
    nul = head.count(b"\x00")
    if nul and nul / len(head) > 0.01 and not _utf16_guess(head):
        raise RejectError("decode", f"binary content: {nul} NUL bytes in the first {len(head)} bytes, not a text page")


def _utf16_guess(head: bytes) -> str | None:
    """UTF-16 without a BOM: NUL bytes in every other position of ASCII-heavy text."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _common_share(text: str, charset: str) -> tuple[float, int]:
    """Share of Han characters that are level-1 (common) characters of ``charset``'s national standard."""
    han = _HAN.findall(text)
    if not han:
        return 0.0, 0
    n_all = len(han)
    han = han[:_MAX_SCORED_HAN]
    common = 0
    for c in han:
        try:
            if charset == "gb18030":
                b = c.encode("gb2312")
                common += 0xB0 <= b[0] <= 0xD7
            else:
                b = c.encode("big5")
                common += 0xA4 <= b[0] <= 0xC6
        except UnicodeEncodeError:
            continue
    return common / len(han), n_all


def _strict(raw: bytes, name: str) -> str | None:
    try:
        return raw.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None


def _lenient_cjk(raw: bytes, name: str) -> str | None:
    """A CJK decoding that tolerates a handful of bad bytes (a truncated last character, a stray byte)."""
    text = raw.decode(name, errors="replace")
    bad = text.count("\ufffd")
    return text if bad <= max(2, len(text) // 500) else None


def _chinese(raw: bytes, declared: str | None) -> tuple[str, str] | None:
    """Pick GB18030 or Big5 by the share of common characters; None if neither reads as Chinese."""
    scored = []
    for name in ("gb18030", "big5hkscs"):
        text = _strict(raw, name)
        strict = text is not None
        if text is None:
            text = _lenient_cjk(raw, name)
        if text is None:
            continue
        share, n_han = _common_share(text, name)
        non_ascii = _non_ascii(text)
        han_density = n_han / non_ascii if non_ascii else 0.0
        scored.append((share, n_han, han_density, name, text, strict))
    if not scored:
        return None
    if declared is not None and declared not in _CJK_FAMILY and declared not in ("utf-8", "ascii") \
            and all(n < _MIN_HAN_TO_SCORE for _, n, _, _, _, _ in scored):
        return None  # a few "Han" characters against a declared Latin-1 page: ``Café`` decodes as GBK too
    # Highest share of common characters wins; a declared charset gets a small bonus; ties go to GB18030.
    scored.sort(key=lambda s: (round(s[0] + (0.05 if s[3] == declared else 0.0), 2), round(s[2], 2), s[1]), reverse=True)
    share, n_han, density, name, text, strict = scored[0]
    if n_han < _MIN_HAN_TO_SCORE:
        # Too few characters for a share: accept only a strict decode made entirely of common characters.
        return (text, name) if strict and n_han and share == 1.0 and density > 0.5 else None
    if share >= _COMMON_OK and density > 0.5:
        return text, name
    return None


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def _sample(raw: bytes) -> bytes:
    """The head of a large file, cut on a line break so no character is split: enough to decide."""
    if len(raw) <= _SAMPLE_BYTES:
        return raw
    cut = raw.rfind(b"\n", 0, _SAMPLE_BYTES)
    return raw[: cut if cut > _SAMPLE_BYTES // 2 else _SAMPLE_BYTES]


def _normalise(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


def decode(raw: bytes, options: ExtractOptions) -> tuple[str, str]:
    """Return ``(text, charset)``. Raises ``RejectError('decode', ...)`` for binary content."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return _normalise(raw[len(bom):].decode(name, errors="replace")), name
    _sniff_binary(raw)
    u16 = _utf16_guess(raw[:65536]) if b"\x00" in raw[:65536] else None
    if u16:
        text = raw.decode(u16, errors="replace")
        if _clean_ratio(text) > 0.97:
            return _normalise(text), u16
        raise RejectError("decode", "content looks like UTF-16 but does not decode as text")

    head = raw[:4096]
    declared = None
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if m:
        declared = _norm(m.group(1).decode("ascii", "ignore"))

    # Strict UTF-8 (ASCII included).
    text = _strict(raw, "utf-8")
    if text is not None:
        return _normalise(text), "utf-8"

    # Mostly UTF-8 with a few invalid bytes: keep UTF-8, replace the bad bytes.
    loose = raw.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    good_non_ascii = _non_ascii(loose) - bad
    if good_non_ascii >= 10 and bad <= max(8, _MAX_BAD_UTF8 * good_non_ascii):
        return _normalise(loose), "utf-8"

    # A declared Japanese/Korean multibyte charset that reads the bytes strictly is believed: their byte
    # ranges overlap GB2312's (EUC-KR Hangul lands on GB2312 level-1 Han), so scoring cannot tell.
    if declared in _OTHER_MULTIBYTE:
        text = _strict(raw, declared)
        if text is not None:
            return _normalise(text), declared

    # Chinese legacy charsets, scored.
    picked = _chinese(_sample(raw), declared)
    if picked is not None:
        name = picked[1]
        text = raw.decode(name, errors="replace") if len(raw) > _SAMPLE_BYTES else picked[0]
        return _normalise(text), name

    # The declared charset, if it reads the bytes.
    if declared and declared not in ("utf-8", "ascii"):
        text = _strict(raw, declared)
        if text is not None and _clean_ratio(text) > 0.99:
            return _normalise(text), declared

    best = from_bytes(raw[:65536]).best()
    # UTF-16/32 without NUL bytes is a detector's fancy, not the truth.
    if best is not None and best.encoding and not best.encoding.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
        name = _norm(best.encoding) or best.encoding
        try:
            text = raw.decode(name, errors="replace")
        except LookupError:
            text = ""
        if text and _clean_ratio(text) > 0.97:
            return _normalise(text), name
    text = _strict(raw, "gb18030")
    if text is not None and _HAN.search(text):
        return _normalise(text), "gb18030"
    if _clean_ratio(loose) > 0.97:
        return _normalise(loose), "utf-8"
    raise RejectError("decode", "content is not text in any supported charset (binary file?)")
