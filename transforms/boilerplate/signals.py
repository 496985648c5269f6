"""Boilerplate signals: one small pure function per signal, each on a line of text or a block.

The text signals are memoised (``memo``): an HTML page is classified twice (its DOM blocks and
trafilatura's), and the two runs share most of their lines.

Signals use general properties (length, sentence punctuation, link share, repetition, dates and
counters) and a short list of generic UI/sidebar vocabulary; nothing is keyed to a site.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache, wraps

from transforms import scripts
from transforms.boilerplate.blocks import Block

_MEMO_MAX_CHARS = 2000
_MEMO_LONG_MAX_CHARS = 20_000   # longer lines (a paragraph run together) go to a small cache of their own (<= 2.5 MB)
_WS = re.compile(r"\s+")
# Tokens and sentence punctuation of every script: ``transforms.scripts``.
_CLOSERS = "”’“」』》)）]】\"'»›«‹ \t*_"
# (no leading \s*: a pattern that starts with an unbounded run is tried from every position of it)
_TRAILING_NOTE = re.compile(r"[（(【\[][^（()）【】\[\]]{1,12}[)）】\]]\s*$")
_COLON = re.compile(r"[:：]")
_TRUNCATED = re.compile(r"(?:\.\.\.|…|。。。)\s*$")

# Generic UI and sidebar vocabulary, in Chinese, English and the other main languages of the web
# (German, French, Spanish, Portuguese, Italian, Dutch, Polish, Turkish, Russian, Japanese, Korean):
# the words a site's templates use for "related", "comments", "share", "all rights reserved", never a
# site's own strings. A language without a list here falls back to the structural signals, as every
# page does where its template words differ (``benchmarks.script_swap`` measures that case).
# These four patterns are lower case and matched on the lower-cased line (``str.lower``): a case-insensitive
# alternation is tried branch by branch at every position, three times slower on a dev page's lines.
# (Turkish İ lower-cases to i and a combining dot: the Turkish words allow it.)

# The whole (short) line must be sidebar vocabulary: a head word and an optional generic noun.
_SIDEBAR_OPENER = re.compile(
    r"(?:(?:相关|热门|热点|热帖|热词|热榜|最新|推荐|精彩|延伸|更多|往期|今日|编辑|为您|猜你|大家都在|点击|阅读|评论|网友)"
    r"(?:阅读|文章|新闻|报道|推荐|帖子|专题|链接|内容|资讯|排行榜?|评论|视频|图片|图集|话题|标签|关注|喜欢|看|热点|榜)?"
    r"|延伸阅读|猜你喜欢|大家都在看|友情链接|发表评论|"
    r"related(?: \w+)?|popular(?: \w+)?|recommended(?: \w+)?|latest(?: \w+)?|trending(?: \w+)?|more (?:from|stories|news)(?: \w+)*|"
    r"read (?:more|next)|you (?:may|might) also like|see also|comments?|"
    # de
    r"(?:verwandte|ähnliche|weitere|neueste|beliebte|empfohlene) (?:artikel|beiträge|themen|nachrichten|meldungen)|"
    r"mehr zum thema|mehr (?:aus|von|zu)(?: \w+){1,3}|lesen sie (?:auch|mehr)|auch interessant|meistgelesen(?:e|en)?(?: \w+)?|"
    r"das könnte (?:sie|dich) auch interessieren|kommentare?|"
    # fr
    r"articles? (?:similaires|liés|connexes|récents|populaires|recommandés)|(?:à )?lire aussi|voir aussi|"
    r"sur le même sujet|dans la même rubrique|vous (?:aimerez|pourriez aimer) (?:peut-être )?aussi|les plus lus|commentaires?|"
    # es, pt, it
    r"(?:artículos|noticias|entradas|publicaciones) relacionad[oa]s|(?:también )?te puede interesar|"
    r"lo más (?:leído|visto)|más (?:leíd[oa]s|noticias)|lee también|ver también|comentarios?|"
    r"(?:artigos|notícias|posts) relacionad[oa]s|leia também|veja também|mais lid[oa]s|comentários?|"
    r"(?:articoli|notizie) correlat[ei]|leggi anche|potrebbe interessarti|i più letti|commenti|"
    # nl, pl, tr
    r"gerelateerde artikelen|lees ook|meest gelezen|reacties|"
    r"(?:powiązane|podobne) artykuły|zobacz (?:też|także)|czytaj (?:też|także)|najczęściej czytane|komentarze|"
    r"(?:i\u0307?lgili|benzer) haberler|çok okunanlar|yorumlar|"
    # ru
    r"(?:похожие|другие|популярные|последние|рекомендуемые) (?:статьи|новости|записи|материалы|публикации)|"
    r"читайте (?:также|ещё)|смотрите также|см\. также|новости по теме|по теме|самое (?:читаемое|популярное)|"
    r"популярное|комментарии|"
    # ja, ko
    r"関連(?:記事|ニュース|情報|リンク)|関連する記事|(?:おすすめ|人気|最新|注目)(?:の)?記事|あわせて読みたい|"
    r"こちらもおすすめ|コメント|アクセスランキング|"
    r"관련 ?(?:기사|뉴스|글)|많이 본 (?:기사|뉴스)|(?:인기|추천|최신|주요) ?(?:기사|뉴스)|댓글)",
)
_COPYRIGHT = re.compile(
    r"未经.{0,12}(?:授权|许可|同意)|不得转载|禁止转载|严禁转载|谢绝转载|转载请注明|版权所有|版权归|版权声明|"
    r"^\W{0,2}\w{0,6}声明[:：]|免责声明|本文仅代表作者(?:本人)?观点|copyright|all rights reserved|disclaimer|©|\(c\)\s*\d{4}|"
    r"alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|todos os direitos reservados|"
    r"tutti i diritti riservati|alle rechten voorbehouden|wszelkie prawa zastrzeżone|tüm hakları saklıdır|"
    r"все права защищены|無断(?:転載|複製|転用)|무단 ?(?:전재|복제|배포)|저작권자|"
    r"haftungsausschluss|clause de non-responsabilité|aviso legal|descargo de responsabilidad|"
    r"esclusione di responsabilità|отказ от ответственности|免責事項|면책 ?조항",
)
# Bylines and credit lines: writer, reporter, editor, source, photo credit.
_BYLINE = re.compile(
    r"^[\s【\[(（]*(?:(?:文|作者|记者|本报记者|特约记者|通讯员|撰文|采写|编辑|责任编辑|责编|主编|编审|校对|"
    r"来源|稿源|出处|摄影|摄|图|图片来源|图源|原标题|author|source|editor|"
    r"autor|auteur|autore|quelle|fuente|fonte|источник|автор|著者|筆者|出典|출처|글)\s*[/／:：|｜丨]\s*\S"
    r"|(?:by|written by)\s+[A-Z])",
    re.I,
)
# A reporter credit: 记者 X (Chinese), X 기자 (Korean, name first).
_REPORTER = re.compile(r"^(?:\S{0,12}?(?:报|社|网|台|刊|日报|晚报|新闻))?\s*(?:本报|特约)?记者\s*[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4})*$"
                       r"|^[\uac00-\ud7a3]{2,4} ?(?:기자|특파원)(?: ?\S+@\S+)?$")
_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*[:：时]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2}秒?)?)?"
    r"|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?\s+\d{1,2}:\d{2}|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
# ``(?<!\d)\d++``: a number is read once from its first digit (``\d+`` alone was tried from every digit
# of a long run of digits and backtracked over the rest: quadratic).
_COUNTER = re.compile(
    r"(?:阅读|浏览|点击|评论|点赞|收藏|分享|转发|人气|热度|views?|comments?|likes?|reads?|"
    r"aufrufe|kommentare|vues|commentaires|visitas|comentarios|просмотры|комментарии|閲覧数?|조회수?|댓글)"
    r"\s*+(?:[:：(（]\s*+)?\d++[万kK+]?\s*[)）]?"
    r"|(?<!\d)\d++[万kK+]?\s*+(?:人?阅读|次?浏览|人?评论|条评论|赞|views?|comments?|likes?|"
    r"aufrufe|kommentare?|vues|commentaires?|visitas|comentarios?|просмотр(?:ов|а)?|комментари(?:ев|я|й)|件のコメント|개의 댓글)",
)
# (the counters cut out of a line as it is, in its own case)
_COUNTER_ANY_CASE = re.compile(_COUNTER.pattern, re.I)
# A cookie / consent banner: a cookie word and the banner's consent vocabulary in one paragraph
# ("We use cookies ... Accept all", "By continuing ... you agree"), in the same languages. Both are
# needed: an article may mention cookies (baking, HTTP docs) and a page may mention consent.
_COOKIE_WORD = re.compile(r"\bcookies?\b(?!-cutter)|クッキー|쿠키|куки|ciasteczk|çerez")
_CONSENT_OPENING_CHARS = 200   # a banner speaks of cookies from its first sentence; a line that gets to them late is other text
_CONSENT = re.compile(
    r"(?:we|this (?:web)?site|our (?:web)?site|our partners|the site) (?:\w+ ){0,2}(?:use|uses|using|store|set)s? "
    r"(?:\w+ )?(?:cookies|technologies)|(?:use|usage) of cookies|accept(?:ing)? (?:all |the |our )?cookies|"
    r"(?:allow|reject|decline|manage|refuse) (?:all |optional |non-essential )?cookies|"
    r"cookies? (?:policy|settings|preferences|notice|consent|statement|banner|declaration)|"
    r"consent|by (?:continuing|using|browsing|clicking)|you agree|privacy policy|third[- ]part|"
    r"verwende[nt] cookies|cookie-(?:einstellungen|richtlinie|hinweis)|einwilligung|datenschutz|"
    r"utilis(?:ons|e) (?:des )?cookies|consentement|utiliza(?:mos)? cookies|usamos cookies|"
    r"utilizz(?:iamo|a) (?:i )?cookie|consenso|gebruik(?:t|en)? cookies|toestemming|"
    r"używa(?:my)? (?:plików )?cookie|zgod|kullan|используем (?:файлы )?cookie|файлы cookie|согласи|"
    r"cookieを使用|クッキーを使用|同意|쿠키를 사용|동의|隐私政策|使用cookie"
)
_UI = re.compile(
    r"^(?:分享到|分享|打印|字号|字体|收藏|举报|纠错|【纠错】|返回顶部|返回首页|上一篇|下一篇|上一页|下一页|"
    r"点击进入|点击查看|查看更多|加载更多|扫一扫|扫描二维码|关注我们|微信|微博|登录|注册|首页|"
    r"share|print|tweet|email|subscribe|sign in|log in|back to top|next|previous|"
    r"teilen|drucken|abonnieren|anmelden|nach oben|partager|imprimer|s'abonner|se connecter|retour en haut|"
    r"compartir|imprimir|suscríbete|iniciar sesión|compartilhar|condividi|delen|udostępnij|paylaş|"
    r"поделиться|распечатать|подписаться|войти|наверх|シェア|ツイート|印刷|ログイン|ページトップ|공유하기|인쇄|로그인|구독)\b",
)


def memo(fn):
    """``fn(text, *ints)`` memoised: lines of at most ``_MEMO_MAX_CHARS`` characters in a cache of
    4096, longer ones up to ``_MEMO_LONG_MAX_CHARS`` in a cache of 32 (a page's few long paragraphs,
    which the classifier asks about as often as its short lines: re-counting them cost ~4 % of a Chinese
    page's CPU), so that the caches stay small (a hostile page may hold lines of 200 000 characters)."""
    cached = lru_cache(maxsize=4096)(fn)
    cached_long = lru_cache(maxsize=32)(fn)

    @wraps(fn)
    def call(text, *args):
        n = len(text)
        if n <= _MEMO_MAX_CHARS:
            return cached(text, *args) if args else cached(text)   # (an empty *args costs as much as the lookup)
        return cached_long(text, *args) if n <= _MEMO_LONG_MAX_CHARS else fn(text, *args)
    return call


@memo  # the classifier asks for the same lines several times
def tokens(text: str) -> int:
    """Scorer-like length in every script: one per letter of Han, kana, Thai, ..., one per word of a
    spaced script (Latin, Cyrillic, Hangul, Arabic, ...): ``transforms.scripts.tokens``."""
    return len(scripts.TOKEN.findall(text))


@memo
def punct_count(text: str) -> int:
    """Sentence punctuation marks inside the line (commas, full stops, colons, ...)."""
    return scripts.inner_marks(text)


@memo
def ends_like_sentence(text: str) -> bool:
    """The line ends with a sentence mark (closing quotes and brackets skipped, and a short trailing
    note in brackets such as ``（卢鑫）`` or ``(完)``), not a '...' teaser."""
    s = _TRAILING_NOTE.sub("", text).rstrip(_CLOSERS)
    if not s or is_truncated(text):
        return False
    return scripts.ends_sentence_mark(s[-1]) or (s[-1] == "." and not s.endswith(".."))


@memo
def is_truncated(text: str) -> bool:
    """A teaser cut off with '...' or '…' (cards, summaries of other articles)."""
    return bool(_TRUNCATED.search(text.strip().rstrip(_CLOSERS)))


@memo
def is_prose(text: str, min_tokens: int, long_tokens: int, max_tokens_per_mark: int) -> bool:
    """Sentence-like: long enough and ends like a sentence, or long with dense inner marks.

    A long line with few marks for its length (concatenated headlines of a ticker or a nav bar) is
    not prose; a line that ends like a sentence may have marks less than half as dense.
    """
    t = tokens(text)
    if t < min_tokens or is_truncated(text) or is_code(text):
        return False
    marks = punct_count(text)
    if ends_like_sentence(text):
        return t < long_tokens or marks * max_tokens_per_mark * 2.5 >= t
    # Thai and Lao end no sentence with a mark and separate clauses with spaces: a long line of two
    # clauses (a headline has one), or of three, is prose.
    clauses = scripts.clause_spaces(text)
    if clauses >= 2 or (clauses and t >= 2 * long_tokens):
        return t >= long_tokens
    return t >= long_tokens and marks >= 2 and marks * max_tokens_per_mark >= t


@memo
def is_code(text: str) -> bool:
    """Program code carried as text (an inline script or style in a dump, JSON-LD): never prose."""
    return scripts.is_code(text)


@memo
def is_sidebar_opener(text: str, max_tokens: int) -> bool:
    """A short heading-like line that opens a sidebar block: 相关文章, 热门推荐, Related posts, ...

    Also a line that starts with such a label and a colon (``相关阅读：first related title``).
    """
    s = text.strip().strip("#*_【】[]「」<>《》:：|｜ ")
    label = _COLON.split(s, maxsplit=1)[0].strip("#*_【】[]「」<>《》|｜ ")
    return 0 < tokens(label) <= max_tokens and bool(_SIDEBAR_OPENER.fullmatch(label.lower())) and not ends_like_sentence(s)


@memo
def is_copyright(text: str) -> bool:
    return bool(_COPYRIGHT.search(text.lower()))


@memo
def is_byline(text: str, max_tokens: int) -> bool:
    """A short writer/reporter/editor/source credit line such as 【文/观察者网 X】 or 记者 X."""
    s = text.strip()
    if tokens(s) > max_tokens or ends_like_sentence(s) and tokens(s) > 12:
        return False
    return bool(_BYLINE.match(s) or _REPORTER.match(s))


@memo
def is_meta_line(text: str, max_rest_tokens: int) -> bool:
    """A date / time / counter line (``2025-07-31 11:36:49 name 阅读:129``): little else around them."""
    if not (_DATE.search(text) or _COUNTER.search(text.lower())):
        return False
    rest = _COUNTER_ANY_CASE.sub(" ", _DATE.sub(" ", text))
    return tokens(rest) <= max_rest_tokens


@memo
def has_counter(text: str) -> bool:
    """A view / comment / like counter (阅读:129, 0人评论, 12 comments) anywhere in the line."""
    return bool(_COUNTER.search(text.lower()))


@memo
def is_consent_notice(text: str, max_tokens: int) -> bool:
    """A cookie / consent banner paragraph ("We use cookies to improve your experience ... Accept all"),
    at most ``max_tokens`` long, that names cookies in its first ``_CONSENT_OPENING_CHARS`` characters:
    text a page lays over its article, in no article's own words."""
    head = text[:_CONSENT_OPENING_CHARS]
    # (substring tests first, so that a caller may ask it of every block: the regex over each block's
    # head cost 1 % of CPU when the classifier asked it of all of them)
    if not ("ookie" in head or "OOKIE" in head or "クッキー" in head or "쿠키" in head or "уки" in head
            or "УКИ" in head or "iasteczk" in head or "erez" in head or "EREZ" in head):
        return False
    if not _COOKIE_WORD.search(head.lower()) or tokens(text) > max_tokens:
        return False
    return bool(_CONSENT.search(text.lower()))


@memo
def is_ui_line(text: str, max_tokens: int) -> bool:
    """Share / print / font-size / next-page controls."""
    s = text.strip().strip("#*_【】[]|｜ ")
    return tokens(s) <= max_tokens and bool(_UI.match(s.lower()))


def is_link_block(block: Block, max_share: float) -> bool:
    return block.link_share > max_share


def line_counts(blocks: list[Block]) -> Counter:
    """How often each (normalised) line occurs in the page: repeated lines are navigation or cards."""
    return Counter(norm(b.text) for b in blocks if b.text.strip())


@memo  # the DOM run and trafilatura's run share most paragraphs
def token_keys(text: str, n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The first and the last ``n`` tokens, lower-cased: a paragraph sharing either with an earlier
    one is the same paragraph repeated (with a different prefix or leftover markup)."""
    toks = scripts.token_list(text)
    return ("head", *(t.lower() for t in toks[:n])), ("tail", *(t.lower() for t in toks[-n:]))


@memo
def norm(text: str) -> str:
    """A line's identity for counting repeats: no whitespace, no Markdown emphasis, lower case."""
    return _WS.sub("", text).strip("#*_").lower()
