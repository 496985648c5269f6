from datetime import datetime, timedelta, timezone

import pyarrow as pa

from schemas import ARTICLES, articles_table, to_row
from transforms import Reject

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
CN = timezone(timedelta(hours=8))


def record(**over):
    rec = {"doc_id": "ab" * 16, "source_file": "a.md", "content_sha256": "cd" * 32, "raw_format": "markdown",
           "charset": "utf-8", "url": "https://www.example.com/a", "site": "www.example.com", "title": "T",
           "author": None, "published_at": datetime(2025, 2, 1, 3, 0, tzinfo=CN), "categories": ["x"],
           "tags": [], "lang": "zh", "summary": None, "text": "正文。", "images": [{"url": "https://i/x.png", "caption": None}]}
    rec.update(over)
    return rec


def test_row_keeps_instant_offset_and_local_month():
    row = to_row(record(), NOW)
    assert row["published_at"] == datetime(2025, 1, 31, 19, 0, tzinfo=timezone.utc)
    assert row["published_tz"] == "+08:00"
    assert row["month"] == "2025-02"  # the month the page itself says, not the UTC one
    table = articles_table([row])
    assert table.schema.equals(ARTICLES)


def test_row_without_date_has_null_month():
    row = to_row(record(published_at=None), NOW)
    assert row["month"] is None and row["published_tz"] is None


def test_site_that_could_escape_the_lake_is_rejected():
    out = to_row(record(site="../../outside"), NOW)
    assert isinstance(out, Reject) and out.stage == "validate" and "site" in out.reason


def test_naive_datetime_and_wrong_types_are_rejected_with_reasons():
    assert "time zone" in to_row(record(published_at=datetime(2025, 1, 1)), NOW).reason
    assert "categories" in to_row(record(categories="科技"), NOW).reason
    assert "title" in to_row(record(title=["a", "b"]), NOW).reason
    assert "text" in to_row(record(text=""), NOW).reason


def test_schema_is_explicit_not_inferred():
    row = to_row(record(categories=[], tags=[], images=[]), NOW)
    table = articles_table([row])
    assert table.schema.field("categories").type == pa.list_(pa.string())
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")


def test_site_is_stripped_to_a_host_name_and_urls_without_host_or_with_spaces_are_rejected():
    assert to_row(record(site="www.example.com\n"), NOW)["site"] == "www.example.com"
    assert "site" in to_row(record(site="www.example.com\nevil"), NOW).reason
    for url in ("https:///path-only", "https://www.example.com/a b", "http://www.example.com/\x00"):
        out = to_row(record(url=url), NOW)
        assert isinstance(out, Reject) and "url" in out.reason
