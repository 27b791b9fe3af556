"""The worked examples of ../shared/reference/worked-examples.md, number for number.

Oracles: hand-derived values from the reference file (cos 2 + 3, ...), math.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import autodiff_viz as av

EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}


@pytest.fixture(scope="module")
def t() -> av.Trace:
    return av.trace(EXPR, at=AT, mode="both", wrt="x2")


def node_by_formula(t: av.Trace, formula: str) -> int:
    return next(s.node for s in t.steps if s.formula == formula)


def test_primal_values(t: av.Trace) -> None:
    by = {s.formula: s.value for s in t.steps}
    assert by["x1"] == 2 and by["x2"] == 3
    assert by["w1*w2"] == 6
    assert by["sin(w1)"] == pytest.approx(0.909297426825682, abs=1e-15)
    assert by["w3 + w4"] == pytest.approx(6.909297426825682, abs=1e-15)
    assert t.value == pytest.approx(math.sin(2) + 6, rel=1e-15)
    # printed rounded as the courses print them
    assert f"{by['sin(w1)']:.1f}" == "0.9" and f"{t.value:.1f}" == "6.9"


def test_numbering_is_deterministic_inputs_first_then_as_written(t: av.Trace) -> None:
    assert [s.name for s in t.steps] == ["w1", "w2", "w3", "w4", "w5"]
    assert [s.formula for s in t.steps] == ["x1", "x2", "sin(w1)", "w1*w2", "w3 + w4"]
    assert t.graph.labels("v") == ["v-1", "v0", "v1", "v2", "v3"]
    assert t.graph.labels("u") == ["u1", "u2", "u3", "u4", "u5"]
    assert av.trace(EXPR, AT, notation="v").steps[4].formula == "v1 + v2"


def test_local_partials_as_formula_and_number(t: av.Trace) -> None:
    mul = t.steps[node_by_formula(t, "w1*w2")]
    assert [(p.parent_name, p.formula, p.value) for p in mul.partials] == [
        ("w1", "w2", 3.0), ("w2", "w1", 2.0)]
    sin = t.steps[node_by_formula(t, "sin(w1)")]
    assert [(p.formula, p.value) for p in sin.partials] == [("cos(w1)", math.cos(2))]
    add = t.steps[node_by_formula(t, "w3 + w4")]
    assert [(p.formula, p.value) for p in add.partials] == [("1", 1.0), ("1", 1.0)]


def test_forward_mode_seeded_on_x2(t: av.Trace) -> None:
    steps = {s.name: s for s in t.forward_steps(0)}
    assert t.forward[0].seed == {"x2": 1.0}
    assert steps["w1"].tangent == 0 and steps["w2"].tangent == 1
    assert steps["w3"].tangent == 0  # sin(x1) does not depend on x2
    assert steps["w4"].tangent == 2  # 1 * w1
    # ẇ5 = ẇ3·1 + ẇ4·1 = 0·1 + 2·1 = 2, each term kept with both factors
    assert [(term.parent_name, term.value) for term in steps["w5"].terms] == [("w3", 0), ("w4", 2)]
    assert [(term.parent_tangent, term.partial) for term in steps["w5"].terms] == [(0, 1), (2, 1)]
    assert steps["w5"].tangent == 2
    assert t.directional(0) == {"z": 2.0}


def test_reverse_mode_every_adjoint_and_term(t: av.Trace) -> None:
    steps = t.reverse_steps(0)
    assert [s.name for s in steps] == ["w5", "w4", "w3", "w2", "w1"]
    adj = {s.name: s.adjoint for s in steps}
    assert adj["w5"] == 1 and adj["w4"] == 1 and adj["w3"] == 1
    assert adj["w2"] == 2  # dz/dw4 · dw4/dw2 = w1
    assert adj["w1"] == pytest.approx(math.cos(2) + 3, rel=1e-15)
    assert f"{adj['w1']:.2f}" == "2.58"
    # w1 feeds two nodes: two terms, summed
    terms = [(x.child_name, x.child_adjoint, x.partial, x.value) for x in steps[-1].terms]
    assert terms == [("w4", 1.0, 3.0, 3.0), ("w3", 1.0, math.cos(2), math.cos(2))]
    assert t.gradient == {"x1": pytest.approx(math.cos(2) + 3), "x2": 2.0}


def test_cost_forward_needs_a_pass_per_input_reverse_one() -> None:
    fwd = av.trace(EXPR, AT, mode="forward")
    rev = av.trace(EXPR, AT, mode="reverse")
    assert fwd.cost["forward"]["passes"] == 2 and fwd.cost["reverse"]["passes"] == 0
    assert rev.cost["reverse"]["passes"] == 1
    assert fwd.cost["primal"]["operations"] == 3
    assert fwd.cost["forward"]["multiply_adds"] == 2 * 5
    assert rev.cost["reverse"]["multiply_adds"] == 5
    assert fwd.gradient == pytest.approx(rev.gradient, rel=1e-15)


def test_gradient_and_jacobian_api_both_modes() -> None:
    for mode in ("forward", "reverse"):
        g = av.gradient(EXPR, AT, mode=mode)
        assert g["x1"] == pytest.approx(math.cos(2) + 3, rel=1e-15) and g["x2"] == 2
    jac = av.jacobian("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}, mode="forward")
    assert jac["b"] == {"x": 1.0, "y": 1.0}
    assert jac["c"]["x"] == pytest.approx(math.cos(10) * 5)
    assert jac == av.jacobian("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}, mode="reverse")


def test_to_dict_is_stable_json_with_every_number(t: av.Trace) -> None:
    d = json.loads(json.dumps(t.to_dict()))
    assert d["schema"] == "autodiff_viz.trace" and d["version"] == 1
    assert [n["name"] for n in d["nodes"]] == ["w1", "w2", "w3", "w4", "w5"]
    assert d["nodes"][2]["partials"] == [{"parent": "w1", "position": 0, "formula": "cos(w1)",
                                          "value": math.cos(2)}]
    rev = d["reverse"][0]
    assert rev["output"] == "z" and rev["gradient"]["x2"] == 2.0
    last = rev["steps"][-1]
    assert [term["child"] for term in last["terms"]] == ["w4", "w3"]
    assert d["forward"][0]["steps"][-1]["tangent"] == 2.0
    assert d["jacobian"]["z"]["x1"] == pytest.approx(math.cos(2) + 3)


def test_python_function_front_end_builds_the_same_graph() -> None:
    def f(x1, x2):
        return av.sin(x1) + x1 * x2

    g = av.trace_function(f)
    assert g.structure() == av.parse(EXPR).structure()
    assert av.gradient(f, AT) == av.gradient(EXPR, AT)


def test_program_names_become_node_names() -> None:
    t = av.trace("a = x1*x2; b = sin(x1); z = a + b", AT, mode="reverse")
    assert [s.name for s in t.steps] == ["w1", "w2", "a", "b", "z"]
    assert t.steps[4].formula == "a + b"
    assert t.gradient["x1"] == pytest.approx(math.cos(2) + 3)


XOR = """
h1 = relu(1*x1 + 1*x2 + 0)
h2 = relu(1*x1 + 1*x2 - 1)
f = 1*h1 - 2*h2 + 0
"""


def test_xor_network_written_with_scalars() -> None:
    X = [(0, 0), (1, 0), (0, 1), (1, 1)]
    point_by_point = [av.trace(XOR, {"x1": a, "x2": b}, mode="primal").value for a, b in X]
    assert point_by_point == [0, 1, 1, 0]
    batch = av.trace(XOR, {"x1": np.array([0., 1, 0, 1]), "x2": np.array([0., 0, 1, 1])},
                     mode="primal")
    assert batch.value.tolist() == [0, 1, 1, 0]
    # hidden layer after ReLU: [[0,0],[1,0],[1,0],[2,1]]
    h = {s.name: s.value for s in batch.steps}
    assert h["h1"].tolist() == [0, 1, 1, 2] and h["h2"].tolist() == [0, 0, 0, 1]


def test_batch_gradient_matches_hand_written_numpy() -> None:
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=1000), rng.normal(size=1000)
    g = av.gradient(EXPR, {"x1": x1, "x2": x2})
    np.testing.assert_allclose(g["x1"], np.cos(x1) + x2, rtol=1e-15)
    np.testing.assert_allclose(g["x2"], x1, rtol=1e-15)
    # a scalar input broadcast against an array one
    g2 = av.gradient(EXPR, {"x1": x1, "x2": 3.0})
    assert g2["x2"].shape == (1000,)
