"""Bylines: recognise a byline line and strip a leading byline from a paragraph."""
from __future__ import annotations


def parse_byline(line: str) -> str | None:
    """The person's name if ``line`` is a byline, else None."""
    return None


def strip_byline(paragraph: str) -> tuple[str, str | None]:
    """Remove a LEADING byline from a paragraph: ``(rest, name)``; ``(paragraph, None)`` if none."""
    return paragraph, None
