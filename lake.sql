-- The lake's views for plain DuckDB (no cleanlake code):   duckdb -init lake.sql
-- Run from the repository root (paths are data/lake/...; edit them for another lake, or use s3:// URLs
-- after CREATE SECRET). Needs DuckDB's delta extension: INSTALL delta; once, where DuckDB can download it.
-- delta_scan reads one snapshot of each Delta table from its _delta_log (never a glob of files).
LOAD delta;
CREATE OR REPLACE VIEW articles AS SELECT * FROM delta_scan('data/lake/articles');
CREATE OR REPLACE VIEW rejects AS SELECT * FROM delta_scan('data/lake/rejects');
CREATE OR REPLACE VIEW runs AS SELECT * FROM delta_scan('data/lake/runs');
CREATE OR REPLACE VIEW ledger AS
    SELECT source_file, size, mtime_ns, content_sha256, doc_id, 'article' AS outcome, run_id, ingested_at AS seen_at
    FROM articles
    UNION ALL
    SELECT source_file, size, mtime_ns, content_sha256, doc_id, 'reject' AS outcome, run_id, ingested_at AS seen_at
    FROM rejects;
