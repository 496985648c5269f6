"""Property: form detection and every pattern that runs over a whole page (or a whole line) of
``transforms`` finish on 1 MB adversarial inputs: repeated ``<script>``, ``<!--``, ``<``, spaces,
quotes, unclosed tags, ``---`` openers, ``[``/``](`` link openers, lines without newlines, and
random mixtures of them (hypothesis).

Not a timed test: the checks run in a subprocess (``tests/hostile/linear_worker.py``) that reports
each one as it starts and ends; a check fails when it does not end within ``CAP`` seconds, a cap ten
times the 1 s target (a linear pass over 1 MB takes milliseconds; a quadratic one ~10^12 steps,
hours; the exponential prologue regex this replaced did not finish a 9 KB page in a minute).
"""
from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAP = 10.0


def run_worker(*args: str) -> list[tuple[str, float]]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.hostile.linear_worker", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    done, current, buf = [], "(start-up)", ""
    deadline = time.monotonic() + 60.0          # start-up: imports of trafilatura, lxml, hypothesis
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"{current} did not finish within {CAP:.0f} s (super-linear backtracking?)")
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if not ready:
                continue
            line = proc.stdout.readline()
            if not line:
                break
            buf = (buf + line)[-4000:]
            if line.startswith("start "):
                current, deadline = line[6:].strip(), time.monotonic() + CAP
            elif line.startswith("done "):
                name, _, secs = line[5:].strip().rpartition(" ")
                done.append((name, float(secs)))
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode in (0, -9) and buf.rstrip().endswith("all done"), buf
    return done


@pytest.mark.slow
def test_every_whole_page_pattern_finishes_on_adversarial_inputs():
    done = run_worker("--examples", "10")
    names = {n.split(" on ")[0] for n, _ in done}
    assert {"detect_form", "clean_prologue", "split_front_matter", "guard", "decode", "parse_text",
            "signals"} <= names
    assert any(n.startswith("transforms.detect._HTML_START") for n in names)
    assert len(names) > 80          # every module-level pattern of transforms/ was run
    print("slowest:", sorted(done, key=lambda x: -x[1])[:5])


def test_old_prologue_regex_is_caught():
    """The watchdog is honest: the old form-detection regex on a prologue of 24 scripts and no doctype
    does not finish within the cap (run only the pattern, in a subprocess)."""
    code = (
        "import re\n"
        "OLD = re.compile(r'^\\s*(?:<!--.*?-->\\s*|<script\\b.*?</script>\\s*|<style\\b.*?</style>\\s*)*"
        "(?:<!doctype\\s+html|<html[\\s>]|<head[\\s>]|<body[\\s>])', re.I | re.S)\n"
        "OLD.search('<script>var a = 1;</script>\\n' * 40 + '<meta charset=utf-8><!DOCTYPE html>')\n"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", code], timeout=CAP)
    from transforms.detect import starts_as_html
    assert not starts_as_html("<script>var a = 1;</script>\n" * 40 + "<meta charset=utf-8><!DOCTYPE html>")
    assert starts_as_html("<script>var a = 1;</script>\n" * 40 + "<!DOCTYPE html>")
