"""The one typed options object passed down through every transform.

No transform reads globals or the environment: a caller builds an ``ExtractOptions`` (or takes
``DEFAULT_OPTIONS``) and passes it down. Thresholds of the boilerplate classifier and the safety
limits live here, with their defaults, so that a benchmark or a test can vary them explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Limits:
    """Safety limits. When one fires, the file becomes a reject whose reason names the limit."""

    max_file_bytes: int = 32 * 1024 * 1024          # raw bytes read from one file
    max_decompressed_bytes: int = 64 * 1024 * 1024  # after gunzip (decompression-bomb cap)
    max_html_depth: int = 2000                     # element nesting depth given to the HTML parser
    max_line_chars: int = 200_000                  # a longer single line is cut before block parsing
    per_file_seconds: float = 30.0                 # wall time for one file (enforced by the shell)


@dataclass(frozen=True)
class ExtractOptions:
    """Everything a transform may need to know. Frozen: derive variants with ``.with_(...)``."""

    default_tz_offset_minutes: int = 8 * 60   # Chinese pages that give no zone are China time
    min_text_chars: int = 20                  # less extracted text than this -> reject (stage 'extract')
    keep_headings: bool = True
    limits: Limits = field(default_factory=Limits)

    def with_(self, **changes) -> "ExtractOptions":
        return replace(self, **changes)


DEFAULT_OPTIONS = ExtractOptions()
