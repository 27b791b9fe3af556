"""The user's own names: automatic labels never take them, and bound names are variables.

Oracles: derivatives worked out by hand for each expression, central finite
differences, and the rule itself checked on random programs.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.graph import NOTATIONS


def _clashes(g: av.Graph, notation: str) -> list[tuple[str, int, int]]:
    """(label, node labelled, node the user means) for every label that is a user's name
    for another node."""
    labels = g.labels(notation)
    users = g.user_names
    return [(lab, i, users[lab]) for i, lab in enumerate(labels)
            if lab in users and users[lab] != i and g.nodes[i].kind != "const"]


def test_an_input_named_like_a_label_is_not_renamed_and_not_shadowed() -> None:
    t = av.trace("w2*x", at={"w2": 2, "x": 5}, mode="reverse")
    assert t.gradient == {"w2": 5.0, "x": 2.0}  # d(w2*x)/dw2 = x = 5
    names = [s.name for s in t.steps]
    assert "w2" not in names and "w1" not in names
    assert t.letter == "u" and names == ["u1", "u2", "u3"]
    # the local partial of the product with respect to the input w2 reads its value, 5
    part = {p.parent_name: (p.formula, p.value) for p in t.steps[2].partials}
    assert part == {"u1": ("u2", 5.0), "u2": ("u1", 2.0)}
    assert t.notes == ["nodes are named u1, u2, ... instead of w1, w2, ... because w2 is "
                       "already your name"]


def test_the_cli_says_once_why_it_deviates() -> None:
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", "w2*x", "--at",
                          "w2=2,x=5", "--mode", "reverse"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("instead of w1, w2") == 1
    assert "w1 = w2" not in out.stdout and "∂z/∂w2" in out.stdout
    row = next(ln for ln in out.stdout.splitlines() if "∂z/∂w2" in ln)
    assert row.split()[-2] == "5"  # the adjoint of the input w2 is x = 5


NETWORK = """
a1 = w11*x1 + w12*x2 + b1
a2 = w21*x1 + w22*x2 + b2
h1 = sigmoid(a1)
h2 = sigmoid(a2)
y = v1*h1 + v2*h2
L = (y - t)^2/2
"""
POINT = {"w11": 0.5, "w12": -0.3, "w21": 0.8, "w22": 0.2, "b1": 0.1, "b2": -0.1,
         "v1": 1.2, "v2": -0.7, "x1": 1.0, "x2": 2.0, "t": 0.5}


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_a_network_with_weights_w11_w22() -> None:
    g = av.parse(NETWORK)
    for notation in NOTATIONS:
        assert _clashes(g, notation) == []
    assert g.label_letter("w") != "w"
    t = av.trace(g, at=POINT, mode="reverse")
    # dL/dw12 by hand: (y - t) * v1 * h1 (1 - h1) * x2
    p = POINT
    a1 = p["w11"] * p["x1"] + p["w12"] * p["x2"] + p["b1"]
    a2 = p["w21"] * p["x1"] + p["w22"] * p["x2"] + p["b2"]
    h1, h2 = _sig(a1), _sig(a2)
    y = p["v1"] * h1 + p["v2"] * h2
    want = (y - p["t"]) * p["v1"] * h1 * (1 - h1) * p["x2"]
    assert t.gradient["w12"] == pytest.approx(want, rel=1e-12)
    # the picture: every node name it shows is either ours (u..) or the user's own, and the
    # user's w12 appears only as the input w12
    dot = t.to_dot()
    assert dot.count("instead of w1, w2") == 1  # the picture says why, once
    dot = "\n".join(ln for ln in dot.splitlines() if "instead of" not in ln)
    labels_shown = set(re.findall(r"\b[uw]\d+\b", dot))
    assert {n for n in labels_shown if n.startswith("w")} <= set(POINT)


def test_a_program_never_reuses_an_assigned_name() -> None:
    g = av.parse("w1 = x*y\nz = w1 + x")
    for notation in NOTATIONS:
        assert _clashes(g, notation) == []
    # a program that names its nodes exactly as the course does keeps the letter
    g = av.parse("w3 = x1*x2\nw4 = sin(x1)\nw5 = w3 + w4")
    assert g.label_letter("w") == "w" and g.notes("w") == []
    assert g.display_names("w") == ["w1", "w2", "w3", "w4", "w5"]


_NAMES = st.sampled_from(["w1", "w2", "w3", "w11", "w_2", "v0", "v1", "u1", "u2", "x", "x1",
                          "y", "e", "pi", "a", "b", "t1", "f"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_NAMES, _NAMES, _NAMES, st.sampled_from("+*-")), min_size=1,
                max_size=5))
def test_labels_never_equal_a_name_of_another_node(stmts: list) -> None:
    """Random programs over names that look like labels: no label means two things."""
    lines, assigned = [], set()
    for target, a, b, op in stmts:
        if target in assigned or target in (a, b) or target in {"e", "pi"}:
            continue
        used_before = {n for ln in lines for n in re.findall(r"\w+", ln.split("=", 1)[1])}
        if target in used_before:
            continue
        lines.append(f"{target} = {a} {op} {b}")
        assigned.add(target)
    if not lines:
        return
    try:
        g = av.parse("\n".join(lines))
    except av.ParseError:
        return  # e.g. a name used as an input before it is assigned
    for notation in NOTATIONS:
        assert _clashes(g, notation) == []
        assert len(set(g.display_names(notation))) == len(
            [n for n in g.nodes if n.kind != "const"]) + len({n.text for n in g.nodes
                                                              if n.kind == "const"})


# -- e and pi ---------------------------------------------------------------------------
def test_e_given_a_value_is_a_variable() -> None:
    t = av.trace("e*x", at={"e": 2, "x": 3})
    assert t.value == 6.0 and t.gradient == {"e": 3.0, "x": 2.0}
    assert t.notes == ["e is a variable here (it is given a value), not the constant "
                       "e = 2.71828"]
    # unbound, it is Euler's number, and nothing is said
    t = av.trace("e*x", at={"x": 3})
    assert t.value == pytest.approx(3 * math.e) and t.notes == []
    assert av.gradient("pi*r^2", at={"pi": 3, "r": 2}) == {"pi": 4.0, "r": 12.0}


def test_micrograd_program_assigns_e() -> None:
    # micrograd's README: e = c - d, f = e**2, g = f / 2.0
    src = "c = a + b\nd = a*b + b^3\ne = c - d\nf = e^2\ng = f/2.0"
    at = {"a": -4.0, "b": 2.0}
    grad = av.gradient(src, at=at)
    # g = ((a + b) - (a b + b^3))^2 / 2;  dg/da = e (1 - b),  dg/db = e (1 - a - 3 b^2)
    e = (at["a"] + at["b"]) - (at["a"] * at["b"] + at["b"] ** 3)
    assert grad == {"a": pytest.approx(e * (1 - at["b"])),
                    "b": pytest.approx(e * (1 - at["a"] - 3 * at["b"] ** 2))}
    g = av.parse(src)
    assert "e" in g.names and g.notes() == [
        "e is a variable here (it is assigned on line 3), not the constant e = 2.71828"]
    # the program prints back and parses to the same graph
    assert av.parse(g.to_program()).structure() == g.structure()


def test_e_used_before_its_assignment_is_an_error_that_says_where() -> None:
    with pytest.raises(av.ParseError) as err:
        av.parse("y = e*x\ne = 2*x")
    assert err.value.line == 2 and "already used" in err.value.message


def test_cli_binds_e_and_says_so_once() -> None:
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "grad", "e*x", "--at",
                          "e=2,x=3"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("e is a variable here") == 1
    assert re.search(r"∂z/∂e\s*=\s*3\b", out.stdout), out.stdout
