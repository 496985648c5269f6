"""Arrow schemas of the lake's tables, declared explicitly, and the record -> row contract."""
from schemas.tables import (ARTICLES, ARTICLES_DELTA, ARTICLES_FILE, HIVE_NULL, LEDGER, PARTITION_KEYS, PIPELINE_VERSION,
                            REJECTS, REJECTS_DELTA, RUNS)
from schemas.validate import articles_table, reject_row, rejects_table, to_row

__all__ = ["ARTICLES", "ARTICLES_DELTA", "REJECTS_DELTA", "ARTICLES_FILE", "HIVE_NULL", "LEDGER", "PARTITION_KEYS", "PIPELINE_VERSION", "REJECTS",
           "RUNS", "articles_table", "reject_row", "rejects_table", "to_row"]
