"""detect_form: which raw form a decoded file is."""
from transforms.detect import detect_form


def test_html_even_after_a_leading_script():
    assert detect_form("<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert detect_form("\n\n<script>var a = 1;</script>\n<html><head></head><body>x</body></html>") == "html"


def test_front_matter_needs_a_key_line():
    assert detect_form("---\ntitle: x\n---\n\nbody") == "markdown+front_matter"
    assert detect_form("---  \n  \n[首页](/a) [新闻](/b)\n\n正文。") == "markdown"  # a rule, not front matter


def test_markdown_signs():
    assert detect_form("# 标题\n\n正文第一段。\n\n正文第二段。") == "markdown"
    assert detect_form("* [首页](/)\n* [新闻](/n)\n\n正文。") == "markdown"
    assert detect_form("**粗体标题**\n\n* * *\n\n正文。") == "markdown"


def test_text_dump_with_accidental_signs_stays_text():
    dump = "\n".join(["首页", "新闻", "------------------------------", ">>", "1. 第一条", "2. 第二条", "正文第一段。"])
    assert detect_form(dump) == "text"
    assert detect_form("车牌苏A85**1的车\n另一辆苏A35**1的车\n正文。") == "text"
