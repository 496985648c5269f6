"""No-op rerun over the unchanged files of a landing zone as a flow run (python -m benchmarks.noop_rerun LANDING LAKE):
the lake's rows are fabricated for the files (no extraction), then ingest_flow runs three times with a Prefect server up."""
import os, sys, time, hashlib
from datetime import datetime, timezone
import pyarrow as pa
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
landing, lake = sys.argv[1], sys.argv[2]
from flows.discover import discover
from flows.lake import Lake
from flows.ingest import _with_ledger
from schemas import ARTICLES, ARTICLES_DELTA
from transforms import doc_id_for
now = datetime.now(timezone.utc)
files = list(discover(landing))
rows, entries = [], {}
for i, f in enumerate(files):
    sha = hashlib.sha256(open(os.path.join(landing, f.source_file), "rb").read()).hexdigest()
    d = doc_id_for(f.source_file)
    rows.append({"doc_id": d, "source_file": f.source_file, "content_sha256": sha, "raw_format": "html",
                 "site": f"site{i % 8}.example.com", "month": f"2024-{1 + i % 6:02d}", "categories": [], "tags": [],
                 "text": "x" * 2000, "images": [], "char_count": 2000, "ingested_at": now, "pipeline_version": "0.1.0"})
    entries[d] = {"size": f.size, "mtime_ns": f.mtime_ns}
t = pa.Table.from_pylist(rows, schema=ARTICLES)
store = Lake(lake)
for k in range(0, len(rows), 500):   # several commits, as several runs would have made
    store.merge("articles", _with_ledger(t.slice(k, 500), ARTICLES_DELTA, entries, "fab"), "fab")
print("lake built:", len(rows), "rows,", len(store.table("articles").file_uris()), "files", flush=True)
from prefect.testing.utilities import prefect_test_harness
from flows.ingest import ingest_flow
with prefect_test_harness(server_startup_timeout=120):
    for k in range(3):
        t0 = time.perf_counter()
        out = ingest_flow(landing=landing, lake=lake, runner="process")
        print(f"no-op flow run {k}: {time.perf_counter() - t0:.2f} s, unchanged={out['files_unchanged']}, "
              f"articles_written={out['articles_written']}", flush=True)
    t0 = time.perf_counter(); st = store.read_state(); print(f"read_state alone: {time.perf_counter() - t0:.3f} s")
