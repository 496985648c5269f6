"""HTML -> blocks: trafilatura's XML tree, and the plain DOM walk."""
import trafilatura

from transforms.forms.html import (blocks_from_dom, blocks_from_trafilatura, clean_prologue, document_root, page_tree,
                                   parse_html, trafilatura_tree)

PARA = "这是一段足够长的新闻正文，用来让抽取器认出正文部分。记者在现场看到，很多人排队等候，秩序井然。"
PAGE = f"""<html><head><title>t</title><style>p{{}}</style></head><body>
<ul><li><a href="/a">首页</a></li><li><a href="/b">新闻</a></li></ul>
<article><h1>标题在这里</h1><p>{PARA}</p><p>{PARA}<a href="/c">链接</a></p>
<img src="https://img.example/1.jpg" alt="图一"><p>{PARA}</p></article>
<script>var x = "不应出现";</script></body></html>"""


def test_dom_walk_blocks_with_link_share_and_images():
    blocks = blocks_from_dom(parse_html(PAGE), max_depth=100)
    texts = [b.text for b in blocks]
    assert texts[:2] == ["首页", "新闻"]
    assert blocks[0].link_share == 1.0 and blocks[0].links == ("/a",)
    assert "标题在这里" in texts and PARA in texts
    assert not any("不应出现" in t or "p{}" in t for t in texts)
    images = [b.image for b in blocks if b.image is not None]
    assert images and images[0].url == "https://img.example/1.jpg"


def test_dom_walk_respects_depth_limit():
    deep = "<html><body>" + "<div>" * 50 + "深处的文字" + "</div>" * 50 + "</body></html>"
    assert blocks_from_dom(parse_html(deep), max_depth=10) == []
    assert [b.text for b in blocks_from_dom(parse_html(deep), max_depth=100)] == ["深处的文字"]


def test_clean_prologue_drops_script_before_html():
    html = "\n<script>function f(){}</script>\n<!DOCTYPE html><html><body><p>正文</p></body></html>"
    assert clean_prologue(html).startswith("<!DOCTYPE html>")
    assert clean_prologue("<html><body>x</body></html>") == "<html><body>x</body></html>"


def test_trafilatura_tree_to_blocks():
    doc = trafilatura_tree(PAGE.replace("<article>", "<article>" + f"<p>{PARA}</p>" * 3))
    blocks = blocks_from_trafilatura(doc)
    assert PARA in [b.text for b in blocks]
    assert not any(b.text == "首页" for b in blocks)


def test_trafilatura_tree_none_for_empty_page():
    assert trafilatura_tree("<html><body></body></html>") is None
    assert blocks_from_trafilatura(None) == []


def test_dom_paths_group_blocks_by_container():
    html = "<html><body><div><p>甲段。</p><p>乙段。</p></div><div><p>丙段。</p></div></body></html>"
    a, b, c = blocks_from_dom(parse_html(html), max_depth=100)
    assert a.path == b.path and a.path != c.path
    assert a.path[0] == c.path[0]  # both under <body>


def test_xhtml_page_with_xml_declaration_still_gives_dom_blocks():
    page = '<?xml version="1.0" encoding="utf-8"?><html><body><p>你好，世界。这是一段正文。</p></body></html>'
    assert [b.text for b in blocks_from_dom(parse_html(page), max_depth=100)] == ["你好，世界。这是一段正文。"]


CONSENT = ("We and our partners process your personal data, such as your browsing history, to deliver and measure "
           "content and advertisements, and you may object to this processing at any time in the settings. ") * 6
NEWS = ("The ferry service to the island resumed on Monday after the storm, and the first boat left at seven in the "
        "morning with forty passengers on board. ")


def _overlay_page(overlay: str) -> str:
    return (f"<html><body><nav><a href='/'>Home</a></nav><main><h1>Ferry resumes</h1><p>{NEWS}</p>"
            f"<p>{NEWS.replace('Monday', 'Tuesday')}</p></main>{overlay}</body></html>")


def test_dom_walk_leaves_out_dialogs_over_the_page():
    """A consent panel, a modal and a <dialog> are overlays: none of their text is a block; the text
    after them still is (an element's tail belongs to its parent)."""
    for overlay in (f"<div id='consent' role='dialog'><p>{CONSENT}</p></div>tail text",
                    f"<div class='modal' role='AlertDialog'><div><p>{CONSENT}</p></div></div>tail text",
                    f"<section aria-modal='true'><p>{CONSENT}</p></section>tail text",
                    f"<dialog open><p>{CONSENT}</p></dialog>tail text"):
        texts = [b.text for b in blocks_from_dom(parse_html(_overlay_page(overlay)), max_depth=100)]
        assert NEWS.strip() in texts and "tail text" in texts
        assert not any("personal data" in t for t in texts), overlay


def test_a_long_consent_dialog_is_not_taken_for_the_article():
    from transforms import extract

    rec = extract(_overlay_page(f"<div role='dialog'><h2>Your privacy</h2><p>{CONSENT}</p><p>{CONSENT}</p></div>").encode(),
                  "ferry.html")
    assert "forty passengers" in rec["text"] and "personal data" not in rec["text"]


def test_page_tree_gives_trafilatura_what_its_own_parse_gives():
    """One parse serves trafilatura and the walk: trafilatura's output from our tree equals its output
    from the page's string (its own ``load_html``), on a page, a fragment and an XHTML page."""
    xhtml = '<?xml version="1.0" encoding="utf-8"?><html><body><article><p>' + NEWS * 3 + '</p></article></body></html>'
    for page in (PAGE, _overlay_page(""), xhtml):
        kw = dict(output_format="xml", include_links=True, include_tables=True, with_metadata=False)
        assert trafilatura.extract(page_tree(page), **kw) == trafilatura.extract(page, **kw)
    tree = page_tree(PAGE)
    assert document_root(tree).tag == "html"
    texts = [b.text for b in blocks_from_dom(document_root(tree), max_depth=100)]
    assert texts == [b.text for b in blocks_from_dom(parse_html(PAGE), max_depth=100)]


def test_page_tree_refuses_what_trafilatura_refuses():
    from trafilatura.utils import load_html

    for refused in ("just a sentence, no markup", "<div><p>a</p></div>"):
        assert load_html(refused) is None and page_tree(refused) is None
        assert trafilatura_tree(refused) is None
    kept = "<p>x</p><p>y</p>"
    assert [c.text for c in page_tree(kept)] == [c.text for c in load_html(kept)] == ["x", "y"]
