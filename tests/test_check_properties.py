"""Property tests: a trace printed by the project's own views, read back as a submission,
gets full marks; changing any single number fails exactly that line; an error carried
through later steps marks them as following from it.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.check import CARRIED, CORRECT, WRONG_VALUE, Figure, Tolerance
from autodiff_viz.printing import format_number
from autodiff_viz.views.formats import render_markdown
from autodiff_viz.views.text import render_text

# a number token: not part of a name (x2, w̄3, v-1) and not inside another number
NUMBER = re.compile(r"(?<![\w.\u0300-\u036f])(?<![\w\u0300-\u036f]-)(\d+\.?\d*(?:[eE][-+]?\d+)?)")

leaves = st.sampled_from(["x1", "x2", "x3", "x1", "x2", "2", "0.5", "3"])


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*"]), children, children).map(
            lambda t: f"({t[1]} {t[0]} {t[2]})"),
        st.tuples(st.sampled_from(["sin", "cos", "tanh", "sigmoid", "exp"]), children).map(
            lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"({c})^2"))


expressions = st.recursive(leaves, _extend, max_leaves=6)
coordinates = st.integers(-20, 20).map(lambda k: k / 10)
VIEWS = ("text", "unicode", "markdown")


def render(t: av.Trace, view: str) -> str:
    return render_markdown(t) if view == "markdown" else render_text(t, style=view)


def problem(expr: str, xs: list[float], notation: str, wrt_index: int
            ) -> tuple[dict, av.Trace] | None:
    g = av.parse(expr)
    if not g.input_names:
        return None
    at = {n: xs[k] for k, n in enumerate(g.input_names)}
    wrt = g.input_names[wrt_index % len(g.input_names)]
    try:
        t = av.trace(expr, at, wrt=wrt, notation=notation)
    except av.DomainError:
        return None
    if any(s.flags for s in t.steps):  # overflow or a kink: not a fair homework point
        return None
    key = {"expression": expr, "at": at, "notation": notation,
           "ask": [{"kind": "trace"}, {"kind": "forward", "wrt": wrt}, {"kind": "reverse"},
                   {"kind": "gradient"}]}
    return key, t


def mutate(text: str, m: re.Match[str], factor: float, offset: int) -> str | None:
    """``text`` with the number ``m`` changed to one that is clearly another number."""
    old = float(m.group(1))
    new = format_number(abs(old * factor + offset), 4)
    f = Figure.parse(new)
    half = 0.5 * 10.0 ** -(f.decimals or 0) if "." in new else 0.0
    if abs(float(f) - old) <= half + 1e-3 * max(1.0, abs(old)):
        return None
    return text[:m.start(1)] + new + text[m.end(1):]


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(expr=expressions, xs=st.lists(coordinates, min_size=3, max_size=3),
       notation=st.sampled_from(["w", "v", "u"]), view=st.sampled_from(VIEWS),
       wrt_index=st.integers(0, 2), pick=st.integers(0, 10_000),
       factor=st.sampled_from([1.5, 2.5, 3.5, 0.3]), offset=st.sampled_from([1, 2, 3]))
def test_own_view_gets_full_marks_and_one_changed_number_fails_exactly_its_line(
        expr: str, xs: list[float], notation: str, view: str, wrt_index: int, pick: int,
        factor: float, offset: int) -> None:
    made = problem(expr, xs, notation, wrt_index)
    assume(made is not None)
    key, t = made  # type: ignore[misc]
    text = render(t, view)
    report = av.check(key, text)
    assert report.all_correct and report.score == report.max_score, report.to_text()
    step_lines = {i.line for i in report.items if i.line is not None}
    lines = text.split("\n")
    candidates = [m for m in NUMBER.finditer(text)
                  if text.count("\n", 0, m.start()) + 1 in step_lines]
    assume(candidates)
    m = candidates[pick % len(candidates)]
    changed = mutate(text, m, factor, offset)
    assume(changed is not None)
    lineno = text.count("\n", 0, m.start()) + 1
    r = av.check(key, changed)
    failing = {i.line for i in r.items if not i.passed}
    assert failing == {lineno}, (lines[lineno - 1], changed.split("\n")[lineno - 1],
                                 r.to_text(only_wrong=True))


def test_every_number_of_the_worked_example_in_every_view() -> None:
    """The exhaustive version for the course's example: every single number, every view."""
    key = {"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
           "ask": [{"kind": "trace"}, {"kind": "forward", "wrt": "x2"}, {"kind": "reverse"},
                   {"kind": "gradient"}]}
    t = av.trace(key["expression"], key["at"], wrt="x2")
    for view in VIEWS:
        text = render(t, view)
        clean = av.check(key, text)
        assert clean.all_correct and clean.score == clean.max_score == 12
        step_lines = {i.line for i in clean.items if i.line is not None}
        tried = 0
        for m in NUMBER.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            if lineno not in step_lines:
                continue
            changed = mutate(text, m, 2.5, 1)
            assert changed is not None
            r = av.check(key, changed)
            assert {i.line for i in r.items if not i.passed} == {lineno}, (view, lineno)
            tried += 1
        assert tried >= 40, view


def carried_table(t: av.Trace, k: int, wrong: float) -> tuple[str, dict[int, float]]:
    """A primal table whose node ``k`` is ``wrong`` and whose later steps follow from it.

    Each step is computed from the previous *written* numbers with the project's own
    passes (the step's formula evaluated at them), as a student would.
    """
    written: dict[int, Figure] = {}
    names = t.names
    lines = []
    for s in t.steps:
        if s.kind == "const":
            continue
        if s.kind == "input":
            value = float(s.value)
        elif s.node == k:
            value = wrong
        else:
            formula = av.parse(s.formula)
            at = {n: float(written[t.graph.names.get(n, names.index(n))])
                  for n in formula.input_names}
            value = float(av.trace(formula, at, mode="primal").value)
        written[s.node] = Figure.parse(format_number(value, 4))
        lines.append(f"{names[s.node]} = {s.formula if s.kind == 'op' else t.graph.nodes[s.node].name}"
                     f" = {written[s.node].text}")
    return "\n".join(lines), {i: float(v) for i, v in written.items()}


@SETTINGS
@given(expr=expressions, xs=st.lists(coordinates, min_size=3, max_size=3),
       pick=st.integers(0, 100), shift=st.sampled_from([1.0, -2.0, 0.75]))
def test_a_wrong_step_marks_the_steps_computed_from_it_as_carried(
        expr: str, xs: list[float], pick: int, shift: float) -> None:
    made = problem(expr, xs, "w", 0)
    assume(made is not None)
    key, t = made  # type: ignore[misc]
    key = {**key, "ask": [{"kind": "trace"}]}
    ops = [s.node for s in t.steps if s.kind == "op"]
    assume(ops)
    k = ops[pick % len(ops)]
    true_k = float(t.steps[k].value)
    wrong = true_k + shift
    table, written = carried_table(t, k, wrong)
    r = av.check(key, table)
    by_node = {i.node: i for i in r.items if i.line is not None}
    tol = Tolerance()
    # the rule: a written value accepted for the true one is correct; otherwise a step
    # computed from a parent that was not accepted follows from the earlier error
    accepted = {s.node: s.kind == "input" or tol.judge(
        Figure.parse(format_number(written[s.node], 4)), float(s.value)).ok
        for s in t.steps if s.kind != "const"}
    assume(not accepted[k])
    for s in t.steps:
        if s.kind != "op":
            continue
        item = by_node[t.names[s.node]]
        if s.node == k:
            assert item.verdict == WRONG_VALUE, r.to_text()
        elif accepted[s.node]:
            assert item.verdict == CORRECT, r.to_text()
        elif any(q in accepted and not accepted[q] for q in s.parents):
            assert item.verdict == CARRIED, r.to_text()
            assert "follows from the earlier error" in item.message
        else:
            assert item.verdict == CORRECT, r.to_text()  # from rounded earlier values
