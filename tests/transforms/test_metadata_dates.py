from datetime import date, datetime, timedelta, timezone

import pytest

from transforms.metadata.dates import find_date, parse_date
from transforms.options import DEFAULT_OPTIONS

O = DEFAULT_OPTIONS
CN = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-02-13 21:10:08", datetime(2025, 2, 13, 21, 10, 8, tzinfo=CN)),
        ("2025-02-13T21:10:08+08:00", datetime(2025, 2, 13, 21, 10, 8, tzinfo=CN)),
        ("2025-02-13T13:10:08Z", datetime(2025, 2, 13, 21, 10, 8, tzinfo=CN)),
        ("2025年2月13日 21:10", datetime(2025, 2, 13, 21, 10, tzinfo=CN)),
        ("2018年06月13日08:21", datetime(2018, 6, 13, 8, 21, tzinfo=CN)),
        ("2018-05-22 08:15:00", datetime(2018, 5, 22, 8, 15, tzinfo=CN)),
        ("2018/5/22", datetime(2018, 5, 22, tzinfo=CN)),
        ("2018.05.22", datetime(2018, 5, 22, tzinfo=CN)),
        ("Tue, 22 May 2018 08:15:00 +0800", datetime(2018, 5, 22, 8, 15, tzinfo=CN)),
        ("May 22, 2018", datetime(2018, 5, 22, tzinfo=CN)),
        ("发布时间：2018-05-22 08:15", datetime(2018, 5, 22, 8, 15, tzinfo=CN)),
        ("2018-05-22 08:15:00 -05:00", datetime(2018, 5, 22, 13, 15, tzinfo=timezone.utc)),
    ],
)
def test_parse_date_same_instant(value, expected):
    got = parse_date(value, O)
    assert got is not None and got.tzinfo is not None
    assert got == expected  # aware datetimes compare as instants


def test_yaml_datetime_and_date_objects_get_default_zone():
    assert parse_date(datetime(2025, 2, 13, 21, 10, 8), O) == datetime(2025, 2, 13, 21, 10, 8, tzinfo=CN)
    assert parse_date(date(2025, 2, 13), O) == datetime(2025, 2, 13, tzinfo=CN)


def test_aware_value_keeps_its_own_offset():
    got = parse_date("2025-02-13T21:10:08-05:00", O)
    assert got.utcoffset() == timedelta(hours=-5)


def test_default_zone_comes_from_options():
    got = parse_date("2025-02-13 21:10:08", O.with_(default_tz_offset_minutes=0))
    assert got == datetime(2025, 2, 13, 21, 10, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [None, "", "garbage", "2025-13-45", "明天", [], {}, True, "2025年13月1日", "9999-01-01"])
def test_unparseable_is_none_and_never_raises(value):
    assert parse_date(value, O) is None


def test_find_date_in_text_dump_header():
    lines = ["业界动态", "", "再造“DeepSeek时刻”:中国大模型的集体突围", "2025-07-31 11:36:49 快照小生 阅读:129", "7月底的上海,酷热之外。"]
    dt, idx = find_date(lines, O)
    assert dt == datetime(2025, 7, 31, 11, 36, 49, tzinfo=CN)
    assert idx == 3


@pytest.mark.parametrize(
    "line, expected",
    [
        ("本文来源于深圳商报 2018-05-22 08:15:00", datetime(2018, 5, 22, 8, 15, tzinfo=CN)),
        ("来源：新华网 2018-05-22 08:15:00", datetime(2018, 5, 22, 8, 15, tzinfo=CN)),
        ("发布时间：2025年2月13日 21:10", datetime(2025, 2, 13, 21, 10, tzinfo=CN)),
        ("2018年06月13日08:21 来源：经济参考报", datetime(2018, 6, 13, 8, 21, tzinfo=CN)),
    ],
)
def test_find_date_label_shapes(line, expected):
    assert find_date(["首页 > 财经", line, "正文第一段。"], O) == (expected, 1)


def test_find_date_prefers_labelled_line_over_site_header_and_body_sentence():
    lines = [
        "2018年5月22日 星期二",  # today's date in the site header
        "央行发布一季度报告",
        "发布时间：2018-05-21 09:00",
        "截至2018年3月31日，优信账面上持有的现金总额为12亿元。",
    ]
    dt, idx = find_date(lines, O)
    assert idx == 2 and dt == datetime(2018, 5, 21, 9, 0, tzinfo=CN)


def test_find_date_ignores_dates_inside_sentences_and_yearless_dates():
    lines = ["7月11日,月之暗面发布Kimi K2。", "截至2018年3月31日，公司持有的现金和现金等价物总额为人民币12.198亿元，同比增长。"]
    assert find_date(lines, O) == (None, None)


def test_find_date_empty():
    assert find_date([], O) == (None, None)


def test_english_dates_keep_their_us_zone_and_pm():
    from datetime import timedelta

    from transforms.metadata.dates import parse_date
    from transforms.options import DEFAULT_OPTIONS

    cdt = parse_date("March 4, 2025 6:05 AM CDT", DEFAULT_OPTIONS)
    assert (cdt.hour, cdt.utcoffset()) == (6, timedelta(hours=-5))
    est = parse_date("Mar 4, 2025, 9:40 p.m. EST", DEFAULT_OPTIONS)
    assert (est.hour, est.utcoffset()) == (21, timedelta(hours=-5))
    assert parse_date("4 March 2025 14:12 UTC", DEFAULT_OPTIONS).utcoffset() == timedelta(0)
    # a Chinese CST stays China time
    assert parse_date("2025-03-04 14:12 CST", DEFAULT_OPTIONS).utcoffset() == timedelta(hours=8)
