"""Property: a table the project's own views print, rewritten the way a student would write
it — their own names for the nodes (``e``, ``pi``, ``f``, names that start like functions),
the steps in another order the dependencies allow, every number rounded to 3 significant
digits — is correct work and scores full marks.

The oracle is the project's own trace (its numbers, printed by its views) and the
independent sympy/finite-difference tests of those numbers elsewhere; what is under test
here is that the checker's reading does not depend on the student's names, order or
rounding.
"""
from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.views.formats import render_markdown
from autodiff_viz.views.text import render_text

from test_check_properties import expressions

# names students give nodes: the constants' names, short letters, names that start like a
# function (legal: they are not function names), Greek
POOL = ["e", "pi", "f", "g", "h", "a", "b", "c", "t", "sinx", "cosa", "expo", "logit", "tanh1",
        "s1", "p", "q", "r", "θ", "out", "hid", "z1"]
# a node label in NFD text: optional Leibniz d, the letter, an optional dot or bar, the number
LABEL = re.compile(r"(?<![\w\u0300-\u036f])(d?)([wvu])([\u0304\u0307]?)(-?\d+)(?![\w.])")
NUMBER = re.compile(r"(?<![\w.\u0300-\u036f])(?<![\w\u0300-\u036f]-)([-−]?\d+\.?\d*(?:[eE][-+−]?\d+)?)")
SECTION = re.compile(r"^(?:#+ )?(Primal|Forward|Reverse)", re.I)


def rename(text: str, names: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        label = m.group(2) + m.group(4)
        new = names.get(label)
        if new is None:
            return m.group(0)
        return m.group(1) + new[0] + m.group(3) + new[1:]
    return unicodedata.normalize("NFC", LABEL.sub(sub, unicodedata.normalize("NFD", text)))


def round3(line: str) -> str:
    def sub(m: re.Match[str]) -> str:
        text = m.group(1)
        minus = text[0] in "-−"
        v = float(text.lstrip("-−").replace("−", "-"))
        shown = f"{v:#.3g}".rstrip(".")  # 3 significant digits, trailing zeros kept: 11.0
        if "e" in shown:
            mant, exp = shown.split("e")
            shown = f"{mant.rstrip('.')}e{int(exp)}"
        return (text[0] if minus else "") + shown
    return NUMBER.sub(sub, line)


def reorder(lines: list[str], rng: random.Random) -> list[str]:
    """The primal section's steps in a random order their dependencies allow."""
    start = next(k for k, ln in enumerate(lines) if SECTION.match(ln.strip().strip("`# ")))
    end = next((k for k in range(start + 1, len(lines))
                if SECTION.match(lines[k].strip().strip("`# "))), len(lines))
    body = [k for k in range(start + 1, end) if "=" in lines[k] and not lines[k].startswith("`")]
    defines = {k: lines[k].split("=")[0].strip() for k in body}
    uses = {k: set(re.findall(r"[^\W\d][\w]*", lines[k].split("=", 1)[1])) for k in body}
    done: set[str] = set()
    order: list[int] = []
    pending = list(body)
    while pending:
        ready = [k for k in pending if not (uses[k] & {defines[j] for j in pending if j != k})]
        k = rng.choice(ready or pending)
        order.append(k)
        pending.remove(k)
        done.add(defines[k])
    out = list(lines)
    for slot, k in zip(sorted(body), order):
        out[slot] = lines[k]
    return out


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(expr=expressions, xs=st.lists(st.integers(-20, 20).map(lambda k: k / 10), min_size=3,
                                     max_size=3),
       notation=st.sampled_from(["w", "v", "u"]), view=st.sampled_from(["text", "unicode",
                                                                         "markdown"]),
       seed=st.integers(0, 10_000))
def test_a_students_own_names_order_and_rounding_score_full_marks(
        expr: str, xs: list[float], notation: str, view: str, seed: int) -> None:
    g = av.parse(expr)
    assume(g.input_names and g.op_count >= 2)
    at = {n: xs[k] for k, n in enumerate(g.input_names)}
    wrt = g.input_names[seed % len(g.input_names)]
    try:
        t = av.trace(expr, at, wrt=wrt, notation=notation)
    except av.DomainError:
        assume(False)
        return
    assume(not any(s.flags for s in t.steps))  # a kink or an overflow: not a fair point
    # full precision, so that rounding to 3 digits is the only rounding (no double rounding)
    text = render_markdown(t, None) if view == "markdown" else render_text(t, None, style=view)
    rng = random.Random(seed)
    labels = [lab for lab, n in zip(g.labels(notation), g.nodes) if n.kind == "op"]
    names = dict(zip(labels, rng.sample(POOL, len(labels)))) if len(labels) <= len(POOL) else {}
    assume(names)
    student = rename(text, names)
    lines = reorder(student.split("\n"), rng)
    student = "\n".join(round3(ln) if "=" in ln else ln for ln in lines)
    key = {"expression": expr, "at": at, "notation": notation,
           "ask": [{"kind": "trace"}, {"kind": "forward", "wrt": wrt}, {"kind": "reverse"},
                   {"kind": "gradient"}]}
    report = av.check(key, student)
    assert report.score == report.max_score, (student, report.to_text())
    assert not [i for i in report.items if i.max_score > 0 and not i.passed]


def test_the_rewriting_itself() -> None:
    """The test's own helpers do what they say (so the property above is about the checker)."""
    assert rename("dz/dw3 = dz/dw4*dw4/dw3 + w̄5·w3", {"w3": "e", "w4": "pi"}) == \
        "dz/de = dz/dpi*dpi/de + w̄5·e"
    assert rename("v̇-1 = 1; v-1 = x1", {"v-1": "f"}) == "ḟ = 1; f = x1"
    assert round3("w3 = w1*w2 = 2.5838*3 = 7.7514") == "w3 = w1*w2 = 2.58*3.00 = 7.75"
    assert round3("a = 10.976 = 12345.6") == "a = 11.0 = 1.23e4"
    rng = random.Random(1)
    lines = ["Primal trace", "a = x", "b = a*2", "c = b + a", "", "Reverse trace"]
    for _ in range(20):
        out = reorder(lines, rng)
        assert out.index("a = x") < out.index("b = a*2") < out.index("c = b + a")
