"""The learned arbiter: the shipped model file, its evaluator, and the choice it makes on real pages."""
from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from schemas.tables import PIPELINE_VERSION
from transforms import extract
from transforms.boilerplate.arbiter import FEATURES, ArbiterModel, TreeModel, features, load_model
from transforms.boilerplate.blocks import Block
from transforms.options import DEFAULT_OPTIONS

MODEL = Path(__file__).resolve().parents[2] / "transforms" / "boilerplate" / "arbiter_model.json"
O = DEFAULT_OPTIONS.boilerplate


def test_shipped_model_is_small_versioned_and_matches_the_features():
    assert MODEL.stat().st_size < 5 * 1024 * 1024
    spec = json.loads(MODEL.read_text("utf-8"))
    assert spec["features"] == list(FEATURES)
    assert spec["version"] == PIPELINE_VERSION, "retrain (benchmarks/train_arbiter.py) when the pipeline version moves"
    model = load_model("arbiter_model")
    assert isinstance(model, ArbiterModel) and len(model.choose.trees) > 10


def test_model_trained_on_other_features_is_refused():
    spec = json.loads(MODEL.read_text("utf-8"))
    spec["features"] = spec["features"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        ArbiterModel(spec)


def test_tree_model_walks_thresholds_left_when_less_or_equal():
    tree = [[0, 0.5, 1, 2, 0.0], [-1, 0.0, 0, 0, -1.0], [1, 10.0, 3, 4, 0.0], [-1, 0.0, 0, 0, 2.0], [-1, 0.0, 0, 0, 3.0]]
    m = TreeModel({"baseline": 0.25, "trees": [tree, [[-1, 0.0, 0, 0, 0.5]]]})
    assert m.predict([0.5, 99]) == pytest.approx(0.25 - 1.0 + 0.5)
    assert m.predict([0.6, 10.0]) == pytest.approx(0.25 + 2.0 + 0.5)
    assert m.predict([0.6, 10.1]) == pytest.approx(0.25 + 3.0 + 0.5)


def test_exported_trees_predict_what_scikit_learn_predicts():
    np = pytest.importorskip("numpy")
    pytest.importorskip("sklearn", reason="scikit-learn is the [bench] extra")
    from benchmarks.train_arbiter import _regressor, export

    rng = np.random.default_rng(3)
    X = rng.random((400, len(FEATURES)))
    y = X[:, 0] - 2 * X[:, 5] * (X[:, 9] > 0.3) + rng.normal(0, 0.05, 400)
    model = _regressor().fit(X, y)
    ours = TreeModel(export(model, list(FEATURES)))
    assert np.allclose([ours.predict(list(x)) for x in X], model.predict(X), atol=1e-6)


def test_features_are_finite_and_in_order():
    ours = [Block("A short article paragraph that ends like a sentence, with enough words in it.")]
    traf = ours + [Block("Home", "item", link_chars=4), Block("Contact", "item", link_chars=7)]
    x = features(ours, traf, [], O, form="html", page_tokens=40)
    assert len(x) == len(FEATURES)
    named = dict(zip(FEATURES, x))
    assert named["cover"] < 1 and named["support"] == 1.0
    assert named["cut_listy"] == 1.0 and named["cut_links"] == 1.0 and named["dump"] == 0.0
    assert all(v == v and abs(v) < 1e9 for v in x)
    assert features([], [], [], O, form="text", page_tokens=0)[FEATURES.index("dump")] == 1.0


def _catalog_page() -> bytes:
    """An English page whose content is one paragraph and then a long list of sections."""
    rng = random.Random(5)
    words = "catalog section pages index parts hardware hinges locks drawer slides handles knobs".split()
    items = "".join(f"<li>Section {i}: {' '.join(rng.choice(words) for _ in range(6))}, pages {i * 10}-{i * 10 + 9}</li>"
                    for i in range(1, 40))
    return (f"<html><head><title>Catalog</title></head><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav>"
            f"<main><h1>Our catalog</h1><p>We have split up our catalog into sections to make it easier for you to "
            f"view, so please pick the section you need from the list below.</p><ul>{items}</ul></main>"
            f"<footer>Copyright 2024 Example Hardware</footer></body></html>").encode()


def test_the_model_keeps_the_list_that_is_the_page_content():
    """The classifier keeps the one paragraph; trafilatura keeps the list too: the model takes trafilatura's."""
    raw = _catalog_page()
    rule = replace(DEFAULT_OPTIONS, boilerplate=replace(O, arbiter_model=False))
    with_model = extract(raw, "catalog.html")
    assert "Section 39" in with_model["text"] and "Section 1:" in with_model["text"]
    assert "Copyright 2024" not in with_model["text"]
    assert isinstance(extract(raw, "catalog.html", rule), dict)   # the hand-set rule still runs


def test_without_a_model_file_the_hand_set_rule_decides(monkeypatch):
    import transforms.boilerplate.arbiter as arbiter

    monkeypatch.setitem(arbiter._MODELS, "arbiter_model", None)
    rec = extract(_catalog_page(), "catalog.html")
    assert isinstance(rec, dict) and "split up our catalog" in rec["text"]


def test_trim_edges_drops_menu_and_related_lines_the_classifier_cut_too():
    from transforms.record import trim_edges

    paras = [Block("The council approved the budget on Tuesday, and the park opened to visitors the next morning."),
             Block("Residents said the new paths were busy within an hour, and the cafe ran out of coffee by noon.")]
    traf = [Block("Home"), Block("Sign in"), Block("Park opens", "heading"), *paras,
            Block("Related stories"), Block("Concert dates", "item"), Block("Copyright 2025 City Herald")]
    got = [b.text for b in trim_edges(traf, paras, O)]
    assert got == ["Park opens", *(b.text for b in paras), "Concert dates"]   # headings and list items stay
    assert trim_edges([Block("Home"), Block("Menu")], paras, O) == [Block("Home"), Block("Menu")]  # no prose: as is


def test_a_classifier_article_holding_all_of_trafilaturas_stands():
    from transforms.record import holds_trafilatura

    body = [Block("A paragraph of the article that both opinions hold, long enough to be prose here.")]
    x = features(body + [Block("A section heading", "heading")], body, [], O, form="markdown", page_tokens=30)
    assert holds_trafilatura(x, O)
    x = features(body, body + [Block("A second paragraph only trafilatura kept, also long enough for prose.")], [], O,
                 form="markdown", page_tokens=30)
    assert not holds_trafilatura(x, O)


def test_shipped_model_has_a_trim_head():
    model = load_model("arbiter_model")
    assert model.trim is not None and len(model.trim.trees) > 10


def _constant(value: float) -> dict:
    return {"baseline": value, "trees": [[[-1, 0.0, 0, 0, 0.0]]]}


def test_trim_head_keeps_a_listing_dump_untrimmed_when_it_predicts_a_loss(monkeypatch):
    """On a dump, trafilatura's article is trimmed to its prose unless the trim head predicts that
    trimming loses more than ``trim_margin``: then the entries of a listing stay."""
    import transforms.boilerplate.arbiter as arbiter
    from transforms.boilerplate.classify import Article
    from transforms.record import arbitrate

    paras = [Block("The library opens a new reading room this spring, and every branch will lend e-readers too."),
             Block("Members can book the room online, and the first hour each day is kept for school groups.")]
    entries = [Block(f"Workshop {i}: printing and binding, Saturday {i} May") for i in range(1, 7)]
    traf = [*entries, *paras]     # the listing's entries above the only prose: the trim drops them
    ours = Article(body=paras, header=[])

    def decide(choose: float, trim: float) -> list[str]:
        spec = {"features": list(FEATURES), "choose": _constant(choose), "trim": _constant(trim)}
        monkeypatch.setitem(arbiter._MODELS, "arbiter_model", ArbiterModel(spec))
        return [b.text for b in arbitrate(ours, traf, O, dump=True, form="text", page_tokens=100).body]

    trimmed = decide(-0.1, 0.0)                 # trafilatura's article, trimmed: the entries go
    assert trimmed == [b.text for b in paras]
    kept = decide(-0.1, O.trim_margin - 0.05)   # trimming predicted to lose: untrimmed
    assert kept == [b.text for b in traf]
    # untrimmed, the classifier's article is compared with the untrimmed one: gain + trim gain
    assert decide(0.03, O.trim_margin - 0.05) == [b.text for b in traf]
    assert decide(0.03, 0.0) == [b.text for b in paras]   # ours (the same paragraphs) stands


def test_lower_tokens_equals_each_token_lower_cased():
    from transforms.boilerplate.arbiter import bag, lower_tokens
    from transforms.scripts import TOKEN
    for text in ("İstanbul'da ÇAĞRI", "Straße STRASSE ẞ", "中文ABC混排Tokyo東京", "ǅemal Ωmega",
                 "ภาษาไทย ENGLISH", "Привет МИР", "K\u212a kelvin"):
        assert lower_tokens(text) == [t.lower() for t in TOKEN.findall(text)], text
    assert bag("The the THE") == {"the": 3}


def test_cjk_share_counts_no_space_letters_among_all_tokens():
    from transforms.boilerplate.arbiter import cjk_share
    from transforms.scripts import NOSPACE_LETTER, TOKEN
    for text in ("中文新闻 text here", "ภาษาไทย ก่อน test", "only english words", "", "日本語とEnglishの混在。",
                 "abc中def", "\u0e31\u0e48 marks only"):
        n = len(TOKEN.findall(text))
        want = len(NOSPACE_LETTER.findall(text)) / n if n else 0.0
        assert cjk_share(text) == pytest.approx(want), text
    assert cjk_share("中文") == 1.0 and cjk_share("no cjk") == 0.0


def test_cjk_html_page_asks_trafilatura_without_its_comment_section():
    from transforms.record import trafilatura_comments
    o = DEFAULT_OPTIONS.boilerplate
    assert trafilatura_comments(True, o) is False and trafilatura_comments(False, o) is True
    assert trafilatura_comments(True, replace(o, cjk_comments=True)) is True
