"""The innerText-style dump of ``benchmarks.tool_dumps``: the HTML standard's rendering rules, and a
dump that the text path turns back into the article."""
from __future__ import annotations

from benchmarks.tool_dumps import innertext_dump
from transforms import extract

PAGE = b"""<!DOCTYPE html><html><head><title>Harbour news</title><style>p{color:red}</style>
<script>var tracking = {id: 1};</script></head><body>
  <nav> <a href="/">Home</a> <a href="/city">City</a>   <a href="/sport">Sport</a> </nav>
  <div hidden>a hidden promo</div><div style="display: none">another hidden one</div>
  <main><h1>The harbour   reopens</h1>
    <p>The harbour reopened on Monday after three months of repairs, and the first ferry left at seven.<br>Crews
       worked through the winter to rebuild the north pier, the council said in a statement.</p>
    <p>Traders on the quay said the first day was busy, and the fish market sold out before noon.</p>
    <table><tr><th>Route</th><th>Departures</th></tr><tr><td>North</td><td>6</td></tr></table>
  </main>
  <footer><p>Copyright 2025 Harbour Herald</p></footer>
</body></html>"""


def test_innertext_follows_the_rendering_rules():
    text = innertext_dump(PAGE)
    lines = text.split("\n")
    assert lines[0] == "Home City Sport"                # inline links on one line, white space collapsed
    assert "hidden" not in text and "tracking" not in text and "color:red" not in text
    assert "The harbour reopens" in lines                # a block: a line of its own
    first = lines.index("The harbour reopened on Monday after three months of repairs, and the first ferry left at seven.")
    assert lines[first + 1].startswith("Crews worked")   # <br>: a line break inside the paragraph
    assert lines[first + 2] == ""                         # two line breaks between paragraphs
    assert "Route\tDepartures" in lines and "North\t6" in lines   # a tab between cells, a row per line
    assert text.endswith("Copyright 2025 Harbour Herald\n")


def test_the_text_path_recovers_the_article_from_an_innertext_dump():
    rec = extract(innertext_dump(PAGE).encode(), "harbour.txt")
    assert rec["raw_format"] == "text"
    assert "north pier" in rec["text"] and "sold out before noon" in rec["text"]
    assert "Home City Sport" not in rec["text"] and "Copyright 2025" not in rec["text"]
