"""YAML front matter: split it from the body and parse it with PyYAML (safe loader).

Robustness rules:

* the block opens with ``---`` on the very first line (a BOM and trailing spaces allowed) and closes at
  the next line that is exactly ``---`` or ``...``; CRLF line endings are fine;
* a block that never closes, or closes only very far down (> ``_MAX_LINES`` lines), is not front matter:
  the whole text is the body and a problem says why;
* a block that parses to something other than a mapping (a Markdown horizontal rule followed by a
  paragraph and another rule parses as a string) is not front matter either: the whole text is kept;
* invalid YAML: the block is dropped (it was meant as front matter), the body kept, a problem given;
* YAML aliases are capped (``&a`` / ``*a`` expansion can blow up memory: the "billion laughs").
"""
from __future__ import annotations

import re

import yaml

_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[A-Za-z0-9_-]+")
_MAX_LINES = 400
_MAX_ALIASES = 20


def split_front_matter(text: str) -> tuple[dict, str, str | None]:
    """Return ``(meta, body, problem)``. ``problem`` says why the front matter was ignored, if it was."""
    if not isinstance(text, str):
        return {}, "", "text is not a string"
    m = _OPEN.match(text)
    if not m:
        return {}, text, None
    close = _CLOSE.search(text, m.end())
    if not close:
        return {}, text[m.end():], "front matter block never closes (no second '---' line)"
    block = text[m.end():close.start()]
    if block.count("\n") > _MAX_LINES:
        return {}, text[m.end():], f"front matter block is over {_MAX_LINES} lines long; read as body text"
    body = text[close.end():].lstrip("\r\n")
    if len(_ALIAS.findall(block)) > _MAX_ALIASES:
        return {}, body, f"front matter uses more than {_MAX_ALIASES} YAML aliases; ignored"
    try:
        meta = yaml.safe_load(block.replace("\r\n", "\n").replace("\t", "  "))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 2}" if where is not None else ""
        return {}, body, f"front matter is not valid YAML{at}"
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        return {}, body, f"front matter could not be read: {type(exc).__name__}"
    if meta is None:
        return {}, body, None
    if not isinstance(meta, dict):
        # Not front matter at all (e.g. two Markdown rules around a paragraph): keep everything as body.
        return {}, text[m.end() - len(m.group(0)):].lstrip("\ufeff"), (
            f"block between '---' lines is a YAML {type(meta).__name__}, not a mapping; kept as body text")
    return meta, body, None
