"""Throughput: the bare trafilatura pool next to ``cleanlake run`` on the same files, in one invocation.

    python -m benchmarks.throughput                 # N = 1000 and 3000 (marginal rate between them)
    python -m benchmarks.throughput --n 200 --n 600 # a quick look

The corpus is N HTML pages copied from ``../shared/devset/*/html`` (or the shipped ``data/raw``
pages when the dev set is absent), each copy with a small change (an HTML comment) so that every
file has its own hash. Both sides use every core: the bare side is ``trafilatura.extract`` over a
``multiprocessing.Pool``; cleanlake is the Prefect flow ``ingest_flow`` (process runner, a
temporary Prefect server) writing a real lake. Each cleanlake run happens in a fresh child process,
so its peak RSS is its own. Marginal docs/s = (N2 - N1) / (t(N2) - t(N1)): start-up costs cancel.

A shared virtual machine's speed drifts by tens of percent within minutes, so the two sides are
measured alternately (``--repeat``) and the fastest run of each is kept; the CPU time of every
process involved (Linux) is printed as well, a figure that drifts less than wall time.
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


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its living descendants (Linux /proc;
    None elsewhere). Read before and after a run: the difference is what the run cost in all its
    processes (the flow, the worker processes and the Prefect server; the bare pool's workers)."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        parent[int(stat.parent.name)] = int(fields[1])
        cpu[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo.extend(c for c, pp in parent.items() if pp == p)
    return total


def bare_pool(files: list[Path]) -> tuple[float, float | None]:
    """Seconds and CPU seconds of ``trafilatura.extract`` over ``files`` on a pool of every core."""
    with mp.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
        pool.map(_bare, [str(files[0])] * (os.cpu_count() or 2))  # warm the workers (imports)
        cpu0, start = tree_cpu_seconds(os.getpid()), time.perf_counter()
        pool.map(_bare, [str(f) for f in files], chunksize=16)
        seconds, cpu1 = time.perf_counter() - start, tree_cpu_seconds(os.getpid())
    return seconds, (cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None)


def _cleanlake_child(landing: str, lake: str, queue) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import logging
    logging.disable(logging.INFO)
    from prefect.testing.utilities import prefect_test_harness

    from flows.executor import shutdown
    from flows.ingest import ingest_flow
    cores = os.cpu_count() or 2
    with prefect_test_harness(server_startup_timeout=120):
        # warm-up: start the server's services and one worker process per core (8 small batches per core)
        warm = Path(tempfile.mkdtemp(prefix="cleanlake-warm-"))
        for f in sorted(Path(landing).rglob("*.html"))[:8 * cores]:
            shutil.copy(f, warm / f.name)
        ingest_flow(landing=str(warm / "."), lake=str(warm / "lake"), runner="process", batch_size=8)
        shutil.rmtree(warm)
        cpu0, start = tree_cpu_seconds(os.getpid()), time.perf_counter()
        out = ingest_flow(landing=landing, lake=lake, runner="process", batch_size=64)
        seconds, cpu1 = time.perf_counter() - start, tree_cpu_seconds(os.getpid())
        start = time.perf_counter()
        noop = ingest_flow(landing=landing, lake=lake, runner="process", batch_size=64)
        noop_seconds = time.perf_counter() - start
        shutdown()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    queue.put({"seconds": seconds, "cpu": cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None,
               "articles": out["articles_written"], "rejects": out["rejects_written"],
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


def _cpu_ms(cpu: float | None, n: int) -> str:
    return f"{cpu / n * 1000:5.1f} CPU ms/page" if cpu is not None else "CPU n/a"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append", help="corpus sizes (default 1000 and 3000)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="measure each side this many times, alternating, and keep the fastest (default 2)")
    args = ap.parse_args()
    sizes = sorted(args.n or [1000, 3000])
    pages = source_pages()
    work = Path(tempfile.mkdtemp(prefix="cleanlake-bench-"))
    print(f"corpus: copies of {len(pages)} HTML pages; {os.cpu_count()} cores; best of {args.repeat} alternating "
          f"runs per side; work dir {work}")
    rows = []
    try:
        for n in sizes:
            landing = work / f"landing-{n}"
            files = build_corpus(landing, n, pages)
            bares, runs = [], []
            for k in range(args.repeat):  # alternate, so that a slow spell of the machine hits both sides
                bares.append(bare_pool(files))
                runs.append(cleanlake_run(landing, work / f"lake-{n}-{k}"))
            (t_bare, cpu_bare), r = min(bares), min(runs, key=lambda x: x["seconds"])
            rows.append((n, t_bare, r))
            spread = ", ".join(f"{n / x['seconds']:.1f}" for x in runs)
            print(f"N={n:5d}  bare trafilatura pool {n / t_bare:6.1f} docs/s ({t_bare:6.1f} s, {_cpu_ms(cpu_bare, n)})   "
                  f"cleanlake run {n / r['seconds']:6.1f} docs/s ({r['seconds']:6.1f} s, {_cpu_ms(r['cpu'], n)}, "
                  f"{r['articles']} articles, {r['rejects']} rejects; runs: {spread})")
            print(f"         no-op rerun {r['noop_seconds']:.2f} s over {r['noop_unchanged']} unchanged   "
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
