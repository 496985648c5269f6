"""Markdown -> blocks (markdown-it tokens): syntax removed, link share, images split paragraphs."""
from transforms.forms.markdown import parse_markdown


def test_headings_items_quotes_and_emphasis():
    md = "# 标题\n\n> 引言一句。\n\n## 小节\n\n- **对于企业来讲**：文化就是灵魂。\n\n正文，*强调*。"
    blocks = parse_markdown(md)
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", 1, "标题"), ("quote", 0, "引言一句。"), ("heading", 2, "小节"),
        ("item", 0, "对于企业来讲：文化就是灵魂。"), ("p", 0, "正文，强调。"),
    ]


def test_link_share_and_targets():
    blocks = parse_markdown("* [设为首页](http://a.example/)\n\n一段正文，其中有[一个链接](http://b.example/x)而已。")
    nav, para = blocks
    assert nav.kind == "item" and nav.link_share == 1.0 and nav.links == ("http://a.example/",)
    assert 0 < para.link_share < 0.5


def test_image_splits_paragraph_and_hard_break_ends_line():
    md = "第一行文字。  \n![图片](https://img.example/1.jpg)第二行文字。\n\n相关阅读：甲  \n乙"
    blocks = parse_markdown(md)
    assert [b.text for b in blocks if b.image is None] == ["第一行文字。", "第二行文字。", "相关阅读：甲", "乙"]
    images = [b.image for b in blocks if b.image is not None]
    assert [im.url for im in images] == ["https://img.example/1.jpg"]
    assert blocks[1].kind == "image" and blocks[1].text == "图片"


def test_softbreak_joins_cjk_without_space_and_latin_with_space():
    blocks = parse_markdown("中文\n继续\n\nword\nnext")
    assert [b.text for b in blocks] == ["中文继续", "word next"]


def test_table_row_is_one_block():
    blocks = parse_markdown("| 名称 | 数值 |\n|---|---|\n| 甲 | 1 |\n")
    assert [(b.kind, b.text) for b in blocks] == [("cell", "名称 数值"), ("cell", "甲 1")]


def test_table_row_with_more_cells_than_the_header_keeps_them_all():
    from transforms.forms.markdown import parse_markdown
    md = "| a | b |\n|---|---|\n| x | y | 第三个单元格的文字 |\n"
    assert [b.text for b in parse_markdown(md)] == ["a b", "x y 第三个单元格的文字"]


def test_layout_table_row_keeps_its_paragraphs_apart():
    from transforms.forms.markdown import parse_markdown
    para = "这是一段很长的正文，" * 25
    md = f"| nav | body |\n|---|---|\n| 首页 | {para}<br>{para}结束。 |\n"
    texts = [b.text for b in parse_markdown(md)]
    assert texts[0] == "nav body" and len(texts) == 4 and texts[-1].endswith("结束。")
