"""Duplicate groups through the ingest path: across runs, a changed file leaving its group, the duplicates view."""
from __future__ import annotations

from flows.ingest import run_ingest
from flows.sql import connect
from tests.transforms.test_dedup import HARBOUR, HTML, LIBRARY, ZH

DUMP = "\n\n".join(["首页 | 新闻 | 城市", "城市供热全面启动"] + ZH
                   + ["相关文章", "春运首日客流平稳", "地铁新线开通", "版权所有 示例新闻网 未经授权不得转载"])
SYNDICATED = "\n\n".join(["Home | News | Business", "Source: Coast Gazette", "Editor: Li Wei"] + HARBOUR
                         + ["This story was first published by the Coast Gazette and is shared here under a "
                            "content agreement between the two newspapers.",
                            "Reprinted with permission. Copyright belongs to the original author."])


def groups(lake) -> dict[str, tuple[str, str | None]]:
    rows = connect(str(lake)).sql("select source_file, doc_id, dup_group, dup_kind from articles").fetchall()
    by_id = {doc_id: sf for sf, doc_id, _, _ in rows}
    return {sf: (by_id.get(g, g), k) for sf, _, g, k in rows}


def test_later_run_copy_joins_the_old_group_and_a_changed_file_leaves_it(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    (landing / "heating.html").write_text(HTML.format(paras="\n".join(f"<p>{p}</p>" for p in ZH)), encoding="utf-8")
    (landing / "harbour.txt").write_text("\n\n".join(HARBOUR), encoding="utf-8")
    (landing / "library.txt").write_text("\n\n".join(LIBRARY), encoding="utf-8")
    run_ingest(str(landing), str(lake))
    assert groups(lake) == {"heating.html": ("heating.html", None), "harbour.txt": ("harbour.txt", None),
                            "library.txt": ("library.txt", None)}
    # a later run: the page's text dump and a syndicated copy of an old article join the old groups
    (landing / "dump" ).mkdir()
    (landing / "dump" / "heating.txt").write_text(DUMP, encoding="utf-8")
    (landing / "portal-harbour.txt").write_text(SYNDICATED, encoding="utf-8")
    run_ingest(str(landing), str(lake))
    g = groups(lake)
    assert g["dump/heating.txt"] == ("heating.html", "exact")
    assert g["portal-harbour.txt"] == ("harbour.txt", "near")
    assert g["library.txt"] == ("library.txt", None)
    dup = connect(str(lake)).sql('select members, first_seen < last_seen from duplicates order by "group"').fetchall()
    assert sorted(dup) == [(2, True), (2, True)]
    one_per_story = connect(str(lake)).sql("select count(*) from articles where dup_group = doc_id").fetchall()
    assert one_per_story == [(3,)]
    # the group's first member changes into another story: it leaves, its copy is on its own again
    (landing / "harbour.txt").write_text("\n\n".join(LIBRARY[::-1]) + "\n\nA new closing line.", encoding="utf-8")
    run_ingest(str(landing), str(lake))
    g = groups(lake)
    assert g["portal-harbour.txt"] == ("portal-harbour.txt", None)
    assert g["harbour.txt"] == ("library.txt", "near")   # now a copy of the library story
    # a file that becomes a reject leaves its group too
    (landing / "library.txt").write_bytes(b"")
    run_ingest(str(landing), str(lake))
    g = groups(lake)
    assert "library.txt" not in g and g["harbour.txt"] == ("harbour.txt", None)
    # a backfill of everything rewrites every article: all share one ingested_at now, so first members go by
    # doc_id (here the same ones as before)
    run_ingest(str(landing), str(lake), flow_name="backfill", reprocess=lambda f, old: True)
    assert groups(lake) == g
