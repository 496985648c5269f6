"""Run the whole-page functions of ``transforms`` over 1 MB adversarial inputs (the line signals over a
200 000-character line, every module-level pattern over 256 KB), printing
``start NAME`` before and ``done NAME SECONDS`` after each check (``tests/hostile/test_linear.py``
watches the lines and fails a check that does not finish within its cap).

    python -m tests.hostile.linear_worker [--examples N]

A pattern that backtracks super-linearly takes minutes to hours on 1 MB (10^12 steps for a quadratic
one); a linear one takes milliseconds. Inputs: one adversarial unit (``<script>``, ``<!--``, ``<``,
spaces, quotes, unclosed tags, ``---`` openers, ``[``/``](`` link openers, digits, ...) repeated to
1 MB with no newline, and (hypothesis) random mixtures of units, repeated likewise.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import time

import transforms

SIZE = 1 << 20          # whole-page functions: 1 MB
LINE_SIZE = 200_000     # the line signals: a line is at most limits.max_line_chars long
SWEEP_SIZE = 1 << 18    # every pattern, 256 KB (a quadratic one needs ~10^10-10^11 steps there: minutes)
UNITS = [
    "<script>", "<script></script>", "<script></script>\n", "<!--", "<!-- -->", "<", "<<", " ", "\t", "\u3000",
    '"', "'", "<div ", "<div class=\"a", "<meta ", "<p>", "<a href=", "---\n", "---", "[", "](", "[a](", "](b",
    "**", "*", "#", "|", "-", ".", "...", "a ", "a", "1", "1 ", "中", "中 ", "ก", "ก ", "가 ", "@", "a@", "http://",
    "&#", "&", "\\", "(", "（", ":", "a:", "=", "\n", " \n", "\r\n", "<!doctype", "<html", "<style>", "</script>",
    "views ", "阅读", "记者", "，", "。", "a.b", "{", "{a;", "a;", "</", "<?xml ", "charset=",
]


# The units the pattern sweep uses (the full list goes through the whole-page functions).
SWEEP_UNITS = [" ", "\n", "\u3000", "<", "<script></script>", "<!--", '"', "'", "<div ", "<meta ", "1", "a", "中",
               "[", "](", "---\n", ".", "-", "|", "*", "@", "&#"]


LINE_FUNCTIONS = ("scripts", "signals")


def repeat(unit: str, size: int = SIZE) -> str:
    return (unit * (size // max(1, len(unit)) + 1))[:size]


def patterns() -> list[tuple[str, re.Pattern]]:
    """Every compiled pattern at module level in ``transforms`` (and in module-level dicts of them)."""
    out = []
    for info in pkgutil.walk_packages(transforms.__path__, "transforms."):
        mod = importlib.import_module(info.name)
        for name, value in sorted(vars(mod).items()):
            values = value.items() if isinstance(value, dict) else [(None, value)]
            for key, v in values:
                if isinstance(v, re.Pattern):
                    out.append((f"{info.name}.{name}" + (f"[{key}]" if key is not None else ""), v))
    return out


def page_functions():
    """Functions that run over a whole page (or a whole line of one)."""
    from transforms.boilerplate import signals as sg
    from transforms.decode import decode
    from transforms.detect import detect_form, prologue_end, starts_as_html
    from transforms.forms.html import clean_prologue
    from transforms.forms.text import parse_text
    from transforms.frontmatter import split_front_matter
    from transforms.guard import guard
    from transforms.metadata.lang import detect_lang
    from transforms.options import DEFAULT_OPTIONS as O
    from transforms import scripts

    b = O.boilerplate
    return {
        "detect_form": detect_form,
        "starts_as_html": starts_as_html,
        "prologue_end": lambda s: prologue_end(s, re.compile("<html", re.I)),
        "clean_prologue": clean_prologue,
        "split_front_matter": split_front_matter,
        "decode": lambda s: decode(s.encode("utf-8", "replace"), O),
        "guard": lambda s: guard(s.encode("utf-8", "replace"), "x.html", O),
        "parse_text": lambda s: parse_text(s, O.limits.max_line_chars),
        "detect_lang": detect_lang,
        "scripts": lambda s: (scripts.tokens(s), scripts.inner_marks(s), scripts.clause_spaces(s)),
        "signals": lambda s: (sg.tokens(s), sg.punct_count(s), sg.ends_like_sentence(s), sg.is_truncated(s),
                              sg.is_prose(s, b.min_prose_tokens, b.long_line_tokens, b.max_tokens_per_mark),
                              sg.is_copyright(s), sg.is_meta_line(s, b.meta_rest_tokens), sg.has_counter(s),
                              sg.is_byline(s, b.byline_tokens), sg.is_ui_line(s, b.ui_tokens),
                              sg.is_sidebar_opener(s, b.sidebar_opener_tokens), sg.norm(s), sg.token_keys(s, 20)),
    }


def run_pattern(p: re.Pattern, s: str) -> None:
    if isinstance(p.pattern, bytes):
        s = s.encode("utf-8", "replace")
    p.search(s)
    p.match(s)
    for _ in p.finditer(s):
        pass


def check(name: str, fn, arg) -> None:
    print(f"start {name}", flush=True)
    t0 = time.perf_counter()
    fn(arg)
    print(f"done {name} {time.perf_counter() - t0:.4f}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20, help="hypothesis examples (random unit mixtures)")
    ap.add_argument("--only", default="", help="run only checks whose name contains this")
    a = ap.parse_args(argv)
    pats, funcs = patterns(), page_functions()
    for unit in UNITS:
        s = repeat(unit)
        for name, fn in funcs.items():
            if a.only in name:
                if name not in LINE_FUNCTIONS:
                    check(f"{name} on {unit!r}*", fn, s)
    for unit in SWEEP_UNITS:
        line = repeat(unit, LINE_SIZE)
        for name in LINE_FUNCTIONS:
            if a.only in name:
                check(f"{name} on {unit!r}*", funcs[name], line)
        s = repeat(unit, SWEEP_SIZE)
        for name, p in pats:
            if a.only in name:
                check(f"{name} on {unit!r}*", lambda x, p=p: run_pattern(p, x), s)
    if a.examples:
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        unit = st.lists(st.sampled_from(UNITS) | st.text(max_size=4), min_size=1, max_size=6).map("".join)

        @settings(max_examples=a.examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(unit)
        def mixtures(u):
            if not u:
                return
            s = repeat(u)
            for name in ("detect_form", "clean_prologue", "split_front_matter", "guard", "parse_text"):
                check(f"{name} on {u!r}*", funcs[name], s)
        mixtures()
    print("all done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
