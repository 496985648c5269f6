"""The functional core: pure functions from raw bytes to a record dict or a ``Reject``.

No Prefect, no file system, no DuckDB imports anywhere in this package.
"""
from transforms.options import DEFAULT_OPTIONS, ExtractOptions, Limits
from transforms.record import doc_id_for, extract
from transforms.types import Reject

__all__ = ["DEFAULT_OPTIONS", "ExtractOptions", "Limits", "Reject", "doc_id_for", "extract"]
