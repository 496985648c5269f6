"""Metadata from an HTML page: <title>, <meta>, JSON-LD, <time>, canonical link, visible date text.

Order of trust, per field:

* url: ``<link rel=canonical>``, ``og:url``, JSON-LD ``url``/``mainEntityOfPage``, ``<meta name=url>``
  (absolute http(s) only; a relative canonical is resolved against og:url when there is one);
* title: an ``<h1>`` whose text is contained in ``og:title``/``<title>`` (the article's own title without
  the site suffix), else ``og:title``/JSON-LD ``headline``/``<title>``, cleaned by ``clean_title``;
* published_at: ``article:published_time`` and kin, JSON-LD ``datePublished``, ``<time datetime>``,
  ``itemprop=datePublished``, then a date line in the visible text (``发布时间：…``, ``2018年06月13日08:21
  来源：…``) found by ``find_date``;
* author: ``<meta name=author>``/``article:author``/JSON-LD ``author`` when it looks like a person, else a
  byline line in the visible text.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from transforms.forms.html import parse_html
from transforms.metadata.authors import parse_byline
from transforms.metadata.dates import find_date, parse_date
from transforms.metadata.titles import clean_title
from transforms.metadata.urls import normalize_url, site_of
from transforms.options import ExtractOptions

KEYS = ("title", "author", "published_at", "url", "site", "site_name", "categories", "tags", "summary")

# The comment browsers write into a saved page: <!-- saved from url=(0043)http://host/path -->
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.I)
_WS = re.compile(r"\s+")
_TAG_SPLIT = re.compile(r"(?<!\s)\s*[,，;；、|｜]\s*")  # (?<!\s): tried once per run of spaces, not from each
_DATE_KEYS = ("article:published_time", "og:article:published_time", "article:published_first",
              "article:publish_time", "og:published_time", "datepublished", "publishdate", "publish_date",
              "pubdate", "_pubtime", "publishtime", "publish-date", "dc.date.issued", "dc.date", "date",
              "sailthru.date", "parsely-pub-date", "weibo:article:create_at", "og:release_date")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author", "twitter:creator")
_URLISH = re.compile(r"^(?:https?:)?//|^www\.|\.(?:com|cn|net|org)\b|@", re.I)
_ORGISH = re.compile(r"(网|报|社|台|刊|站|频道|新闻|财经|日报|晚报|杂志|公司|集团|中心|编辑部|综合|网络|科技|传媒|admin|editor|staff|\.com)$", re.I)
_SKIP_TEXT = {"script", "style", "noscript", "template", "head", "title", "select", "option", "textarea"}
_BLOCK = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "span", "section",
          "article", "header", "footer", "time", "dd", "dt", "table", "ul", "ol", "em", "font", "strong", "b", "i", "a"}
_MAX_TEXT_LINES = 400


def _empty() -> dict:
    return {k: ([] if k in ("categories", "tags") else None) for k in KEYS}


def _text(el) -> str:
    try:
        return _WS.sub(" ", "".join(el.itertext())).strip()
    except Exception:  # noqa: BLE001
        return ""


def _metas(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in doc.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").strip().lower()
        val = m.get("content")
        if key and val is not None and val.strip() and key not in out:
            out[key] = _WS.sub(" ", val).strip()
    return out


def _jsonld(doc) -> list[dict]:
    items: list[dict] = []

    def walk(x, depth=0):
        if depth > 6:
            return
        if isinstance(x, list):
            for y in x:
                walk(y, depth + 1)
        elif isinstance(x, dict):
            items.append(x)
            if "@graph" in x:
                walk(x["@graph"], depth + 1)

    for s in doc.iter("script"):
        if (s.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (s.text or "").strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw, strict=False))
        except (ValueError, RecursionError):
            continue
    articles = [i for i in items if re.search(r"article|posting|report|webpage|newsarticle",
                                               str(i.get("@type", "")), re.I)]
    return articles or items


def _ld_str(v) -> str | None:
    if isinstance(v, str):
        return _WS.sub(" ", v).strip() or None
    if isinstance(v, list):
        for x in v:
            s = _ld_str(x)
            if s:
                return s
    if isinstance(v, dict):
        return _ld_str(v.get("name") or v.get("@id") or v.get("url"))
    return None


def _person(value) -> str | None:
    if not value:
        return None
    v = _WS.sub(" ", str(value)).strip().strip("@")
    if not v or len(v) > 40 or _URLISH.search(v) or _ORGISH.search(v):
        return None
    by = parse_byline(v)
    if by:
        return by
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,10}|[A-Z][A-Za-z'.-]+(?: [A-Z][A-Za-z'.-]+){1,3}", v):
        return v
    return None


def _visible_lines(doc) -> list[str]:
    """Visible text of the body as lines (block elements break lines), capped."""
    body = doc.find("body")
    root = body if body is not None else doc
    lines: list[str] = []
    buf: list[str] = []

    def flush():
        s = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        if s:
            lines.append(s)

    def walk(el, depth=0):
        if len(lines) >= _MAX_TEXT_LINES or depth > 200:
            return
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _SKIP_TEXT:
            if el.tail:
                buf.append(el.tail)
            return
        block = tag.lower() in _BLOCK and tag.lower() not in ("span", "em", "font", "strong", "b", "i", "a")
        if block:
            flush()
        if isinstance(el.tag, str) and el.text:
            buf.append(el.text)
        for child in el:
            walk(child, depth + 1)
        if block:
            flush()
        if el.tail:
            buf.append(el.tail)

    try:
        walk(root)
    except RecursionError:
        pass
    flush()
    return lines


def html_metadata(html: str, options: ExtractOptions, doc=None, lines: list[str] | None = None) -> dict:
    """Keys: title, author, published_at, url, site, site_name, categories, tags, summary.

    A caller that has parsed the page already passes its tree (``doc``) and the page's visible
    lines (``lines``) so that neither is computed twice."""
    out = _empty()
    if not isinstance(html, str) or not html.strip():
        return out
    if doc is None:
        try:
            doc = parse_html(html)
        except Exception:  # noqa: BLE001
            doc = None
    if doc is None:
        return out
    metas = _metas(doc)
    ld = _jsonld(doc)

    def ld_get(*keys):
        for item in ld:
            for k in keys:
                if k in item:
                    s = _ld_str(item[k])
                    if s:
                        return s
        return None

    # site name
    out["site_name"] = metas.get("og:site_name") or metas.get("application-name") or ld_get("publisher")

    # url
    og_url = normalize_url(metas.get("og:url"))
    url = None
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            href = link.get("href").strip()
            url = normalize_url(href) or (normalize_url(urljoin(og_url, href)) if og_url else None)
            if url:
                break
    saved = _SAVED_FROM.search(html[:4096])
    candidates = [url, og_url, normalize_url(ld_get("url", "mainEntityOfPage")), normalize_url(metas.get("url")),
                  normalize_url(metas.get("twitter:url")), normalize_url(saved.group(1)) if saved else None]
    candidates = [c for c in candidates if c]
    # A canonical/og:url that is the site's home page (a common template mistake) names the site, not the
    # article: a deeper candidate wins; with none, the page has no URL of its own but keeps its site.
    articles = [c for c in candidates if urlsplit(c).path not in ("", "/") or urlsplit(c).query]
    url = articles[0] if articles else None
    out["url"] = url
    if not candidates:  # <base href="http://host/"> still names the site
        base = doc.find(".//base")
        if base is not None and base.get("href"):
            candidates = [c for c in [normalize_url(base.get("href"))] if c]
    out["site"] = site_of(url or (candidates[0] if candidates else None))

    # title
    raw_title = None
    t = doc.find(".//title")
    if t is not None:
        raw_title = _text(t)
    full = metas.get("og:title") or ld_get("headline") or metas.get("twitter:title") or raw_title
    title = None
    for h in doc.iter("h1"):
        ht = _text(h)
        if len(ht) >= 4 and any(ht in (x or "") for x in (full, raw_title)):
            title = clean_title(ht, out["site_name"])
            break
    out["title"] = title or clean_title(full, out["site_name"]) or clean_title(raw_title, out["site_name"])

    # published_at
    published = None
    for k in _DATE_KEYS:
        if k in metas:
            published = parse_date(metas[k], options)
            if published:
                break
    if published is None:
        published = parse_date(ld_get("datePublished", "dateCreated"), options)
    if published is None:
        for el in doc.iter("time"):
            published = parse_date(el.get("datetime") or _text(el), options)
            if published:
                break
    if published is None:
        for el in doc.xpath('//*[@itemprop="datePublished"]'):
            published = parse_date(el.get("content") or el.get("datetime") or _text(el), options)
            if published:
                break
    if published is None:
        lines = lines if lines is not None else _visible_lines(doc)
        published, _ = find_date(lines, options)
    elif published.time() == datetime.min.time():
        # A <meta> date without a time of day: the page's own date line often has the time.
        lines = lines if lines is not None else _visible_lines(doc)
        visible, _ = find_date(lines, options)
        if visible is not None and visible.date() == published.date() and visible.time() != datetime.min.time():
            published = visible
    out["published_at"] = published

    # author
    author = None
    for k in _AUTHOR_KEYS:
        author = _person(metas.get(k))
        if author:
            break
    if author is None:
        for item in ld:
            a = item.get("author")
            author = _person(_ld_str(a)) if a else None
            if author:
                break
    if author is None:
        if lines is None:
            lines = _visible_lines(doc)
        for ln in lines[:_MAX_TEXT_LINES]:
            if len(ln) <= 60:
                author = parse_byline(ln)
                if author:
                    break
    # A <meta name=author> that names the site itself (``网易`` on ``…_网易财经``) is not a person.
    site_hint = " ".join(x for x in (raw_title.replace(out["title"] or "\0", " ") if raw_title else "",
                                     out["site_name"] or "", metas.get("og:site_name") or "") if x)
    if author and author in site_hint:
        author = None
    out["author"] = author

    # categories, tags, summary
    cats = []
    for k in ("article:section", "og:article:section", "section", "category"):
        if metas.get(k):
            cats.append(metas[k])
    ld_sec = ld_get("articleSection")
    if ld_sec:
        cats.append(ld_sec)
    out["categories"] = list(dict.fromkeys(c for c in cats if c))
    tags: list[str] = []
    for m in doc.iter("meta"):
        if (m.get("property") or "").lower() in ("article:tag", "og:article:tag") and m.get("content"):
            tags.append(m.get("content").strip())
    kw = metas.get("keywords") or metas.get("news_keywords") or ld_get("keywords")
    if kw:
        parts = _TAG_SPLIT.split(kw) if _TAG_SPLIT.search(kw) else kw.split()
        tags.extend(p.strip() for p in parts)
    out["tags"] = list(dict.fromkeys(t for t in tags if t and len(t) <= 40))[:50]
    out["summary"] = metas.get("description") or metas.get("og:description") or ld_get("description")
    return out
