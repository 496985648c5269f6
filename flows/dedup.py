"""Duplicate groups across runs: the band keys live in the lake, new articles are matched by a DuckDB join.

    <lake>/_dedup_bands     Delta table, one row per (doc_id, band):
        band -1  the exact key (hash of the normalised text); this row also carries the MinHash
                 signature (``sig``, num_perm uint32), ``first_seen`` (ingested_at), ``dup_group``, ``dup_kind``
        band 0.. the LSH band keys (int64)

``assign_groups(lake, new_articles)`` fingerprints the run's articles (``transforms.dedup``), finds the
stored documents that share a key with them by a DuckDB semi-join of the run's keys against the Arrow
dataset of ``_dedup_bands`` (only ``doc_id, band, key`` are read; the run's keys are the hash side, so
memory follows the run, not the lake), confirms candidates by the signature, and returns the articles
with ``dup_group`` / ``dup_kind`` and the band rows to store. Documents written again (changed files,
backfills) leave their old group first; when one was a group's first member, the other members are
regrouped (``transforms.dedup.regroup``) and their new groups come back as band rows too
(``regroup_updates`` gives them as article updates).
"""
from __future__ import annotations

import re
from typing import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from transforms.dedup import EXACT_BAND, Fingerprint, Member, assign_batch, fingerprint, regroup
from transforms.options import DEFAULT_OPTIONS, DedupOptions

TABLE = "_dedup_bands"
TS = pa.timestamp("us", tz="UTC")
BANDS = pa.schema([
    pa.field("doc_id", pa.string(), nullable=False),
    pa.field("band", pa.int32(), nullable=False),
    pa.field("key", pa.int64(), nullable=False),
    pa.field("sig", pa.binary()),          # band -1 only
    pa.field("first_seen", TS),            # band -1 only: the article's ingested_at
    pa.field("dup_group", pa.string()),    # band -1 only
    pa.field("dup_kind", pa.string()),     # band -1 only
])
# the `duplicates` view of `cleanlake sql`: one row per group of two or more articles
DUPLICATES_SQL = (
    'SELECT dup_group AS "group", count(*) AS members, list(doc_id ORDER BY ingested_at, doc_id) AS doc_ids, '
    "list(DISTINCT site ORDER BY site) FILTER (WHERE site IS NOT NULL) AS sites, "
    "min(ingested_at) AS first_seen, max(ingested_at) AS last_seen "
    "FROM articles WHERE dup_group IS NOT NULL GROUP BY dup_group HAVING count(*) > 1")
_HEX = re.compile(r"[0-9a-zA-Z_#./:-]+")


# --- where the table is ----------------------------------------------------------------------------

def _location(lake) -> tuple[str, dict | None]:
    """(table uri, storage options) for a ``flows.lake.Lake`` or a lake URL."""
    if isinstance(lake, str):
        from flows.lake import Lake
        lake = Lake(lake)
    if hasattr(lake, "uri"):                      # the Delta lake: its URIs and object-store options
        return lake.uri(TABLE), getattr(lake, "storage_options", None)
    if lake.local:
        return lake.path(TABLE), None
    protocol = lake.fs.protocol if isinstance(lake.fs.protocol, str) else lake.fs.protocol[0]
    return f"{protocol}://{lake.root}/{TABLE}", None


def _table(lake):
    from deltalake import DeltaTable
    uri, opts = _location(lake)
    if not DeltaTable.is_deltatable(uri, storage_options=opts):
        return None
    return DeltaTable(uri, storage_options=opts)


def bands_dataset(lake):
    """The stored band rows as a pyarrow dataset (nothing read yet), or None before the first write."""
    dt = _table(lake)
    return None if dt is None else dt.to_pyarrow_dataset()


# --- the hook --------------------------------------------------------------------------------------

def fingerprints(articles: pa.Table, options: DedupOptions) -> list[tuple[str, tuple, Fingerprint]]:
    ids = articles["doc_id"].to_pylist()
    texts = articles["text"].to_pylist()
    seen = articles["ingested_at"].to_pylist()
    return [(d, (t, d), fingerprint(x or "", options)) for d, t, x in zip(ids, seen, texts)]


def band_rows(fps: list[tuple[str, tuple, Fingerprint]], groups: dict[str, tuple[str, str | None]]) -> pa.Table:
    cols: dict[str, list] = {f.name: [] for f in BANDS}
    for doc_id, order, fp in fps:
        group, kind = groups[doc_id]
        for band, key in fp.band_rows():
            head = band == EXACT_BAND
            cols["doc_id"].append(doc_id)
            cols["band"].append(band)
            cols["key"].append(key)
            cols["sig"].append(fp.sig if head else None)
            cols["first_seen"].append(order[0] if head else None)
            cols["dup_group"].append(group if head else None)
            cols["dup_kind"].append(kind if head else None)
    return pa.Table.from_pydict(cols, schema=BANDS)


# stored rows sharing a (band, key) with the run's rows, except the run's own documents' old rows
MATCH_SQL = ("SELECT DISTINCT doc_id, band, key FROM bands WHERE (band, key) IN (SELECT band, key FROM new_keys) "
             "AND doc_id NOT IN (SELECT doc_id FROM leaving)")


def _setup(con) -> None:
    # DuckDB cannot tell how large an Arrow dataset is (it guesses one row) and would build its hash
    # table on the stored side; keep the plan as written: the run's keys are the build side, the
    # stored rows stream past them (EXPLAIN: SEMI join, build = new_keys).
    con.execute("SET threads = 1")
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")


def _arrow(rel) -> pa.Table:
    return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.fetch_arrow_table()


def _members(rel) -> list[Member]:
    rows = _arrow(rel).to_pylist()
    return [Member(r["doc_id"], (r["first_seen"], r["doc_id"]), r["key"], r["sig"], r["dup_group"], r["dup_kind"])
            for r in rows]


def _articles_dataset(lake):
    """The lake's articles table as an Arrow dataset (the Delta lake), or None."""
    if isinstance(lake, str) or not hasattr(lake, "_load"):
        return None
    dt = lake._load("articles")
    return None if dt is None else dt.to_pyarrow_dataset()


def _lake_errors(what: str):
    """Errors of delta-rs / DuckDB on the band table as the lake's one-line errors (``LakeWriteError``)."""
    import functools

    def wrap(fn):
        @functools.wraps(fn)
        def call(lake, *args, **kwargs):
            from flows.lake import LakeError, LakeWriteError, _one_line
            try:
                return fn(lake, *args, **kwargs)
            except (LakeError, ValueError, TypeError):
                raise
            except Exception as exc:  # noqa: BLE001 - disk full, unreachable store, damaged file
                where = getattr(lake, "url", lake)
                raise LakeWriteError(f"could not {what} the {TABLE} table of {where}: {_one_line(exc)}; "
                                     "the lake still reads as its last good version, rerun when fixed") from None
        return call
    return wrap


@_lake_errors("read")
def assign_groups(lake, new_articles: pa.Table, *, gone: Iterable[str] = (),
                  options: DedupOptions = DEFAULT_OPTIONS.dedup, articles=None) -> tuple[pa.Table, pa.Table]:
    """(articles with ``dup_group`` and ``dup_kind``, band rows to store).

    ``gone``: doc_ids whose article leaves the lake in this run (a changed file that is now a reject):
    they leave their group as the run's own articles do. Band rows of regrouped older documents are
    included (band -1 rows with their new group); ``regroup_updates`` turns them into article updates.

    ``articles`` (default: the lake's articles table, when it has one) is read for the members of a
    leaving first member's group too (``doc_id, dup_group`` only): the band rows are written before
    the articles, so after a run killed between the two, the rerun finds those members there and
    regroups them again."""
    fps = fingerprints(new_articles, options)
    ids = [d for d, _, _ in fps]
    leaving = pa.table({"doc_id": pa.array(sorted(set(ids) | set(gone)), pa.string())})
    keys = pa.table({"doc_id": pa.array([d for d, _, fp in fps for _ in fp.band_rows()], pa.string()),
                     "band": pa.array([b for _, _, fp in fps for b, _ in fp.band_rows()], pa.int32()),
                     "key": pa.array([k for _, _, fp in fps for _, k in fp.band_rows()], pa.int64())})
    dataset = bands_dataset(lake)
    if articles is None:
        articles = _articles_dataset(lake)
    hits: dict[str, set[str]] = {}
    stored: dict[str, Member] = {}
    updates: dict[str, tuple[str, str | None]] = {}
    if dataset is not None and (ids or leaving.num_rows):
        con = duckdb.connect(":memory:")
        try:
            _setup(con)
            con.register("bands", dataset)
            con.register("new_keys", keys)
            con.register("leaving", leaving)
            # 1. documents rewritten now that were the first member of a group with others: regroup the
            #    rest (only when some of the run's documents are already stored: a run of new ones skips it)
            orphans: list[Member] = []
            rewritten = con.sql("SELECT doc_id FROM bands WHERE band = -1 "
                                "AND doc_id IN (SELECT doc_id FROM leaving) LIMIT 1").fetchall()
            if rewritten:
                in_group = ("dup_group IN (SELECT doc_id FROM leaving) AND dup_group <> doc_id "
                            "AND doc_id NOT IN (SELECT doc_id FROM leaving)")
                members_sql = f"SELECT doc_id FROM bands WHERE band = -1 AND {in_group}"
                if articles is not None:
                    con.register("articles", articles)
                    members_sql += f" UNION SELECT doc_id FROM articles WHERE {in_group}"
                orphans = _members(con.sql(
                    "SELECT doc_id, key, sig, first_seen, dup_group, dup_kind FROM bands WHERE band = -1 "
                    f"AND doc_id IN ({members_sql})"))
            updates = regroup(orphans, options.threshold) if orphans else {}
            # 2. stored documents sharing a key with a new one: the run's keys are the hash side
            matched = _arrow(con.sql(MATCH_SQL))
            if matched.num_rows:
                con.register("matched", matched)
                for new_id, old_id in con.sql(
                        "SELECT DISTINCT n.doc_id, m.doc_id FROM matched m JOIN new_keys n USING (band, key)").fetchall():
                    hits.setdefault(new_id, set()).add(old_id)
                con.register("candidates", pa.table({"doc_id": pc.unique(matched["doc_id"])}))
                for m in _members(con.sql(
                        "SELECT doc_id, key, sig, first_seen, dup_group, dup_kind FROM bands WHERE band = -1 "
                        "AND doc_id IN (SELECT doc_id FROM candidates)")):
                    if m.doc_id in updates:
                        m = Member(m.doc_id, m.order, m.exact, m.sig, *updates[m.doc_id])
                    stored[m.doc_id] = m
        finally:
            con.close()
    groups = assign_batch(fps, stored, hits, options.threshold)
    articles = new_articles
    for name, values in (("dup_group", [groups[d][0] for d in ids]), ("dup_kind", [groups[d][1] for d in ids])):
        col = pa.array(values, pa.string())
        articles = (articles.set_column(articles.schema.get_field_index(name), name, col)
                    if name in articles.schema.names else articles.append_column(name, col))
    rows = band_rows(fps, groups)
    if updates:
        rows = pa.concat_tables([rows, _regrouped_rows(orphans, updates)])
    return articles, rows


def _regrouped_rows(orphans: list[Member], updates: dict[str, tuple[str, str | None]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"doc_id": m.doc_id, "band": EXACT_BAND, "key": m.exact, "sig": m.sig, "first_seen": m.order[0],
          "dup_group": updates[m.doc_id][0], "dup_kind": updates[m.doc_id][1]} for m in orphans], schema=BANDS)


def regroup_updates(articles: pa.Table, bands: pa.Table) -> pa.Table:
    """``doc_id, dup_group, dup_kind`` of older articles whose group changed in this run (not in ``articles``)."""
    mine = set(articles["doc_id"].to_pylist())
    head = bands.filter(pc.equal(bands["band"], EXACT_BAND))
    keep = [d not in mine for d in head["doc_id"].to_pylist()]
    return head.filter(pa.array(keep, pa.bool_())).select(["doc_id", "dup_group", "dup_kind"])


@_lake_errors("write")
def write_bands(lake, bands: pa.Table, *, remove: Iterable[str] = ()) -> None:
    """Store the run's band rows. A document with band rows >= 0 here replaces all its stored rows; one with
    only its band -1 row (regrouped) replaces that row; ``remove``'s rows go (articles that left the lake).
    Old rows are deleted (only when some exist: a run of new documents only appends), then the rows are
    appended: two Delta commits, in this order, so a run killed between them leaves its documents without
    rows until it is run again, never two rows for one band."""
    from deltalake import write_deltalake
    uri, opts = _location(lake)
    bands = bands.cast(BANDS)
    dt = _table(lake)
    if dt is not None:
        full = set(pc.unique(bands.filter(pc.greater_equal(bands["band"], 0))["doc_id"]).to_pylist()) | set(remove)
        head = set(bands["doc_id"].to_pylist()) - full
        for ids, band_clause in ((full, ""), (head, "band = -1 AND ")):
            present = _present(dt, ids)
            for d in present:
                if not _HEX.fullmatch(d):
                    raise ValueError(f"not a doc_id: {d!r}")
            for i in range(0, len(present), 1000):
                dt.delete(band_clause + "doc_id IN (" + ", ".join(f"'{d}'" for d in present[i:i + 1000]) + ")")
    if bands.num_rows:
        write_deltalake(uri, bands, mode="append", storage_options=opts)


def _present(dt, ids: set[str]) -> list[str]:
    if not ids:
        return []
    con = duckdb.connect(":memory:")
    try:
        _setup(con)
        con.register("bands", dt.to_pyarrow_dataset())
        con.register("ids", pa.table({"doc_id": pa.array(sorted(ids), pa.string())}))
        return [r[0] for r in con.sql("SELECT DISTINCT doc_id FROM bands WHERE band = -1 "
                                      "AND doc_id IN (SELECT doc_id FROM ids) ORDER BY 1").fetchall()]
    finally:
        con.close()
