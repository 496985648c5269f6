"""flows.dedup: band keys stored in <lake>/_dedup_bands, matched across runs by a DuckDB join."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from flows.dedup import BANDS, assign_groups, bands_dataset, regroup_updates, write_bands
from transforms.dedup import band_params
from tests.transforms.test_dedup import HARBOUR, LIBRARY, ZH, _edit_sentences

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def arts(rows: list[tuple[str, str]], run: int) -> pa.Table:
    return pa.table({"doc_id": [d for d, _ in rows], "text": [t for _, t in rows],
                     "ingested_at": pa.array([T0 + timedelta(days=run)] * len(rows), pa.timestamp("us", tz="UTC")),
                     "dup_group": pa.array([None] * len(rows), pa.string()),
                     "dup_kind": pa.array([None] * len(rows), pa.string())})


def run(lake: str, rows, n: int, gone=()):
    out, bands = assign_groups(lake, arts(rows, n), gone=gone)
    write_bands(lake, bands, remove=gone)
    return dict(zip(out["doc_id"].to_pylist(), zip(out["dup_group"].to_pylist(), out["dup_kind"].to_pylist()))), \
        {r["doc_id"]: (r["dup_group"], r["dup_kind"]) for r in regroup_updates(out, bands).to_pylist()}


def stored(lake: str) -> dict:
    t = bands_dataset(lake).to_table(filter=pa.compute.field("band") == -1)
    return {r["doc_id"]: (r["dup_group"], r["dup_kind"]) for r in t.to_pylist()}


HARB, LIB = "\n".join(HARBOUR), "\n".join(LIBRARY)


def test_later_run_copy_joins_the_old_group_and_a_changed_text_leaves_it(tmp_path):
    lake = str(tmp_path / "lake")
    g1, _ = run(lake, [("a", HARB), ("b", LIB)], 1)
    assert g1 == {"a": ("a", None), "b": ("b", None)}
    n_rows = bands_dataset(lake).count_rows()
    assert n_rows == 2 * (1 + band_params(0.8, 128, 0.3, 0.7)[0])  # b band keys and the exact row each
    # a later run: an exact copy and an edited copy of an old article join its group
    g2, up = run(lake, [("c", "  " + HARB.replace(",", " ,")), ("d", "\n".join(_edit_sentences(HARBOUR, 0.1, 3)))], 2)
    assert g2 == {"c": ("a", "exact"), "d": ("a", "near")} and up == {}
    # the first member's file changes to another story: it leaves, the others regroup under the earliest left
    g3, up = run(lake, [("a", "\n".join(ZH))], 3)
    assert g3 == {"a": ("a", None)}
    assert up == {"c": ("c", None), "d": ("c", "near")}
    assert stored(lake) == {"a": ("a", None), "b": ("b", None), "c": ("c", None), "d": ("c", "near")}
    assert bands_dataset(lake).count_rows() == 4 * (n_rows // 2)  # one set of rows per document, none twice


def test_rewritten_copy_stays_in_its_group_and_a_reject_leaves(tmp_path):
    lake = str(tmp_path / "lake")
    run(lake, [("a", HARB)], 1)
    run(lake, [("b", HARB)], 2)
    # a backfill rewrites b with the same text: it is still a's copy
    g, up = run(lake, [("b", HARB)], 3)
    assert g == {"b": ("a", "exact")} and up == {}
    # a's file becomes a reject: b is the first member of what is left
    g, up = run(lake, [], 4, gone=["a"])
    assert g == {} and up == {"b": ("b", None)}
    assert stored(lake) == {"b": ("b", None)}


def test_same_run_copies_group_together(tmp_path):
    lake = str(tmp_path / "lake")
    g, _ = run(lake, [("z", HARB), ("y", HARB + "\nRead more"), ("x", LIB)], 1)
    # same ingested_at: the smaller doc_id is first
    assert g == {"x": ("x", None), "y": ("y", None), "z": ("y", "near")}
    assert BANDS.names == bands_dataset(lake).schema.names


def test_the_runs_keys_are_the_hash_side_of_the_join(tmp_path):
    import duckdb

    from flows.dedup import MATCH_SQL, _setup
    lake = str(tmp_path / "lake")
    run(lake, [("a", HARB), ("b", LIB)], 1)
    con = duckdb.connect(":memory:")
    _setup(con)
    con.register("bands", bands_dataset(lake))
    con.register("new_keys", pa.table({"band": pa.array([0] * 50, pa.int32()), "key": pa.array(range(50), pa.int64())}))
    con.register("leaving", pa.table({"doc_id": pa.array(["x"], pa.string())}))
    plan = "\n".join(r[1] for r in con.sql("EXPLAIN " + MATCH_SQL).fetchall())
    # a SEMI join builds on its right side (new_keys); RIGHT_SEMI would hash the stored rows
    assert "SEMI" in plan and "RIGHT_SEMI" not in plan, plan


def test_a_run_killed_after_the_band_rows_regroups_again_on_rerun(tmp_path):
    lake = str(tmp_path / "lake")
    run(lake, [("a", HARB)], 1)
    run(lake, [("c", HARB), ("d", HARB + "\nEditor's note: updated")], 2)
    # the articles table as committed: c and d in a's group
    committed = pa.table({"doc_id": ["a", "c", "d"], "dup_group": ["a", "a", "a"]})
    # run 3 changes a; its band rows are written, then it dies before the articles MERGE
    out, bands = assign_groups(lake, arts([("a", "\n".join(ZH))], 3), articles=committed)
    write_bands(lake, bands)
    first = regroup_updates(out, bands).to_pylist()
    assert {r["doc_id"]: r["dup_group"] for r in first} == {"c": "c", "d": "c"}
    # the rerun (same files, same doc_ids) still finds c and d through the articles table
    out, bands = assign_groups(lake, arts([("a", "\n".join(ZH))], 4), articles=committed)
    assert regroup_updates(out, bands).to_pylist() == first
    # without the articles table the band rows alone no longer name them
    out, bands = assign_groups(lake, arts([("a", "\n".join(ZH))], 4))
    assert regroup_updates(out, bands).num_rows == 0


def test_compact_merges_the_band_files_and_keeps_the_rows(tmp_path):
    from flows.lake import Lake
    lake = str(tmp_path / "lake")
    for i in range(3):
        run(lake, [(f"d{i}", HARB if i else LIB)], i + 1)
    before = sorted(bands_dataset(lake).to_table().to_pylist(), key=lambda r: (r["doc_id"], r["band"]))
    assert len(bands_dataset(lake).files) == 3
    Lake(lake).compact(retain_hours=0)
    assert len(bands_dataset(lake).files) == 1
    assert sorted(bands_dataset(lake).to_table().to_pylist(), key=lambda r: (r["doc_id"], r["band"])) == before
