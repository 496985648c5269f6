"""HTML -> blocks, two ways (``transforms.record.html_article`` classifies both and picks one).

``blocks_from_dom``: a plain walk over the whole DOM; every visible block element becomes a block
with its link-text share and its container path. ``blocks_from_trafilatura``: trafilatura runs once
(XML output with links and images) and its candidate text becomes blocks, with link shares.
"""
from __future__ import annotations

import re
import threading

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.utils import is_dubious_html, repair_faulty_html

from transforms.boilerplate.blocks import Block, Image
from transforms.detect import prologue_end
from transforms.forms.inline import InlineText

# trafilatura XML: elements that make a block of their own.
_XML_BLOCKS = {"p": "p", "head": "heading", "item": "item", "quote": "quote", "cell": "cell", "code": "code"}
# Children that make an element a container of blocks; inline ``<code>`` inside a paragraph does not.
_XML_NESTED = {"p", "head", "item", "quote", "cell", "list", "table"}
# Plain DOM: elements whose start and end break a line.
_DOM_BREAKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "tbody", "thead", "section", "article", "header", "footer", "aside", "nav", "blockquote", "pre",
    "form", "main", "figure", "figcaption", "center", "td", "th", "br", "hr", "address", "option",
}
# Plain DOM: elements that group blocks (their ids make a block's ``path``).
_DOM_CONTAINERS = {
    "body", "div", "td", "th", "table", "article", "section", "main", "aside", "nav", "header", "footer",
    "ul", "ol", "dl", "form", "center", "blockquote", "figure",
}
_DOM_SKIP = {"script", "style", "noscript", "title", "meta", "link", "template", "svg", "iframe", "select", "button", "textarea"}
# Overlays: a ``<dialog>``, or an element with ARIA role ``dialog``/``alertdialog`` or ``aria-modal``
# (cookie and consent panels, newsletter and login pop-ups, share sheets). They sit over the page,
# not in it; a long consent text was the classifier's densest prose on some pages.
_DIALOG_ROLES = {"dialog", "alertdialog"}
_OVERLAY_CANDIDATES = etree.XPath("//dialog | //*[@role] | //*[@aria-modal]")
# Scripts or comments before <!DOCTYPE>/<html> make lxml put the whole page into <head>.
# Scripts, comments and styles before the page's start are cut by ``detect.prologue_end`` (linear; the
# regex ``\A\s*(?:<script\b.*?</script>\s*|...)+(?=<!doctype|<html)`` backtracked exponentially).
_PAGE_START = re.compile(r"<!doctype|<html", re.I)


# How deep the DOM walk recurses (below Python's recursion limit). ``transforms.guard`` has already
# flattened nesting past ``limits.max_html_depth``, so article text never sits this deep.
WALK_DEPTH = 600
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>", re.I)


_PARSERS = threading.local()


def parse_html(html: str):
    """The page's lxml tree for the DOM walk and the metadata where ``page_tree`` has none (a page
    trafilatura refuses, or a caller without trafilatura), or None.

    Plain ``etree`` elements: ``lxml.html``'s default lookup calls Python for every node the walk
    touches (a quarter of the walk's time). One parser per thread (an lxml
    parser is not to be shared between threads). An XML declaration is dropped first: lxml refuses
    a str that declares an encoding."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser()
    try:
        return etree.fromstring(_XML_DECL.sub("", html, count=1), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _trafilatura_parser():
    """Trafilatura's own HTML parser settings (``trafilatura.utils.HTML_PARSER``) with a C-level element
    class lookup: ``lxml.html``'s default lookup calls back into Python for every element proxy
    created (~2,300 a page inside trafilatura, ~5 % of a page's CPU). Every element is an
    ``HtmlElement`` (trafilatura uses no form-element API), comments ``HtmlComment``."""
    parser = getattr(_PARSERS, "html_parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                                      remove_comments=True, remove_pis=True)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
        _PARSERS.html_parser = parser
    return parser


def page_tree(html: str):
    """The page as ``trafilatura.utils.load_html`` parses a str (its repairs, its bytes fallback and its
    rejection of what is not HTML), with ``_trafilatura_parser``; None where trafilatura would refuse
    the page. ``trafilatura.extract`` takes the tree as it is (it works on a copy), so one parse serves
    trafilatura, the DOM walk and the metadata (``transforms.record.html_article``).

    A mirror of ``load_html``, not a call to it: that function parses with trafilatura's module-level
    parser, which we would otherwise have to re-configure for the whole process;
    ``tests/transforms/test_forms_html.py`` pins the two to the same trees and the same output."""
    parser = _trafilatura_parser()
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    tree, fallback = None, False
    try:
        tree = lxml.html.fromstring(html, parser=parser)
    except ValueError:       # "Unicode strings with encoding declaration are not supported."
        tree, fallback = _from_bytes(html, parser), True
    except Exception:        # noqa: BLE001 -- as trafilatura: an lxml failure is no tree
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = _from_bytes(html, parser)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _from_bytes(html: str, parser):
    try:
        return lxml.html.fromstring(html.encode("utf8", "surrogatepass"), parser=parser)
    except Exception:        # noqa: BLE001 -- as trafilatura's fromstring_bytes
        return None


def document_root(tree):
    """The root element of ``tree``'s document (``lxml.html.fromstring`` hands back a fragment's
    element, not the document's root)."""
    return tree.getroottree().getroot()


def clean_prologue(html: str) -> str:
    """Drop scripts, styles and comments that stand before ``<!DOCTYPE>``/``<html>``."""
    end = prologue_end(html, _PAGE_START)
    return html if end is None else html[end:]


def trafilatura_tree(html, precision: bool = False, fast: bool = True, comments: bool = True):
    """One trafilatura call: the XML ``<doc>`` element (with ``<main>``, and ``<comments>``, which the
    block walk leaves out), or None. Metadata comes from ``transforms.metadata.html_meta``, so
    trafilatura's metadata pass is off. ``precision``: the favor_precision preset (default: the balanced
    one, measured better on wcxb_dev); ``fast``: without readability/justext fallbacks (~25 % faster;
    ``transforms.record`` redoes an under-extracted fast pass without it); ``comments``: the comment
    section extracted (False: trafilatura prunes it unread, which is cheaper). ``html``: the page, or its
    ``page_tree`` (parsed once by the caller; None where trafilatura refuses the page)."""
    tree = page_tree(html) if isinstance(html, str) else html
    if tree is None:
        return None
    xml = trafilatura.extract(
        tree, output_format="xml", include_links=True, include_images=True, include_tables=True,
        include_comments=comments, with_metadata=False, favor_precision=precision, fast=fast,
    )
    if not xml:
        return None
    try:
        return etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None


def blocks_from_trafilatura(doc, section: str = "main") -> list[Block]:
    """The blocks of one section of trafilatura's ``<doc>``: ``main`` (its main text) or ``comments``
    (a forum's posts, or a news page's reader comments; ``transforms.boilerplate.arbiter`` reads it)."""
    elem = doc.find(section) if doc is not None else None
    out: list[Block] = []
    if elem is not None:
        _walk_xml(elem, out)
    return out


def _walk_xml(elem, out: list[Block]) -> None:
    for child in elem:
        tag = child.tag
        if tag == "graphic":
            src = child.get("src") or ""
            if src:
                out.append(Block((child.get("alt") or child.get("title") or "").strip(), "image", image=Image(src, None)))
        elif tag == "row" and any(c.tag in _XML_BLOCKS or c.tag in ("list", "table") for cell in child for c in cell):
            for cell in child:  # a layout table: its cells hold paragraphs, each a block of its own
                if cell.text and cell.text.strip():
                    out.append(Block(" ".join(cell.text.split())))
                _walk_xml(cell, out)
        elif tag == "row":
            acc = InlineText()
            for cell in child:
                _collect_xml(cell, acc, False, out)
                acc.add(" ")
            b = acc.take("cell")
            if b:
                out.append(b)
        elif tag in _XML_BLOCKS and not any(c.tag in _XML_NESTED for c in child):
            kind = _XML_BLOCKS[tag]
            rend = child.get("rend") or ""
            level = int(rend[1:]) if tag == "head" and re.fullmatch(r"h[1-6]", rend) else 0
            acc = InlineText()
            _collect_xml(child, acc, False, out, kind, level)
            b = acc.take(kind, level)
            if b:
                out.append(b)
        else:
            if child.text and child.text.strip():
                out.append(Block(" ".join(child.text.split())))
            _walk_xml(child, out)
        if child.tail and child.tail.strip():   # text after a nested block (or an inline element's tail)
            out.append(Block(" ".join(child.tail.split())))


def _collect_xml(elem, acc: InlineText, in_link: bool, out: list[Block], kind: str = "p", level: int = 0) -> None:
    """Inline content of a block; ``<lb/>`` ends a line, ``<graphic>`` becomes its own image block."""
    acc.add(elem.text, in_link)
    for c in elem:
        if c.tag in ("lb", "graphic"):
            b = acc.take(kind, level)
            if b:
                out.append(b)
            if c.tag == "graphic" and c.get("src"):
                out.append(Block("", "image", image=Image(c.get("src"), None)))
        else:
            if c.tag == "ref":
                acc.links.append(c.get("target") or "")
            _collect_xml(c, acc, in_link or c.tag == "ref", out, kind, level)
        acc.add(c.tail, in_link)


def is_overlay(el) -> bool:
    """A dialog over the page (``_DIALOG_ROLES``): not part of its content."""
    if el.tag == "dialog":
        return True
    role = el.get("role")
    return (role is not None and role.lower() in _DIALOG_ROLES) or (el.get("aria-modal") or "").lower() == "true"


def blocks_from_dom(root, max_depth: int) -> list[Block]:
    """Every visible block element of the page (a ``parse_html`` tree) as a block, with its link
    text share and DOM path."""
    if root is None:
        return []
    # Found by one XPath pass, not by reading two attributes of every element (most pages have none).
    overlays = {el for el in _OVERLAY_CANDIDATES(root) if is_overlay(el)}
    out: list[Block] = []
    acc = InlineText()
    stack: list[int] = []     # ids of the open container elements
    ids = iter(range(1, 1 << 30))

    def flush() -> None:
        if acc.parts or acc.links:   # most breaks follow another break: nothing collected
            b = acc.take(path=tuple(stack))
            if b:
                out.append(b)

    def walk(el, in_link: bool, depth: int) -> None:
        if depth > max_depth:
            return
        for c in el:
            tag = c.tag   # lower case (the HTML parser folds it); a comment's tag is not a str
            if isinstance(tag, str) and tag not in _DOM_SKIP and not (overlays and c in overlays):
                if tag in _DOM_BREAKS:
                    flush()
                if tag == "img" and c.get("src"):
                    flush()
                    out.append(Block((c.get("alt") or "").strip(), "image", image=Image(c.get("src"), None), path=tuple(stack)))
                if tag == "a":
                    acc.links.append(c.get("href") or "")
                if tag in _DOM_CONTAINERS:
                    stack.append(next(ids))
                acc.add(c.text, in_link or tag == "a")
                walk(c, in_link or tag == "a", depth + 1)
                if tag in _DOM_BREAKS:
                    flush()
                if tag in _DOM_CONTAINERS:
                    stack.pop()
            acc.add(c.tail, in_link)

    walk(root, False, 0)
    flush()
    return out
