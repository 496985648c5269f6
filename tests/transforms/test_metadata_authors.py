import pytest

from transforms.metadata.authors import parse_byline, strip_byline


@pytest.mark.parametrize(
    "line, name",
    [
        ("【文/观察者网 阮佳琪】", "阮佳琪"),
        ("作者：张三", "张三"),
        ("作者: 李小龙", "李小龙"),
        ("记者 李四", "李四"),
        ("本报记者 王小明 通讯员 李华", "王小明"),
        ("文/王五", "王五"),
        ("文｜赵六", "赵六"),
        ("（记者 张三）", "张三"),
        ("**作者：陈明**", "陈明"),
        ("2025-07-31 11:36:49 快照小生 阅读:129", "快照小生"),
        ("赵喆2018-06-12 20:47", "赵喆"),
        ("孙维维 2017-07-06 13:48", "孙维维"),
        ("By Jane Doe", "Jane Doe"),
        ("By Jane Doe, Reuters", "Jane Doe"),
        ("Written by Alice Smith", "Alice Smith"),
        ("作者：张三、李四", "张三、李四"),
        ("記者林志明／台北報導", "林志明"),
        ("记者王刚/北京报道", "王刚"),
        ("2024年12月20日 09:30 来源：示例日报 作者：孙晓梅", "孙晓梅"),
        ("来源：新华网 作者：张三 编辑：李四", "张三"),
    ],
)
def test_bylines(line, name):
    assert parse_byline(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "记者从央行获悉，今年一季度经济运行平稳。",
        "记者 张三 今天上午，市政府召开新闻发布会，会上宣布了",
        "文章来源：新华网",
        "本文来源于深圳商报 2018-05-22 08:15:00",
        "第一财经APP2018-05-30 23:20:00",
        "2025-09-11 18:29:57 阅读:27",
        "编辑：张三",
        "By the way, this is fine.",
        "by far the best",
        "文化",
        "【新华社】",
        "中国人工智能初创企业深度求索的大模型一经发布，震动全行业。",
        "",
        "作者: admin",
        "2025年2月14日 星期五",
        "2025-01-01 周五",
        "记者从北京报道",
        "2018-06-11 18:37:12 来源: 新华网",
    ],
)
def test_not_bylines(line):
    assert parse_byline(line) is None


def test_parse_byline_non_string():
    assert parse_byline(None) is None


def test_strip_leading_bracket_byline():
    assert strip_byline("【文/观察者网 熊超然】中国人工智能（AI）初创企业深度求索") == ("中国人工智能（AI）初创企业深度求索", "熊超然")


def test_strip_dateline_keeps_place():
    rest, name = strip_byline("新华社北京2月13日电（记者 张三）国务院今日召开常务会议。")
    assert name == "张三"
    assert rest.startswith("新华社北京2月13日电") and "记者" not in rest and rest.endswith("国务院今日召开常务会议。")


def test_strip_labelled_byline_with_separator():
    assert strip_byline("文/王五 近日，北京市发布了新的交通管理办法，市民反响热烈。") == ("近日，北京市发布了新的交通管理办法，市民反响热烈。", "王五")


def test_strip_whole_byline_paragraph():
    assert strip_byline("【文/观察者网 阮佳琪】") == ("", "阮佳琪")


@pytest.mark.parametrize(
    "para",
    [
        "中国人工智能初创企业深度求索的大模型一经发布，震动全行业。",
        "【观察者网讯】据报道，美国总统周二表示。",
        "记者 张三 今天上午，市政府召开新闻发布会，会上宣布了多项措施。",
        "（图）北京街头的共享单车。",
    ],
)
def test_strip_leaves_normal_paragraphs_alone(para):
    assert strip_byline(para) == (para, None)
