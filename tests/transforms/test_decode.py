import codecs

import pytest

from transforms.decode import decode
from transforms.options import DEFAULT_OPTIONS
from transforms.types import RejectError

O = DEFAULT_OPTIONS
SIMPLIFIED = "央行：保持流动性合理充裕，加大对实体经济的支持力度。"
TRADITIONAL = "今天天氣很好，我們去公園散步，順便看看新開的書店。"


def test_plain_utf8():
    assert decode(SIMPLIFIED.encode("utf-8"), O) == (SIMPLIFIED, "utf-8")


def test_utf8_bom_and_crlf():
    text, cs = decode(codecs.BOM_UTF8 + "第一行\r\n第二行\r\n第三行\r".encode("utf-8"), O)
    assert text == "第一行\n第二行\n第三行\n"
    assert cs == "utf-8"


def test_utf16_bom():
    text, cs = decode(codecs.BOM_UTF16_LE + "你好，世界".encode("utf-16-le"), O)
    assert text == "你好，世界" and cs.startswith("utf-16")


@pytest.mark.parametrize("text", [SIMPLIFIED, "中文", "新闻", "是", "你好 hello", "<html><body><p>" + SIMPLIFIED + "</p></body></html>"])
def test_undeclared_gbk_including_short_texts(text):
    got, cs = decode(text.encode("gbk"), O)
    assert got == text
    assert cs == "gb18030"


def test_gb18030_only_characters():
    text = "测试𠀀一下扩展字符集"  # U+20000 exists only in GB18030's four-byte range
    got, cs = decode(text.encode("gb18030"), O)
    assert got == text and cs == "gb18030"


@pytest.mark.parametrize("text", [TRADITIONAL, "臺灣新聞", "新聞"])
def test_undeclared_big5_including_short_texts(text):
    got, cs = decode(text.encode("big5"), O)
    assert got == text
    assert cs.startswith("big5")


def test_declared_utf8_but_really_gbk():
    raw = b'<html><head><meta charset="utf-8"><title>x</title></head><body><p>' + SIMPLIFIED.encode("gbk") + b"</p></body></html>"
    text, cs = decode(raw, O)
    assert SIMPLIFIED in text and cs == "gb18030"


def test_declared_gb2312_but_really_utf8():
    raw = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>' + SIMPLIFIED.encode("utf-8") + b"</body></html>"
    text, cs = decode(raw, O)
    assert SIMPLIFIED in text and cs == "utf-8"


def test_declared_big5_but_really_gbk():
    raw = b'<meta charset="big5"><p>' + (SIMPLIFIED * 2).encode("gbk") + b"</p>"
    text, cs = decode(raw, O)
    assert SIMPLIFIED in text and cs == "gb18030"


def test_declared_gbk_with_gbk_only_characters():
    text = "镕基与喆"  # 镕/喆 are GBK but not GB2312
    raw = b'<meta charset="gb2312"><p>' + text.encode("gbk") + b"</p>"
    got, cs = decode(raw, O)
    assert text in got and cs == "gb18030"


def test_utf8_with_a_few_invalid_bytes_stays_utf8():
    good = ("中国人工智能初创企业深度求索的大模型一经发布，震动全行业。" * 3).encode("utf-8")
    raw = good[:40] + b"\xff\xfe" + good[40:-1]  # two stray bytes and a truncated last character
    text, cs = decode(raw, O)
    assert cs == "utf-8"
    assert text.count("\ufffd") <= 8  # each bad byte becomes at most one U+FFFD
    assert "震动全行业" in text


def test_declared_latin1_page():
    raw = b'<meta charset="iso-8859-1"><p>Caf\xe9 cr\xe8me br\xfbl\xe9e is a French dessert.</p>'
    text, cs = decode(raw, O)
    assert "Café crème brûlée" in text


@pytest.mark.parametrize(
    "raw, what",
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        (b"\xff\xd8\xff\xe0" + bytes(200), "JPEG"),
        (b"GIF89a" + bytes(50), "GIF"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04" + bytes(100), "zip"),
        (b"\x1f\x8b\x08\x00" + bytes(50), "gzip"),
    ],
)
def test_binary_rejected_with_reason(raw, what):
    with pytest.raises(RejectError) as exc:
        decode(raw, O)
    assert exc.value.reject.stage == "decode"
    assert what in exc.value.reject.reason


def test_nul_heavy_rejected():
    with pytest.raises(RejectError) as exc:
        decode(b"abc" + bytes(500) + b"def" + bytes(300), O)
    assert "NUL" in exc.value.reject.reason


def test_random_bytes_rejected():
    with pytest.raises(RejectError):
        decode(bytes(range(1, 256)) * 4, O)


@pytest.mark.parametrize(
    "charset, text",
    [
        ("shift_jis", "東京都は今日、新しい交通計画を発表しました。市民の皆さんの意見を募集しています。"),
        ("euc-kr", "서울시는 오늘 새로운 교통 계획을 발표했습니다. 시민 여러분의 의견을 듣고 있습니다."),
        ("windows-1251", "Городской совет сегодня утвердил новый план развития общественного транспорта."),
    ],
)
def test_declared_non_chinese_legacy_charsets_are_not_read_as_gbk(charset, text):
    raw = f'<html><head><meta charset="{charset}"></head><body><p>'.encode("ascii") + text.encode(charset) + b"</p></body></html>"
    got, cs = decode(raw, O)
    assert text in got


def test_declared_latin1_but_really_gbk():
    raw = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>' + SIMPLIFIED.encode("gbk") + b"</p>"
    got, cs = decode(raw, O)
    assert SIMPLIFIED in got and cs == "gb18030"


def test_large_gbk_file_decided_on_its_head_and_decoded_whole():
    text = ("<p>" + SIMPLIFIED * 10 + "</p>\n") * 2000  # ~1 MB in GBK, over the 256 KB sample
    got, cs = decode(text.encode("gbk"), O)
    assert cs == "gb18030" and got == text
