"""Property: the parsing and cleaning transforms return a record or a reject, never raise, and finish
in bounded time, for random bytes and for random mutations of real pages."""
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import Reject, extract
from transforms.detect import detect_form
from transforms.forms.markdown import parse_markdown
from transforms.forms.text import parse_text
from transforms.frontmatter import split_front_matter

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p for p in (ROOT / "data" / "raw").rglob("*") if p.is_file())
SEEDS = ROOT.parent / "shared" / "seeds"
PAGES += sorted(SEEDS.glob("*")) if SEEDS.is_dir() else []
RAW = [p.read_bytes()[:60_000] for p in PAGES]

FUZZ = settings(max_examples=200, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def check(out):
    assert isinstance(out, (dict, Reject))
    if isinstance(out, dict):
        assert isinstance(out["text"], str) and out["text"].strip()
        assert out["char_count"] == len(out["text"])
    else:
        assert out.reason and out.stage


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(raw):
    check(extract(raw, "fuzz.html"))


@st.composite
def mutated_page(draw):
    raw = bytearray(draw(st.sampled_from(RAW)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        i = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[i] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del raw[i:i + draw(st.integers(1, 2000))]
        elif op == "truncate":
            del raw[i:]
        else:
            raw[i:i] = raw[i:i + draw(st.integers(1, 3000))]
    return bytes(raw)


@FUZZ
@given(mutated_page())
def test_mutated_real_pages(raw):
    check(extract(raw, "mutated.html"))


@FUZZ
@given(st.text(max_size=3000))
def test_form_parsers_on_random_text(text):
    assert detect_form(text) in ("html", "markdown+front_matter", "markdown", "text")
    meta, body, problem = split_front_matter(text)
    assert isinstance(meta, dict) and isinstance(body, str)
    assert all(isinstance(b.text, str) for b in parse_markdown(text))
    assert all(isinstance(b.text, str) for b in parse_text(text, 200_000))
