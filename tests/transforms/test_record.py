"""record.extract: assembly of the record from each raw form (small inline pages)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from transforms import Reject, extract

KEYS = {"doc_id", "source_file", "content_sha256", "raw_format", "charset", "url", "site", "title", "author",
        "published_at", "categories", "tags", "lang", "summary", "text", "images", "char_count"}
P1 = "据报道，在启程前往巴黎人工智能行动峰会之前，美国开放人工智能研究中心的首席执行官再次赞赏中国初创公司。"
P2 = "当地时间周二公布的这期节目中，他直言对新挑战者的出现并不感到意外，但出现的时机确实让他大吃一惊。"
P3 = "他还坦言，他每天都在担心被快速追击者凭借更具可持续性的业务后来者居上，希望这种事情不会发生。"


def test_text_dump_header_becomes_metadata_and_sidebar_is_cut():
    dump = "\n".join([
        "首页", "资讯", "业界动态", "", "峰会前夕的表态与回应", "",
        "2025-07-31 11:36:49 快照小生 阅读:129", "峰会前夕的表态与回应", "",
        P1, "", P2, "", P3, "", "相关文章", "", "另一篇文章的标题", "业界动态", "2025-09-11 18:29:57 阅读:27",
    ])
    rec = extract(dump.encode("utf-8"), "dump.txt")
    assert not isinstance(rec, Reject)
    assert set(rec) == KEYS
    assert rec["raw_format"] == "text"
    assert rec["text"].splitlines() == [P1, P2, P3]
    assert rec["title"] == "峰会前夕的表态与回应"
    assert rec["published_at"] == datetime(2025, 7, 31, 11, 36, 49, tzinfo=timezone(timedelta(hours=8)))
    assert rec["author"] == "快照小生"
    assert rec["categories"] == ["业界动态"]
    assert rec["char_count"] == len(rec["text"])


def test_front_matter_markdown_images_byline_copyright_and_source_link():
    md = "\n".join([
        "---", 'title: "峰会前夕的表态"', 'date: "2025-02-11 15:56:23"', "categories:", '  - "qq"', "---", "",
        f"【文/观察者网 阮佳琪】{P1}", "", "![图片](https://img.example/1.jpg)", "", "资料图：峰会现场", "", P2, "", P3, "",
        "**本文系观察者网独家稿件，未经授权，不得转载。**", "", "[qq](https://new.qq.com/rain/a/20250211A05Q8300)",
    ])
    rec = extract(md.encode("utf-8"), "post.md")
    assert rec["raw_format"] == "markdown+front_matter"
    assert rec["text"].splitlines() == [P1, P2, P3]
    assert rec["title"] == "峰会前夕的表态" and rec["categories"] == ["qq"]
    assert rec["author"] == "阮佳琪"
    assert rec["url"] == "https://new.qq.com/rain/a/20250211A05Q8300" and rec["site"] == "new.qq.com"
    assert rec["images"] == [{"url": "https://img.example/1.jpg", "caption": "资料图：峰会现场"}]
    assert rec["published_at"].utcoffset() == timedelta(hours=8)


def test_markdown_h1_is_the_title_not_text():
    md = f"# 访谈实录\n\n> {P1}\n\n## 关于技术创新\n\n**记者**：{P2}\n\n**受访者**：{P3}\n"
    rec = extract(md.encode("utf-8"), "talk.md")
    assert rec["raw_format"] == "markdown"
    assert rec["title"] == "访谈实录"
    lines = rec["text"].splitlines()
    assert lines[0] == P1 and "关于技术创新" in lines and f"记者：{P2}" in lines
    assert "#" not in rec["text"] and "**" not in rec["text"]


def test_html_page_nav_and_footer_removed():
    html = (
        "<html><head><title>峰会前夕的表态_某网</title></head><body>"
        "<ul><li><a href='/'>首页</a></li><li><a href='/n'>新闻</a></li></ul>"
        f"<div class='content'><h1>峰会前夕的表态</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></div>"
        "<div><h3>相关新闻</h3><ul><li><a href='/1'>另一条新闻的标题在这里</a></li></ul></div>"
        "<div>版权所有 © 2025 某网</div></body></html>"
    )
    rec = extract(html.encode("utf-8"), "page.html")
    assert rec["raw_format"] == "html"
    assert [ln for ln in rec["text"].splitlines() if ln in (P1, P2, P3)] == [P1, P2, P3]
    for junk in ("首页", "相关新闻", "另一条新闻", "版权所有"):
        assert junk not in rec["text"]


def test_english_html_not_worse_than_trafilatura_precision_preset():
    import trafilatura

    paras = [
        "The central bank raised interest rates by a quarter point on Wednesday, its second increase this year.",
        "Officials said inflation had remained above target for longer than expected, and markets had priced it in.",
        "Analysts expect one more increase before the end of the year, although some warned of slowing growth.",
        "The decision was unanimous, according to a statement released after the two-day meeting in the capital.",
    ]
    html = (
        "<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a> <a href='/b'>Business</a></nav>"
        "<article><h1>Rates rise again</h1>" + "".join(f"<p>{p}</p>" for p in paras) + "</article>"
        "<aside><h3>Related stories</h3><ul><li><a href='/x'>Markets rally after the decision</a></li>"
        "<li><a href='/y'>What higher rates mean for your mortgage</a></li></ul></aside>"
        "<footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"
    )
    rec = extract(html.encode("utf-8"), "en.html")
    ours = rec["text"]
    theirs = trafilatura.extract(html, favor_precision=True) or ""
    for p in paras:
        assert p in ours
    for junk in ("Related stories", "Markets rally", "Copyright", "Home"):
        assert junk not in ours
    assert all(p in theirs for p in paras)  # the preset keeps the article too ...
    assert len(ours.split()) <= len(theirs.split())  # ... and we keep no more words than it does
    assert rec["lang"] == "en"


BLOG_PARAS = [
    "I have been running the same home server for six years, and last month I finally replaced its disks.",
    "The old drives still worked, but the SMART counters had started to climb and I did not want to find out the hard way.",
    "Copying four terabytes took most of a weekend; the slow part was not the network but verifying every file afterwards.",
    "If you plan a similar move, write down the checksums before you start, and keep the old disks for a month.",
]


def test_english_blog_in_divs_not_worse_than_trafilatura_precision_preset():
    import trafilatura

    html = (
        "<html><body><div id='top'><a href='/'>Blog</a> | <a href='/about'>About</a> | <a href='/rss'>RSS</a></div>"
        "<div id='main'><div class='post'><h2>Replacing the disks</h2><div class='meta'>March 3, 2025 by Sam</div>"
        + "".join(f"<div class='para'>{p}</div>" for p in BLOG_PARAS)
        + "<div class='share'>Share: <a href='#'>Twitter</a> <a href='#'>Email</a></div></div>"
        "<div class='sidebar'><h4>Recent posts</h4><ul><li><a href='/1'>Why I still use a paper notebook</a></li>"
        "<li><a href='/2'>Notes on backups</a></li><li><a href='/3'>A week without email</a></li></ul>"
        "<h4>Tags</h4><a href='/t/1'>hardware</a> <a href='/t/2'>backup</a></div></div>"
        "<div id='foot'>Powered by a static site generator. Copyright 2025.</div></body></html>"
    )
    ours = extract(html.encode("utf-8"), "blog.html")["text"]
    theirs = trafilatura.extract(html, favor_precision=True) or ""
    assert [p for p in BLOG_PARAS if p in ours] == BLOG_PARAS
    for junk in ("Recent posts", "paper notebook", "Share:", "Powered by", "About"):
        assert junk not in ours
    gold = " ".join(BLOG_PARAS)
    assert _precision(ours, gold) >= _precision(theirs, gold)
    assert _recall(ours, gold) >= _recall(theirs, gold)


def _words(text: str) -> list[str]:
    return [w.lower().strip(".,;:") for w in text.split()]


def _precision(pred: str, gold: str) -> float:
    g = set(_words(gold))
    p = _words(pred)
    return sum(w in g for w in p) / len(p) if p else 0.0


def _recall(pred: str, gold: str) -> float:
    p = set(_words(pred))
    g = _words(gold)
    return sum(w in p for w in g) / len(g)


def test_english_text_dump_title_above_byline_and_date():
    paras = [
        "The central bank raised interest rates by a quarter point on Wednesday, its second increase this year.",
        "Officials said inflation had remained above target for longer than expected, and markets had priced in the move.",
        "Analysts expect one more increase before the end of the year, although some warned of slowing growth.",
    ]
    dump = "\n".join(["Home", "World", "Sign in", "Rates rise again as inflation lingers", "By Jane Doe",
                      "March 3, 2025 10:42 AM", *paras, "Related stories", "Markets rally after the decision",
                      "Copyright 2025 Example News. All rights reserved."])
    rec = extract(dump.encode("utf-8"), "en.txt")
    assert rec["text"].splitlines() == paras
    assert rec["title"] == "Rates rise again as inflation lingers"
    assert rec["lang"] == "en"


def test_rejects():
    assert isinstance(extract(b"", "e.txt"), Reject)
    rej = extract("首页\n新闻\n登录".encode("utf-8"), "nav.txt")
    assert isinstance(rej, Reject) and rej.stage == "extract"


def test_text_dump_title_is_the_headline_its_title_line_repeats_with_a_site_suffix():
    from transforms import extract
    body = "\n".join(["易鑫公布近期运营概况 携手两家公司拓展二手车版图-某某网", "易鑫公布近期运营概况 携手两家公司拓展二手车版图"]
                     + ["这是正文的一段，讲述了公司公布的运营概况，以及与合作伙伴共同拓展二手车业务的计划和安排。"] * 4)
    rec = extract(body.encode("utf-8"), "dump.txt")
    assert rec["title"] == "易鑫公布近期运营概况 携手两家公司拓展二手车版图"
    assert "某某网" not in rec["text"]


def test_a_date_without_zone_is_china_time_on_a_chinese_page_and_utc_otherwise():
    from datetime import timedelta

    from transforms import extract
    zh = "---\ndate: 2025-02-13 21:10:08\n---\n\n" + "这是一段中文正文，讲述了一件事情的经过，内容足够长。\n\n" * 3
    en = "---\ndate: 2025-02-13 21:10:08\n---\n\n" + "This is an English paragraph that tells a story, and it is long enough.\n\n" * 3
    assert extract(zh.encode(), "zh.md")["published_at"].utcoffset() == timedelta(hours=8)
    assert extract(en.encode(), "en.md")["published_at"].utcoffset() == timedelta(0)


# Three paragraphs of a news article, for the tests of what is cut around an article.
COURTYARDS = ["The city will green more than two hundred courtyards over the next three years, the administration "
              "said on Monday, and residents may choose the trees and shrubs themselves.",
              "About forty million euros are set aside. Part of the money goes to new playgrounds and benches, the "
              "rest to old lawns that suffered in the dry summers.",
              "Experts point to good results in other large cities, where complaints about the state of the "
              "courtyards fell once residents took part in the planning."]


def test_a_copyright_notice_that_ends_the_article_container_is_cut_in_any_of_its_languages():
    """Trafilatura keeps a notice that sits inside the article's container; the record does not."""
    paras = COURTYARDS
    for note in ("© 2026 City News. All rights reserved.", "© 2026 Stadtanzeiger. Alle Rechte vorbehalten.",
                 "© 2026 Городские новости. Все права защищены."):
        html = ("<html><head><meta charset='utf-8'><title>Courtyards</title></head><body><nav><a href='/'>Home</a> "
                "<a href='/n'>News</a></nav><article><h1>Courtyards</h1>" + "".join(f"<p>{p}</p>" for p in paras)
                + f"<p>{note}</p></article><footer>About | Contact</footer></body></html>")
        rec = extract(html.encode(), "courtyards.html")
        assert rec["text"].splitlines()[-3:] == paras and note not in rec["text"], note


def test_a_text_dump_ends_at_the_sidebar_label_that_follows_its_article():
    """A dump has no markup to tell a related list or a comment thread from the article: the label that
    opens it does."""
    paras = [*COURTYARDS, "Applications can be made until the end of February on the city's service portal, and "
                          "the first planting is planned for the autumn, when the soil is moist again."]
    comments = ["Finally something happens in our district, we have waited years for more green in front of the door.",
                "Nice idea, but who waters all the new trees in summer when the money runs out again?"]
    teasers = ["The city opens three new metro stations", "Fares will rise in January", "New ice rinks in the parks"]
    dump = "\n".join(["Home", "World", "Sport", "Greener courtyards", *paras, "© 2026 City News. All rights reserved.",
                      "Read next", *teasers, "Comments", *comments])
    rec = extract(dump.encode(), "courtyards.txt")
    assert rec["text"].splitlines()[:4] == paras
    assert "Comments" not in rec["text"] and "waters" not in rec["text"]   # the thread below the late label


def test_a_cookie_banner_is_cut_from_the_article_in_html_and_in_a_text_dump():
    """Trafilatura keeps a consent banner that sits inside the main container, and a dump carries it as
    a paragraph: neither reaches the record."""
    from transforms import extract
    paras = COURTYARDS
    banner = ("We use cookies and similar technologies to improve your browsing experience and to analyse our "
              "traffic. By clicking Accept all, you consent to our use of cookies.")
    html = ("<html><head><meta charset='utf-8'><title>Courtyards</title></head><body><main><div class='consent'>"
            f"<p>{banner}</p><button>Accept all</button></div><article><h1>Courtyards</h1>"
            + "".join(f"<p>{p}</p>" for p in paras) + "</article></main><footer>About | Contact</footer></body></html>")
    rec = extract(html.encode(), "courtyards.html")
    assert "cookies" not in rec["text"] and rec["text"].splitlines()[-3:] == paras
    dump = "\n".join(["Home", "News", "Courtyards", banner, "Accept all", *paras, "About", "Contact"])
    rec = extract(dump.encode(), "courtyards.txt")
    assert "cookies" not in rec["text"] and all(p in rec["text"] for p in paras)
