"""transforms.dedup: exact keys, body selection, MinHash/LSH, grouping rules."""
from __future__ import annotations

import random

from transforms import DEFAULT_OPTIONS, extract
from transforms.dedup import (EXACT, NEAR, Member, assign_batch, band_params, body_paragraphs, fingerprint,
                              normalized, regroup, shingles, similarity, tokens)

OPT = DEFAULT_OPTIONS.dedup

HARBOUR = [
    "The city council voted on Tuesday to spend 40 million dollars rebuilding the old harbour wall, which was badly damaged in the winter storms.",
    "Engineers told the council that parts of the wall had shifted by more than a metre since January and could collapse within two years.",
    "The plan replaces the stone blocks along the eastern pier with a concrete core faced with the original granite.",
    "Work is expected to begin in the spring and to last for roughly eighteen months, during which the ferry terminal will move to a temporary berth.",
    "Fishing crews who use the harbour said they welcomed the repairs but worried about losing access to the slipway during the busiest season.",
    "The harbour master promised that at least one slipway would stay open at all times and that moorings would be offered free of charge nearby.",
    "Opposition members questioned the cost, noting that an earlier estimate from the port authority had put the work at half the amount.",
    "The deputy mayor replied that the earlier figure did not include the storm damage or the rising price of steel and cement.",
    "A public consultation held last autumn drew more than two thousand responses, most of them in favour of keeping the wall's historic look.",
    "The heritage society said it would monitor the project closely to ensure that the granite facing is reused wherever possible.",
    "Funding will come partly from a national coastal resilience grant and partly from the city's own capital budget over three years.",
    "Residents can see the drawings at the town hall library until the end of the month and leave comments with the planning office.",
]
LIBRARY = [
    "The regional library service will open on Sundays from next month after a two year trial in three branches proved popular with families.",
    "Visitor numbers at the trial branches rose by a quarter on weekends, according to figures published by the county education committee.",
    "Staff will work the extra hours on a rota, and the service plans to hire twelve part time assistants to cover the new shifts.",
    "Children's reading groups, which were previously held only on Saturday mornings, will now run on both days of the weekend.",
    "The head librarian said the change was meant for parents who work during the week and cannot bring their children after school.",
    "Some councillors asked whether the money would be better spent on new books, since the purchasing budget has been frozen for years.",
    "The committee answered that a separate increase for books and digital lending would be proposed in the spring budget.",
    "Local authors have offered to hold free readings on the first Sunday of each month to mark the new opening hours.",
    "The mobile library van, which serves villages without a branch, will also add a Sunday route through the northern valleys.",
    "A survey of users found that evening opening was the second most requested change, and the service said it would study it next.",
]
ZH = [
    "今年入冬以来，北方多地提前启动集中供暖，供热企业加紧检修管网，确保居民家中室温达标。",
    "市供热办负责人介绍，全市今年新增供热面积三百万平方米，老旧小区管网改造工程已经全部完工。",
    "为应对可能出现的极端低温天气，各供热企业储备了充足的燃煤和天然气，并制定了应急预案。",
    "居民如遇室温不达标、暖气不热等问题，可以拨打供热服务热线，工作人员将在二十四小时内上门处理。",
    "据了解，今年供热价格保持不变，低保家庭和特困人员继续享受供热费用减免政策。",
    "供热企业还推出了线上缴费服务，居民通过手机即可查询账单、缴纳费用和预约维修。",
    "专家提醒，供暖初期管道内可能存有空气，居民可适当放气，保证暖气片充分循环。",
    "相关部门表示，将加强对供热质量的监督检查，对服务不到位的企业依法依规严肃处理。",
]
DISCLAIMER = ("Disclaimer: the views and opinions expressed in this article are those of the authors and do not "
              "necessarily reflect the official policy or position of the publisher, its editors, its advertisers or "
              "its partners. Any content provided by our bloggers or authors is of their opinion and is not intended "
              "to malign any religion, ethnic group, club, organisation, company, individual or anyone or anything. "
              "Examples of analysis performed within this article are only examples and should not be used in "
              "real-world analytic products as they are based only on very limited and dated open source information. "
              "Assumptions made within the analysis are not reflective of the position of any government agency or "
              "private company. The publisher makes no representations as to the accuracy, completeness, currentness, "
              "suitability or validity of any information on this site and will not be liable for any errors, "
              "omissions or delays in this information or any losses, injuries or damages arising from its display "
              "or use. All information is provided on an as-is basis and readers are advised to seek independent "
              "advice before acting on any of it.")
RIGHTS = ("All rights reserved. No part of this publication may be reproduced, distributed or transmitted in any "
          "form or by any means, including photocopying, recording or other electronic or mechanical methods, "
          "without the prior written permission of the publisher, except in the case of brief quotations embodied "
          "in critical reviews and certain other noncommercial uses permitted by copyright law. For permission "
          "requests, write to the publisher at the address below, marking the letter for the attention of the "
          "permissions coordinator. Market data and quotes on this site are delayed by at least fifteen minutes "
          "and are provided for information only; they are not an offer or a solicitation to buy or sell any "
          "security, and nothing here is investment, legal or tax advice for any person in any country.")
COOKIES = ("Copyright notice and privacy: this site uses cookies and similar technologies to remember your "
           "preferences, to measure how the site is used and to show advertising that may interest you. By continuing "
           "to browse you agree to their use as described in our privacy policy, which also explains how to withdraw "
           "consent, how long personal data is kept, which partners receive it and how to contact our data protection "
           "officer with a question or a complaint about the way your information has been handled.")
TERMS = ("Terms of use (copyright): articles, photographs, graphics and video on this site are protected by "
         "international copyright law and may be shared through the buttons provided, linked to, or quoted in "
         "short extracts with a clear credit and a link to the original page, but they may not be republished in "
         "full, sold, archived in a searchable database or used to train software without a written licence from "
         "the syndication desk, which answers requests within five working days.")


def jaccard_est(a: str, b: str) -> float:
    return similarity(fingerprint(a, OPT).sig, fingerprint(b, OPT).sig)


def shares_band(a: str, b: str) -> bool:
    return bool(set(fingerprint(a, OPT).keys) & set(fingerprint(b, OPT).keys))


def test_tokens_are_the_scorers():
    assert tokens("北京Hello, wörld 42！かな") == ["北", "京", "hello", "wörld", "42", "か", "な"]


def test_exact_key_folds_whitespace_punctuation_case_and_width():
    a = "The Harbour wall, rebuilt.\n\n北京，2024年！"
    b = "the   harbour WALL rebuilt\n北京 ２０２４年"
    assert normalized(a) == normalized(b)
    assert fingerprint(a, OPT).exact == fingerprint(b, OPT).exact
    assert fingerprint(a, OPT).exact != fingerprint(a + " again", OPT).exact


def test_band_params_follow_the_threshold():
    b, r = band_params(0.8, 128, OPT.fp_weight, OPT.fn_weight)
    assert b * r <= 128 and r > 1
    assert fingerprint("\n".join(HARBOUR), OPT).keys.__len__() == b
    b9, r9 = band_params(0.9, 128, OPT.fp_weight, OPT.fn_weight)
    assert r9 > r  # a higher threshold takes more rows per band


def test_paragraph_reordering_keeps_the_signature():
    moved = HARBOUR[6:] + HARBOUR[:6]
    assert jaccard_est("\n".join(HARBOUR), "\n".join(moved)) >= 0.95


def test_syndicated_copy_with_another_sites_boilerplate_is_near():
    original = "\n".join(["Harbour wall to be rebuilt", "By Jane Smith, staff reporter"] + HARBOUR
                         + ["Copyright 2024 The Coast Gazette. All rights reserved."])
    copy = "\n".join(["Home | News | Business | Sport", "Source: Coast Gazette", "Editor: Li Wei"] + HARBOUR
                     + ["Share this article", "Reprinted with permission. Copyright belongs to the original author.",
                        "Read more: the ferry timetable for the summer"])
    fa, fb = fingerprint(original, OPT), fingerprint(copy, OPT)
    assert fa.exact != fb.exact
    assert set(fa.keys) & set(fb.keys)
    assert similarity(fa.sig, fb.sig) >= OPT.threshold
    groups = assign_batch([("a", (1, "a"), fa), ("b", (2, "b"), fb)], {}, {}, OPT.threshold)
    assert groups == {"a": ("a", None), "b": ("a", NEAR)}


def _edit_sentences(sentences: list[str], share: float, seed: int) -> list[str]:
    rnd = random.Random(seed)
    out = list(sentences)
    for i in rnd.sample(range(len(out)), max(1, round(share * len(out)))):
        words = out[i].split()
        j = rnd.randrange(len(words) - 3)
        words[j:j + 3] = ["(updated)", "officials", "said"]
        out[i] = " ".join(words)
    return out


def test_copy_with_ten_percent_of_sentences_edited_is_near():
    for seed in range(5):
        edited = _edit_sentences(HARBOUR, 0.1, seed)
        a, b = "\n".join(HARBOUR), "\n".join(edited)
        assert a != b
        assert shares_band(a, b), seed
        assert jaccard_est(a, b) >= OPT.threshold, seed
    zh_edited = list(ZH)
    zh_edited[3] = zh_edited[3].replace("二十四小时", "十二小时")
    assert jaccard_est("\n".join(ZH), "\n".join(zh_edited)) >= OPT.threshold


def test_different_articles_sharing_a_long_disclaimer_are_not_duplicates():
    a = "\n".join(HARBOUR[:2] + [DISCLAIMER, RIGHTS, COOKIES, TERMS])
    b = "\n".join(LIBRARY[:2] + [DISCLAIMER, RIGHTS, COOKIES, TERMS])
    # the notices are much longer than the articles: on the whole text the two would be near duplicates
    whole = [set(shingles([tokens(p) for p in t.splitlines()], OPT.shingle)) for t in (a, b)]
    assert len(whole[0] & whole[1]) / len(whole[0] | whole[1]) >= OPT.threshold
    assert jaccard_est(a, b) < 0.2
    fa, fb = fingerprint(a, OPT), fingerprint(b, OPT)
    groups = assign_batch([("a", (1, "a"), fa), ("b", (2, "b"), fb)], {}, {}, OPT.threshold)
    assert groups == {"a": ("a", None), "b": ("b", None)}


def test_body_drops_short_edges_credits_and_notices_but_falls_back_on_short_texts():
    text = "\n".join(["Title of the story", "Editor: Someone"] + HARBOUR[:3] + ["Copyright 2024 Gazette", "Share"])
    body = body_paragraphs(text, OPT)
    assert body == [tokens(s) for s in HARBOUR[:3]]
    short = "A notice.\nCopyright 2024 Gazette"
    assert body_paragraphs(short, OPT) == [tokens("A notice."), tokens("Copyright 2024 Gazette")]


def test_distinct_articles_share_no_band():
    assert not shares_band("\n".join(HARBOUR), "\n".join(LIBRARY))
    assert not shares_band("\n".join(ZH), "\n".join(HARBOUR))


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>城市供热全面启动 - 示例新闻网</title></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/city">城市</a></div>
<div class="article"><h1>城市供热全面启动</h1>
{paras}
</div>
<div class="related"><h3>相关文章</h3><ul><li><a href="/1">春运首日客流平稳</a></li><li><a href="/2">地铁新线开通</a></li></ul></div>
<div class="footer">版权所有 示例新闻网 未经授权不得转载</div></body></html>"""


def test_html_page_and_its_text_dump_are_exact():
    html = HTML.format(paras="\n".join(f"<p>{p}</p>" for p in ZH)).encode("utf-8")
    dump = "\n\n".join(["首页 | 新闻 | 城市", "城市供热全面启动"] + ZH
                       + ["相关文章", "春运首日客流平稳", "地铁新线开通", "版权所有 示例新闻网 未经授权不得转载"]).encode("utf-8")
    a, b = extract(html, "news/heating.html"), extract(dump, "dumps/heating.txt")
    assert isinstance(a, dict) and isinstance(b, dict), (a, b)
    assert a["raw_format"] == "html" and b["raw_format"] == "text"
    fa, fb = fingerprint(a["text"], OPT), fingerprint(b["text"], OPT)
    assert fa.exact == fb.exact, (a["text"], b["text"])
    groups = assign_batch([(a["doc_id"], (1, a["doc_id"]), fa), (b["doc_id"], (2, b["doc_id"]), fb)], {}, {},
                          OPT.threshold)
    assert groups[b["doc_id"]] == (a["doc_id"], EXACT)


def _member(doc_id: str, order: int, text: str, group: str | None = None, kind: str | None = None) -> Member:
    fp = fingerprint(text, OPT)
    return Member(doc_id, (order, doc_id), fp.exact, fp.sig, group, kind)


def test_new_document_joins_the_group_of_the_earliest_stored_match():
    text = "\n".join(HARBOUR)
    stored = {"old1": _member("old1", 1, text, "old1", None),
              "old2": _member("old2", 2, "\n".join(_edit_sentences(HARBOUR, 0.1, 1)), "old1", NEAR)}
    new = [("new", (3, "new"), fingerprint(text, OPT))]
    assert assign_batch(new, stored, {"new": ["old2", "old1"]}, OPT.threshold) == {"new": ("old1", EXACT)}
    # a stored hit that the signature does not confirm is no match
    other = {"x": _member("x", 1, "\n".join(LIBRARY), "x")}
    assert assign_batch(new, other, {"new": ["x"]}, OPT.threshold) == {"new": ("new", None)}


def test_regroup_after_the_first_member_left():
    a = "\n".join(HARBOUR)
    members = [_member("m3", 3, "\n".join(_edit_sentences(HARBOUR, 0.1, 2)), "gone", NEAR),
               _member("m2", 2, a, "gone", EXACT),
               _member("m4", 4, "\n".join(LIBRARY), "gone", NEAR)]  # matched the old first member only
    assert regroup(members, OPT.threshold) == {"m2": ("m2", None), "m3": ("m2", NEAR), "m4": ("m4", None)}


def test_texts_without_tokens_are_never_near_and_exact_only_when_identical():
    a, b = fingerprint("★★★ ——— ★★★", OPT), fingerprint("!!! ??? ...", OPT)
    assert a.keys == b.keys == () and a.exact != b.exact
    assert a.exact == fingerprint("★★★ ——— ★★★", OPT).exact
    groups = assign_batch([("a", (1, "a"), a), ("b", (2, "b"), b)], {}, {}, OPT.threshold)
    assert groups == {"a": ("a", None), "b": ("b", None)}
