"""The lake's Arrow schemas, declared explicitly (never inferred from the first record).

``ARTICLES`` and ``REJECTS`` are the logical tables a user queries. The Parquet files on disk are
hive-partitioned: ``articles/site=<host>/month=<YYYY-MM>/part-*.parquet``. Partition columns are
stored in the directory names only (the standard hive layout), so the *file* schema is the
logical schema minus the partition columns (``ARTICLES_FILE``). A row with no site or no date goes
to the hive null partition ``__HIVE_DEFAULT_PARTITION__``, which DuckDB and pyarrow read as NULL.
"""
from __future__ import annotations

import pyarrow as pa

PIPELINE_VERSION = "0.3.6"

TS = pa.timestamp("us", tz="UTC")

IMAGE = pa.struct([pa.field("url", pa.string(), nullable=False), pa.field("caption", pa.string())])

ARTICLES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),          # sha256 of the source path, 32 hex
        pa.field("source_file", pa.string(), nullable=False),     # path relative to the landing zone
        pa.field("content_sha256", pa.string(), nullable=False),  # of the raw bytes
        pa.field("raw_format", pa.string(), nullable=False),      # html | markdown+front_matter | markdown | text
        pa.field("charset", pa.string()),                          # charset the raw bytes were decoded with
        pa.field("url", pa.string()),
        pa.field("site", pa.string()),                              # host of the canonical URL; partition key
        pa.field("title", pa.string()),
        pa.field("author", pa.string()),
        pa.field("published_at", TS),                               # the instant; see published_tz
        pa.field("published_tz", pa.string()),                      # the page's own offset, "+08:00"
        pa.field("month", pa.string()),                             # "YYYY-MM" in the page's zone; partition key
        pa.field("categories", pa.list_(pa.string()), nullable=False),
        pa.field("tags", pa.list_(pa.string()), nullable=False),
        pa.field("lang", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("text", pa.string(), nullable=False),              # plain text, one paragraph per line
        pa.field("images", pa.list_(IMAGE), nullable=False),
        pa.field("char_count", pa.int32(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        # provenance from the crawler (WARC header, JSONL field, sidecar); null for a bare file
        pa.field("fetched_at", TS),
        pa.field("source_record", pa.int64()),                      # WARC record offset / JSONL line; null for one-page files
        # near-duplicate detection: the doc_id of the group's earliest member; exact | near | null
        pa.field("dup_group", pa.string()),
        pa.field("dup_kind", pa.string()),
    ]
)

PARTITION_KEYS = ("site", "month")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"

ARTICLES_FILE = pa.schema([f for f in ARTICLES if f.name not in PARTITION_KEYS])

REJECTS = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("content_sha256", pa.string()),   # null when the file could not be read at all
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("doc_id", pa.string()),                           # the id the article would have had
        pa.field("url", pa.string()),                              # from the crawler, when it said
        pa.field("fetched_at", TS),
        pa.field("source_record", pa.int64()),                     # WARC record offset / JSONL line
    ]
)

# --- operational tables (the lake's own bookkeeping) -------------------------------------------

LEDGER = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),     # path relative to the landing zone
        pa.field("size", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("content_sha256", pa.string()),                  # null when the file could not be read
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),         # article | reject
        pa.field("data_file", pa.string(), nullable=False),       # lake-relative Parquet file holding its row
        pa.field("run_id", pa.string(), nullable=False),          # run that last wrote its row
        pa.field("seen_at", TS, nullable=False),
    ]
)

RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("flow", pa.string(), nullable=False),            # ingest | backfill | compact
        pa.field("started_at", TS, nullable=False),
        pa.field("finished_at", TS),
        pa.field("status", pa.string(), nullable=False),
        pa.field("landing", pa.string()),
        pa.field("files_seen", pa.int64(), nullable=False),
        pa.field("files_new", pa.int64(), nullable=False),
        pa.field("files_changed", pa.int64(), nullable=False),
        pa.field("files_unchanged", pa.int64(), nullable=False),
        pa.field("files_reprocessed", pa.int64(), nullable=False),   # backfill: same content, extracted again
        pa.field("articles_written", pa.int64(), nullable=False),
        pa.field("rejects_written", pa.int64(), nullable=False),
        pa.field("pipeline_version", pa.string(), nullable=False),
        pa.field("flow_run_id", pa.string()),                     # the Prefect flow run, when run by Prefect
        pa.field("records_skipped", pa.int64()),                  # container records that are not pages (WARC dns, request, ...)
    ]
)

# --- the Delta tables' schemas: the logical tables plus the ledger's columns, folded in ------------
# Every row of articles and rejects carries what change detection needs (the raw file's size and
# mtime when its row was written, and the run that wrote it). There is no separate ledger to lose:
# the ``ledger`` view is a projection of these columns.

LEDGER_FIELDS = [
    pa.field("size", pa.int64()),        # of the raw file, when its row was written
    pa.field("mtime_ns", pa.int64()),
    pa.field("run_id", pa.string()),     # the run that last wrote the row
]
ARTICLES_DELTA = pa.schema(list(ARTICLES) + LEDGER_FIELDS)
REJECTS_DELTA = pa.schema(list(REJECTS) + LEDGER_FIELDS)
