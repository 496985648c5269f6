"""Throughput: the bare trafilatura pool next to ``cleanlake run`` on the same files, in one invocation.

    python -m benchmarks.throughput                 # N = 1000 and 3000 (marginal rate between them)
    python -m benchmarks.throughput --n 200 --n 600 # a quick look

The corpus is N HTML pages copied from ``../shared/devset/*/html`` (or the shipped ``data/raw``
pages when the dev set is absent), each copy with a small change (an HTML comment) so that every
file has its own hash. Both sides use every core: the bare side is ``trafilatura.extract`` over a
``multiprocessing.Pool``; cleanlake is the Prefect flow ``ingest_flow`` (process runner, a
temporary Prefect server) writing a real lake. Each cleanlake run happens in a fresh child process,
so its peak RSS is its own. Marginal docs/s = (N2 - N1) / (t(N2) - t(N1)): start-up costs cancel.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def source_pages() -> list[Path]:
    dev = ROOT.parent / "shared" / "devset"
    pages = sorted(dev.glob("*/html/*.html")) if dev.is_dir() else []
    return pages or sorted(p for p in (ROOT / "data" / "raw").rglob("*.html"))


def build_corpus(dest: Path, n: int, pages: list[Path]) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    raws = [p.read_bytes() for p in pages]
    out = []
    for i in range(n):
        path = dest / f"{i // 500:03d}" / f"page-{i:05d}.html"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(raws[i % len(raws)] + f"\n<!-- copy {i} -->\n".encode())
        out.append(path)
    return out


def _bare(path: str) -> int:
    import trafilatura
    with open(path, "rb") as fh:
        return len(trafilatura.extract(fh.read()) or "")


def bare_pool(files: list[Path]) -> float:
    with mp.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
        pool.map(_bare, [str(files[0])] * (os.cpu_count() or 2))  # warm the workers (imports)
        start = time.perf_counter()
        pool.map(_bare, [str(f) for f in files], chunksize=16)
        return time.perf_counter() - start


def _cleanlake_child(landing: str, lake: str, queue) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import logging
    logging.disable(logging.INFO)
    from prefect.testing.utilities import prefect_test_harness

    from flows.executor import shutdown
    from flows.ingest import ingest_flow
    with prefect_test_harness(server_startup_timeout=120):
        warm = Path(tempfile.mkdtemp(prefix="cleanlake-warm-"))   # warm-up: start workers and the server
        for f in sorted(Path(landing).rglob("*.html"))[:8]:
            shutil.copy(f, warm / f.name)
        ingest_flow(landing=str(warm / "."), lake=str(warm / "lake"), runner="process", batch_size=64)
        shutil.rmtree(warm)
        start = time.perf_counter()
        out = ingest_flow(landing=landing, lake=lake, runner="process", batch_size=64)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        noop = ingest_flow(landing=landing, lake=lake, runner="process", batch_size=64)
        noop_seconds = time.perf_counter() - start
        shutdown()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    queue.put({"seconds": seconds, "articles": out["articles_written"], "rejects": out["rejects_written"],
               "noop_seconds": noop_seconds, "noop_unchanged": noop["files_unchanged"],
               "rss_flow_mb": own, "rss_largest_child_mb": kids})


def cleanlake_run(landing: Path, lake: Path) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_cleanlake_child, args=(str(landing), str(lake), queue))
    child.start()
    result = queue.get(timeout=3600)
    child.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append", help="corpus sizes (default 1000 and 3000)")
    args = ap.parse_args()
    sizes = sorted(args.n or [1000, 3000])
    pages = source_pages()
    work = Path(tempfile.mkdtemp(prefix="cleanlake-bench-"))
    print(f"corpus: copies of {len(pages)} HTML pages; {os.cpu_count()} cores; work dir {work}")
    rows = []
    try:
        for n in sizes:
            landing = work / f"landing-{n}"
            files = build_corpus(landing, n, pages)
            t_bare = bare_pool(files)
            r = cleanlake_run(landing, work / f"lake-{n}")
            rows.append((n, t_bare, r))
            print(f"N={n:5d}  bare trafilatura pool {n / t_bare:6.1f} docs/s ({t_bare:6.1f} s)   "
                  f"cleanlake run {n / r['seconds']:6.1f} docs/s ({r['seconds']:6.1f} s, {r['articles']} articles, "
                  f"{r['rejects']} rejects)   no-op rerun {r['noop_seconds']:.2f} s over {r['noop_unchanged']} unchanged   "
                  f"peak RSS: flow {r['rss_flow_mb']:.0f} MB, largest child {r['rss_largest_child_mb']:.0f} MB")
            shutil.rmtree(landing)
        if len(rows) >= 2:
            (n1, b1, r1), (n2, b2, r2) = rows[0], rows[-1]
            bare = (n2 - n1) / (b2 - b1)
            ours = (n2 - n1) / (r2["seconds"] - r1["seconds"])
            print(f"marginal docs/s between N={n1} and N={n2}: bare {bare:.1f}, cleanlake {ours:.1f}, "
                  f"ratio {ours / bare:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
