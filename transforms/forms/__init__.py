"""Form parsers: one module per raw form, each turning a decoded page into ``Block``s.

``html.py`` (a walk over the whole DOM with container paths, and trafilatura's XML tree),
``markdown.py`` (markdown-it tokens), ``text.py`` (a plain-text dump of a whole page, one visible line
per block, hard-wrapped prose re-joined); ``inline.py`` collects a block's inline text and link share.
Which form a page is: ``transforms/detect.py``.
"""
