"""Number questions (values, gradients, Jacobians, tangents, adjoints) and derivative formulas."""
from __future__ import annotations

import pytest

import autodiff_viz as av
from autodiff_viz.check import (CORRECT, INVALID_STEP, MISSING, UNREADABLE, WRONG_FORMULA,
                                WRONG_VALUE)

EX = "sin(x1) + x1*x2"
AT = {"x1": 2, "x2": 3}


def key(*asks: dict, **extra) -> dict:
    return {"expression": EX, "at": AT, "ask": list(asks), **extra}


def test_gradient_as_a_table_a_list_or_text_and_each_entry_scored() -> None:
    k = key({"kind": "gradient", "points": 2})
    for answer in ({"x1": 2.58, "x2": 2}, [2.584, 2], {"x1": "2.58", "x2": "2"},
                   {"x1": "cos(2) + 3", "x2": 2.0}):
        r = av.check(k, {"gradient": answer})
        assert r.all_correct and r.score == 4, answer
    r = av.check(k, {"gradient": {"x1": 3, "x2": 2}})
    assert [(i.name, i.verdict, i.score) for i in r.items] == [
        ("∂z/∂x1", WRONG_VALUE, 0), ("∂z/∂x2", CORRECT, 2)]
    assert r.items[0].message == "wrong value: expected 2.58385"


def test_unreadable_and_missing_numbers() -> None:
    r = av.check(key({"kind": "gradient"}), {"gradient": {"x1": "about 2.6"}})
    assert [(i.verdict) for i in r.items] == [UNREADABLE, MISSING]
    assert "not a number" in r.items[0].message
    assert r.items[1].message == "missing: ∂z/∂x2 = 2"
    r = av.check(key({"kind": "gradient"}), {"gradient": {"x1": "x2 + 1"}})
    assert "uses x2; give a number" in r.items[0].message


def test_jacobian_value_tangent_and_adjoint() -> None:
    prog = "a = x*y\nb = exp(a)/(1 + x)\nc = b - x^2"
    k = {"program": prog, "at": {"x": 0.5, "y": -1.5}, "output": "c",
         "ask": [{"kind": "value"}, {"kind": "value", "node": "exp(x*y)", "name": "e"},
                 {"kind": "tangent", "node": "b", "seed": {"x": 1, "y": 1}},
                 {"kind": "adjoint", "node": "a"}]}
    t = av.trace(prog, {"x": 0.5, "y": -1.5}, seed={"x": 1, "y": 1})
    b = t.graph.names["b"]
    tangent_b = next(s.tangent for s in t.forward_steps(0) if s.node == b)
    answers = {"value": t.values["c"], "e": 0.4724, "tangent": tangent_b, "adjoint": 0.3149}
    r = av.check(k, answers)
    assert r.all_correct, r.to_text()
    assert [i.name for i in r.items] == ["value of c", "value of w4 = exp(x*y)",
                                         "tangent of b (seed x=1, y=1)", "adjoint of a"]
    jac = {"expression": "x*y", "at": {"x": 2, "y": 5}, "ask": [{"kind": "jacobian"}]}
    assert av.check(jac, {"jacobian": {"z": {"x": 5, "y": 2}}}).all_correct
    two = {"program": "a = x*y; b = x + y", "at": {"x": 2, "y": 5},
           "ask": [{"kind": "jacobian", "points": 0.5}]}
    r = av.check(two, {"jacobian": {"a": [5, 2], "b": {"x": 1, "y": 2}}})
    assert [i.verdict for i in r.items] == [CORRECT, CORRECT, CORRECT, WRONG_VALUE]
    assert r.score == 1.5


def test_numbers_from_a_trace_table_answer_the_number_questions() -> None:
    k = key({"kind": "value"}, {"kind": "gradient"})
    table = "w1 = x1\nw2 = x2\nw3 = w1*w2\nw4 = sin(w1)\nw5 = w3 + w4 = 6.9\n" \
            "dz/dw1 = 2.58\ndz/dw2 = 2"
    r = av.check(k, table)
    assert [(i.name, i.verdict, i.line) for i in r.items if i.section != "reverse"][-3:] == [
        ("value of z", CORRECT, 5), ("∂z/∂x1", CORRECT, 6), ("∂z/∂x2", CORRECT, 7)]


def test_a_right_formula_passes_at_every_random_point() -> None:
    k = key({"kind": "formula", "wrt": "x1"}, {"kind": "formula", "wrt": "x2"})
    r = av.check(k, {"formula_x1": "cos(x1) + x2", "formula_x2": "dz/dx2 = x1"})
    assert r.all_correct
    assert r.items[0].message == "(equals ∂z/∂x1 at 24 random points)"


def test_a_wrong_formula_gets_a_concrete_counterexample() -> None:
    k = key({"kind": "formula", "wrt": "x1"})
    r = av.check(k, {"formula_x1": "cos(x1)"})
    item = r.items[0]
    assert item.verdict == WRONG_FORMULA
    pt = item.expected["at"]
    true = av.gradient(EX, pt)["x1"]
    assert item.expected["derivative"] == pytest.approx(true)
    assert item.expected["formula_gives"] == pytest.approx(av.trace("cos(x1)", {"x1": pt["x1"]}).value)
    assert item.message.startswith(f"wrong formula: at x1={av.printing.format_number(pt['x1'], 6)}")


def test_formula_points_are_seeded_and_stay_inside_the_domain() -> None:
    k = {"expression": "log(x)*sqrt(y)", "at": {"x": 1, "y": 4},
         "formulas": {"seed": 3, "samples": 50, "ranges": {"x": [-2, 2], "y": [-2, 2]}},
         "ask": [{"kind": "formula", "wrt": "x"}]}
    r = av.check(k, {"formula_x": "sqrt(y)/x"})
    assert r.all_correct and "50 random points" in r.items[0].message
    r1 = av.check(k, {"formula_x": "1/x"})
    r2 = av.check(k, {"formula_x": "1/x"})
    assert r1.items[0].message == r2.items[0].message  # the same counterexample every time
    r = av.check(k, {"formula_x": "sqrt(y)/x + log(x - 1.5)"})
    assert "your formula is undefined" in r.items[0].message
    assert "log needs a positive argument" in r.items[0].message


def test_formula_mistakes_that_are_not_wrong_derivatives() -> None:
    k = key({"kind": "formula", "wrt": "x1"})
    r = av.check(k, {"formula_x1": "cos(x1) + y"})
    assert r.items[0].verdict == INVALID_STEP and "y, which is not an input" in r.items[0].message
    r = av.check(k, {"formula_x1": "cos(x1 + x2"})
    assert r.items[0].verdict == UNREADABLE and "never closed" in r.items[0].message
    r = av.check(k, {"formula_x1": 3})
    assert r.items[0].verdict == UNREADABLE


def test_a_formula_may_use_the_programs_names() -> None:
    k = {"program": "a = x*y\nz = exp(a)", "at": {"x": 1, "y": 2},
         "ask": [{"kind": "formula", "wrt": "x"}]}
    assert av.check(k, {"formula_x": "exp(a)*y"}).all_correct
    assert not av.check(k, {"formula_x": "exp(a)*x"}).all_correct


def test_unknown_fields_in_a_submission_are_noted_not_dropped_silently() -> None:
    r = av.check(key({"kind": "value"}), {"value": 6.9, "gradiant": [1, 2]})
    assert r.all_correct
    assert r.notes == ["the field 'gradiant' is not a question of this problem (questions: value)"]
