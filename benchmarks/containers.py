"""Container input speed: the WARC readers, and a run over one WARC next to the same pages as single files.

    python -m benchmarks.containers readers [--n 3000]     # warcio vs FastWARC over one WARC.gz
    python -m benchmarks.containers throughput [--n 3000]  # run_ingest: one WARC.gz vs N single files

The corpus is N dev-set HTML pages (``../shared/devset/*/html``, each copy with its own comment, as in
``benchmarks.throughput``), written once as N files and once as one WARC (gzip per record, a request
record before each response, as ``wget --warc-file`` writes). ``throughput`` runs ``run_ingest`` with
worker processes (one per core, the per-file time limit on), alternating the two sides ``--repeat``
times and keeping each side's fastest run; it prints docs/s and the ratio. Run it under ``nice``.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.throughput import build_corpus, source_pages


def build_warc(dest: Path, files: list[Path]) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(dest.name, {"software": "benchmarks.containers"}))
        for i, path in enumerate(files):
            uri = f"https://bench{i % 7}.example.com/a/{i}.html"
            req = StatusAndHeaders(f"GET /a/{i}.html HTTP/1.1", [("Host", uri.split('/')[2])], is_http_request=True)
            w.write_record(w.create_warc_record(uri, "request", http_headers=req))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(path.read_bytes()),
                                                http_headers=http))
    return dest


def read_warcio(path: Path) -> tuple[int, int]:
    from transforms import DEFAULT_OPTIONS
    from transforms.containers import iter_warc
    n = size = 0
    with open(path, "rb") as fh:
        for item in iter_warc(fh, DEFAULT_OPTIONS):
            if item.kind == "page":
                n += 1
                size += len(item.raw)
    return n, size


def read_fastwarc(path: Path) -> tuple[int, int]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType
    n = size = 0
    for rec in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=True):
        body = rec.reader.read()
        n += 1
        size += len(body)
    return n, size


def readers(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cl-warc-"))
    try:
        files = build_corpus(tmp / "pages", n, source_pages())
        warc = build_warc(tmp / "crawl.warc.gz", files)
        print(f"WARC of {n} pages: {warc.stat().st_size / 1e6:.1f} MB gzip, "
              f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB of pages")
        for name, fn in (("warcio (transforms.containers.iter_warc)", read_warcio), ("FastWARC", read_fastwarc)):
            try:
                best = None
                for _ in range(3):
                    t = time.perf_counter()
                    got = fn(warc)
                    dt = time.perf_counter() - t
                    best = dt if best is None else min(best, dt)
                print(f"{name:42s} {got[0]} pages in {best:.2f} s: {got[0] / best:,.0f} pages/s, "
                      f"{got[1] / best / 1e6:.0f} MB/s of payload")
            except ImportError as exc:
                print(f"{name:42s} not installed ({exc})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def one_run(landing: Path, lake: Path) -> tuple[float, int]:
    from flows.executor import run_batch_in_process
    from flows.ingest import run_ingest
    from transforms import DEFAULT_OPTIONS
    shutil.rmtree(lake, ignore_errors=True)
    workers = os.cpu_count() or 2
    with ThreadPoolExecutor(workers) as ex:
        def submit(batch, known, now):
            return ex.submit(run_batch_in_process, str(landing), batch, known, now, DEFAULT_OPTIONS)
        t = time.perf_counter()
        summary = run_ingest(str(landing), str(lake), submit=submit, max_in_flight=workers + 1)
        dt = time.perf_counter() - t
    return dt, summary.counts["articles"] + summary.counts["rejects"]


def throughput(n: int, repeat: int) -> None:
    from flows.executor import shutdown
    tmp = Path(tempfile.mkdtemp(prefix="cl-warc-"))
    try:
        files = build_corpus(tmp / "files", n, source_pages())
        build_warc(tmp / "warc" / "crawl.warc.gz", files)
        one_run(tmp / "files", tmp / "lake")  # warm-up: worker processes started, caches filled
        best = {"files": None, "warc": None}
        docs = {}
        for _ in range(repeat):
            for side in ("files", "warc"):
                dt, got = one_run(tmp / side, tmp / "lake")
                docs[side] = got
                best[side] = dt if best[side] is None else min(best[side], dt)
                print(f"  {side:5s} {got} records in {dt:.1f} s ({got / dt:.1f} docs/s)", flush=True)
        rate = {s: docs[s] / best[s] for s in best}
        print(f"single files: {rate['files']:.1f} docs/s; one WARC.gz: {rate['warc']:.1f} docs/s; "
              f"WARC / files = {rate['warc'] / rate['files']:.2f} (best of {repeat}, {n} pages, {os.cpu_count()} cores)")
    finally:
        shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("readers", "throughput"))
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    readers(args.n) if args.what == "readers" else throughput(args.n, args.repeat)


if __name__ == "__main__":
    main()
