"""``benchmarks.script_swap``: the swap keeps markup and swaps text, and a page written in another
script yields the same article, letter for letter."""
from __future__ import annotations

import json

import lxml.html
import pytest

from benchmarks.script_swap import ALPHABETS, swap_gold, swap_html, table
from transforms import extract

LD = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "The harbour reopens",
                 "author": {"@type": "Person", "name": "Ann Lee"}, "url": "https://example.org/harbour"})
PAGE = f"""<!DOCTYPE html><html><head><meta charset="windows-1252"><title>The harbour reopens | Harbour Herald</title>
<meta name="description" content="The harbour reopened on Monday.">
<script type="application/ld+json">{LD}</script><script>var tracking = {{id: 1}};</script></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav>
<article><h1>The harbour reopens</h1>
<p>The harbour reopened on Monday after three months of repairs, and the first ferry left at seven in the
morning with more than two hundred passengers on board, the port authority said.</p>
<p>Crews worked through the winter to rebuild the north pier, which a storm had damaged in October, and
the council said the work came in under budget and two weeks ahead of the plan it published in the autumn.</p>
<p>Traders on the quay said the first day was busy. The fish market sold out before noon, and the cafes along
the front stayed open late into the evening as families came down to watch the boats come in.</p>
<p>The next phase, a new terminal building with a waiting room and a ticket office, is due to open next spring,
when the summer timetable adds four more daily sailings to the islands.</p>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Council votes on the new bus lanes</a></li>
<li><a href="/b">School roof repairs finish early</a></li><li><a href="/c">Storm warning for the coast</a></li>
<li><a href="/d">Market hall to close for a week</a></li></ul></aside>
<footer><p>Copyright 2025 Harbour Herald. All rights reserved. No part of this site may be reproduced without our
written permission.</p><p><a href="/about">About us</a> | <a href="/contact">Contact</a> | <a href="/privacy">Privacy</a></p></footer>
</body></html>""".encode("cp1252")


def test_swap_keeps_markup_and_swaps_text():
    out = swap_html(PAGE, "Cyrl").decode("utf-8")
    doc = lxml.html.document_fromstring(out)
    assert doc.find(".//meta").get("charset") == "utf-8"          # written back as UTF-8, one charset meta
    assert [a.get("href") for a in doc.iter("a")][:4] == ["/", "/city", "/sport", "/weather"]
    assert doc.findtext(".//h1") == "Тхе харбоур реопенс"
    assert "harbour" not in doc.findtext(".//article/p") and "three" not in out
    ld = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)
    assert ld["@type"] == "NewsArticle" and ld["author"]["@type"] == "Person"   # schema keys and types kept
    assert ld["headline"] == "Тхе харбоур реопенс" and ld["url"] == "https://example.org/harbour"
    assert "var tracking = {id: 1}" in out                        # code in a script is left alone
    assert doc.xpath("//meta[@name='description']")[0].get("content").startswith("Тхе харбоур")


def test_swap_gold_swaps_text_fields_only():
    g = swap_gold({"source_file": "0001", "url": "https://x.org/a", "title": "Ab", "text": "Hello, 2025!",
                   "with": ["Hello"], "page_type": "article"}, "Grek")
    assert g == {"source_file": "0001", "url": "https://x.org/a", "title": "Αβ", "text": "Ηεllo, 2025!".replace("l", "λ").replace("o", "ο"),
                 "with": ["Ηελλο"], "page_type": "article"}


@pytest.mark.parametrize("script", sorted(ALPHABETS))
def test_the_same_page_in_another_script_yields_the_same_article(script):
    english = extract(PAGE, "harbour.html")
    assert "north pier" in english["text"] and "Most read" not in english["text"] and "Privacy" not in english["text"]
    assert "reserved" not in english["text"]   # the footer goes by position and shape, not by its words
    swapped = extract(swap_html(PAGE, script), "harbour.html")
    assert swapped["text"] == english["text"].translate(table(script))
    assert swapped["title"] == english["title"].translate(table(script))


def test_swap_reaches_json_in_data_attributes_and_markup_in_json():
    """A forum's posts preloaded as JSON in a ``data-*`` attribute (trafilatura reads them), with JSON
    inside a JSON string and HTML inside that: the post text is swapped, keys, tags and entities kept."""
    posts = json.dumps({"post_stream": {"posts": [{"cooked": "<p>Thanks &amp; welcome</p>", "id": 7}]}})
    page = ('<html><body><div id="data-preloaded" data-preloaded="'
            + json.dumps({"topic_1": posts}).replace("&", "&amp;").replace('"', "&quot;")
            + '"></div><p>Hi</p></body></html>').encode()
    doc = lxml.html.document_fromstring(swap_html(page, "Cyrl").decode("utf-8"))
    pre = json.loads(doc.get_element_by_id("data-preloaded").get("data-preloaded"))
    post = json.loads(pre["topic_1"])["post_stream"]["posts"][0]
    assert post == {"cooked": "<p>Тханкс &amp; шелцоме</p>", "id": 7}
