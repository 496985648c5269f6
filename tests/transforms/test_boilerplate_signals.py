"""One test per boilerplate signal, on small inline lines."""
from transforms.boilerplate import signals as sg
from transforms.boilerplate.blocks import Block


def test_tokens_counts_cjk_chars_and_latin_runs():
    assert sg.tokens("中文 DeepSeek-R1 模型") == 6  # 中 文 DeepSeek R1 模 型
    assert sg.tokens("  ") == 0


def test_punct_count_ignores_decimals_and_times():
    assert sg.punct_count("上涨1.5%，报10:30。") == 2
    assert sg.punct_count("7月底的上海,酷热之外") == 1  # ASCII comma inside CJK text counts


def test_ends_like_sentence_skips_closers_not_teasers():
    assert sg.ends_like_sentence("他说：“好。”")
    assert sg.ends_like_sentence("It works.")
    assert sg.ends_like_sentence("这基本等同于美国全国GDP的0.5%。（卢鑫）")
    assert not sg.ends_like_sentence("多数夫妻生活有名无实(图)")
    assert not sg.ends_like_sentence("会聊些啥...")
    assert not sg.ends_like_sentence("相关文章")


def test_is_truncated():
    assert sg.is_truncated("三言科技消息，据报道，近日OpenAI CEO山姆·奥特曼在某个节目中表示…")
    assert not sg.is_truncated("完整的一句话。")


def test_is_prose():
    assert sg.is_prose("这是一段足够长的正文，结尾有句号。", 8, 40, 25)
    assert not sg.is_prose("短句。", 8, 40, 25)
    assert not sg.is_prose("小米太子王腾突遭辞退从荣耀巅峰到黯然离场", 8, 40, 25)
    ticker = "特朗普称美国不再面临核威胁纽约股市三大股指下跌美元指数下跌黄金期价上涨纽约油价上涨美联储加息伦敦股市微跌"
    assert not sg.is_prose(ticker * 2 + "。", 8, 40, 25)  # 100 tokens, one mark at the end only
    assert sg.is_prose("截至上周五收盘，比尔·盖茨的总资产规模已超过全球富豪榜排名第二的西班牙零售业大亨阿曼西奥·奥尔特加约135亿美元。", 8, 40, 25)


def test_is_sidebar_opener():
    for line in ("相关文章", "最新帖子", "热门推荐", "**相关阅读：**", "Related posts", "相关阅读：第一篇相关文章的标题"):
        assert sg.is_sidebar_opener(line, 10), line
    assert not sg.is_sidebar_opener("相关部门表示将加强监管，确保市场平稳运行。", 10)
    assert not sg.is_sidebar_opener("关于技术创新与商业化", 10)
    assert not sg.is_sidebar_opener("热点猜想：区块链板块开始补涨", 10)  # a subheading, not a sidebar label
    assert not sg.is_sidebar_opener("最新进展", 10)


def test_is_copyright():
    assert sg.is_copyright("本文系观察者网独家稿件，未经授权，不得转载。")
    assert sg.is_copyright("© 2024 Example Inc. All rights reserved")
    assert sg.is_copyright("【免责声明】本文仅代表作者本人观点，与本网站无关。")
    assert not sg.is_copyright("版权交易市场今年增长迅速")


def test_is_byline():
    for line in ("【文/观察者网 阮佳琪】", "深圳商报记者 钟国斌", "责任编辑：聂晨静", "来源：新京报", "By Jane Doe"):
        assert sg.is_byline(line, 30), line
    assert not sg.is_byline("记者：大部分中国公司都选择既要模型又要应用，为什么deepseek目前选择只做研究探索？", 30)
    assert not sg.is_byline("文化革命是一场运动", 30)


def test_is_meta_line():
    assert sg.is_meta_line("2025-07-31 11:36:49 快照小生 阅读:129", 6)
    assert sg.is_meta_line("2018-06-13 22:19:20", 6)
    assert not sg.is_meta_line("2025年7月31日，公司发布了新的大模型并宣布开源。", 6)


def test_has_counter():
    assert sg.has_counter("财经网微评论（0人评论）")
    assert sg.has_counter("阅读:129")
    assert not sg.has_counter("美元1个月涨5.4%：牵动全球市场神经")


def test_is_ui_line():
    assert sg.is_ui_line("分享到：", 8)
    assert sg.is_ui_line("【纠错】", 8)
    assert not sg.is_ui_line("分享经济在中国发展很快，很多人开始使用共享单车。", 8)


def test_link_block_and_repetition():
    assert sg.is_link_block(Block("首页", link_chars=2), 0.5)
    assert not sg.is_link_block(Block("正文里有一个链接", link_chars=2), 0.5)
    counts = sg.line_counts([Block("标题"), Block("正文"), Block(" 标题 ")])
    assert counts[sg.norm("标题")] == 2 and counts[sg.norm("正文")] == 1


def test_memo_caches_long_lines_too_but_not_hostile_ones():
    calls = []

    @sg.memo
    def count(text: str) -> int:
        calls.append(len(text))
        return len(text)
    short, long_, huge = "a" * 10, "b" * (sg._MEMO_MAX_CHARS + 1), "c" * (sg._MEMO_LONG_MAX_CHARS + 1)
    for _ in range(3):
        assert (count(short), count(long_), count(huge)) == (len(short), len(long_), len(huge))
    assert calls.count(len(short)) == 1 and calls.count(len(long_)) == 1   # each counted once
    assert calls.count(len(huge)) == 3                                    # over the cap: not kept


def test_ui_vocabulary_of_the_main_web_languages():
    """The template words of other languages count as they do in Chinese and English; an article
    sentence that holds one of them does not."""
    for line in ("Verwandte Artikel", "Mehr zum Thema", "Kommentare", "À lire aussi", "Articles similaires",
                 "Artículos relacionados", "Leia também", "Articoli correlati", "Lees ook", "Zobacz też",
                 "İlgili haberler", "Читайте также", "Похожие статьи", "Комментарии", "関連記事", "おすすめ記事",
                 "コメント", "관련기사", "많이 본 뉴스", "댓글"):
        assert sg.is_sidebar_opener(line, 10), line
    assert not sg.is_sidebar_opener("Kommentare von Lesern zeigen, wie sehr das Thema die Stadt bewegt.", 10)
    assert not sg.is_sidebar_opener("Читайте также инструкцию к прибору", 10)   # not the whole label
    for line in ("© 2026 Городские новости. Все права защищены.", "Alle Rechte vorbehalten.", "Tous droits réservés",
                 "記事の無断転載を禁じます", "저작권자 © 서울일보 무단전재 및 재배포 금지", "Tüm hakları saklıdır.",
                 "Haftungsausschluss: Die Inhalte dienen nur der Information.", "Отказ от ответственности"):
        assert sg.is_copyright(line), line
    assert not sg.is_copyright("Die Rechte der Mieter wurden gestärkt.")
    for line in ("홍길동 기자", "Автор: Анна Петрова", "Quelle: dpa", "Fuente: EFE"):
        assert sg.is_byline(line, 30), line
    assert not sg.is_byline("기자회견에서 시장은 새 계획을 발표했다.", 30)
    for line in ("1234 просмотра", "Aufrufe: 120", "조회수 1,234", "12 件のコメント", "5 commentaires"):
        assert sg.has_counter(line), line
    for line in ("Teilen", "Поделиться", "シェア", "공유하기", "Compartir"):
        assert sg.is_ui_line(line, 8), line
    assert not sg.is_ui_line("Teilenehmer berichten", 8)


def test_is_consent_notice_needs_a_cookie_word_early_and_consent_vocabulary():
    banners = [
        "We use cookies to improve your experience on our site and to show you relevant advertising. "
        "By continuing to browse you agree to our use of cookies.",
        "This website uses cookies. Accept all",
        "Wir verwenden Cookies, um Ihnen ein optimales Webseiten-Erlebnis zu bieten. Mit Ihrer Einwilligung ...",
        "Nous utilisons des cookies pour améliorer votre expérience. Consentement",
        "Utilizamos cookies propias y de terceros. Si continúa navegando, acepta su uso.",
        "Мы используем файлы cookie, чтобы сайт работал лучше. Продолжая, вы даёте согласие.",
        "当サイトではクッキーを使用しています。同意する",
        "이 웹사이트는 쿠키를 사용합니다. 동의",
    ]
    for text in banners:
        assert sg.is_consent_notice(text, 200), text
    not_banners = [
        "Bake the cookies for twelve minutes, then let them cool on a rack before you ice them.",
        "To set cookies you can use the set_cookie method of response objects.",   # documentation
        "Cookie-cutter plans fail, and a third-party audit showed why.",
        "Get started with forms: one attribute, no extra code, deploy in a minute. " * 4 + "Cookie Settings",  # late
        "We use cookies to improve your experience, and by continuing you agree. " * 30,   # too long for a banner
    ]
    for text in not_banners:
        assert not sg.is_consent_notice(text, 200), text
