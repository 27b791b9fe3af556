"""API details: seeds, outputs, input validation, networkx export, notations."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff_viz as av

EXPR = "sin(x1) + x1*x2"


def test_direction_seed_gives_the_directional_derivative() -> None:
    t = av.trace(EXPR, {"x1": 2.0, "x2": 3.0}, mode="forward", seed={"x1": 1.0, "x2": 0.5})
    grad = av.gradient(EXPR, {"x1": 2.0, "x2": 3.0})
    assert t.directional(0)["z"] == pytest.approx(grad["x1"] * 1.0 + grad["x2"] * 0.5)
    assert t.gradient == {}  # a direction is not a coordinate


def test_output_seed_scales_the_adjoints() -> None:
    t = av.trace(EXPR, {"x1": 2.0, "x2": 3.0}, mode="reverse", output_seed=2.0)
    assert t.reverse_steps()[0].adjoint == 2.0
    assert t.reverse[0].adjoints[1] == 4.0  # 2 * dz/dx2
    assert t.gradient["x2"] == 2.0  # the gradient divides the seed out


def test_missing_and_unknown_inputs_are_all_listed() -> None:
    with pytest.raises(av.InputError) as err:
        av.trace("a*b + c", {"a": 1.0, "d": 2.0})
    msg = str(err.value)
    assert "missing values for b, c" in msg and "unknown variable d" in msg
    assert "--at a=1,b=1,c=1" in msg
    with pytest.raises(av.InputError, match="must be a number"):
        av.trace("a*2", {"a": "two"})
    with pytest.raises(av.InputError, match="not finite"):
        av.trace("a*2", {"a": float("nan")})
    with pytest.raises(av.InputError, match="do not broadcast"):
        av.trace("a*b", {"a": np.ones(3), "b": np.ones(4)})
    with pytest.raises(av.InputError, match="unknown mode"):
        av.trace("a", {"a": 1.0}, mode="sideways")
    with pytest.raises(av.InputError, match="not an input"):
        av.trace("a*b", {"a": 1.0, "b": 2.0}, wrt="c")
    with pytest.raises(av.InputError, match="unknown notation"):
        av.trace("a*b", {"a": 1.0, "b": 2.0}, notation="q")


def test_library_errors_are_project_exceptions_with_exit_codes() -> None:
    assert issubclass(av.ParseError, av.AutodiffVizError)
    assert issubclass(av.DomainError, av.EvaluationError)
    assert av.InputError("x").exit_code == 2 and av.DomainError("m", "n", "f", 0).exit_code == 1


def test_networkx_export_keeps_nodes_edges_and_argument_positions() -> None:
    g = av.parse("x*x + sin(x)")
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == len(g)
    mul = next(n for n, d in nxg.nodes(data=True) if d["op"] == "mul")
    # x used twice by x*x: two edges, keyed by argument position
    assert sorted(k for u, v, k in nxg.edges(keys=True) if (u, v) == (0, mul)) == [0, 1]
    assert [d["label"] for _, d in sorted(nxg.nodes(data=True))] == g.labels("w")
    import networkx as nx
    assert list(nx.topological_sort(nxg)) == sorted(nxg.nodes)


def test_every_notation_and_assigned_names() -> None:
    g = av.parse("a = x*y\nz = a + x")
    assert g.labels("w") == ["w1", "w2", "w3", "w4"]
    assert g.labels("v") == ["v-1", "v0", "v1", "v2"]
    assert g.labels("u") == ["u1", "u2", "u3", "u4"]
    assert g.display_names("v") == ["v-1", "v0", "a", "z"]
    assert g.formula(3, "v") == "a + v-1"
    assert g.formula(3, "v", "latex") == "a + v_{-1}"
    assert g.formula(2, "u", "unicode") == "u1·u2"


def test_formula_styles_and_partial_formulas() -> None:
    g = av.parse("z = (x - y)^2/sqrt(x)")
    i = g.output_id("z")
    assert g.expressions("text")[i] == "(x - y)^2/sqrt(x)"
    assert g.expressions("latex")[i] == "\\frac{\\left(x - y\\right)^{2}}{\\sqrt{x}}"
    pw = next(n.id for n in g.nodes if n.op is not None and n.op.name == "pow")
    assert g.partial_formula(pw, 0) == "2*w3"
    sq = next(n.id for n in g.nodes if n.op is not None and n.op.name == "sqrt")
    assert g.partial_formula(sq, 0) == "1/(2*sqrt(w1))"
    assert g.partial_formula(sq, 0, style="latex") == "\\frac{1}{2 \\cdot \\sqrt{w_{1}}}"


def test_batch_values_and_shapes() -> None:
    t = av.trace("x*y + 1", {"x": np.arange(3.0), "y": 2.0}, mode="both")
    assert t.value.tolist() == [1.0, 3.0, 5.0]
    assert t.gradient["y"].tolist() == [0.0, 1.0, 2.0]
    assert t.gradient["x"].tolist() == [2.0, 2.0, 2.0]  # broadcast to the batch
    d = t.to_dict()
    assert d["nodes"][-1]["value"] == [1.0, 3.0, 5.0]
    assert math.isclose(av.trace("exp(x)", {"x": 1.0}).value, math.e)
