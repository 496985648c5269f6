import re

import pytest

from transforms.metadata.urls import normalize_url, site_of, source_link


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://new.qq.com/rain/a/20250213A08NBW00", "https://new.qq.com/rain/a/20250213A08NBW00"),
        ("HTTP://Economy.Caijing.com.cn/20180522/4456553.shtml#top", "http://economy.caijing.com.cn/20180522/4456553.shtml"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:80/a?b=1", "http://example.com/a?b=1"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("  http://example.com/a b  ", "http://example.com/ab"),
        ("http://例子.中国/路径", "http://xn--fsqu00a.xn--fiqs8s/路径"),
    ],
)
def test_normalize(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "../../outside", "/rain/a/1", "javascript:alert(1)", "mailto:a@b.com", "ftp://example.com/x",
        "file:///etc/passwd", "//cdn.example.com/x.js", "http://", "http://localhost/x", "http://exa mple..com/",
        "http://-bad-.com/", "http://user:pw@example.com/", "http://1.2.3/", "http://999.1.1.1/", None, 42, "",
        "data:text/html,hi", "http://example.com:99999/",
    ],
)
def test_rejected(raw):
    assert normalize_url(raw) is None


@pytest.mark.parametrize(
    "raw, site",
    [
        ("https://new.qq.com/rain/a/20250213A08NBW00", "new.qq.com"),
        ("http://WWW.Example.COM./x", "www.example.com"),
        ("http://例子.中国/", "xn--fsqu00a.xn--fiqs8s"),
        ("https://example.com:8443/a", "example.com"),
    ],
)
def test_site_of(raw, site):
    assert site_of(raw) == site


@pytest.mark.parametrize("raw", ["../../outside", "javascript:void(0)", "http://../etc", "http://a/b", "new.qq.com", None])
def test_site_of_rejects(raw):
    assert site_of(raw) is None


def test_site_is_always_path_safe():
    for raw in ["http://EXAMPLE.com/", "https://a-b.c-d.org", "http://例子.中国/", "http://1.2.3.4/"]:
        s = site_of(raw)
        assert s and re.fullmatch(r"[a-z0-9.-]+", s) and ".." not in s and not s.startswith(".")


@pytest.mark.parametrize(
    "line, url",
    [
        ("[qq](https://new.qq.com/rain/a/20250213A08NBW00)", "https://new.qq.com/rain/a/20250213A08NBW00"),
        ("  [原文链接](http://example.com/a)  ", "http://example.com/a"),
        ('[source](https://example.com/a "title")', "https://example.com/a"),
    ],
)
def test_source_link(line, url):
    assert source_link(line) == url


@pytest.mark.parametrize(
    "line",
    [
        "see [qq](https://new.qq.com/rain/a/1) for more",
        "[这是一个非常长的链接文字，它其实是一个相关阅读列表里面的文章标题而不是来源标注](https://example.com/a)",
        "![图片](https://inews.gtimg.com/x.jpg)",
        "[qq](../../outside)",
        "[a](https://x.com/1) [b](https://y.com/2)",
        "plain text",
        None,
    ],
)
def test_not_source_link(line):
    assert source_link(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "[广告刊例 Advertising](http://app.example.com/?app=article&controller=bottomLink&action=published)",
        "[更多>>](http://www.example.com.cn/21dnn/lastweek.asp)",
        "[Powered by BlogDriver 2.1](http://www.example.com/)",
        "[示例商城](http://store.example.com/)",
        "[关于我们](http://www.example.com/about.html)",
        "  * [qq](https://new.qq.com/rain/a/20250213A08NBW00)",  # a list item, not a source line
    ],
)
def test_site_furniture_links_are_not_source_links(line):
    assert source_link(line) is None
