"""Write the sample landing zone's container files (invented pages, reserved example domains):

- ``data/raw/crawl/2025/example-news-crawl.warc.gz``: a WARC as ``wget --warc-file`` / Heritrix write it
  (gzip per record): warcinfo, request/response pairs, a 301 redirect, an image, three pages (one GBK page
  whose only charset is the HTTP header's, one English page, one whose canonical link names another host);
- ``data/raw/crawl/2025/example-feed.jsonl``: a JSON Lines feed with Scrapy-style (url, html, fetched_at),
  crawl4ai-style (url, markdown) and Firecrawl-style (markdown, metadata.sourceURL) records.

Run from the repository root: ``.venv/bin/python data/tools/make_container_samples.py``.
"""
import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OUT = Path(__file__).resolve().parents[1] / "raw" / "crawl" / "2025"

METRO = """<html><head><title>地铁9号线南段今日开通运营_城市_示例新闻网</title>
<meta name="author" content="赵明"><meta property="article:published_time" content="2025-04-18T09:30:00+08:00">
</head><body>
<div class="nav"><a href="/">首页</a> | <a href="/city/">城市</a> | <a href="/finance/">财经</a> | <a href="/sports/">体育</a></div>
<div class="article"><h1>地铁9号线南段今日开通运营</h1>
<p class="info">2025-04-18 09:30　来源：示例新闻网　记者 赵明</p>
<p>4月18日上午，地铁9号线南段正式开通运营。新开通的线路全长18.6公里，设车站12座，其中换乘站3座，连接了城南多个大型居住区与市中心商务区。</p>
<p>据运营公司介绍，开通初期工作日高峰时段行车间隔为4分钟，平峰时段为7分钟，首班车6时发车，末班车22时30分从终点站发出。沿线居民此前通勤需要换乘两次公交，如今乘坐地铁约35分钟即可到达市中心。</p>
<p>记者在南湖站看到，不少市民一早就来体验新线。家住附近的王女士说：“以前上班要一个多小时，现在能多睡半小时了。”运营公司表示，将根据客流情况适时调整运行图。</p>
</div>
<div class="side"><h3>相关新闻</h3><ul><li><a href="/city/1.html">公交线路同步优化调整</a></li><li><a href="/city/2.html">地铁新线票价公布</a></li></ul></div>
<div class="footer">版权所有 示例新闻网 ICP备00000000号</div>
</body></html>"""

GARDENS = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>How rain gardens are changing the suburbs | Example Green Blog</title>
<meta name="author" content="Laura Chen"><meta property="article:published_time" content="2025-05-02T14:00:00-07:00">
</head><body><nav><a href="/">Home</a> <a href="/topics/">Topics</a> <a href="/about/">About</a></nav>
<article><h1>How rain gardens are changing the suburbs</h1>
<p>A rain garden is a shallow planted basin that catches water running off roofs and driveways. Instead of rushing into storm drains, the water soaks slowly into the ground, filtering out oil and fertilizer on the way.</p>
<p>Over the past two years, more than three hundred households in the county have built one with help from a small municipal grant. The program pays for plants and soil, while residents supply the labor on weekend workshops.</p>
<p>Early measurements from the county's engineers suggest that streets with several rain gardens see noticeably less flooding after summer storms, and the native plants attract bees and butterflies that had become rare in the area.</p>
</article><aside><h3>Most read</h3><ul><li><a href="/a">Composting in small apartments</a></li><li><a href="/b">Five drought-tolerant shrubs</a></li></ul></aside>
<footer>&copy; 2025 Example Green Blog. All rights reserved.</footer></body></html>"""

LIBRARY = """<html><head><meta charset="utf-8"><title>社区图书馆延长夜间开放时间</title>
<link rel="canonical" href="https://m.example.net/library/2025/night-hours">
<meta property="article:published_time" content="2025-03-21T18:00:00+08:00"></head><body>
<div class="menu"><a href="/">首页</a> <a href="/news/">社区新闻</a> <a href="/notice/">通知公告</a></div>
<h1>社区图书馆延长夜间开放时间</h1>
<p>从本周一起，社区图书馆将工作日的闭馆时间由晚上8点延长至10点，周末保持上午9点至晚上9点开放。</p>
<p>图书馆负责人介绍，延长开放时间是根据读者问卷调查结果作出的调整。超过六成受访读者表示，希望下班后能有一个安静的阅读和自习空间。</p>
<p>夜间时段将开放二楼阅览室和自习区，少儿阅览室仍在晚上8点关闭。图书馆同时增加了两名夜班管理员，并在入口处设置了自助借还书机。</p>
<div class="hot"><h3>热门文章</h3><p><a href="/n/1">社区健身步道完工</a></p><p><a href="/n/2">垃圾分类新规解读</a></p></div>
</body></html>"""


def response(w, uri, body: bytes, ctype: str, date: str, status: str = "200 OK", extra=()):
    http = StatusAndHeaders(status, [("Content-Type", ctype), *extra], protocol="HTTP/1.1")
    req = StatusAndHeaders(f"GET {uri.split('/', 3)[-1] and '/' + uri.split('/', 3)[-1]} HTTP/1.1",
                           [("Host", uri.split("/")[2]), ("User-Agent", "Wget/1.21.4")], is_http_request=True)
    w.write_record(w.create_warc_record(uri, "request", http_headers=req, warc_headers_dict={"WARC-Date": date}))
    w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http,
                                        warc_headers_dict={"WARC-Date": date}))


def write_warc(path: Path) -> None:
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "Wget/1.21.4 (linux-gnu)",
                                                            "format": "WARC File Format 1.1"}))
        response(w, "http://news.example.com/metro", b"", "text/html", "2025-04-18T02:10:00Z",
                 "301 Moved Permanently", [("Location", "https://news.example.com/city/2025/04/metro-line-9.html")])
        response(w, "https://news.example.com/city/2025/04/metro-line-9.html", METRO.encode("gbk"),
                 "text/html; charset=GBK", "2025-04-18T02:10:01Z")
        response(w, "https://news.example.com/img/metro.png", b"\x89PNG\r\n\x1a\n" + bytes(120), "image/png",
                 "2025-04-18T02:10:02Z")
        response(w, "https://blog.example.org/2025/05/rain-gardens", GARDENS.encode(), "text/html; charset=utf-8",
                 "2025-05-03T16:45:00Z")
        response(w, "https://www.example.net/library/2025/night-hours", LIBRARY.encode(), "text/html",
                 "2025-03-22T01:00:00Z")


FEED = [
    {"url": "https://www.example.com/tech/2025/06/solar-farm.html", "fetched_at": "2025-06-10T08:00:00Z",
     "title": "山区光伏电站并网发电",
     "html": "<html><head><title>山区光伏电站并网发电</title></head><body><div class='nav'><a href='/'>首页</a> <a href='/tech/'>科技</a></div>"
             "<h1>山区光伏电站并网发电</h1><p>2025年6月9日　来源：示例科技网</p>"
             "<p>6月9日，位于西部山区的一座光伏电站完成并网，装机容量为200兆瓦，预计每年可发电约3亿千瓦时。</p>"
             "<p>项目负责人介绍，电站采用了双面发电组件和智能跟踪支架，能够随太阳角度自动调整，发电效率比固定支架提高约15%。</p>"
             "<p>电站建设期间为当地提供了500多个就业岗位，建成后每年还将向所在村集体支付土地租金和收益分红。</p>"
             "<div class='side'>相关阅读：<a href='/t/1'>风电装机创新高</a></div></body></html>"},
    {"url": "https://blog.example.org/2025/06/sourdough", "crawled_at": "2025-06-12T20:30:00+00:00",
     "markdown": {"raw_markdown": "# Notes on a first sourdough starter\n\nI started my first sourdough starter two weeks ago with nothing but flour, water and a glass jar. For the first three days nothing happened, and I almost gave up.\n\nOn the fourth day small bubbles appeared, and by the end of the first week the starter doubled within six hours of feeding. Keeping it in a warm corner of the kitchen made the biggest difference.\n\nThe first loaf was dense, but the second one had an open crumb and a crisp crust. Next I want to try a higher hydration dough and a longer cold proof in the fridge.\n"}},
    {"markdown": "# 老街改造后重新开放\n\n经过一年的修缮，城东老街于本周六重新向游客开放。改造保留了沿街的青砖外立面，更换了地下管网，并增设了无障碍通道。\n\n街区管理方表示，老街将引入非遗手工艺和老字号店铺，同时限制连锁品牌的数量，以保持街区原有的风貌。\n\n开放首日，老街接待游客约两万人次。不少老居民回来拍照留念，感叹老街“既熟悉又新鲜”。\n",
     "metadata": {"sourceURL": "https://travel.example.com/2025/06/old-street", "title": "老街改造后重新开放",
                  "statusCode": 200, "scrapeTime": "2025-06-15T03:00:00Z"}},
]


def write_jsonl(path: Path) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in FEED), encoding="utf-8")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    write_warc(OUT / "example-news-crawl.warc.gz")
    write_jsonl(OUT / "example-feed.jsonl")
