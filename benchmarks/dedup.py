"""Duplicate detection on a synthetic corpus built from the dev pages' gold texts.

    python -m benchmarks.dedup [../shared/devset] [--sizes 3000 30000] [--run-size 1000] [--seed 0]

The corpus: stories, each a gold text and copies of it of these kinds, plus distinct pages:
  exact        the same text with other whitespace and punctuation (full-width/half-width, spacing)
  edited       10 % of the sentences edited (a third replaced by another page's sentence, a third
               deleted, a third with three tokens changed)
  reordered    paragraphs moved (a block of them to the front)
  boilerplate  another site's header and footer: breadcrumb, source and editor lines, share prompt,
               a reprint notice, a long disclaimer, a "related" list of other pages' titles
  syndicated   the title line, another byline and source line, the reprint notice, and 10 % edits
  distinct     a gold text with no copy; past the gold texts, pages made of sentences drawn from all
               the gold texts (they share sentences with other pages but are no copies)
It is fed to ``flows.dedup`` in runs of ``--run-size`` articles (shuffled, so copies arrive in other
runs than their originals), each run matched against the Delta table the earlier runs wrote. Prints
precision and recall of duplicate pairs (two articles in one ``dup_group``), recall per copy kind,
the dedup time per article against the extraction time per page measured in the same process
(``transforms.extract`` on the dev pages' HTML), MinHash speed of datasketch and rensa, and RSS.
"""
from __future__ import annotations

import argparse
import gc
import glob
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

KINDS = ("exact", "edited", "reordered", "boilerplate", "syndicated")
_SENT = re.compile(r"(?<=[。！？!?])|(?<=[.;])\s+")
_HAN = re.compile(r"[\u4e00-\u9fff]")

ZH_HEAD = ["首页 > 新闻中心 > 正文", "来源：{site}", "责任编辑：{name}", "{date} 来源：{site} 作者：{name}", "分享到：微信 微博 QQ空间"]
ZH_FOOT = ["本文来源于{site}，转载请注明出处。", "（责任编辑：{name}）", "分享到：微信 微博 QQ空间 打印 关闭",
           "免责声明：本文仅代表作者个人观点，与本网无关。其原创性以及文中陈述文字和内容未经本站证实，对本文以及其中全部或者部分内容、"
           "文字的真实性、完整性、及时性本站不作任何保证或承诺，请读者仅作参考，并请自行核实相关内容。凡本网注明“来源：{site}”的所有作品，"
           "版权均属于{site}，未经本网授权不得转载、摘编或利用其它方式使用上述作品。"]
EN_HEAD = ["Home > News > World", "Source: {site}", "Editor: {name}", "{date} | By {name}", "Share on Facebook Twitter Email"]
EN_FOOT = ["This article first appeared on {site}. Reprinted with permission.", "Share this story",
           "Disclaimer: the views and opinions expressed in this article are those of the authors and do not necessarily "
           "reflect the official policy or position of {site}. Any content provided by our contributors is of their opinion "
           "and is not intended to malign anyone. {site} makes no representations as to the accuracy, completeness or "
           "validity of any information here and will not be liable for any errors, omissions or losses arising from its use."]
SITES = ["news.example.com", "portal.sina-like.cn", "daily.herald.net", "wire.agency.org", "m.hub163.com", "city.post.cn"]
NAMES = ["张伟", "李娜", "王芳", "John Smith", "Maria Garcia", "刘洋", "陈静"]


def load_gold(devset: Path) -> list[str]:
    """The gold texts of at least 200 characters, each page once (some pages are in two sets: the same
    normalised text, or the same first 100 normalised characters, counts once)."""
    from transforms.dedup import normalized
    texts, seen = [], set()
    for path in sorted(glob.glob(str(devset / "*" / "gold.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                t = (json.loads(line).get("text") or "").strip()
                norm = normalized(t)
                if len(t) >= 200 and norm not in seen and norm[:100] not in seen:
                    seen.update((norm, norm[:100]))
                    texts.append(t)
    return texts


def _zh(text: str) -> bool:
    return len(_HAN.findall(text[:2000])) > 50


def _sentences(para: str) -> list[str]:
    return [s for s in _SENT.split(para) if s and s.strip()]


def _fill(rnd: random.Random, s: str) -> str:
    return s.format(site=rnd.choice(SITES), name=rnd.choice(NAMES),
                    date=f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} {rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}")


def edit(rnd: random.Random, text: str, share: float, pool: list[str]) -> str:
    paras = [_sentences(p) for p in text.split("\n") if p.strip()]
    where = [(i, j) for i, p in enumerate(paras) for j in range(len(p))]
    for i, j in rnd.sample(where, max(1, round(share * len(where)))):
        op = rnd.randrange(3)
        s = paras[i][j]
        if op == 0:
            paras[i][j] = rnd.choice(pool)
        elif op == 1:
            paras[i][j] = ""
        else:
            if _zh(s) or len(s.split()) < 5:
                k = rnd.randrange(max(1, len(s) - 3))
                paras[i][j] = s[:k] + rnd.choice(["一二三", "据报道", "记者称", "2025"]) + s[k + 3:]
            else:
                w = s.split()
                k = rnd.randrange(len(w) - 3)
                w[k:k + 3] = ["reportedly", "officials", "said"]
                paras[i][j] = " ".join(w)
    sep = lambda p: "" if _zh("".join(p)) else " "
    return "\n".join(sep(p).join(x for x in p if x) for p in paras if any(p))


def exact_copy(rnd: random.Random, text: str) -> str:
    table = str.maketrans({"，": ",", "。": ". ", "：": ":", "！": "!", "？": "?", ",": "，", ".": "。"})
    out = text.translate(table) if rnd.random() < 0.5 else text.replace("\n", "\n\n   ")
    return "  " + out.replace(" ", "  ") + "\n"


def reorder(rnd: random.Random, text: str) -> str:
    paras = [p for p in text.split("\n") if p.strip()]
    if len(paras) < 3:
        return "\n".join(reversed(paras))
    k = rnd.randrange(1, len(paras) - 1)
    return "\n".join(paras[k:] + paras[:k])


def boilerplate(rnd: random.Random, text: str, titles: list[str]) -> str:
    zh = _zh(text)
    head, foot = (ZH_HEAD, ZH_FOOT) if zh else (EN_HEAD, EN_FOOT)
    top = [_fill(rnd, s) for s in rnd.sample(head, 3)]
    bottom = [_fill(rnd, s) for s in rnd.sample(foot, len(foot) - 1)]
    related = ["相关阅读" if zh else "Related stories"] + rnd.sample(titles, 4)
    return "\n".join(top + [text] + bottom + related)


def syndicated(rnd: random.Random, text: str, pool: list[str]) -> str:
    zh = _zh(text)
    title = text.split("\n", 1)[0][:40]
    head = [title, _fill(rnd, "来源：{site} 编辑：{name}" if zh else "By {name} | {site}")]
    foot = [_fill(rnd, ZH_FOOT[0] if zh else EN_FOOT[0])]
    return "\n".join(head + [edit(rnd, text, 0.1, pool)] + foot)


def mixed(rnd: random.Random, pool: list[str]) -> str:
    """A distinct page: 4-8 paragraphs of 2-5 sentences drawn from all the gold pages."""
    paras = []
    for _ in range(rnd.randint(4, 8)):
        sents = rnd.sample(pool, rnd.randint(2, 5))
        paras.append(("" if _zh(sents[0]) else " ").join(sents))
    return "\n".join(paras)


def build_corpus(gold: list[str], n: int, seed: int) -> tuple[list[str], list[int], list[str]]:
    """(texts, story id per text, kind per text), shuffled."""
    rnd = random.Random(seed)
    gold = list(gold)
    rnd.shuffle(gold)
    pool = [s for t in gold for p in t.split("\n") for s in _sentences(p) if len(s) > 20]
    titles = [t.split("\n", 1)[0][:30] for t in gold]
    texts, story, kind = [], [], []
    n_stories = min(len(gold), max(1, int(n * 0.3 / 2.5)))
    for sid, base in enumerate(gold[:n_stories]):
        texts.append(base); story.append(sid); kind.append("original")
        for k in rnd.sample(KINDS, rnd.randint(1, 2)):
            v = {"exact": lambda: exact_copy(rnd, base), "edited": lambda: edit(rnd, base, 0.1, pool),
                 "reordered": lambda: reorder(rnd, base), "boilerplate": lambda: boilerplate(rnd, base, titles),
                 "syndicated": lambda: syndicated(rnd, base, pool)}[k]()
            texts.append(v); story.append(sid); kind.append(k)
    sid = n_stories
    for base in gold[n_stories:]:
        if len(texts) >= n:
            break
        texts.append(base); story.append(sid); kind.append("distinct"); sid += 1
    while len(texts) < n:
        texts.append(mixed(rnd, pool)); story.append(sid); kind.append("distinct"); sid += 1
    order = list(range(len(texts)))
    rnd.shuffle(order)
    return [texts[i] for i in order[:n]], [story[i] for i in order[:n]], [kind[i] for i in order[:n]]


def pairs(counter: Counter) -> int:
    return sum(c * (c - 1) // 2 for c in counter.values())


def rss_mb() -> tuple[float, float]:
    cur = peak = 0.0
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            cur = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return cur, peak


def extraction_ms(devset: Path, limit: int = 120) -> float:
    from transforms import extract
    files = sorted(glob.glob(str(devset / "xmu_news_zh" / "html" / "*")))[:limit // 2] + \
        sorted(glob.glob(str(devset / "cleaneval_zh" / "html" / "*")))[:limit // 2]
    raws = [(Path(f).read_bytes(), f) for f in files]
    for raw, f in raws[:5]:
        extract(raw, f)
    t0 = time.process_time()
    for raw, f in raws:
        extract(raw, f)
    return (time.process_time() - t0) / len(raws) * 1e3


def minhash_speeds(texts: list[str]) -> dict[str, float]:
    from datasketch import MinHash
    from rensa import RMinHash
    from transforms.dedup import body_paragraphs, shingles
    from transforms.options import DEFAULT_OPTIONS
    o = DEFAULT_OPTIONS.dedup
    t0 = time.process_time()
    sh = [shingles(body_paragraphs(t, o), o.shingle) for t in texts]
    out = {"tokens+body+shingles": (time.process_time() - t0) / len(texts) * 1e3}
    t0 = time.process_time()
    for s in sh:
        m = RMinHash(num_perm=o.num_perm, seed=o.seed)
        m.update(s)
        m.digest()
    out["rensa RMinHash"] = (time.process_time() - t0) / len(texts) * 1e3
    t0 = time.process_time()
    for s in sh:
        m = MinHash(num_perm=o.num_perm, seed=o.seed)
        m.update_batch([x.encode("utf-8") for x in s])
        m.digest()
    out["datasketch MinHash"] = (time.process_time() - t0) / len(texts) * 1e3
    return out


def run_size(gold: list[str], n: int, run_rows: int, seed: int) -> dict:
    from flows.dedup import assign_groups, write_bands
    texts, story, kind = build_corpus(gold, n, seed)
    # the corpus as one Arrow column, as a run's articles are (a Python str that pyarrow converted keeps
    # a cached UTF-8 copy for its lifetime: a list of str held here would grow with every run)
    corpus = pa.array(texts, pa.string())
    del texts
    lake = tempfile.mkdtemp(prefix="dedup-bench-")
    t_start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    groups: list[str] = []
    cpu = wall = 0.0
    rss = []
    gc.collect()
    try:
        for r, start in enumerate(range(0, n, run_rows)):
            chunk = corpus.slice(start, run_rows)
            ids = [f"{i:08d}" for i in range(start, start + len(chunk))]
            table = pa.table({"doc_id": ids, "text": chunk,
                              "ingested_at": pa.array([t_start + timedelta(hours=r)] * len(chunk), pa.timestamp("us", tz="UTC"))})
            c0, w0 = time.process_time(), time.perf_counter()
            out, bands = assign_groups(lake, table)
            write_bands(lake, bands)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
            groups.extend(out["dup_group"].to_pylist())
            del out, bands, table
            gc.collect()
            rss.append(rss_mb()[0])
    finally:
        shutil.rmtree(lake, ignore_errors=True)
    truth, pred, both = Counter(story), Counter(groups), Counter(zip(story, groups))
    tp, pp, tt = pairs(both), pairs(pred), pairs(truth)
    # recall per copy kind: the copy is in the same group as its story's original
    original_group = {s: g for s, g, k in zip(story, groups, kind) if k == "original"}
    per_kind = {}
    for k in KINDS:
        hits = [original_group[s] == g for s, g, kk in zip(story, groups, kind) if kk == k]
        per_kind[k] = (sum(hits), len(hits))
    return {"n": n, "precision": tp / pp if pp else 1.0, "recall": tp / tt if tt else 1.0, "true_pairs": tt,
            "pred_pairs": pp, "per_kind": per_kind, "cpu_ms": cpu / n * 1e3, "wall_ms": wall / n * 1e3,
            "rss_first": rss[0], "rss_mid": rss[len(rss) // 2], "rss_last": rss[-1], "runs": len(rss)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("devset", nargs="?", default="../shared/devset")
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 30000])
    ap.add_argument("--run-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    devset = Path(a.devset)
    gold = load_gold(devset)
    if not gold:
        print(f"no gold texts under {devset}", file=sys.stderr)
        return 2
    print(f"gold texts: {len(gold)}")
    ext = extraction_ms(devset)
    print(f"extraction: {ext:.1f} ms CPU per page (transforms.extract on {devset}/*/html)")
    speeds = minhash_speeds(gold[:1000])
    print("per article, ms CPU: " + ", ".join(f"{k} {v:.2f}" for k, v in speeds.items()))
    for n in a.sizes:
        r = run_size(gold, n, a.run_size, a.seed)
        kinds = " ".join(f"{k}={h}/{t}" for k, (h, t) in r["per_kind"].items())
        print(f"n={n}: pairs true={r['true_pairs']} predicted={r['pred_pairs']} precision={r['precision']:.3f} "
              f"recall={r['recall']:.3f} | copies found: {kinds}")
        print(f"n={n}: dedup {r['cpu_ms']:.2f} ms CPU / {r['wall_ms']:.2f} ms wall per article "
              f"= {100 * r['cpu_ms'] / ext:.1f}% of extraction CPU; {r['runs']} runs of {a.run_size}; "
              f"RSS after the first run {r['rss_first']:.0f} MB, the middle one {r['rss_mid']:.0f} MB, "
              f"the last {r['rss_last']:.0f} MB (the corpus itself is held in memory)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
