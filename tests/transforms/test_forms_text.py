"""Text dump -> blocks: one block per visible line; hard-wrapped prose re-joined."""
from transforms.forms.text import display_width, parse_text, unwrap, unwrap_blocks, wrap_width
from transforms.boilerplate.blocks import Block


def test_one_block_per_nonempty_line_whitespace_collapsed():
    blocks = parse_text("首页\n\n  新闻   中心 \n正文第一段。\n", max_line_chars=1000)
    assert [b.text for b in blocks] == ["首页", "新闻 中心", "正文第一段。"]
    assert all(b.kind == "p" and b.link_chars == 0 for b in blocks)


def test_overlong_line_is_cut():
    assert parse_text("x" * 50, max_line_chars=10)[0].text == "x" * 10


def test_display_width_counts_cjk_twice():
    assert display_width("ab中文") == 6


def test_display_width_of_ascii_kana_hangul_and_full_width():
    assert display_width("plain ascii line") == 16
    assert display_width("") == 0
    assert display_width("かな カナ") == 9                  # two runs of wide letters and a narrow space
    assert display_width("한국어 기사") == 11
    assert display_width("ＡＢ１２ and 中文，标点。") == 8 + 5 + 12
    assert display_width("café naïve") == 10               # accented Latin is narrow


WRAPPED = [
    "文化革命是一场有着极为广泛的群众参与的政治运动。因此，如何理解这种",
    "广泛的群众参与，就成为理解文革的一个重要内容。本文试图从政治心理学的",
    "角度，对文革中的群众参与给出解释。在我看来，群众参加文化革命的基本动",
    "机是为了争取承认，为了争取声望，为了证明自己革命，为了显示自己比别人",
    "更革命。对他们而言，文化革命就是一场比赛革命的革命。这当然不是说，群",
    "众的思想和行为都是一模一样的。",
    "　　第二段从这里开始，它缩进了，所以不接在上一段后面。这一行也很长，",
]


def test_hard_wrapped_prose_is_rejoined_until_indented_line():
    assert wrap_width(WRAPPED, 50, 0.5) == 68
    out = unwrap(WRAPPED)
    assert len(out) == 2
    assert out[0].startswith("文化革命是") and out[0].endswith("一模一样的。")
    assert "这种广泛" in out[0]  # CJK joined without a space


def test_headline_list_of_one_width_is_not_unwrapped():
    headlines = [f"0{i}/央行行长宣布十二条金融业开放措施要点汇总第{i}条" for i in range(8)]
    assert wrap_width(headlines, 30, 0.5) is None
    assert unwrap(headlines) == headlines


def test_unwrap_blocks_keeps_images_and_short_text_alone():
    blocks = [Block("短行"), Block("", "image")]
    assert unwrap_blocks(blocks) == blocks
