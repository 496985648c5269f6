from datetime import datetime, timedelta, timezone

from transforms.metadata.html_meta import KEYS, html_metadata
from transforms.options import DEFAULT_OPTIONS

O = DEFAULT_OPTIONS
CN = timezone(timedelta(hours=8))

FULL = """<!DOCTYPE html><html lang="zh-CN"><head>
<meta charset="utf-8">
<title>央行：保持流动性合理充裕_经济频道_示例财经网</title>
<meta property="og:title" content="央行：保持流动性合理充裕_经济频道_示例财经网">
<meta property="og:site_name" content="示例财经网">
<meta property="og:url" content="https://finance.example.cn/2025/0213/123.html">
<link rel="canonical" href="https://finance.example.cn/2025/0213/123.html?from=canonical">
<meta property="article:published_time" content="2025-02-13T09:30:00+08:00">
<meta name="author" content="王小明">
<meta name="keywords" content="央行,流动性，货币政策">
<meta name="description" content="央行表示将保持流动性合理充裕。">
<meta property="article:section" content="宏观">
</head><body>
<div class="nav">首页 | 财经 | 科技</div>
<h1>央行：保持流动性合理充裕</h1>
<p>正文第一段。</p>
</body></html>"""


def test_all_keys_present_on_empty_input():
    md = html_metadata("", O)
    assert set(md) == set(KEYS)
    assert md["categories"] == [] and md["tags"] == [] and md["title"] is None


def test_full_head():
    md = html_metadata(FULL, O)
    assert md["url"] == "https://finance.example.cn/2025/0213/123.html?from=canonical"  # canonical beats og:url
    assert md["site"] == "finance.example.cn"
    assert md["site_name"] == "示例财经网"
    assert md["title"] == "央行：保持流动性合理充裕"
    assert md["published_at"] == datetime(2025, 2, 13, 9, 30, tzinfo=CN)
    assert md["author"] == "王小明"
    assert md["tags"] == ["央行", "流动性", "货币政策"]
    assert md["categories"] == ["宏观"]
    assert md["summary"] == "央行表示将保持流动性合理充裕。"


def test_og_url_when_no_canonical_and_relative_canonical_resolved():
    html = '<html><head><meta property="og:url" content="http://news.example.com/a/1.html"><link rel="canonical" href="/a/1.html"></head><body><p>x</p></body></html>'
    assert html_metadata(html, O)["url"] == "http://news.example.com/a/1.html"
    html = '<html><head><link rel="canonical" href="../../outside"></head><body><p>x</p></body></html>'
    md = html_metadata(html, O)
    assert md["url"] is None and md["site"] is None


def test_json_ld():
    html = """<html><head><title>x</title><script type="application/ld+json">
    {"@context":"https://schema.org","@type":"NewsArticle","headline":"Rates held steady",
     "datePublished":"2025-03-01T10:00:00Z","author":{"@type":"Person","name":"Jane Doe"},
     "url":"https://news.example.org/rates","publisher":{"@type":"Organization","name":"Example News"}}
    </script></head><body><p>Body.</p></body></html>"""
    md = html_metadata(html, O)
    assert md["published_at"] == datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert md["author"] == "Jane Doe"
    assert md["url"] == "https://news.example.org/rates"
    assert md["site_name"] == "Example News"
    assert md["title"] == "Rates held steady"


def test_time_element():
    html = '<html><body><h1>Title here</h1><time datetime="2024-12-01T08:00:00+08:00">12月1日</time><p>x</p></body></html>'
    assert html_metadata(html, O)["published_at"] == datetime(2024, 12, 1, 8, 0, tzinfo=CN)


def test_chinese_date_and_byline_in_visible_text():
    html = """<html><head><title>新能源车销量创新高-示例新闻网</title></head><body>
    <div>2025年2月14日 星期五</div>
    <h1>新能源车销量创新高</h1>
    <div class="info"><span>发布时间：2025年2月13日 21:10</span> <span>来源：示例日报</span></div>
    <div>记者 李明</div>
    <p>截至2025年1月31日，新能源车累计销量同比增长三成，业内人士认为这一趋势还将延续。</p>
    </body></html>"""
    md = html_metadata(html, O)
    assert md["published_at"] == datetime(2025, 2, 13, 21, 10, tzinfo=CN)
    assert md["author"] == "李明"
    assert md["title"] == "新能源车销量创新高"


def test_meta_author_that_is_the_site_is_dropped():
    html = '<html><head><title>调查显示本科生就业比例下降_示例财经</title><meta name="author" content="示例"></head><body><p>x</p></body></html>'
    assert html_metadata(html, O)["author"] is None


def test_garbage_does_not_raise():
    for junk in ["<<<>>>", "<html><head><meta property='og:url' content='javascript:alert(1)'></head></html>", "\x00\x01", "<?xml version='1.0' encoding='gbk'?><html><body><p>中文</p></body></html>"]:
        md = html_metadata(junk, O)
        assert md["url"] is None


def test_meta_date_without_time_refined_by_visible_date_line():
    html = """<html><head><meta name="publishdate" content="2018-05-29"></head><body>
    <h1>标题在这里</h1><div>2018年05月29日08:14 来源：示例日报</div><p>正文。</p></body></html>"""
    assert html_metadata(html, O)["published_at"] == datetime(2018, 5, 29, 8, 14, tzinfo=CN)


def test_meta_date_without_time_kept_when_visible_date_is_another_day():
    html = """<html><head><meta name="publishdate" content="2018-05-29"></head><body>
    <div>2018年05月30日 10:00 来源：示例日报</div><p>正文。</p></body></html>"""
    assert html_metadata(html, O)["published_at"] == datetime(2018, 5, 29, tzinfo=CN)


def test_home_page_canonical_loses_to_article_og_url():
    html = ('<html><head><link rel="canonical" href="https://www.example.com/">'
            '<meta property="og:url" content="https://www.example.com/news/2024/1.html"></head><body><p>x</p></body></html>')
    md = html_metadata(html, O)
    assert md["url"] == "https://www.example.com/news/2024/1.html" and md["site"] == "www.example.com"


def test_home_page_canonical_alone_gives_site_but_no_url():
    html = '<html><head><link rel="canonical" href="https://www.example.com/"></head><body><p>x</p></body></html>'
    md = html_metadata(html, O)
    assert md["url"] is None and md["site"] == "www.example.com"


def test_saved_from_comment_and_base_href():
    html = '<!-- saved from url=(0038)http://bbs.example.com/thread/123.html --><html><head></head><body><p>x</p></body></html>'
    md = html_metadata(html, O)
    assert md["url"] == "http://bbs.example.com/thread/123.html" and md["site"] == "bbs.example.com"
    html = '<html><head><base href="http://bbs.example.com/"></head><body><p>x</p></body></html>'
    md = html_metadata(html, O)
    assert md["url"] is None and md["site"] == "bbs.example.com"
