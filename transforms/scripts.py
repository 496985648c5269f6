"""How much text a line holds, in every script: the one shared measure of length and punctuation.

Scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) count one token
per letter; spaced scripts (Latin with accents, Cyrillic, Greek, Hangul, Arabic, Hebrew, Devanagari
and the other Indic scripts, Georgian, Armenian, Ethiopic, ...) one per word, combining marks
included in the word (a Devanagari vowel sign does not split it). For Han, kana and every spaced script
this is the shared scorer's tokenization (``tools/score_extraction.py``: one token per CJK ideograph or
kana, one per run of other letters or digits); Thai-like scripts count letters, not the scorer's
fragments between their vowel marks.

Sentence punctuation of every script lives here too: full stops, question and exclamation marks
(``。！？ . ! ? ؟ ۔ । ॥ ။ ። ។ ։``) and inner marks (commas, semicolons, colons: ``，、；： , ; ، ؛ ၊ ፣``).
Thai and Lao write no sentence marks: a space between two long runs of their letters separates
clauses, and counts as an inner mark (``clause_spaces``).

Every pattern here is a single pass (no nested or overlapping quantifiers): linear on any input.
"""
from __future__ import annotations

import re

# Han (with extension A, compatibility ideographs and the supplementary planes), kana, and the
# Southeast Asian scripts written without spaces between words.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
_SEA = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u19e0-\u19ff"   # Thai, Lao, Myanmar, Khmer (+ symbols)
NOSPACE = _CJK + _SEA
# Combining marks that belong inside a word of a spaced script (Python's \w does not match them).
_MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
          "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
          "\u0900-\u0963\u0966-\u0dff"   # Devanagari ... Sinhala: letters, signs and digits (not the dandas)
          "\u0f18\u0f19\u0f35\u0f37\u0f39\u0f71-\u0f84\u135d-\u135f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f")
# (CJK ranges hold letters only; Thai-like blocks also hold marks and signs: a letter is checked for.)
_NOSPACE_LETTER = f"[{_CJK}]|(?=[^\\W_])[{_SEA}]"
_WORD = f"[^\\W_{NOSPACE}]+(?:[{_MARKS}]+[^\\W_{NOSPACE}]*)*"
TOKEN = re.compile(f"{_NOSPACE_LETTER}|{_WORD}")
_NOSPACE_CHAR = re.compile(f"[{NOSPACE}]")
NOSPACE_LETTER = re.compile(_NOSPACE_LETTER)   # one letter of a no-space script (each is a token)
WORD = re.compile(_WORD)   # one word of a spaced script (the other tokens)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Marks that end a sentence, in every script (ASCII '.' is handled by the caller: not in '1.5', '...').
SENTENCE_END = frozenset("。！？!?；;…‼⁇⁈⁉｡︒؟۔।॥။።፧፨។៕։՜՞߹")
# Inner sentence punctuation. ASCII , ; ! ? count when not inside a number, ASCII . and : only before a
# space, the end or a no-space-script letter (not in 1.5, 10:30, a.b).
_INNER_WIDE = "，。！？；、：﹐﹑﹔﹕､｡،؛؟۔।॥၊။፣፤፥፦።፧។៕៖։՝՛\u0387"  # (not U+00B7 "·": a menu separator)
INNER_PUNCT = re.compile(f"[{_INNER_WIDE}]|[,;!?](?!\\d)|[.:](?=\\s|$|[{NOSPACE}])")

# Thai and Lao: a space between two runs of their letters, the one before it at least _CLAUSE long.
_SPACED_CLAUSE_LETTERS = "\u0e00-\u0eff"
_CLAUSE = 10
_CLAUSE_SPACE = re.compile(f"[{_SPACED_CLAUSE_LETTERS}] (?=[{_SPACED_CLAUSE_LETTERS}])")  # a letter first: fast scan
_CLAUSE_RUN = re.compile(f"[{_SPACED_CLAUSE_LETTERS}]{{{_CLAUSE}}}$")


# Code carried as text (inline script or CSS in a dump, JSON): ASCII brackets, braces, semicolons and
# operators, and dotted or called identifiers (``document.getElementById(``, ``a.b.c``).
_CODE_SYMBOL = re.compile(r"[{}()\[\];=<>\"]")
_CODE_STRONG = re.compile(r"[{};]|=>|==|&&|\|\||\"[:,][\"{\[\d]")
_CODE_IDENT = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*+(?:\.[A-Za-z_$][\w$]*+)+(?=\s*\(|\s*=|\.|;)|(?<![\w$])[A-Za-z_$][\w$]*+\(")
_CODE_MIN_CHARS = 20
# Where an over-long line splits: after a sentence mark and the space after it, after a full-width
# mark (no space follows in CJK text), and at a separator between menu entries (" | ", " · ", " • ").
_SPLIT = re.compile(r"(?<=[.!?;。！？؟۔।॥။።។…][\"'”’»)）」』]) |(?<=[.!?;。！？؟۔।॥။።។…]) "
                    r"|(?<=[。！？])(?=[^\s”’」』》）)])|(?<! ) ?[|·•] (?=\S)")


def is_code(text: str, min_density: float = 0.06) -> bool:
    """The line reads as program code (JavaScript, CSS, JSON), not as a sentence: dense ASCII code
    symbols with braces, semicolons or ``=>``/``==``/``&&``, or several dotted/called identifiers."""
    n = len(text)
    if n < _CODE_MIN_CHARS or not ("{" in text or ";" in text or "=" in text or "(" in text):
        return False  # (the common case, decided by str scans)
    if has_nospace(text[:200]) and not _CODE_STRONG.search(text[:200]):
        return False
    symbols = len(_CODE_SYMBOL.findall(text))
    if symbols >= min_density * n and len(_CODE_STRONG.findall(text)) >= 2:
        return True
    idents = len(_CODE_IDENT.findall(text))
    return idents >= 2 and (idents + symbols) * 8 >= tokens(text)


def split_sentences(text: str) -> list[str]:
    """An over-long line cut into its sentences and menu entries (a dump that ran a page's navigation
    and its article into one line). Pieces keep their text; empty pieces are dropped."""
    return [p.strip() for p in _SPLIT.split(text) if p and p.strip()]


def tokens(text: str) -> int:
    """Tokens of the text: one per letter of a no-space script, one per word of any other script."""
    return len(TOKEN.findall(text))


def token_list(text: str) -> list[str]:
    """The tokens themselves, in order (a letter, or a word)."""
    return TOKEN.findall(text)


def inner_marks(text: str) -> int:
    """Sentence punctuation marks inside the line, plus the clause spaces of Thai and Lao."""
    return len(INNER_PUNCT.findall(text)) + clause_spaces(text)


def clause_spaces(text: str) -> int:
    """Spaces that separate clauses in Thai or Lao: between two of their letters, after a run of at
    least ``_CLAUSE`` letters (a row of short menu words is no sentence)."""
    if " " not in text:
        return 0
    n = 0
    for m in _CLAUSE_SPACE.finditer(text):
        space = m.start() + 1
        if _CLAUSE_RUN.search(text, max(0, space - _CLAUSE), space):
            n += 1
    return n


def ends_sentence_mark(ch: str) -> bool:
    """``ch`` (a last character) is a sentence-final mark of some script (not ASCII '.')."""
    return ch in SENTENCE_END


def has_nospace(text: str) -> bool:
    """The text holds a letter of a script written without spaces (CJK, Thai, ...)."""
    return bool(_NOSPACE_CHAR.search(text))


def join_wide(a: str, b: str) -> bool:
    """Two pieces of text join without a space: the join is between letters of no-space scripts."""
    return bool(_NOSPACE_CHAR.match(a[-1:])) and bool(_NOSPACE_CHAR.match(b[:1]))


def han_count(text: str) -> int:
    return len(_HAN.findall(text))
