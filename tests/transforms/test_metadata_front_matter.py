from datetime import date, datetime, timedelta, timezone

from transforms.metadata.front_matter import FIELDS, from_front_matter
from transforms.options import DEFAULT_OPTIONS

O = DEFAULT_OPTIONS
CN = timezone(timedelta(hours=8))


def test_seed_shaped_front_matter():
    meta = {
        "title": "顶峰相见！奥特曼计划与DeepSeek梁文锋会面，会聊些啥？",
        "date": "2025-02-13 21:10:08",
        "summary": "三言科技消息，据报道...",
        "categories": ["qq"], "lang": ["zh-CN"], "translations": ["zh-CN"], "tags": ["qq"],
        "thumbnail": "https://inews.gtimg.com/om_ls/x/0", "comments": False, "widgets": ["search"],
    }
    fields, problems = from_front_matter(meta, O)
    assert problems == []
    assert set(fields) == set(FIELDS)
    assert fields["title"] == "顶峰相见！奥特曼计划与DeepSeek梁文锋会面，会聊些啥？"
    assert fields["published_at"] == datetime(2025, 2, 13, 21, 10, 8, tzinfo=CN)
    assert fields["categories"] == ["qq"] and fields["tags"] == ["qq"]
    assert fields["lang"] == "zh"
    assert fields["thumbnail"] == "https://inews.gtimg.com/om_ls/x/0"
    assert fields["url"] is None and fields["site"] is None and fields["author"] is None


def test_wrong_types_tolerated():
    fields, problems = from_front_matter({"title": ["First", "Second"], "tags": 3, "categories": "新闻", "author": {"name": "张三"}}, O)
    assert fields["title"] == "First"
    assert fields["tags"] == ["3"]
    assert fields["categories"] == ["新闻"]
    assert fields["author"] == "张三"
    assert problems == []


def test_unparseable_date_is_none_with_problem():
    fields, problems = from_front_matter({"date": "sometime last spring"}, O)
    assert fields["published_at"] is None
    assert len(problems) == 1 and "date" in problems[0]


def test_yaml_date_objects():
    assert from_front_matter({"date": date(2024, 1, 2)}, O)[0]["published_at"] == datetime(2024, 1, 2, tzinfo=CN)
    assert from_front_matter({"date": datetime(2024, 1, 2, 3, 4, 5)}, O)[0]["published_at"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=CN)


def test_url_and_site():
    fields, problems = from_front_matter({"url": "https://Blog.Example.com/posts/1"}, O)
    assert fields["url"] == "https://blog.example.com/posts/1" and fields["site"] == "blog.example.com"
    fields, problems = from_front_matter({"url": "../../outside"}, O)
    assert fields["url"] is None and fields["site"] is None and problems


def test_aliases_and_case_insensitive_keys():
    fields, _ = from_front_matter({"Title": "Hello world", "pubDate": "2024-05-01", "Keywords": "a, b，c", "Description": "d", "language": "en-US"}, O)
    assert fields["title"] == "Hello world"
    assert fields["published_at"] == datetime(2024, 5, 1, tzinfo=CN)
    assert fields["tags"] == ["a", "b", "c"]
    assert fields["summary"] == "d"
    assert fields["lang"] == "en"


def test_unknown_keys_and_non_mapping():
    fields, problems = from_front_matter({"foo": 1, 2: "x", None: None}, O)
    assert all(v in (None, []) for v in fields.values()) and problems == []
    fields, problems = from_front_matter(["not", "a", "mapping"], O)
    assert fields["title"] is None and problems


def test_none_values():
    fields, problems = from_front_matter({"title": None, "date": None, "tags": None, "lang": "not a language code"}, O)
    assert fields["title"] is None and fields["published_at"] is None and fields["tags"] == [] and fields["lang"] is None
    assert problems == []
