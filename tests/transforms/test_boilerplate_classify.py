"""The classifier: densest prose run, sidebar cut, in-run noise, image captions."""
from transforms.boilerplate.blocks import Block, Image
from transforms.boilerplate.classify import (article_root, classify, cut_at_late_opener, cut_sidebar, densest_run,
                                             drop_consent_notices, drop_trailing_notices)
from transforms.options import BoilerplateOptions

O = BoilerplateOptions()
P1 = "据报道，在启程前往巴黎人工智能行动峰会之前，美国开放人工智能研究中心的首席执行官再次赞赏中国初创公司。"
P2 = "当地时间周二公布的这期节目中，他直言对新挑战者的出现并不感到意外，但出现的时机确实让他大吃一惊。"
P3 = "他还坦言，他每天都在担心被快速追击者凭借更具可持续性的业务后来者居上，希望这种事情不会发生。"


def test_densest_run_is_max_sum_span():
    assert densest_run([-5, 3, 4, -1, 5, -20, 6]) == (1, 5)
    assert densest_run([-1, -2]) == (0, 0)


def test_navigation_and_sidebar_are_cut_around_the_article():
    page = [Block(t) for t in ("首页", "新闻", "财经", "科技")]
    page += [Block("标题：峰会前的表态"), Block("2025-02-11 15:56 阅读:12"), Block(P1), Block("小标题"), Block(P2), Block(P3)]
    page += [Block("相关文章"), Block(P1.replace("据报道", "另据报道")), Block("热门"), Block("某条热门新闻标题")]
    art = classify(page, O)
    assert [b.text for b in art.body] == [P1, "小标题", P2, P3]
    assert any(b.text == "2025-02-11 15:56 阅读:12" for b in art.header)


def test_cut_sidebar_only_below_most_of_the_prose():
    blocks = [Block("相关文章"), Block(P1), Block(P2)]
    assert cut_sidebar(blocks, 0, 3, O) == 3  # nothing above it yet: not a sidebar opener here
    blocks = [Block(P1), Block(P2), Block("相关文章"), Block(P3)]
    assert cut_sidebar(blocks, 0, 4, O) == 2


def test_noise_inside_the_run_is_dropped():
    blocks = [Block(P1), Block("【文/观察者网 阮佳琪】"), Block(P2), Block("分享到："),
              Block("本文系独家稿件，未经授权，不得转载。"), Block(P3), Block("[qq]", link_chars=2, links=("https://x.example",))]
    art = classify(blocks, O)
    assert [b.text for b in art.body] == [P1, P2, P3]
    assert {b.text for b in art.dropped} >= {"【文/观察者网 阮佳琪】", "分享到："}


def test_image_goes_to_images_with_its_caption():
    blocks = [Block(P1), Block("图片", "image", image=Image("https://img.example/1.jpg")),
              Block("OpenAI首席执行官萨姆·奥特曼。资料图"), Block(P2)]
    art = classify(blocks, O)
    assert [b.text for b in art.body] == [P1, P2]
    assert art.images == [Image("https://img.example/1.jpg", "OpenAI首席执行官萨姆·奥特曼。资料图")]


def test_english_page():
    nav = [Block(t, link_chars=len(t)) for t in ("Home", "World", "Business", "Sign in")]
    body = [Block("The central bank raised interest rates by a quarter point on Wednesday, its second increase this year."),
            Block("Officials said inflation had remained above target for longer than expected, and markets had priced in the move."),
            Block("Analysts expect one more increase before the end of the year, although some warned of slowing growth.")]
    tail = [Block("Related stories"), Block("Markets rally after the decision")]
    art = classify(nav + body + tail, O)
    assert [b.text for b in art.body] == [b.text for b in body]


def test_repeated_paragraph_kept_once():
    blocks = [Block("各位朋友：<BR>" + P1), Block(P2), Block("各位朋友：" + P1), Block(P3)]
    art = classify(blocks, O)
    assert [b.text for b in art.body] == ["各位朋友：<BR>" + P1, P2, P3]


def test_html_blocks_outside_the_article_container_are_dropped():
    # paths: the article container is (1, 2); the related-summaries container is (1, 3)
    art = [Block(P1, path=(1, 2)), Block(P2, path=(1, 2)), Block(P3, path=(1, 2)), Block("第四段也是正文的一部分，讲的是峰会之后各方的反应，以及接下来几个月可能发生的变化。", path=(1, 2))]
    related = [Block("另一篇文章的摘要，和正文很像，也是完整的句子，结尾有句号。", path=(1, 3))]
    assert article_root(art + related, O) == (1, 2)
    out = classify(art + related, O)
    assert [b.text for b in out.body] == [b.text for b in art]
    # blocks without paths (text dumps, Markdown) are never dropped this way
    assert article_root([Block(P1), Block(P2)], O) is None


E1 = "The city council voted on Tuesday to raise the transit budget by twelve percent, officials said."
E2 = "Supporters argued that the extra money would shorten waiting times on the busiest bus routes."
E3 = "Opponents warned that the plan relies on fare revenue that has not recovered since the pandemic."
E4 = "A final vote on the full budget is expected next month, after two more public hearings."


def test_mid_article_read_more_pointer_is_dropped_but_does_not_end_the_article():
    blocks = [Block(E1), Block(E2), Block("Read more: Transit ridership hits a five-year high"), Block(E3), Block(E4)]
    art = classify(blocks, O)
    assert [b.text for b in art.body] == [E1, E2, E3, E4]


def test_opener_followed_by_cards_still_ends_the_article():
    # related-story cards: a summary sentence alternating with a date line, as sidebars have them
    blocks = [Block(P1), Block(P2), Block(P3), Block("相关新闻"), Block(P1.replace("据报道", "另据报道")),
              Block("2018-06-10 11:03:23"), Block(P2.replace("当地时间", "北京时间")), Block("2018-06-09 10:39:03")]
    assert cut_sidebar(blocks, 0, len(blocks), O) == 3


def test_drop_trailing_notices_cuts_short_notices_at_the_end_only():
    o = BoilerplateOptions()
    para = Block("The council approved the budget on Monday after a long debate, and work starts in spring.")
    rights = Block("Copyright © 2025 The Herald. All rights reserved.")
    russian = Block("© 2026 Городские новости. Все права защищены.")
    image = Block("", "image", image=Image("/a.jpg", None))
    assert drop_trailing_notices([para, rights, russian], o) == [para]
    assert drop_trailing_notices([rights, para], o) == [rights, para]          # not at the end: stays
    assert drop_trailing_notices([para, rights, image], o) == [para, rights, image]   # the image ends it
    long_note = Block("Copyright law " + "protects the authors of the works discussed here and their heirs, " * 6)
    assert drop_trailing_notices([para, long_note], o) == [para, long_note]   # a paragraph, not a notice


def test_cut_at_late_opener_needs_most_of_the_article_above_the_label():
    o = BoilerplateOptions()
    paras = [Block(f"Paragraph {i} of the article says what happened on the quay, who spoke and what comes next.")
             for i in range(4)]
    label, teaser = Block("Comments"), Block("Nice piece, thanks for writing it up.")
    assert cut_at_late_opener([*paras, label, teaser], o) == paras
    assert cut_at_late_opener([paras[0], label, *paras[1:]], o) == [paras[0], label, *paras[1:]]   # early: a section
    assert cut_at_late_opener([*paras, Block("Комментарии"), teaser], o) == paras


def test_drop_consent_notices_drops_cookie_banners_wherever_they_sit():
    o = BoilerplateOptions()
    banner = Block("We use cookies and similar technologies to improve your browsing experience, personalise content "
                   "and analyse our traffic. By clicking Accept all, you consent to our use of cookies.")
    paras = [Block(f"Paragraph {i} of the review says how the kettle boils, how loud it is and what it costs.")
             for i in range(3)]
    image = Block("", "image", image=Image("/a.jpg", None))
    assert drop_consent_notices([banner, *paras], o) == paras
    assert drop_consent_notices([*paras[:2], banner, image, paras[2]], o) == [*paras[:2], image, paras[2]]
    assert drop_consent_notices(paras, o) == paras
