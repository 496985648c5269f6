
import pytest


ARTICLE = """---
title: "{title}"
date: "2025-03-0{day} 10:00:00"
categories:
  - "科技"
---

{body}

相关阅读：

- 另一篇文章的标题

[src](https://www.example.com/news/{day}.html)
"""

PARAGRAPH = ("这是一篇用于测试的新闻正文，内容描述了一个虚构的事件，并且包含足够多的中文句子。"
             "记者在现场进行了采访，多位受访者表达了各自的看法，事件的后续发展仍有待观察。")


def make_page(title: str, day: int, extra: str = "") -> str:
    return ARTICLE.format(title=title, day=day, body="\n\n".join([PARAGRAPH + extra] * 3))


@pytest.fixture
def landing(tmp_path):
    root = tmp_path / "landing"
    (root / "a").mkdir(parents=True)
    for day in range(1, 5):
        (root / "a" / f"page{day}.md").write_text(make_page(f"测试标题{day}", day), encoding="utf-8")
    (root / "empty.html").write_bytes(b"")
    return root


CORPUS_PAGE = """---
title: "第{i}号测试新闻：城市交通与公共服务的新变化"
date: "2024-{month:02d}-{day:02d} 09:{minute:02d}:00"
categories:
  - "城市"
---

{body}

[来源](https://news{site}.example.com/a/{i}.html)
"""


def corpus_page(i: int, extra: str = "") -> str:
    body = "\n\n".join(
        f"这是第{i}篇测试文章的第{p}段，讲述城市交通、公共服务与社区生活的变化，记者走访了多个街道，听取了居民的意见。{extra}"
        for p in range(1, 4))
    return CORPUS_PAGE.format(i=i, month=1 + i % 6, day=1 + i % 27, minute=i % 60, site=i % 3, body=body)


def write_corpus(root, start: int, stop: int) -> list:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, stop):
        p = root / f"d{i // 100}" / f"page-{i:04d}.md"
        p.parent.mkdir(exist_ok=True)
        p.write_text(corpus_page(i), encoding="utf-8")
        paths.append(p)
    return paths
