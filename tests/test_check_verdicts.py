"""Every verdict, with real wrong answers: the line, what is reported, and the score."""
from __future__ import annotations

import autodiff_viz as av
from autodiff_viz.check import (CARRIED, CORRECT, INVALID_STEP, MISSING, MISSING_TERM,
                                UNREADABLE, WRONG_PARTIAL, WRONG_VALUE)

KEY = {"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
       "ask": [{"kind": "trace"}, {"kind": "reverse"}]}
PRIMAL = """w1 = x1 = 2
w2 = x2 = 3
w3 = w1*w2 = 6
w4 = sin(w1) = 0.9093
w5 = w3 + w4 = 6.909
"""
REVERSE = """dz/dw5 = 1
dz/dw4 = dz/dw5*dw5/dw4 = 1
dz/dw3 = dz/dw5*dw5/dw3 = 1
dz/dw2 = dz/dw3*dw3/dw2 = 2
dz/dw1 = dz/dw3*dw3/dw1 + dz/dw4*dw4/dw1 = 2.584
"""


def at_line(report: av.Report, line: int) -> av.check.Item:
    return next(i for i in report.items if i.line == line)


def test_a_right_table_in_another_numbering_and_order_gets_full_marks() -> None:
    table = """d = sin(a) = 0.91
c = b*a = 6
a = x1 = 2
b = x2 = 3
e = d + c = 6.91
dz/de = 1
dz/dc = dz/de = 1
dz/dd = dz/de*de/dd = 1
dz/db = dz/dc*dc/db = 2
dz/da = dz/dd*dd/da + dz/dc*dc/da = 2.58
"""
    r = av.check(KEY, table)
    assert r.all_correct and (r.score, r.max_score) == (7, 7), r.to_text()


def test_wrong_value_shows_the_expected_figure_rounded_like_the_students() -> None:
    r = av.check(KEY, PRIMAL.replace("0.9093", "0.95").replace("6.909", "6.909") + REVERSE)
    item = at_line(r, 4)
    assert item.verdict == WRONG_VALUE and not item.passed
    assert item.message == "wrong value: expected 0.91 (0.909297)"
    assert (item.expected, item.got) == (av.trace("sin(x)", {"x": 2}).value, 0.95)
    assert r.score == 6 and r.first_error is item


def test_a_wrong_number_in_the_working_fails_the_line() -> None:
    r = av.check(KEY, PRIMAL.replace("w4 = sin(w1) = 0.9093", "w4 = sin(w1) = sin(3) = 0.9093"))
    item = at_line(r, 4)
    assert item.verdict == WRONG_VALUE
    assert item.message == "in the working, 3 should be w1 = 2"


def test_not_a_valid_step_of_the_expression() -> None:
    table = PRIMAL.replace("w3 = w1*w2 = 6", "w3 = w1 + w2 = 5").replace("6.909", "5.909")
    r = av.check(KEY, table)
    item = at_line(r, 3)
    assert item.verdict == INVALID_STEP and item.max_score == 1 and item.score == 0
    assert item.message == ("not a valid step of the expression: the expression has no step "
                            "w1 + w2; the expression has w3 = w1*w2 here")
    assert at_line(r, 5).verdict == CARRIED  # 5.909 is right for the student's own w3


def test_a_step_that_uses_an_undefined_name() -> None:
    r = av.check(KEY, PRIMAL.replace("w5 = w3 + w4", "w5 = w3 + w9"))
    item = at_line(r, 5)
    assert item.verdict == INVALID_STEP and "w9 is not defined in your table" in item.message


def test_an_adjoint_missing_a_childs_term_names_the_child() -> None:
    table = PRIMAL + REVERSE.replace(" + dz/dw4*dw4/dw1 = 2.584", " = 3")
    r = av.check(KEY, table)
    item = at_line(r, 10)
    assert item.verdict == MISSING_TERM and item.score == 0
    assert item.message.startswith("misses the term from child w4 = sin(w1): w1 is used by "
                                   "w3 and w4, so its adjoint sums one term per child; add "
                                   "dz/dw4*dw4/dw1 = -0.416147")
    assert sum(1 for i in r.items if not i.passed) == 1


def test_a_missing_term_is_found_from_the_value_alone() -> None:
    r = av.check(KEY, PRIMAL + REVERSE.replace(
        "dz/dw3*dw3/dw1 + dz/dw4*dw4/dw1 = 2.584", "3"))
    item = at_line(r, 10)
    assert item.verdict == MISSING_TERM and "child w4" in item.message
    assert item.message.endswith("expected 2.58385")


def test_a_missing_term_in_bar_notation_suggests_the_term_in_that_notation() -> None:
    r = av.check(KEY, PRIMAL + "w̄5 = 1\nw̄4 = w̄5 = 1\nw̄3 = w̄5 = 1\nw̄2 = w̄3·w1 = 2\n"
                              "w̄1 = w̄3·w2 = 3\n")
    assert at_line(r, 10).verdict == MISSING_TERM
    assert "add w̄4·cos(w1) = -0.416147" in at_line(r, 10).message


def test_a_term_from_a_node_that_is_not_a_child_is_not_a_valid_step() -> None:
    r = av.check(KEY, PRIMAL + REVERSE.replace("dz/dw4*dw4/dw1", "dz/dw5*dw5/dw1"))
    item = at_line(r, 10)
    assert item.verdict == INVALID_STEP
    assert "w5 does not use w1" in item.message


def test_wrong_local_derivative_as_a_formula() -> None:
    r = av.check(KEY, PRIMAL + "w̄5 = 1\nw̄4 = w̄5 = 1\nw̄3 = w̄5 = 1\nw̄2 = w̄3·w1 = 2\n"
                              "w̄1 = w̄3·w1 + w̄4·cos(w1) = 1.584\n")
    item = at_line(r, 10)
    assert item.verdict == WRONG_PARTIAL
    assert item.message == "wrong local derivative ∂w3/∂w1: it is w2 = 3, your factor is 2"


def test_wrong_local_derivative_as_a_number_in_the_working() -> None:
    r = av.check(KEY, PRIMAL + REVERSE.replace(
        "= 2.584", "= 1*2 + 1*(-0.4161) = 1.584"))
    item = at_line(r, 10)
    assert item.verdict == WRONG_PARTIAL
    assert item.message == "wrong local derivative dw3/dw1: it is w2 = 3, you used 2"


def test_a_wrong_local_derivative_formula_that_is_right_here_by_chance() -> None:
    key = {"expression": "cos(x)*x", "at": {"x": 0}, "ask": [{"kind": "reverse"}]}
    good = "w1 = x\nw2 = cos(w1)\nw3 = w2*w1\nw̄3 = 1\nw̄2 = w̄3·w1 = 0\n"
    assert av.check(key, good + "w̄1 = w̄3·w2 + w̄2·(-sin(w1)) = 1").all_correct
    r = av.check(key, good + "w̄1 = w̄3·w2 + w̄2·sin(w1) = 1")  # sin(0) = -sin(0)
    item = r.items[-1]
    assert item.verdict == WRONG_PARTIAL and "equal here by chance" in item.message
    assert "∂w2/∂w1: it is -sin(w1)" in item.message


def test_follows_from_the_earlier_error_earns_the_carried_credit() -> None:
    table = PRIMAL.replace("0.9093", "0.95").replace("6.909", "6.95") + REVERSE
    for credit, score in ((1.0, 6.0), (0.5, 5.5), (0.0, 5.0)):
        r = av.check({**KEY, "carried_credit": credit}, table)
        item = at_line(r, 5)
        assert item.verdict == CARRIED and not item.passed
        assert item.score == credit and r.score == score
        assert item.message.startswith("follows from the earlier error in w4 (line 4): with "
                                       "your numbers this is 6.95")


def test_carried_errors_in_the_reverse_pass() -> None:
    table = PRIMAL + REVERSE.replace("dz/dw3 = dz/dw5*dw5/dw3 = 1", "dz/dw3 = dz/dw5*dw5/dw3 = 2"
                                     ).replace("dz/dw3*dw3/dw2 = 2", "dz/dw3*dw3/dw2 = 4"
                                               ).replace("= 2.584", "= 5.584")
    r = av.check(KEY, table)
    assert [(i.line, i.verdict) for i in r.items if i.line and i.line > 5] == [
        (6, CORRECT), (7, CORRECT), (8, WRONG_VALUE), (9, CARRIED), (10, CARRIED)]
    assert "earlier error in dz/dw3 (line 8)" in at_line(r, 10).message


def test_rounded_earlier_values_are_not_errors() -> None:
    key = {"expression": "10*sin(x)", "at": {"x": 2}, "ask": [{"kind": "trace"}]}
    r = av.check(key, "w1 = x = 2\nw2 = sin(w1) = 0.91\nw3 = 10*w2 = 9.10")
    assert r.all_correct, r.to_text()  # 9.10 is 10 x 0.91, though 9.093 rounds to 9.09


def test_missing_steps_cost_their_points() -> None:
    r = av.check(KEY, PRIMAL.replace("w4 = sin(w1) = 0.9093\n", "") + REVERSE)
    missing = [i for i in r.items if i.verdict == MISSING]
    assert [(i.section, i.message) for i in missing] == [
        ("primal", "missing step: w4 = sin(w1) = 0.909297")]
    assert r.score == 6


def test_a_whole_table_missing_is_one_item() -> None:
    r = av.check(KEY, PRIMAL)
    assert r.items[-1].verdict == MISSING and r.items[-1].max_score == 4
    assert r.items[-1].message == "missing: the reverse trace (4 steps)"


def test_a_line_that_cannot_be_read_points_at_the_problem() -> None:
    r = av.check(KEY, PRIMAL.replace("w4 = sin(w1) = 0.9093", "w4 = sin(w1 = 0.9093") + REVERSE)
    item = at_line(r, 4)
    assert item.verdict == UNREADABLE
    assert item.message.splitlines() == [
        "cannot read this: this '(' is never closed (line 4, column 9)",
        "4 | w4 = sin(w1 = 0.9093", "            ^", "hint: add the missing ')'"]


def test_a_duplicate_step_earns_nothing_more() -> None:
    r = av.check(KEY, PRIMAL + "w6 = w1*w2 = 7\n" + REVERSE)
    item = at_line(r, 6)
    assert item.verdict == WRONG_VALUE and item.max_score == 0
    assert "computes the same node as w3" in item.message
    assert r.score == 7


def test_forward_verdicts() -> None:
    key = {**KEY, "ask": [{"kind": "forward", "wrt": "x1"}]}
    r = av.check(key, PRIMAL + "dw1/dx1 = 1\ndw2/dx1 = 0\ndw3/dx1 = dw1/dx1*w2 = 3\n"
                               "dw4/dx1 = dw1/dx1*cos(w1) = -0.4161\ndw5/dx1 = dw3/dx1 = 3\n")
    assert at_line(r, 8).verdict == CORRECT  # leaving out dw2/dx1*w1 = 0 is fine...
    assert "is 0 here" in at_line(r, 8).message
    item = at_line(r, 10)  # ...but not the nonzero term of w4
    assert item.verdict == MISSING_TERM and "misses the term from parent w4" in item.message
    r = av.check(key, PRIMAL + "dw3/dx1 = dw1/dx1*w1 = 2\n")
    assert at_line(r, 6).verdict == WRONG_PARTIAL
    r = av.check(key, PRIMAL + "dw3/dx1 = dw4/dx1*w2 = 3\n")
    assert at_line(r, 6).verdict == INVALID_STEP and "w3 does not use w4" in at_line(r, 6).message


def test_local_derivative_lines() -> None:
    r = av.check(KEY, PRIMAL + "dw3/dw1 = w2 = 3\ndw4/dw1 = cos(w1) = -0.42\n"
                               "dw3/dw2 = w2 = 3\ndw4/dw2 = 1\ndw5/dw1 = 2.58\n")
    assert [(i.line, i.verdict) for i in r.items if i.line and i.line > 5] == [
        (6, CORRECT), (7, CORRECT), (8, WRONG_PARTIAL), (9, INVALID_STEP), (10, CORRECT)]
    assert at_line(r, 8).message == "wrong local derivative: ∂w3/∂w2 = w1 = 2"
    assert at_line(r, 10).section == "reverse"  # w5 is the output: dw5/dw1 is ∂z/∂w1


def test_the_problem_line_and_the_seed_heading_are_checked() -> None:
    key = {**KEY, "ask": [{"kind": "trace"}, {"kind": "forward", "wrt": "x2"}]}
    r = av.check(key, "z = sin(x1) + x1*x2 at x1=2, x2=4\nForward trace, seed x1=1\n" + PRIMAL)
    assert at_line(r, 1).message == "this is not the problem's point: x2 is 3, not 4"
    assert at_line(r, 2).message == "the problem asks for the seed x2=1"
    r = av.check(key, "z = cos(x1) + x1*x2 at x1=2, x2=3\n" + PRIMAL)
    assert at_line(r, 1).verdict == INVALID_STEP


def test_programs_with_named_steps() -> None:
    key = {"program": "a = x*y\nb = exp(a)/(1 + x)\nc = b - x^2", "at": {"x": 0.5, "y": -1.5},
           "ask": [{"kind": "trace"}, {"kind": "reverse"}, {"kind": "gradient"}]}
    t = av.trace(key["program"], key["at"])
    from autodiff_viz.views.text import render_text
    r = av.check(key, render_text(t, style="text"))
    assert r.all_correct and r.score == r.max_score, r.to_text()


def test_steps_after_a_missing_term_follow_from_it() -> None:
    key = {"expression": "sin(x*y) + x*y", "at": {"x": 1, "y": 2}, "ask": [{"kind": "reverse"}]}
    table = """w1 = x
w2 = y
w3 = w1*w2
w4 = sin(w3)
w5 = w4 + w3
dz/dw5 = 1
dz/dw4 = dz/dw5 = 1
dz/dw3 = dz/dw5 = 1
dz/dw2 = dz/dw3*w1 = 1
dz/dw1 = dz/dw3*w2 = 2
"""
    r = av.check(key, table)
    assert [(i.line, i.verdict) for i in r.items if i.line and i.line > 6] == [
        (7, CORRECT), (8, MISSING_TERM), (9, CARRIED), (10, CARRIED)]
    assert "earlier error in dz/dw3 (line 8)" in at_line(r, 10).message


def test_a_forward_trace_for_another_seed_is_pointed_out() -> None:
    key = {**KEY, "ask": [{"kind": "forward", "wrt": "x2"}]}
    r = av.check(key, PRIMAL + "dw3/dx1 = dw1/dx1*w2 = 3\ndw4/dx1 = -0.4161\ndw5/dx1 = 2.584\n")
    assert r.items[-1].verdict == MISSING and r.items[-1].name == "forward trace (seed x2=1)"
    assert r.notes == ["your forward trace is for the seed x1=1; the problem asks for x2=1"]
