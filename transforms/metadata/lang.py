"""Language identification (ISO 639-1).

Scripts decide the clear cases (kana -> ja, hangul -> ko, Han without kana -> zh, Thai, Lao, Khmer,
Myanmar, Georgian, Armenian, Ethiopic, Greek, when the script dominates the letters); everything else goes to py3langid, whose model ships inside the wheel
(nothing is downloaded at run time). Too little text -> None.
"""
from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER = re.compile(r"[^\W\d_]")
# Scripts that name their language (one language writes most text in them), and the model's blind
# spots: py3langid knows no Burmese, and a script-only decision is cheaper than the model.
_SCRIPT_LANG = (
    (re.compile(r"[\u0e01-\u0e5b]"), "th"), (re.compile(r"[\u0e81-\u0edf]"), "lo"),
    (re.compile(r"[\u1780-\u17ff]"), "km"), (re.compile(r"[\u1000-\u109f]"), "my"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"), (re.compile(r"[\u0530-\u058f]"), "hy"),
    (re.compile(r"[\u1200-\u137f]"), "am"), (re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"), "el"),
)
# URLs and e-mail addresses: their letters say nothing of the language. The local part is ASCII and
# at most 64 characters (the RFC limit): ``\S+@`` tried every start position of a space-free Chinese
# paragraph, which was quadratic.
_ADDRESS = re.compile(r"https?://\S+|www\.\S+|[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")
_MIN_LETTERS = 12        # fewer letters than this: too little text to tell
_MAX_CHARS = 3000        # enough text to decide; keeps the classifier fast on long pages

_identifier = None


def _classify(text: str) -> str | None:
    global _identifier
    try:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        code, prob = _identifier.classify(text)
    except Exception:  # noqa: BLE001 - no model, no guess
        return None
    return code if prob >= 0.5 else None


def detect_lang(text) -> str | None:
    """ISO 639-1 code of ``text``, or None when there is too little text to tell."""
    if not isinstance(text, str):
        return None
    sample = _ADDRESS.sub(" ", text[:_MAX_CHARS])
    han = len(_HAN.findall(sample))
    if han >= _MIN_LETTERS and han > 0.3 * len(sample) and not _KANA.search(sample) and not _HANGUL.search(sample):
        return "zh"  # the common case, decided without counting letters: over 30 % of all characters are Han
    letters = _LETTER.findall(sample)
    if len(letters) < _MIN_LETTERS:
        return None
    n = len(letters)
    kana, hangul = len(_KANA.findall(sample)), len(_HANGUL.findall(sample))
    if hangul / n > 0.3:
        return "ko"
    if kana / n > 0.05 and (kana + han) / n > 0.3:
        return "ja"
    # A CJK character carries much more than a Latin letter: a page that is 30 % Han by letters is Chinese.
    if han / n > 0.3 and kana == 0:
        return "zh"
    for rx, code in _SCRIPT_LANG:      # a script that holds most of the letters names the language
        if len(rx.findall(sample)) > 0.5 * n:
            return code
    code = _classify(sample)
    if code in ("zh", "ja", "ko") and han + kana + hangul == 0:
        return None
    return code
