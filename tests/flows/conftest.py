import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

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


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes ~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def landing(tmp_path):
    root = tmp_path / "landing"
    (root / "a").mkdir(parents=True)
    for day in range(1, 5):
        (root / "a" / f"page{day}.md").write_text(make_page(f"测试标题{day}", day), encoding="utf-8")
    (root / "empty.html").write_bytes(b"")
    return root
