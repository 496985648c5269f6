"""Property tests: the metadata functions and decode never raise on arbitrary input, and keep their contracts."""
import re
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.decode import decode
from transforms.frontmatter import split_front_matter
from transforms.metadata.authors import parse_byline, strip_byline
from transforms.metadata.dates import find_date, parse_date
from transforms.metadata.front_matter import from_front_matter
from transforms.metadata.html_meta import html_metadata
from transforms.metadata.lang import detect_lang
from transforms.metadata.titles import clean_title
from transforms.metadata.urls import normalize_url, site_of, source_link
from transforms.options import DEFAULT_OPTIONS as O
from transforms.types import RejectError

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
CN_TEXT = st.text(alphabet="2018年5月22日-/: 发布时间来源记者作者文【】（）阮佳琪 http://a.b/ [qq]() 阅读0123456789", max_size=80)
YAMLISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT | st.dates() | st.datetimes(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, CN_TEXT, YAMLISH))
def test_parse_date_total(value):
    got = parse_date(value, O)
    assert got is None or (isinstance(got, datetime) and got.tzinfo is not None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TEXT, CN_TEXT), max_size=8))
def test_find_date_total(lines):
    dt, idx = find_date(lines, O)
    assert (dt is None) == (idx is None)
    if idx is not None:
        assert 0 <= idx < len(lines)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, CN_TEXT))
def test_bylines_total(line):
    name = parse_byline(line)
    assert name is None or (isinstance(name, str) and name.strip() == name and name)
    rest, who = strip_byline(line)
    assert isinstance(rest, str)
    assert who is None or len(rest) <= len(line)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, CN_TEXT), st.one_of(st.none(), TEXT))
def test_clean_title_total(title, site):
    got = clean_title(title, site)
    assert got is None or (got and got == got.strip() and "  " not in got)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, CN_TEXT, st.from_regex(r"https?://[a-zA-Z0-9.\-\u4e00-\u9fff]{0,20}(:\d{0,6})?/[^\s]{0,20}", fullmatch=True)))
def test_urls_total_and_site_is_path_safe(url):
    norm = normalize_url(url)
    assert norm is None or norm.startswith(("http://", "https://"))
    site = site_of(url)
    assert site is None or (re.fullmatch(r"[a-z0-9.-]+", site) and ".." not in site and not site.startswith("."))
    source_link(url)
    source_link(f"[x]({url})")


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_detect_lang_total(text):
    got = detect_lang(text)
    assert got is None or re.fullmatch(r"[a-z]{2,3}", got)


@settings(max_examples=100, deadline=None)
@given(st.one_of(TEXT, st.builds(lambda a, b: f"<html><head><title>{a}</title><meta name='author' content='{b}'></head><body><p>{a}</p></body></html>", TEXT, TEXT)))
def test_html_metadata_total(html):
    md = html_metadata(html, O)
    assert isinstance(md["categories"], list) and isinstance(md["tags"], list)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.one_of(st.text(max_size=12), st.sampled_from(["title", "date", "tags", "url", "author", "lang", "categories", "summary", "thumbnail"])), YAMLISH, max_size=8))
def test_from_front_matter_total(meta):
    fields, problems = from_front_matter(meta, O)
    assert isinstance(problems, list)
    assert isinstance(fields["tags"], list) and all(isinstance(t, str) for t in fields["tags"])
    assert fields["title"] is None or isinstance(fields["title"], str)


@settings(max_examples=200, deadline=None)
@given(st.one_of(TEXT, st.builds(lambda a: "---\n" + a + "\n---\nbody", TEXT)))
def test_split_front_matter_total(text):
    meta, body, problem = split_front_matter(text)
    assert isinstance(meta, dict) and isinstance(body, str)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decode_total(raw):
    try:
        text, charset = decode(raw, O)
    except RejectError as exc:
        assert exc.reject.stage == "decode" and exc.reject.reason
        return
    assert isinstance(text, str) and "\r" not in text and charset
