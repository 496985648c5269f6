"""Bylines: recognise a byline line and strip a leading byline from a paragraph.

Shapes recognised (general, not per site):

* bracketed: ``【文/观察者网 阮佳琪】``, ``（记者 张三）``, ``[作者：李四]`` -> the person (an organisation
  named before the person is dropped);
* labelled: ``作者：X``, ``文/X``, ``文｜X``, ``记者 X``, ``本报记者 X 通讯员 Y``, ``撰文：X``;
* a meta line: ``2025-07-31 11:36:49 快照小生 阅读:129`` (date, name, view count), ``张三 2018-06-12 20:47``;
* English: ``By Jane Doe``, ``By Jane Doe and John Smith, Reuters``.

Precision first: the name must look like a name (2-4 Chinese characters, a transliterated name with
``·``, a nickname on a date/view-count line, or capitalised Latin words) and a normal sentence is
never a byline.
"""
from __future__ import annotations

import re

_CJK = r"\u4e00-\u9fff\u3400-\u4dbf"
_DATE = (r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
         r"(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?")
_COUNT = r"(?:阅读|浏览|点击|阅读量|浏览量|人气|评论|views?|reads?)\s*(?:数|次数)?\s*[:：]?\s*\d+\s*(?:次)?"

_CN_NAME = re.compile(rf"^(?:[{_CJK}]{{2,4}}|[{_CJK}]{{1,8}}[·•．.][{_CJK}]{{1,8}}(?:[·•．.][{_CJK}]{{1,8}})?)$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’\-]*\.?(?:\s+(?:[A-Z][A-Za-z'’\-]*\.?|van|von|de|da|del|der|di|le|la)){0,4}$")
_NICK = re.compile(rf"^[{_CJK}A-Za-z0-9_\-·.]{{2,20}}$")
# Words that make a "name" an organisation, a role or a plain word instead of a person.
_NOT_PERSON = re.compile(
    r"(星期|礼拜|^周[一二三四五六日]$|記者|編輯|來源|新聞|報導|公司|集团|中心|频道|新闻|综合|网友|楼主|名家|供稿|客户端|网络|科技|传媒|工作室|财经|日报|晚报|周刊|杂志|\bapp\b|来源|本报|本刊|"
    r"编辑|记者|通讯员|作者|实习生|责编|原创|转载|未知|匿名|佚名|\badmin\b|管理员|小编|首页|评论|阅读|分享|返回|更多|热门|"
    r"图片|视频|发布|时间|日期|今天|昨天|专栏|栏目|据|称|表示|认为|指出|透露|报道)", re.I)
_ORG_SUFFIX = re.compile(r"^.{2,}(网|網|报|報|社|台|臺|刊|站|局|院|厅|廳|委|部)$")
_TRAILER = re.compile(r"^(报道|摄|摄影|/摄|整理|编译|供稿|发自\S*)$")
_ORG_END = re.compile(r"(网|报|社|台|刊|站|APP|app|新闻|财经|日报|晚报|周刊|杂志|客户端|观察|时报)$")

_LABEL = r"(?:本报记者|本刊记者|特约记者|见习记者|实习记者|新华社记者|记者|記者|作者|撰文|撰稿|采写|文字|口述|整理|文|By|by|BY)"
_SEP = r"\s*[/／:：|｜]\s*"
_BRACKET = re.compile(r"^\s*[【\[（(]\s*([^【】\[\]（）()]{2,60}?)\s*[】\]）)]")
_LABELLED = re.compile(rf"^\s*{_LABEL}(?:{_SEP}|\s+)(.+)$")
_ENGLISH = re.compile(r"^\s*(?:written\s+)?by\s+(.+)$", re.I)
_DATE_NAME_COUNT = re.compile(rf"^\s*{_DATE}\s+(\S+(?:\s+\S+)?)\s+{_COUNT}\s*$", re.I)
_DATE_NAME = re.compile(rf"^\s*{_DATE}\s+(\S{{2,20}})\s*$")
_NAME_DATE = re.compile(rf"^\s*([^\d\s]{{2,10}})\s*{_DATE}\s*$")
_AFTER_LABEL_STOP = re.compile(rf"(?<!\s)\s*(?:通讯员|实习生|编辑|责编|责任编辑|摄影|来源|校对|审核|{_DATE}|{_COUNT}).*$", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:[、,，;；]|\s+and\s+|\s+)\s*")
_MAX_LINE = 60
_EMPHASIS = re.compile(r"^[*_]+|[*_]+$")
# ``記者林志明／台北報導``, ``记者王刚/北京报道``: label, name, slash, place, 报道.
_REPORTED = re.compile(rf"^\s*(?:本报|本報|特约|特約)?(?:记者|記者)\s*([{_CJK}]{{2,3}})\s*[/／]\s*[{_CJK}]{{1,8}}(?:报道|報導|电|電)\s*$")
# A meta line (``2024年12月20日 09:30 来源：示例日报 作者：孙晓梅``) with a labelled author inside it.
_META_HINT = re.compile(rf"{_DATE}|来源|來源|发布|發布")
_INNER_LABEL = re.compile(r"(?:^|\s)(?:作者|记者|記者|撰文|文)\s*[:：/／]\s*(\S+(?:\s+\S+)?)")


def _is_cn_name(s: str) -> bool:
    return bool(_CN_NAME.match(s)) and not _NOT_PERSON.search(s) and not _ORG_SUFFIX.match(s)


def _is_latin_name(s: str) -> bool:
    return bool(_LATIN_NAME.match(s)) and 1 <= len(s.split()) <= 5 and not _NOT_PERSON.search(s)


def _names(chunk: str, strict: bool = True) -> str | None:
    """``观察者网 阮佳琪`` -> ``阮佳琪``; ``张三、李四`` -> ``张三、李四``; ``Jane Doe, Reuters`` -> ``Jane Doe``."""
    chunk = _AFTER_LABEL_STOP.sub("", chunk).strip().strip("】])）,，。.;；:：")
    if not chunk:
        return None
    # Latin names: "Jane Doe and John Smith, Reuters"
    if re.match(r"^[A-Za-z]", chunk):
        parts = [p.strip() for p in re.split(r"\s*(?:,|;|\band\b|&)\s*", chunk) if p.strip()]
        people = [p for p in parts if _is_latin_name(p)]
        # stop at the first non-name part (an organisation after the comma)
        out = []
        for i, p in enumerate(parts):
            if p in people and (i == 0 or len(p.split()) > 1):  # "Jane Doe, Reuters": one word after a comma is an outlet
                out.append(p)
            else:
                break
        return ", ".join(out) if out else None
    tokens = [t for t in _NAME_SPLIT.split(chunk) if t]
    # An organisation before the person (``观察者网 阮佳琪``) is dropped.
    while len(tokens) > 1 and _ORG_END.search(tokens[0]):
        tokens = tokens[1:]
    people = []
    i = 0
    while i < len(tokens) and _is_cn_name(tokens[i]):
        people.append(tokens[i])
        i += 1
    if not people or len(people) > 4:
        return None
    if strict and any(not _TRAILER.match(t) for t in tokens[i:]):
        return None  # "记者 张三 今天上午，…" is a sentence, not a byline
    return "、".join(people)


def parse_byline(line) -> str | None:
    """The person's name if ``line`` is a byline, else None."""
    if not isinstance(line, str):
        return None
    s = line.strip().replace("\u3000", " ").replace("\xa0", " ")
    s = _EMPHASIS.sub("", s).strip()  # **作者：X**
    if not s or len(s) > _MAX_LINE:
        return None
    m = _BRACKET.match(s)
    if m and m.end() >= len(s.rstrip()) - 1:
        inner = m.group(1)
        lm = _LABELLED.match(inner)
        if lm:
            return _names(lm.group(1))
        return None
    m = _REPORTED.match(s)
    if m and _is_cn_name(m.group(1)):
        return m.group(1)
    m = _DATE_NAME_COUNT.match(s)
    if m:
        name = m.group(1).strip()
        if _NICK.match(name) and not _NOT_PERSON.search(name) or _is_cn_name(name):
            return name
        return None
    m = _ENGLISH.match(s)
    if m and m.group(1)[:1].isupper():
        return _names(m.group(1))
    m = _LABELLED.match(s)
    if m:
        rest = m.group(1)
        # "文/X" needs its separator: "文章..." or "文 化..." is not a byline.
        label = s[: m.start(1)].strip()
        if label.startswith("文") and not re.search(_SEP + r"$", s[: m.start(1)]) and label in ("文",):
            return None
        return _names(rest)
    m = _DATE_NAME.match(s)
    if m and _is_cn_name(m.group(1)):
        return m.group(1)
    if _META_HINT.search(s):
        m = _INNER_LABEL.search(s)
        if m:
            name = _names(m.group(1), strict=False)
            if name:
                return name
    m = _NAME_DATE.match(s)
    if m and _is_cn_name(m.group(1).strip()):
        return m.group(1).strip()
    return None


_LEAD_BRACKET = re.compile(r"^\s*[【\[（(]\s*([^【】\[\]（）()]{2,40}?)\s*[】\]）)]\s*")
_LEAD_LABELLED = re.compile(
    rf"^\s*(?:本报记者|本刊记者|特约记者|记者|作者|撰文|文)\s*[/／:：|｜]\s*([{_CJK}]{{2,4}}(?:[、 ][{_CJK}]{{2,4}}){{0,2}})\s+")
_DATELINE = re.compile(rf"^\s*([{_CJK}\w]{{0,20}}(?:讯|电))\s*[（(]\s*((?:本报|特约|见习|实习)?记者[^（）()]{{2,30}})\s*[）)]\s*")


def strip_byline(paragraph) -> tuple[str, str | None]:
    """Remove a LEADING byline from a paragraph: ``(rest, name)``; ``(paragraph, None)`` if none.

    ``【文/观察者网 熊超然】中国人工智能…`` -> ``("中国人工智能…", "熊超然")``. A paragraph that is
    nothing but a byline gives ``("", name)``. A dateline (``新华社北京2月13日电（记者 张三）``) keeps
    its place name and loses only the parenthesis.
    """
    if not isinstance(paragraph, str):
        return paragraph, None
    whole = parse_byline(paragraph)
    if whole is not None:
        return "", whole
    m = _LEAD_BRACKET.match(paragraph)
    if m:
        lm = _LABELLED.match(m.group(1))
        if lm:
            name = _names(lm.group(1))
            if name:
                return paragraph[m.end():].lstrip(), name
        return paragraph, None
    m = _DATELINE.match(paragraph)
    if m:
        lm = _LABELLED.match(m.group(2))
        name = _names(lm.group(1)) if lm else None
        if name:
            return (m.group(1) + " " + paragraph[m.end():].lstrip()).strip(), name
        return paragraph, None
    m = _LEAD_LABELLED.match(paragraph)
    if m:
        name = _names(m.group(1))
        if name and len(paragraph) - m.end() >= 10:
            return paragraph[m.end():].lstrip(), name
    return paragraph, None
