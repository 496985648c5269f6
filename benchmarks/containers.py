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

from benchmarks.throughput import build_corpus, source_pages, tree_cpu_seconds


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


def one_run(landing: Path, lake: Path) -> tuple[float, float | None, int]:
    """(wall seconds, CPU seconds of this process and its workers, records written) of one run on a fresh lake."""
    from flows.executor import run_batch_in_process
    from flows.ingest import run_ingest
    from transforms import DEFAULT_OPTIONS
    shutil.rmtree(lake, ignore_errors=True)
    workers = os.cpu_count() or 2
    with ThreadPoolExecutor(workers) as ex:
        def submit(batch, known, now):
            return ex.submit(run_batch_in_process, str(landing), batch, known, now, DEFAULT_OPTIONS)
        cpu0 = tree_cpu_seconds(os.getpid())
        t = time.perf_counter()
        summary = run_ingest(str(landing), str(lake), submit=submit, max_in_flight=workers + 1)
        dt = time.perf_counter() - t
        cpu1 = tree_cpu_seconds(os.getpid())
    cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
    return dt, cpu, summary.counts["articles"] + summary.counts["rejects"]


def throughput(n: int, repeat: int, warm: bool) -> None:
    """Wall docs/s is what a user sees, but on a shared machine it drifts with the neighbours' load;
    CPU ms per record over every process involved is the steadier figure, printed too."""
    from flows.executor import shutdown
    tmp = Path(tempfile.mkdtemp(prefix="cl-warc-"))
    try:
        files = build_corpus(tmp / "files", n, source_pages())
        build_warc(tmp / "warc" / "crawl.warc.gz", files)
        if warm:
            one_run(tmp / "files", tmp / "lake")  # worker processes started, caches filled
        best: dict[str, tuple] = {}
        for _ in range(repeat):
            for side in ("warc", "files"):   # the WARC first: without a warm-up it pays the workers' start
                dt, cpu, got = one_run(tmp / side, tmp / "lake")
                cpu_ms = f"{1000 * cpu / got:.1f} CPU ms/record" if cpu is not None and got else "CPU n/a"
                print(f"  {side:5s} {got} records in {dt:.1f} s ({got / dt:.1f} docs/s, {cpu_ms})", flush=True)
                if side not in best or dt < best[side][0]:
                    best[side] = (dt, cpu, got)
        rate = {s: v[2] / v[0] for s, v in best.items()}
        print(f"single files: {rate['files']:.1f} docs/s; one WARC.gz: {rate['warc']:.1f} docs/s; "
              f"WARC / files = {rate['warc'] / rate['files']:.2f} (best of {repeat}, {n} pages, {os.cpu_count()} cores)")
        if all(v[1] for v in best.values()):
            per = {s: v[1] / v[2] for s, v in best.items()}
            print(f"CPU per record: files {1000 * per['files']:.1f} ms, WARC {1000 * per['warc']:.1f} ms; "
                  f"files / WARC = {per['files'] / per['warc']:.2f}")
    finally:
        shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("readers", "throughput"))
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-warm-up", action="store_true", help="skip the warm-up run (a loaded machine)")
    args = ap.parse_args()
    readers(args.n) if args.what == "readers" else throughput(args.n, args.repeat, not args.no_warm_up)


if __name__ == "__main__":
    main()
