"""Metadata extraction: dates, bylines, titles, URLs, language, HTML <meta>, YAML front matter.

Pure functions (no I/O). Patterns are compiled once at import.
"""
