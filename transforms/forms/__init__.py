"""Form parsers: one module per raw form, each turning a decoded page into ``Block``s.

``html.py`` (trafilatura's XML tree, with a plain DOM walk as fallback), ``markdown.py`` (markdown-it
tokens) and ``text.py`` (a plain-text dump of a whole page, one visible line per block).
"""
