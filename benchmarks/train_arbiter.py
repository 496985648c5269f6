"""Train the arbiter model (``transforms/boilerplate/arbiter_model.json``) from ``../shared/devset``.

    pip install -e '.[bench]'
    python -m benchmarks.train_arbiter ../shared/devset            # cross-validate, then write the model
    python -m benchmarks.train_arbiter ../shared/devset --cv-only  # only the cross-validated figures

Per page of every dev set and raw form, the job's two opinions are collected with the hand-set rule
(``arbiter_model=False``, so the model never sees its own output): the classifier's article,
trafilatura's main text and trafilatura's comment section, and ``arbiter.features`` of the three.
Each page's two candidates are scored against the gold with the mean of the shared scorer's shingle
F1 and WCXB's word F1, and one gradient-boosted regressor (scikit-learn) is fitted to
F1(classifier) - F1(trafilatura): the classifier's article stands where the prediction is above
``BoilerplateOptions.arbiter_margin`` (0). Where the job trims trafilatura's article (dumps, CJK
pages: ``record.trims_edges``), a second regressor (the ``trim`` head) is fitted to F1(trimmed) -
F1(untrimmed) on those pages; the article stays untrimmed where it predicts a loss of more than
``BoilerplateOptions.trim_margin`` (a listing, whose entries are not prose); a page in a no-space
script is always trimmed (a Chinese dump untrimmed kept its menus). Where the page has a widened
candidate (``record.widened``: on an HTML page trafilatura's article widened to its DOM container, on
a Markdown dump its trimmed article with the gaps between its blocks filled; ``boilerplate.expand``),
a third regressor per form (the ``expand`` heads, over ``arbiter.EXPAND_FEATURES``) is fitted to F1(widened) -
F1(trafilatura's article, trimmed where ``trims``); the widened article is taken where it predicts a
gain above ``BoilerplateOptions.expand_margin``. The choose and trim heads weigh every dev set the
same in total; the expand head sees pages outside the no-space scripts only (nearly all wcxb_dev),
unweighted.

Cross-validation is grouped by site (registered domain), five folds, so no site is in both the
training and the scored fold; the figures printed are those out-of-fold predictions, per set, form
and page type, next to always-trafilatura, always-classifier and the hand-set rule. The model file is
the fit on all pages, as plain JSON trees (``arbiter.TreeModel`` evaluates them without
scikit-learn). The collection is cached in ``/tmp`` keyed by the pipeline's source files.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import pickle
import re
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.extraction import _shared_of, load_scorer, word_f1

FORMS = ("html", "text", "markdown")
MODEL_PATH = Path(__file__).resolve().parents[1] / "transforms" / "boilerplate" / "arbiter_model.json"
_SLD = {"com", "net", "org", "gov", "edu", "co", "ac", "or", "ne", "go"}


def site_of(url: str | None, fallback: str) -> str:
    """The registered domain of a page's URL (``news.bbc.co.uk`` -> ``bbc.co.uk``): the CV group."""
    host = (urlsplit(url or "").hostname or "").lower()
    if not host:
        return fallback
    parts = host.split(".")
    if len(parts) >= 3 and (parts[-2] in _SLD or len(parts[-2]) <= 2):
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _page_key(path: Path) -> str:
    return re.sub(r"\.(html\.gz|html|htm|txt|md)$", "", path.name)


# --- collection (worker processes) ---------------------------------------------------------------

_CAPTURE: dict = {}


def _install_capture() -> None:
    import transforms.record as R
    from transforms.boilerplate.arbiter import expand_features, features

    original = R.arbitrate

    def capture(article, traf_blocks, o, dump=False, *, comments=(), form="html", page_tokens=0, page_blocks=()):
        traf = R.trafilatura_body(traf_blocks, dump)
        com = [b for b in comments if b.image is None and b.text.strip()]
        x = features(article.body, traf, com, o, form=form, page_tokens=page_tokens)
        cjk = R.cjk_share("\n".join(b.text for b in article.body or traf))
        trim = R.trim_edges(traf, article.body, o, dump)
        trimmed = R.trims_edges(dump, cjk, o)   # the widened article is trafilatura's as the job has it
        base = trim if trimmed else traf
        wide = R.widened(base, page_blocks, o, form=form, trimmed=trimmed, cjk=cjk)
        _CAPTURE.update(
            x=x, ours="\n".join(b.text for b in article.body), traf="\n".join(b.text for b in traf),
            trim="\n".join(b.text for b in trim))
        if wide is not None:
            _CAPTURE.update(expand="\n".join(b.text for b in wide), x_expand=expand_features(x, base, wide, o))
        return original(article, traf_blocks, o, dump, comments=comments, form=form, page_tokens=page_tokens,
                        page_blocks=page_blocks)
    R.arbitrate = capture


def _collect_one(path: str) -> dict | None:
    from dataclasses import replace

    import transforms.record as R
    from transforms.options import DEFAULT_OPTIONS

    if not getattr(R.arbitrate, "__name__", "") == "capture":
        _install_capture()
    opts = replace(DEFAULT_OPTIONS, boilerplate=replace(DEFAULT_OPTIONS.boilerplate, arbiter_model=False))
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    _CAPTURE.clear()
    R.extract(raw, path, opts)
    return dict(_CAPTURE) if "x" in _CAPTURE else None


def _source_digest() -> str:
    root = Path(__file__).resolve().parents[1] / "transforms"
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def collect(devset: Path, workers: int = 2) -> list[dict]:
    """One row per page and form: set, form, key, site, page type, features, candidate scores."""
    cache = Path("/tmp") / f"cleanlake-arbiter-{_source_digest()}-{len(list(devset.glob('*/gold.jsonl')))}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    scorer = load_scorer(_shared_of(devset))
    jobs = []
    for gold_path in sorted(devset.glob("*/gold.jsonl")):
        set_dir = gold_path.parent
        gold = {g["source_file"]: g for g in map(json.loads, gold_path.read_text("utf-8").splitlines()) if g}
        for form in FORMS:
            for p in sorted((set_dir / form).glob("*")) if (set_dir / form).is_dir() else []:
                g = gold.get(_page_key(p))
                if g is not None:
                    jobs.append((set_dir.name, form, p, g))
    rows = []
    with ProcessPoolExecutor(workers, initializer=os.nice, initargs=(5,)) as ex:
        for (set_name, form, p, g), got in zip(jobs, ex.map(_collect_one, [str(j[2]) for j in jobs], chunksize=8)):
            if got is None:
                continue
            text = g.get("text") or ""

            def score(pred: str) -> float:
                return (scorer.prf(text, pred)[2] + word_f1(text, pred)) / 2
            ours, traf, trim = got["ours"], got["traf"], got["trim"]
            row = dict(
                set=set_name, form=form, key=_page_key(p), site=site_of(g.get("url"), f"{set_name}:{_page_key(p)}"),
                page_type=g.get("page_type") or "", x=got["x"],
                s={"ours": score(ours), "traf": score(traf), "trim": score(trim)})
            if "expand" in got:   # a page with a widened candidate (record.widened)
                row["x_expand"] = got["x_expand"]
                row["s"]["expand"] = score(got["expand"])
            rows.append(row)
    cache.write_bytes(pickle.dumps(rows))
    return rows


# --- training ------------------------------------------------------------------------------------

def _regressor(seed: int = 0):
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=20,
                                         l2_regularization=1.0, random_state=seed)


def trims(r: dict) -> bool:
    """``record.trims_edges`` on this page: the job trims trafilatura's article unless ``record.trim_choice`` says no."""
    from transforms.boilerplate.arbiter import FEATURES
    from transforms.options import DEFAULT_OPTIONS
    from transforms.record import trims_edges

    x = r["x"]
    return trims_edges(x[FEATURES.index("dump")] > 0.5, x[FEATURES.index("cjk")], DEFAULT_OPTIONS.boilerplate)


def traf_score(r: dict) -> float:
    """The score of trafilatura's article as the ``choose`` head compares it: trimmed where ``trims``."""
    return r["s"]["trim"] if trims(r) else r["s"]["traf"]


def _targets(rows: list[dict]):
    """Features, the ``choose`` target, the ``trim`` target (0 where not trimmed) and the trimmed mask."""
    import numpy as np

    X = np.array([r["x"] for r in rows], dtype=float)
    y = np.array([r["s"]["ours"] - traf_score(r) for r in rows])
    mask = np.array([trims(r) for r in rows])
    y_trim = np.array([r["s"]["trim"] - r["s"]["traf"] if m else 0.0 for r, m in zip(rows, mask)])
    return X, y, y_trim, mask


def expands(r: dict) -> bool:
    """The page has a widened article (``record.widened``: an HTML page, a Markdown dump)."""
    return "expand" in r["s"]


def _expand_targets(rows: list[dict], form: str):
    """The ``form``'s expand head's features and target, F1(widened) - F1(trafilatura's article as
    ``traf_score`` has it: trimmed on a dump), on the pages of that form that ``expands``."""
    import numpy as np

    idx = np.array([i for i, r in enumerate(rows) if expands(r) and r["form"] == form], dtype=int)
    X = np.array([rows[i]["x_expand"] for i in idx], dtype=float).reshape(len(idx), -1)
    y = np.array([rows[i]["s"]["expand"] - traf_score(rows[i]) for i in idx])
    return idx, X, y


def _weights(rows: list[dict]):
    """Every dev set weighs the same in total (wcxb_dev has ten times the pages of the Chinese sets)."""
    import numpy as np

    per_set = defaultdict(int)
    for r in rows:
        per_set[r["set"]] += 1
    return np.array([len(rows) / (len(per_set) * per_set[r["set"]]) for r in rows])


def cross_validate(rows: list[dict], folds: int = 5) -> list[str]:
    """Out-of-fold choices ("ours", "trim", "traf", "expand"), five folds grouped by site."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from transforms.boilerplate.arbiter import FEATURES, ArbiterModel
    from transforms.options import DEFAULT_OPTIONS
    from transforms.record import trim_choice

    o = DEFAULT_OPTIONS.boilerplate
    X, y, y_trim, mask = _targets(rows)
    w = _weights(rows)
    groups = np.array([r["site"] for r in rows])
    expand = {form: _expand_targets(rows, form) for form in ArbiterModel.EXPAND_HEADS}
    pred, pred_trim, pred_expand = np.zeros(len(rows)), np.zeros(len(rows)), np.full(len(rows), -np.inf)
    for tr, te in GroupKFold(folds).split(X, y, groups):
        pred[te] = _regressor().fit(X[tr], y[tr], sample_weight=w[tr]).predict(X[te])
        m = tr[mask[tr]]
        pred_trim[te] = _regressor().fit(X[m], y_trim[m], sample_weight=w[m]).predict(X[te])
        for e_idx, Xe, ye in expand.values():   # one head per form, as the job has them
            e_tr, e_te = np.isin(e_idx, tr), np.isin(e_idx, te)
            if e_tr.any() and e_te.any():
                pred_expand[e_idx[e_te]] = _regressor().fit(Xe[e_tr], ye[e_tr]).predict(Xe[e_te])
    cjk = X[:, FEATURES.index("cjk")]

    def choice(i: int) -> str:   # as record.arbitrate decides
        trim, gain = trim_choice(bool(mask[i]), cjk[i], pred[i], lambda: pred_trim[i], o)
        if gain > o.arbiter_margin:
            return "ours"
        if trim != bool(mask[i]):   # the trim head left a trimmed page's article whole: not widened
            return "traf"
        if pred_expand[i] > o.expand_margin:
            return "expand"
        return "trim" if trim else "traf"
    return [choice(i) for i in range(len(rows))]


def choices(r: dict) -> list[str]:
    """The candidates the job can pick on this page: the classifier's article, trafilatura's, and its
    trimmed (``trims``) or widened (``expands``) version."""
    return ["ours", "traf"] + (["trim"] if trims(r) else []) + (["expand"] if expands(r) else [])


def picked(r: dict, chose: str) -> float:
    return r["s"][chose]


def report(rows: list[dict], chose: list[str]) -> str:
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(r["set"], r["form"], "")].append(i)
        if r["page_type"]:
            groups[(r["set"], r["form"], r["page_type"])].append(i)
    lines = [f"{'set/form/page type':<34} {'pages':>5} {'model':>7} {'traf':>7} {'ours':>7} {'oracle':>7}"]
    for g in sorted(groups):
        idx = groups[g]
        n = len(idx)
        m = sum(picked(rows[i], chose[i]) for i in idx) / n
        t = sum(rows[i]["s"]["traf"] for i in idx) / n   # trafilatura untouched: the floor
        o = sum(rows[i]["s"]["ours"] for i in idx) / n
        best = sum(max(rows[i]["s"][c] for c in choices(rows[i])) for i in idx) / n
        flag = "  <- below trafilatura" if m < t - 0.01 else ""
        lines.append(f"{'/'.join(x for x in g if x):<34} {n:>5} {m:>7.3f} {t:>7.3f} {o:>7.3f} {best:>7.3f}{flag}")
    return "\n".join(lines)


def export(model, features: list[str]) -> dict:
    """A fitted HistGradientBoostingRegressor as plain trees: ``[feature, threshold, left, right, value]``."""
    trees = []
    for (pred,) in model._predictors:
        nodes = []
        for n in pred.nodes:
            if n["is_leaf"]:
                nodes.append([-1, 0.0, 0, 0, float(n["value"])])
            else:
                nodes.append([int(n["feature_idx"]), float(n["num_threshold"]), int(n["left"]), int(n["right"]), 0.0])
        trees.append(nodes)
    return {"baseline": float(model._baseline_prediction.ravel()[0]), "trees": trees, "features": features}


def fit_all(rows: list[dict]) -> dict:
    import numpy as np

    from transforms.boilerplate.arbiter import EXPAND_FEATURES, FEATURES, ArbiterModel, TreeModel

    X, y, y_trim, mask = _targets(rows)
    w = _weights(rows)
    out = {"features": list(FEATURES)}
    heads = {"choose": (X, y, w, FEATURES), "trim": (X[mask], y_trim[mask], w[mask], FEATURES)}
    for form, key in ArbiterModel.EXPAND_HEADS.items():
        _, Xe, ye = _expand_targets(rows, form)
        heads[key] = (Xe, ye, None, EXPAND_FEATURES)
    for head, (Xh, yh, wh, names) in heads.items():
        model = _regressor().fit(Xh, yh, sample_weight=wh)
        spec = export(model, list(names))
        ours = np.array([TreeModel(spec).predict(list(x)) for x in Xh])   # the JSON trees predict what scikit-learn does
        assert np.allclose(ours, model.predict(Xh), atol=1e-6), "exported trees disagree with scikit-learn"
        out[head] = spec
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("devset", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cv-only", action="store_true")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    rows = collect(args.devset.resolve(), args.workers)
    chose = cross_validate(rows)
    print(f"{len(rows)} pages; {len({r['site'] for r in rows})} sites; five folds grouped by site; "
          "score = mean of shingle F1 and word F1 of the candidate texts (before byline stripping)")
    print(report(rows, chose))
    if args.cv_only:
        return 0
    from schemas.tables import PIPELINE_VERSION

    spec = fit_all(rows)
    spec["version"] = PIPELINE_VERSION
    args.out.write_text(json.dumps(spec, separators=(",", ":")), "utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
