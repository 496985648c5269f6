"""Trafilatura's article widened to its DOM container (``transforms.boilerplate.expand``), and the
arbiter's expand head that decides whether the widened article is taken."""
from __future__ import annotations

import pytest

from transforms.boilerplate.arbiter import EXPAND_FEATURES, FEATURES, ArbiterModel, load_model
from transforms.boilerplate.blocks import Block
from transforms.boilerplate.classify import Article
from transforms.boilerplate.expand import expand_to_container
from transforms.options import DEFAULT_OPTIONS

O = DEFAULT_OPTIONS.boilerplate

NAV = [Block("Home", "item", link_chars=4, path=(1, 2)), Block("Events", "item", link_chars=6, path=(1, 2))]
INTRO = Block("Every workshop of the spring season at the city library, with its date and room.", path=(1, 3))
# one card per entry: a container of its own (5, 6, ...) inside the listing's container (3)
ENTRIES = [b for i in range(6) for b in (
    Block(f"Workshop {i + 1}: printing and binding for beginners", "heading", link_chars=40, path=(1, 3, 5 + i)),
    Block(f"Saturday {i + 1} May, room {i + 2}, free with a library card.", path=(1, 3, 5 + i)))]
FOOTER = Block("Copyright the city library. All rights reserved.", path=(1, 4))
PAGE = [*NAV, INTRO, *ENTRIES, FOOTER]


def _texts(blocks):
    return [b.text for b in blocks]


def test_widens_to_the_container_that_holds_trafilaturas_entries():
    # trafilatura kept the intro and two of the six entries (its own blocks: no paths, same text)
    traf = [Block(INTRO.text), Block(ENTRIES[0].text, "heading"), Block(ENTRIES[1].text), Block(ENTRIES[2].text, "heading")]
    wide = expand_to_container(traf, PAGE)
    assert _texts(wide) == _texts([INTRO, *ENTRIES])     # every entry, in page order; no menu, no footer


def test_widens_no_further_than_the_deepest_container_holding_most_of_it():
    traf = [Block(ENTRIES[0].text), Block(ENTRIES[1].text)]   # one card: its container is the card
    assert expand_to_container(traf, PAGE) is None        # the same text: nothing to widen
    traf = [Block(ENTRIES[0].text), Block(ENTRIES[1].text), Block(ENTRIES[3].text)]   # two cards: the listing
    assert _texts(expand_to_container(traf, PAGE)) == _texts([INTRO, *ENTRIES])


def test_trafilatura_text_outside_the_container_stays():
    traf = [Block(INTRO.text), *[Block(b.text) for b in ENTRIES[:8]], Block(FOOTER.text)]
    wide = expand_to_container(traf, PAGE)
    assert _texts(wide) == _texts([INTRO, *ENTRIES, FOOTER])


def test_nothing_found_on_the_page_gives_none():
    assert expand_to_container([Block("Text the DOM walk never saw.")], PAGE) is None
    assert expand_to_container([Block(INTRO.text)], [Block(INTRO.text)]) is None   # a block without a path
    assert expand_to_container([], PAGE) is None


def _constant(value: float) -> dict:
    return {"baseline": value, "trees": [[[-1, 0.0, 0, 0, 0.0]]]}


def test_expand_head_decides_whether_the_widened_article_is_taken(monkeypatch):
    import transforms.boilerplate.arbiter as arbiter
    from transforms.record import arbitrate

    traf = [Block(INTRO.text), Block(ENTRIES[0].text, "heading"), Block(ENTRIES[1].text), Block(ENTRIES[2].text, "heading")]
    ours = Article(body=[INTRO], header=[])

    def decide(expand: float) -> list[str]:
        spec = {"features": list(FEATURES), "choose": _constant(-0.5), "trim": _constant(0.0),
                "expand": dict(_constant(expand), features=list(EXPAND_FEATURES)),
                "expand_markdown": dict(_constant(-1.0), features=list(EXPAND_FEATURES))}
        monkeypatch.setitem(arbiter._MODELS, "arbiter_model", ArbiterModel(spec))
        return _texts(arbitrate(ours, traf, O, form="html", page_tokens=120, page_blocks=PAGE).body)

    assert decide(O.expand_margin + 0.1) == _texts([INTRO, *ENTRIES])   # a gain predicted: widened
    assert decide(O.expand_margin - 0.1) == _texts(traf)                # not enough: trafilatura's as it is
    # the Markdown head decides on a Markdown dump (here -1.0: never), the html head is not asked
    md = _texts(arbitrate(ours, traf, O, dump=True, form="markdown", page_tokens=120, page_blocks=DUMP).body)
    assert md != _texts(DUMP[2:9]) and len(md) <= len(traf)
    # a dump has no DOM paths: nothing is widened however high the head predicts
    spec = {"features": list(FEATURES), "choose": _constant(-0.5), "trim": _constant(-1.0),
            "expand": dict(_constant(1.0), features=list(EXPAND_FEATURES)),
            "expand_markdown": dict(_constant(1.0), features=list(EXPAND_FEATURES))}
    monkeypatch.setitem(arbiter._MODELS, "arbiter_model", ArbiterModel(spec))
    assert _texts(arbitrate(ours, traf, O, dump=True, form="text", page_tokens=120).body) == _texts(traf)


def test_expand_head_trained_on_other_features_is_refused():
    for key in ("expand", "expand_markdown"):
        spec = {"features": list(FEATURES), "choose": _constant(0.0), key: dict(_constant(0.0), features=list(FEATURES))}
        with pytest.raises(ValueError, match="retrain"):
            ArbiterModel(spec)


def test_shipped_model_has_an_expand_head():
    model = load_model("arbiter_model")
    assert {"html", "markdown"} <= set(model.expand) and all(len(h.trees) > 10 for h in model.expand.values())


# --- a Markdown dump: no DOM, the gaps between trafilatura's blocks are filled ----------------------

DUMP = [Block("[Home](/) [Events](/events)"), Block("# Spring workshops", "heading"), INTRO,
        *[Block(b.text, b.kind) for b in ENTRIES], Block("Related: [Summer camps](/camps)"), *[Block(f"Menu entry {i}") for i in range(12)],
        Block("A closing note on the workshops, the rooms and the library cards that everyone needs.")]


def test_fill_span_adds_the_blocks_between_trafilaturas_and_nothing_else():
    from transforms.boilerplate.expand import fill_span

    traf = [Block(INTRO.text), Block(ENTRIES[0].text), Block(ENTRIES[5].text), Block(ENTRIES[11].text)]
    wide = fill_span(traf, DUMP)
    assert _texts(wide) == _texts([INTRO, *ENTRIES])   # the four dropped entries between come back; no menu
    # the closing note is 13 blocks after the last entry: a gap over ``gap`` stays a gap
    traf_far = [*traf, Block(DUMP[-1].text)]
    assert _texts(fill_span(traf_far, DUMP)) == _texts([INTRO, *ENTRIES, DUMP[-1]])
    assert len(fill_span(traf_far, DUMP, gap=20)) == len(DUMP) - 2   # a wider gap takes the menu too
    assert fill_span([Block(INTRO.text), Block(ENTRIES[0].text)], DUMP) is None   # adjacent: nothing added
    assert fill_span([Block("Not on the page.")], DUMP) is None


def test_widened_candidate_per_form():
    from transforms.record import widened

    traf = [Block(INTRO.text), Block(ENTRIES[0].text), Block(ENTRIES[5].text)]
    assert widened(traf, PAGE, O, form="html", trimmed=False, cjk=0.0) is not None
    assert widened(traf, PAGE, O, form="html", trimmed=False, cjk=0.9) is None      # a no-space-script page
    assert widened(traf, DUMP, O, form="markdown", trimmed=True, cjk=0.0) is not None
    assert widened(traf, DUMP, O, form="markdown", trimmed=False, cjk=0.0) is None  # the trim head left it whole
    assert widened(traf, DUMP, O, form="text", trimmed=True, cjk=0.0) is None       # a text dump: never
    assert widened(traf, [], O, form="html", trimmed=False, cjk=0.0) is None


def test_markdown_head_widens_a_markdown_dump(monkeypatch):
    import transforms.boilerplate.arbiter as arbiter
    from transforms.record import arbitrate

    traf = [Block(INTRO.text), Block(ENTRIES[0].text, "heading"), Block(ENTRIES[10].text, "heading"), Block(ENTRIES[11].text)]
    ours = Article(body=[INTRO], header=[])

    def decide(markdown: float) -> list[str]:
        spec = {"features": list(FEATURES), "choose": _constant(-0.5), "trim": _constant(0.0),
                "expand": dict(_constant(-1.0), features=list(EXPAND_FEATURES)),
                "expand_markdown": dict(_constant(markdown), features=list(EXPAND_FEATURES))}
        monkeypatch.setitem(arbiter._MODELS, "arbiter_model", ArbiterModel(spec))
        return _texts(arbitrate(ours, traf, O, dump=True, form="markdown", page_tokens=120, page_blocks=DUMP).body)

    assert decide(O.expand_margin + 0.1) == _texts([INTRO, *ENTRIES])   # the entries between come back
    assert decide(O.expand_margin - 0.1) == _texts(traf)


def _expand_x(traf, wide):
    from transforms.boilerplate.arbiter import expand_features

    x = [0.0] * len(FEATURES)
    x[FEATURES.index("log_page")] = 5.0   # a page of e^5 - 1 (147) tokens
    got = expand_features(x, traf, wide, O)
    assert len(got) == len(EXPAND_FEATURES) and got[:len(FEATURES)] == x
    return dict(zip(EXPAND_FEATURES[len(FEATURES):], got[len(FEATURES):]))


def test_expand_features_describe_what_widening_adds():
    traf = [Block(INTRO.text)]
    # widened over the listing: twelve added blocks, six alike linked headings and six alike date lines
    listing = _expand_x(traf, [INTRO, *ENTRIES])
    assert listing["log_add_blocks"] == pytest.approx(__import__("math").log1p(12))
    assert listing["add_repeated"] == 1.0          # every added block's shape recurs (the entries)
    assert listing["add_headings"] == 6.0 and listing["add_links"] > 0.3
    assert listing["log_expand_ratio"] > 1.0 and listing["wide_page_share"] > 0.5
    # widened by two paragraphs of prose: nothing recurs, nothing is a link
    prose = [Block("The library opened its new print room this spring after two years of building work, and "
                   "the first classes filled within a week of the programme going out to members."),
             Block("Staff say the presses were restored by volunteers who met every Thursday evening, and "
                   "that the binding course will run again in the autumn if the demand holds up.")]
    essay = _expand_x(traf, [INTRO, *prose])
    assert essay["add_repeated"] == 0.0 and essay["add_links"] == 0.0 and essay["add_headings"] == 0.0
    assert essay["add_prose"] > listing["add_prose"]
    assert essay["add_block_tokens"] > listing["add_block_tokens"]
    # trafilatura's own blocks are not counted as added, wherever their text came from
    same = _expand_x([Block(" ".join(INTRO.text.split(" ")))], [INTRO])
    assert same["log_add_blocks"] == 0.0 and same["log_expand_ratio"] == 0.0
