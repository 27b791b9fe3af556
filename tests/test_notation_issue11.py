"""Issue 11: one chain-rule notation in every text view.

A term always shows both factors, the carried quantity first (the parent's tangent
in forward mode, the child's adjoint in reverse mode), then the local partial; a
line never writes the same thing twice in a row (no ``= 0 = 0``). The expected
numbers here are computed in the tests (math.cos, hand-derived partials), not read
from the trace.
"""
from __future__ import annotations

import csv
import io
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.views.formats import render_csv, render_markdown
from autodiff_viz.views.grad import render_grad_markdown, render_grad_text
from autodiff_viz.views.lines import forward_line, reverse_line
from autodiff_viz.views.step import print_all
from autodiff_viz.views.table import render_table
from autodiff_viz.views.text import render_text

EXPR, AT = "sin(x1) + x1*x2", {"x1": 2, "x2": 3}
COS2 = f"{math.cos(2):.4f}"  # -0.4161


def test_forward_step_seeded_on_x1_shows_tangent_then_partial() -> None:
    t = av.trace(EXPR, at=AT, mode="forward", wrt="x1")
    w3 = t.forward_steps(0)[2]
    assert w3.tangent == pytest.approx(math.cos(2), rel=1e-15)
    assert forward_line(t, 0, w3) == f"ẇ3 = ẇ1·cos(w1) = 1·({COS2.replace('-', '−')}) = " \
                                     f"{COS2.replace('-', '−')}"
    assert forward_line(t, 0, w3, style="text") == \
        f"dw3/dx1 = dw1/dx1*cos(w1) = 1*({COS2}) = {COS2}"
    # ẇ4 = ẇ1·w2 + ẇ2·w1 = 1·3 + 0·2 = 3; ẇ5 = ẇ3·1 + ẇ4·1 = 3 + cos 2 = 2.584
    steps = t.forward_steps(0)
    assert forward_line(t, 0, steps[3]) == "ẇ4 = ẇ1·w2 + ẇ2·w1 = 1·3 + 0·2 = 3"
    assert forward_line(t, 0, steps[4]) == \
        f"ẇ5 = ẇ3·1 + ẇ4·1 = ({COS2.replace('-', '−')})·1 + 3·1 = {3 + math.cos(2):.4g}"


def test_single_term_step_prints_its_value_once() -> None:
    """Seeded on x2, ẇ3 = ẇ1·cos(w1) is 0: its factors and then 0, never ``= 0 = 0``."""
    t = av.trace(EXPR, at=AT, wrt="x2")
    w3 = t.forward_steps(0)[2]
    assert w3.tangent == 0
    line = forward_line(t, 0, w3)
    assert line == f"ẇ3 = ẇ1·cos(w1) = 0·({COS2.replace('-', '−')}) = 0"
    assert " = 0 = 0" not in line and line.endswith("= 0")
    # reverse, one child: w̄2 = w̄4·w1 = 1·2 = 2 (adjoint 1, then ∂w4/∂w2 = x1 = 2)
    assert reverse_line(t, 0, t.reverse_steps(0)[3]) == "w̄2 = w̄4·w1 = 1·2 = 2"


def test_fan_out_reverse_step_has_one_adjoint_times_partial_per_child() -> None:
    """x feeds sin(x), x*y and exp(x): w̄x has one term per child, in the order of the
    children the reverse pass reached, each the child's adjoint then its partial."""
    t = av.trace("sin(x) + x*y + exp(x)", at={"x": 1, "y": 2}, mode="reverse")
    x = next(s for s in t.reverse_steps(0) if s.name == "w1")
    partial = {"sin(w1)": math.cos(1), "w1·w2": 2.0, "exp(w1)": math.exp(1)}  # by hand
    children = [t.steps[term.child] for term in x.terms]
    formulas = [t.graph.formula(c.node, "w", "unicode") for c in children]
    assert sorted(formulas) == sorted(partial)
    name, symbolic, numeric, value = reverse_line(t, 0, x).split(" = ")
    assert name == "w̄1"
    # every child's adjoint is 1 (each is summed into the output)
    expected_symbolic = [f"w̄{c.name[1:]}·" + {"sin(w1)": "cos(w1)", "w1·w2": "w2",
                                              "exp(w1)": "exp(w1)"}[f] for c, f in
                         zip(children, formulas)]
    assert symbolic.split(" + ") == expected_symbolic
    factors = [tuple(float(v.strip("()").replace("−", "-")) for v in term.split("·"))
               for term in numeric.split(" + ")]
    assert [a for a, _ in factors] == [1.0, 1.0, 1.0]
    assert [b for _, b in factors] == pytest.approx([partial[f] for f in formulas], abs=5e-4)
    assert float(value) == pytest.approx(math.cos(1) + 2 + math.exp(1), abs=5e-4)


def test_worked_example_reverse_line_in_the_decided_order() -> None:
    t = av.trace(EXPR, at=AT)
    assert reverse_line(t, 0, t.reverse_steps(0)[-1]) == \
        f"w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·({COS2.replace('-', '−')}) = " \
        f"{3 + math.cos(2):.4g}"


PROGRAMS = [("sin(x1) + x1*x2", {"x1": 2, "x2": 3}), ("x*y", {"x": 0, "y": 0}),
            ("2*3 + x", {"x": 1}), ("exp(x)*x + x^2", {"x": 0}),
            ("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}),
            ("relu(x) + sqrt(y)", {"x": 0, "y": 0}), ("x*x*x", {"x": 1}),
            ("W@x", {"W": [[1, 2], [3, 4]], "x": [1, -1]}), ("x - y", {"x": 1, "y": -2})]


def _views(t: av.Trace) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(render_csv(t)))
    return {"text": render_text(t), "ascii": render_text(t, style="text"),
            "table": render_table(t), "markdown": render_markdown(t),
            "csv line": "\n".join(r["line"] for r in rows), "step": print_all(t),
            "step ascii": print_all(t, 4, "text"), "grad": render_grad_text(t),
            "grad markdown": render_grad_markdown(t)}


@pytest.mark.parametrize("expr,at", PROGRAMS)
def test_no_line_writes_the_same_thing_twice_in_a_row(expr: str, at: dict) -> None:
    for t in (av.trace(expr, at=at), av.trace(expr, at=at, mode="forward")):
        for view, out in _views(t).items():
            for line in out.splitlines():
                parts = [p.strip() for p in line.split(" = ")]
                repeated = [a for a, b in zip(parts, parts[1:]) if a and a == b]
                assert not repeated, f"{expr} ({view}): {line!r}"


def test_demo_says_which_input_it_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "forward mode: --wrt x2, as the course does (without --wrt, trace " \
                     "seeds every input in turn)"
    assert "Forward trace, seed x2=1 (inputs to output)" in out
    assert "  ẇ5 = ẇ3·1 + ẇ4·1 = 0·1 + 2·1 = 2" in out


# -- property: the working of every line multiplies and sums to its stored value ---------

_UNARY = ["sin({})", "cos({})", "tanh({})", "exp(sin({}))", "sigmoid({})", "-({})",
          "({})^2", "log(1 + ({})^2)"]
_BINARY = ["({}) + ({})", "({}) - ({})", "({})*({})", "({})/(1 + ({})^2)"]
_leaves = st.sampled_from(["x", "y", "z", "2", "0.5"])
_exprs = st.recursive(
    _leaves, lambda c: st.one_of(
        st.tuples(st.sampled_from(_UNARY), c).map(lambda p: p[0].format(p[1])),
        st.tuples(st.sampled_from(_BINARY), c, c).map(lambda p: p[0].format(p[1], p[2]))),
    max_leaves=8)
_points = st.fixed_dictionaries({v: st.floats(-2, 2, allow_nan=False) for v in "xyz"})
_NUMBER = re.compile(r"^\(?(-?[0-9.]+(?:e[-+]?[0-9]+)?)\)?$")


def _number(text: str) -> float:
    m = _NUMBER.match(text)
    assert m, f"not a number: {text!r}"
    return float(m.group(1))


def _check_working(line: str) -> None:
    """``name = symbolic = a*b + c*d = value``: a·b + c·d is the value (full precision)."""
    parts = line.split(" = ")
    assert len(parts) == 4, line
    total = 0.0
    for term in parts[2].split(" + "):
        carried, partial = term.split("*")
        total += _number(carried) * _number(partial)
    value = _number(parts[3])
    assert total == pytest.approx(value, rel=1e-9, abs=1e-12), line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exprs, _points)
def test_every_working_multiplies_and_sums_to_the_stored_value(expr: str, at: dict) -> None:
    names = [v for v in "xyz" if re.search(rf"\b{v}\b", expr)]
    if not names:
        return
    t = av.trace(expr, at={v: at[v] for v in names})
    if not all(math.isfinite(s.value) for s in t.steps):
        return
    for k in range(len(t.forward)):
        for s in t.forward_steps(k):
            if s.terms and not s.is_input:
                _check_working(forward_line(t, k, s, None, "text"))
    for k in range(len(t.reverse)):
        for s in t.reverse_steps(k):
            if s.terms:
                _check_working(reverse_line(t, k, s, None, "text"))
