"""YAML front matter: split it from the body and parse it with PyYAML (safe loader)."""
from __future__ import annotations

import re

import yaml

_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)


def split_front_matter(text: str) -> tuple[dict, str, str | None]:
    """Return ``(meta, body, problem)``. ``problem`` says why the front matter was ignored, if it was."""
    m = _OPEN.match(text)
    if not m:
        return {}, text, None
    close = _CLOSE.search(text, m.end())
    if not close:
        return {}, text[m.end():], "front matter block never closes (no second '---' line)"
    block, body = text[m.end():close.start()], text[close.end():].lstrip("\r\n")
    try:
        meta = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        return {}, body, f"front matter is not valid YAML{at}"
    if meta is None:
        return {}, body, None
    if not isinstance(meta, dict):
        return {}, body, f"front matter is a YAML {type(meta).__name__}, not a mapping"
    return meta, body, None
