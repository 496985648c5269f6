import pytest

from transforms.metadata.titles import clean_title


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("央行保持流动性合理充裕_财经网", "央行保持流动性合理充裕"),
        ("美元一个月涨4%：牵动全球市场神经 - 新浪财经", "美元一个月涨4%：牵动全球市场神经"),
        ("腾讯发布新款GPT-4模型|腾讯新闻", "腾讯发布新款GPT-4模型"),
        ("美元1个月涨4%：牵动全球市场神经_经济_宏观频道首页_财经网- CAIJING.COM.CN", "美元1个月涨4%：牵动全球市场神经"),
        ("王毅同文莱外交与贸易部第二部长举行会谈-新华网", "王毅同文莱外交与贸易部第二部长举行会谈"),
        ("美元一个月涨4%牵动全球市场神经 | 新浪财经 | 新浪网", "美元一个月涨4%牵动全球市场神经"),
        ("Apple releases iOS 18 - The Verge", "Apple releases iOS 18"),
        ("  多余   空白\u3000标题  ", "多余 空白 标题"),
    ],
)
def test_site_suffix_removed(raw, expected):
    assert clean_title(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "OpenAI首席执行官承认：DeepSeek出现的时机确实让我意外",
        "GPT-4o 发布会 —— 要点回顾",          # a Chinese dash introduces a subtitle
        "涨幅 -5% 的股票",
        "2018 - 2019 年度报告",
        "京津冀-长三角协同发展",              # short leading part: not a title + site name
    ],
)
def test_title_without_site_suffix_kept(raw):
    assert clean_title(raw) == raw


def test_leading_site_name_removed_when_known():
    assert clean_title("新浪财经 | 美元一个月涨4%牵动全球市场神经", "新浪财经") == "美元一个月涨4%牵动全球市场神经"


def test_long_trailing_segment_equal_to_site_name_removed():
    assert clean_title("央行：保持流动性合理充裕 - 中华人民共和国中央人民政府门户网站", "中华人民共和国中央人民政府门户网站") == "央行：保持流动性合理充裕"


@pytest.mark.parametrize("raw", [None, "", "   ", 3, []])
def test_empty_or_wrong_type(raw):
    assert clean_title(raw) is None


def test_list_takes_first_string():
    assert clean_title(["标题一", "标题二"]) == "标题一"


def test_title_run_together_with_navigation():
    nav = "您好退出登录注册电子版激活卡首页时事政策宏观证券资本理财新科技大健康" * 4
    assert clean_title("合众哪吒刚出世就获2万辆订单 高层称未来或与传统车企合作 - 经济观察网 － 专业财经新闻网站" + nav) == \
        "合众哪吒刚出世就获2万辆订单 高层称未来或与传统车企合作"
    assert clean_title("标" * 300) is None


def test_chinese_subtitle_after_latin_site_name_is_not_a_site_suffix():
    # widths, not character counts: ten Chinese characters say more than "Joel on Software"
    assert clean_title("Joel on Software - 给计算机系学生的建议") == "Joel on Software - 给计算机系学生的建议"
