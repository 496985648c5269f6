"""Every script counted: articles in Korean, Russian, Thai and Japanese (and Greek, Arabic, Hindi
smoke cases, and a one-paragraph Chinese news item) yield their text in every raw form, without the
navigation, sidebar or footer; ``transforms.scripts`` measures length and punctuation in any script."""
from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.transforms.multilingual_pages import ARTICLES, CHINESE_BRIEF, FORMS, SMOKE, Page
from transforms import Reject, extract, scripts
from transforms.boilerplate import signals as sg
from transforms.options import DEFAULT_OPTIONS

SCORER = Path(__file__).resolve().parents[3] / "shared" / "tools" / "score_extraction.py"
SUFFIX = {"html": "html", "text": "txt", "markdown": "md"}


def _scorer_prf():
    """The shared scorer's F1 (its tokenization: a token per CJK character, per run of other letters);
    the same tokenizer, copied, where ../shared is absent."""
    if SCORER.exists():
        spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return lambda g, p: mod.prf(g, p)[2]
    cjk = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    token = re.compile(f"[{cjk}]|[^\\W_{cjk}]+")

    def bag(t):
        toks = [x.lower() for x in token.findall(t or "")]
        return Counter(tuple(toks[i:i + 4]) for i in range(max(1, len(toks) - 3)))

    def f1(g, p):
        gb, pb = bag(g), bag(p)
        shared = sum((gb & pb).values())
        if not shared:
            return 0.0
        prec, rec = shared / sum(pb.values()), shared / sum(gb.values())
        return 2 * prec * rec / (prec + rec)
    return f1


F1 = _scorer_prf()


def _extract(page: Page, form: str) -> dict:
    rec = extract(page.form(form).encode("utf-8"), f"{page.lang}-article.{SUFFIX[form]}")
    assert not isinstance(rec, Reject), f"{page.lang} {form}: rejected: {rec}"
    return rec


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("lang", sorted(ARTICLES))
def test_article_in_every_script_yields_its_text(lang, form):
    page = ARTICLES[lang]
    rec = _extract(page, form)
    assert rec["raw_format"] == form
    assert F1(page.gold, rec["text"]) >= 0.8, rec["text"]
    for boiler in (*page.nav[1:], *page.related, *page.footer, page.related_label):
        assert boiler not in rec["text"], f"boilerplate kept: {boiler!r}"
    assert rec["lang"] == lang


@pytest.mark.parametrize("form", FORMS)
def test_one_paragraph_chinese_news_item_is_kept(form):
    rec = _extract(CHINESE_BRIEF, form)
    assert F1(CHINESE_BRIEF.gold, rec["text"]) >= 0.8
    assert not any(r in rec["text"] for r in CHINESE_BRIEF.related)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("lang", sorted(SMOKE))
def test_greek_arabic_hindi_smoke(lang, form):
    page = SMOKE[lang]
    rec = _extract(page, form)
    assert F1(page.gold, rec["text"]) >= 0.8
    assert rec["lang"] == lang


def test_tokens_count_letters_of_unspaced_scripts_and_words_of_spaced_ones():
    assert scripts.tokens("中文新闻") == 4
    assert scripts.tokens("ひらがなカタカナ") == 8
    assert scripts.tokens("ภาษาไทย") == 7            # letters
    assert scripts.tokens("ที่นี่") == 2               # ท and น: the vowel and tone marks above them are no tokens
    assert scripts.tokens("서울시는 오늘 발표했다") == 3
    assert scripts.tokens("Городские власти объявили") == 3
    assert scripts.tokens("café naïve Ελλάδα") == 3
    assert scripts.tokens("राज्य सरकार ने") == 3        # a vowel sign does not split a Devanagari word
    assert scripts.tokens("وزارة التعليم") == 2
    assert scripts.tokens("GPT-4 2026 ...!") == 3


def test_sentence_ends_of_every_script():
    for line in ("서울시는 새 계획을 발표했다.", "Что будет дальше?", "هل ستطبق الخطة؟", "योजना लागू होगी।",
                 "東京都は発表した。", "ဒါဟာ စမ်းသပ်မှု ဖြစ်ပါတယ်။", "ይህ ፈተና ነው።", "Αυτό είναι;", "Он сказал: «Да».",
                 "这是一个句子。（完）"):
        assert sg.ends_like_sentence(line), line
    assert not sg.ends_like_sentence("Читать далее...")
    assert not sg.ends_like_sentence("Главная")


def test_thai_prose_is_told_from_thai_menus_and_headlines():
    o = DEFAULT_OPTIONS.boilerplate
    prose = lambda s: sg.is_prose(s, o.min_prose_tokens, o.long_line_tokens, o.max_tokens_per_mark)  # noqa: E731
    for p in ARTICLES["th"].paragraphs:
        assert prose(p), p
    assert not prose(" ".join(ARTICLES["th"].nav))          # a menu: short words between spaces
    for headline in ARTICLES["th"].related:
        assert not prose(headline)


def test_korean_and_russian_paragraphs_are_prose_and_their_menus_are_not():
    o = DEFAULT_OPTIONS.boilerplate
    prose = lambda s: sg.is_prose(s, o.min_prose_tokens, o.long_line_tokens, o.max_tokens_per_mark)  # noqa: E731
    for lang in ("ko", "ru"):
        assert all(prose(p) for p in ARTICLES[lang].paragraphs)
        assert not prose(" ".join(ARTICLES[lang].nav))
        assert not any(prose(r) for r in ARTICLES[lang].related)


def test_language_of_every_script():
    from transforms.metadata.lang import detect_lang
    for page in (*ARTICLES.values(), *SMOKE.values(), CHINESE_BRIEF):
        assert detect_lang(page.gold) == page.lang, page.lang
    assert detect_lang("ဒါဟာ မြန်မာဘာသာစကားနဲ့ ရေးထားတဲ့ စမ်းသပ်စာကြောင်း ဖြစ်ပါတယ်။") == "my"
    assert detect_lang("ეს არის ქართული ენის სატესტო წინადადება, რომელიც საკმაოდ გრძელია.") == "ka"


JS = ('var _hmt = _hmt || []; (function() { var hm = document.createElement("script"); hm.src = "https://hm.example.com/hm.js?abc"; '
      'var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); })(); window.dataLayer = '
      'window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag("js", new Date()); gtag("config", "G-XXXX");')
CSS = (".nav li{display:inline;margin:0 4px}.footer{color:#999;font-size:12px} .article p{line-height:1.8;margin:1em 0} "
       ".sidebar{float:right;width:300px} @media (max-width:768px){.sidebar{display:none}}")
EN = ("The city council approved the final budget on Tuesday, and the park opened to visitors the next morning.",
      "Residents had asked for more green space for years; the old warehouse district had almost none.",
      "Officials said the park will host a weekly market, free concerts and a children's library in the summer months.")


def test_code_lines_are_not_prose():
    for code in (JS, CSS, '{"@context":"https://schema.org","@type":"NewsArticle","headline":"Park opens","datePublished":"2026-11-30"}'):
        assert scripts.is_code(code), code
    for prose in (*EN, "He said (quietly) that the plan, which costs $5 million; would start soon.",
                  "The function f(x) = x + 1 is linear; its graph is a straight line.",
                  *CHINESE_BRIEF.paragraphs, *ARTICLES["ru"].paragraphs, *ARTICLES["ja"].paragraphs):
        assert not scripts.is_code(prose), prose


def test_inline_script_and_css_in_a_markdown_dump_are_not_the_article():
    md = "\n\n".join(["* [Home](/)\n* [News](/news)", JS, CSS, "# Mayor opens new riverside park", *EN,
                      "Copyright 2026 City Herald. All rights reserved."])
    rec = extract(md.encode(), "park.md")
    assert F1("\n".join(EN), rec["text"]) >= 0.8
    assert "getElementsByTagName" not in rec["text"] and "display:inline" not in rec["text"]


def test_navigation_and_article_on_one_unbroken_line_are_split():
    page = ARTICLES["ru"]
    more = ("Первые работы начнутся весной в трёх районах на севере города, где дворы давно не ремонтировали.",
            "Жители этих районов уже провели собрания и составили списки деревьев, которые хотели бы видеть у своих домов.",
            "Городские службы обещают отчитываться о ходе работ каждый месяц на сайте мэрии и в социальных сетях.",
            "Если программа окажется успешной, её планируют продлить ещё на несколько лет и распространить на пригороды.",
            "Общественные организации предлагают также привлечь к посадкам школьников и студентов-волонтёров.",
            "По подсчётам экологов, каждое взрослое дерево во дворе задерживает за лето несколько килограммов пыли.",
            "Кроме того, тень от деревьев заметно снижает температуру воздуха у стен домов в жаркие дни.",
            "Мэрия рассчитывает, что к концу программы доля зелёных дворов в городе вырастет почти вдвое.")
    article = " ".join((*page.paragraphs, *more))
    line = " | ".join(page.nav) + " " + article + " Читайте также · " + " · ".join(page.footer)
    rec = extract(line.encode(), "one-line.txt")
    assert F1(article, rec["text"]) >= 0.8
    assert "Экономика" not in rec["text"] and "Все права защищены" not in rec["text"]
