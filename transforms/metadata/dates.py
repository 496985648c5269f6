"""Publication dates: parse one value, or find the date line among a page's header lines.

Formats understood (with or without a zone; a value without one gets
``options.default_tz_offset_minutes``): ``datetime``/``date`` objects (YAML gives these), ISO 8601
(``2025-02-13T21:10:08+08:00``, ``...Z``), ``2025-02-13 21:10:08``, ``2018/5/22``, ``2018.05.22``,
``2025年2月13日 21:10``, ``2025年02月13日08:21``, RFC 2822 (``Tue, 22 May 2018 08:15:00 +0800``),
English month names (``May 22, 2018``, ``22 May 2018``), and Unix epoch seconds/milliseconds.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

from transforms.options import ExtractOptions

_MIN_YEAR, _MAX_YEAR = 1990, 2100

# One date(+time) anywhere in a string. Groups: y, mo, d, h, mi, s, frac, zone.
_DATE_CORE = (
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:[T ]|\s*(?:星期|周)[一二三四五六日天]\s*)?\s*"
    r"(?:(?P<ampm>上午|下午|晚上|凌晨|中午)\s*)?"
    r"(?P<h>\d{1,2})\s*[:：时点]\s*(?P<mi>\d{1,2})(?:\s*[:：分]\s*(?P<s>\d{1,2})(?:\.(?P<frac>\d{1,6}))?)?\s*[秒分]?"
    r"(?:\s*(?P<zone>Z|[+-]\d{2}:?\d{2}|(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|UTC|GMT|CST|北京时间))?"
    r")?"
)
_DATE_RE = re.compile(_DATE_CORE, re.I)
_FULL_RE = re.compile(r"^\s*" + _DATE_CORE + r"\s*$", re.I)

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_EN_MDY = re.compile(
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})"
    r"(?:,?\s+(?:at\s+)?(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"(?:\s*(?P<zone>[ECMP][SD]T|UTC|GMT|BST|CES?T|[+-]\d{2}:?\d{2})\b)?)?", re.I)
_EN_DMY = re.compile(
    r"\b(?P<d>\d{1,2})\s+(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?P<y>(?:19|20)\d{2})"
    r"(?:,?\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:\s*(?P<zone>[ECMP][SD]T|UTC|GMT|BST|CES?T|[+-]\d{2}:?\d{2})\b)?)?", re.I)
_EPOCH = re.compile(r"^\s*(\d{10}|\d{13})\s*$")

# Header lines that announce a date.
_LABEL = re.compile(r"(发布时间|发表时间|发布日期|发表日期|更新时间|时间\s*[:：]|日期\s*[:：]|发表于|发布于|来源|本文来源|"
                    r"published|posted|updated|date\s*:)", re.I)
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")
_SENTENCE_END = re.compile(r"[。！？!?；;]\s*$")
_MODIFIED = re.compile(r"(更新|修改|modified|updated)", re.I)


def _tz(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _default_tz(options: ExtractOptions) -> timezone:
    return _tz(getattr(options, "default_tz_offset_minutes", 8 * 60))


def _zone(z: str | None, options: ExtractOptions) -> timezone:
    if not z:
        return _default_tz(options)
    z = z.strip().upper().replace(" ", "")
    if z in ("Z", "UTC", "GMT"):
        return timezone.utc
    if z in ("CST", "北京时间"):
        return _tz(8 * 60)
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", z)
    if not m:
        return _default_tz(options)
    sign = -1 if m.group(1) == "-" else 1
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 14 * 60:
        return _default_tz(options)
    return _tz(sign * minutes)


def _build(y, mo, d, h=None, mi=None, s=None, frac=None, ampm=None, zone=None, options=None) -> datetime | None:
    try:
        y, mo, d = int(y), int(mo), int(d)
        hh, mm, ss = int(h or 0), int(mi or 0), int(s or 0)
        if ampm:
            a = ampm.lower().replace(".", "")
            if a in ("pm", "下午", "晚上") and hh < 12:
                hh += 12
            elif a in ("am", "凌晨", "上午") and hh == 12:
                hh = 0
        if not (_MIN_YEAR <= y <= _MAX_YEAR):
            return None
        us = int((frac or "0").ljust(6, "0")[:6])
        return datetime(y, mo, d, hh, mm, ss, us, tzinfo=_zone(zone, options))
    except (ValueError, TypeError, OverflowError):
        return None


def _from_match(m: re.Match, options: ExtractOptions) -> datetime | None:
    g = m.groupdict()
    return _build(g["y"], g["mo"], g["d"], g.get("h"), g.get("mi"), g.get("s"), g.get("frac"),
                  g.get("ampm"), g.get("zone"), options)


# Zone abbreviations of English dates (``6:05 AM CDT``); in an English date CST is US Central time.
_EN_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
             "BST": 1, "CET": 1, "CEST": 2}


def _from_en(m: re.Match, options: ExtractOptions) -> datetime | None:
    g = m.groupdict()
    zone = (g.get("zone") or "").upper()
    dt = _build(g["y"], _MONTHS[g["mon"][:3].lower()], g["d"], g.get("h"), g.get("mi"), g.get("s"),
                None, g.get("ampm"), None if zone in _EN_ZONES else zone or None, options)
    if dt is not None and zone in _EN_ZONES:
        dt = dt.replace(tzinfo=_tz(_EN_ZONES[zone] * 60))
    return dt


def _aware(dt: datetime, options: ExtractOptions) -> datetime | None:
    if not (_MIN_YEAR <= dt.year <= _MAX_YEAR):
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=_default_tz(options))
    return dt


def parse_date(value, options: ExtractOptions) -> datetime | None:
    """Any single value -> an aware datetime, or None (never raises)."""
    try:
        return _parse(value, options)
    except Exception:  # noqa: BLE001 - a date we cannot read is simply absent
        return None


def _parse(value, options: ExtractOptions) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _aware(value, options)
    if isinstance(value, date):
        return _aware(datetime.combine(value, time()), options)
    if isinstance(value, (int, float)):
        value = str(int(value))
    if isinstance(value, (list, tuple)):
        for v in value:
            dt = _parse(v, options)
            if dt is not None:
                return dt
        return None
    if not isinstance(value, str):
        return None
    s = value.strip().replace("\u3000", " ").replace("\xa0", " ")
    if not s or len(s) > 200:
        return None
    m = _EPOCH.match(s)
    if m:
        n = int(m.group(1))
        if len(m.group(1)) == 13:
            n //= 1000
        return _aware(datetime.fromtimestamp(n, tz=timezone.utc), options)
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        return _aware(datetime.fromisoformat(iso), options)
    except ValueError:
        pass
    m = _FULL_RE.match(s)
    if m:
        return _from_match(m, options)
    for rx in (_EN_MDY, _EN_DMY):  # before the RFC 2822 parser, which drops "p.m." and US zones
        m = rx.search(s)
        if m and len(s) <= 60:
            return _from_en(m, options)
    try:
        dt = parsedate_to_datetime(s)
        if dt is not None:
            return _aware(dt, options)
    except (TypeError, ValueError, IndexError):
        pass
    # A short string with a date inside (``发布时间：2018-05-22 08:15``).
    if len(s) <= 60:
        m = _DATE_RE.search(s)
        if m:
            return _from_match(m, options)
    return None


def _line_candidates(line: str, options: ExtractOptions):
    for m in _DATE_RE.finditer(line):
        dt = _from_match(m, options)
        if dt is not None:
            yield dt, m, m.group("h") is not None
    for rx in (_EN_MDY, _EN_DMY):
        for m in rx.finditer(line):
            dt = _from_en(m, options)
            if dt is not None:
                yield dt, m, m.group("h") is not None


def find_date(lines: list[str], options: ExtractOptions) -> tuple[datetime | None, int | None]:
    """The publication date among header lines and the index of its line, or (None, None).

    Every line with a full date (year, month, day) is a candidate; a candidate scores higher when
    its line is labelled (``发布时间：``, ``来源：``), carries a time of day, and is short (a meta line,
    not a sentence of the article that mentions a date). Ties go to the earliest line.
    """
    best: tuple[float, int, datetime] | None = None
    for i, line in enumerate(lines or []):
        if not isinstance(line, str) or not line.strip():
            continue
        line = line.strip()
        for dt, m, has_time in _line_candidates(line, options):
            rest = (line[: m.start()] + line[m.end():]).strip()
            score = 0.0
            if _LABEL.search(line):
                score += 2
            if has_time:
                score += 2
            if len(rest) <= 40:
                score += 1
            if _SENTENCE_END.search(line) or len(rest) > 80:
                score -= 4          # a sentence of the article that mentions a date
            if _WEEKDAY.search(line) and not has_time:
                score -= 1          # today's date in a site header
            if _MODIFIED.search(line[: m.start()][-12:]):
                score -= 0.5        # prefer published over updated
            if score < 0:
                continue
            if best is None or score > best[0]:
                best = (score, i, dt)
    if best is None:
        return None, None
    return best[2], best[1]
