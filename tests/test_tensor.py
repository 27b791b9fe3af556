"""Vectors and matrices as graph nodes (issue 9, first part): every tensor operation's
vector-Jacobian and Jacobian-vector products against central finite differences and against
each other, the slides' XOR network matrix by matrix, a tensor graph against the same graph
expanded to scalars, shape errors with a caret, and values from the command line."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.ops import DERIVATIVE_HELPERS, OPS

RNG = np.random.default_rng(2024)

# each tensor operation on random arguments of fitting shapes
CASES = {
    "matmul": [((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((5,), (5,))],
    "transpose": [((3, 2),), ((4,),)],
    "sum": [((3, 2),), ((4,),)],
    "mean": [((3, 2),), ((4,),)],
    "softmax": [((4,),), ((3, 5),)],
    "log_softmax": [((4,),), ((3, 5),)],
    "logsumexp": [((4,),), ((3, 5),)],
    "outer": [((3,), (4,))],
    "cross_entropy": [((4,), (4,)), ((3, 5), (3, 5))],
    "mse": [((4,), (4,)), ((2, 3), (2, 3))],
    "bce": [((4,), (4,))],
    "sum_axis": [((3, 4), 0), ((3, 4), 1), ((5,), 0)],
    "mean_axis": [((3, 4), 0), ((3, 4), -1)],
    "max_axis": [((3, 4), 1), ((2, 5), 0)],
    "min_axis": [((3, 4), 1)],
    "max_all": [((3, 4),)],
    "min_all": [((4,),)],
    "norm2": [((3, 4),), ((5,),)],
}


def _args(name: str, shapes: tuple) -> list[np.ndarray]:
    out = [RNG.normal(size=s) for s in shapes if isinstance(s, tuple)]
    if name == "bce":
        out[0] = RNG.uniform(0.1, 0.9, size=shapes[0])
        out[1] = RNG.uniform(0.0, 1.0, size=shapes[1])
    if name == "cross_entropy":
        out[1] = np.abs(out[1]) / np.abs(out[1]).sum(axis=-1, keepdims=True)  # distributions
    return out


def _source(name: str, shapes: tuple) -> str:
    op = OPS[name]
    a = ["a", "b"][:len([s for s in shapes if isinstance(s, tuple)])]
    if op.kind == "infix":
        return f"a {op.symbol} b"
    if op.kind == "postfix":
        return "a.T"
    if op.static:  # sum(a, axis=1): the axis is written in the text
        return f"{op.shown}(a, axis={shapes[1]})"
    return f"{op.shown or name}({', '.join(a)})"


def test_every_tensor_operation_is_tested() -> None:
    # (the derivative graph's helpers are tested in tests/test_derivative_tensor.py)
    assert {n for n, op in OPS.items() if op.tensor and n not in DERIVATIVE_HELPERS} == set(CASES)


@pytest.mark.parametrize("name,shapes", [(n, s) for n, ss in CASES.items() for s in ss],
                         ids=[f"{n}{s}" for n, ss in CASES.items() for s in ss])
def test_vjp_and_jvp_against_finite_differences_and_each_other(name: str, shapes: tuple
                                                               ) -> None:
    args = _args(name, shapes)
    names = ["a", "b"][:len(args)]
    src = _source(name, shapes)
    at = dict(zip(names, args))
    t = av.trace(src, at, mode="reverse")
    out = t.value
    g = RNG.normal(size=np.shape(out))  # a random cotangent: reverse pass of <g, f>
    scalar = av.trace(f"sum(({src}) * gg)" if np.ndim(out) else f"({src}) * gg",
                      {**at, "gg": g}, mode="reverse")
    for k, var in enumerate(names):
        # oracle: central differences of <g, f> with respect to every entry of the argument
        fd = np.zeros_like(args[k])
        h = 1e-6
        for idx in np.ndindex(args[k].shape):
            e = np.zeros_like(args[k])
            e[idx] = h
            up = av.trace(src, {**at, var: args[k] + e}, mode="primal").value
            down = av.trace(src, {**at, var: args[k] - e}, mode="primal").value
            fd[idx] = np.sum(g * (np.asarray(up) - np.asarray(down))) / (2 * h)
        np.testing.assert_allclose(scalar.gradient[var], fd, rtol=1e-5, atol=1e-7)
        # forward against reverse: <g, J t> = <Jᵀ g, t> for a random direction t
        tdir = RNG.normal(size=args[k].shape)
        static = [np.float64(s) for s in shapes if not isinstance(s, tuple)]
        jvp = OPS[name].jvp[k](*args, *static, out, tdir)
        vjp = OPS[name].vjp[k](*args, *static, out, g)
        assert np.sum(g * jvp) == pytest.approx(np.sum(vjp * tdir), rel=1e-9, abs=1e-12)


W = np.array([[1.0, 1.0], [1.0, 1.0]])
C = np.array([0.0, -1.0])
WV = np.array([1.0, -2.0])
X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)


def test_the_slides_xor_network_matrix_by_matrix() -> None:
    """f(x) = wᵀ max(0, Wᵀx + c) + b on the four inputs X (rows): the slide's matrices."""
    t = av.trace("h = relu(X@W + c)\nf = h@w + b", {"X": X, "W": W, "c": C, "w": WV, "b": 0.0},
                 mode="reverse")
    v = {s.expression: np.asarray(s.value) for s in t.steps if s.kind == "op"}
    np.testing.assert_array_equal(v["X@W"], [[0, 0], [1, 1], [1, 1], [2, 2]])
    np.testing.assert_array_equal(v["X@W + c"], [[0, -1], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(v["relu(X@W + c)"], [[0, 0], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(t.value, [0, 1, 1, 0])
    # the gradient of sum(f) by hand: ∂/∂b = 4 (b is copied to 4 rows), ∂/∂w = Σ rows of h
    assert t.gradient["b"] == 4.0
    np.testing.assert_array_equal(t.gradient["w"], [4, 1])
    assert t.seed_note(0).startswith("f is 4, not a number: its seed is all ones")


def test_a_tensor_graph_equals_the_same_graph_expanded_to_scalars() -> None:
    """A 3-2-1 network with sigmoid and squared error, as matrices and entry by entry."""
    x, W1, b1, w2 = (RNG.normal(size=3), RNG.normal(size=(2, 3)), RNG.normal(size=2),
                     RNG.normal(size=2))
    t = av.trace("h = sigmoid(W1@x + b1)\nL = (h@w2 - 0.5)^2",
                 {"x": x, "W1": W1, "b1": b1, "w2": w2}, mode="reverse")
    lines = [f"a{i} = " + " + ".join(f"W1_{i}{j}*x{j}" for j in range(3)) + f" + b1_{i}"
             for i in range(2)]
    lines += [f"h{i} = sigmoid(a{i})" for i in range(2)]
    lines += ["L = (h0*w2_0 + h1*w2_1 - 0.5)^2"]
    at = {f"x{j}": x[j] for j in range(3)} | {f"b1_{i}": b1[i] for i in range(2)} | \
        {f"w2_{i}": w2[i] for i in range(2)} | \
        {f"W1_{i}{j}": W1[i, j] for i in range(2) for j in range(3)}
    s = av.trace("\n".join(lines), at, mode="reverse")
    assert t.value == pytest.approx(s.value, rel=1e-12)
    for i in range(2):
        assert t.gradient["b1"][i] == pytest.approx(s.gradient[f"b1_{i}"], rel=1e-10)
        for j in range(3):
            assert t.gradient["W1"][i, j] == pytest.approx(s.gradient[f"W1_{i}{j}"], rel=1e-10)
    for j in range(3):
        assert t.gradient["x"][j] == pytest.approx(s.gradient[f"x{j}"], rel=1e-10)


def test_softmax_cross_entropy_gradient_is_s_minus_y() -> None:
    z = np.array([1.0, 2.0, 0.5])
    s = np.exp(z) / np.exp(z).sum()
    for y in (np.array([1.0, 0.0, 0.0]), 0.0):  # one-hot, or the class index 0
        g = av.gradient("cross_entropy(z, y)", at={"z": z, "y": y})
        np.testing.assert_allclose(g["z"], s - np.array([1.0, 0, 0]), rtol=1e-12)
    # forward mode, seeding all of a: the directional derivative of CE(a ⊙ u) is <s - y, u>
    u = np.array([0.5, -1.0, 2.0])
    t = av.trace("L = cross_entropy(a*u, y)", {"a": np.ones(3), "u": u, "y": np.array([1.0, 0, 0])},
                 mode="forward", wrt="a")
    su = np.exp(u) / np.exp(u).sum()
    assert t.directional(0)["L"] == pytest.approx(np.sum((su - [1, 0, 0]) * u), rel=1e-12)


def test_a_shape_mismatch_names_both_operands_and_points_at_the_operator() -> None:
    with pytest.raises(av.ParseError) as err:
        av.trace("h = W@x + c", {"W": np.ones((2, 3)), "x": np.ones(2), "c": np.ones(2)})
    e = err.value
    assert e.message == ("shapes do not fit for @: W is 2×3 and x is 2; the inner sizes must "
                         "agree")
    assert (e.line, e.column) == (1, 6) and "use W.T to transpose" in e.hint
    with pytest.raises(av.ParseError) as err:
        av.trace("sum(a + b)", {"a": np.ones(3), "b": np.ones(2)})
    assert "a is 3 and b is 2" in err.value.message and err.value.column == 7


def test_transpose_forms_and_matrices_on_the_command_line() -> None:
    for src in ("W.T@x", "W^T@x", "transpose(W)@x"):
        g = av.gradient(f"sum({src})", at={"W": np.array([[1.0, 2.0], [3.0, 4.0]]),
                                           "x": np.array([1.0, 2.0])})
        np.testing.assert_array_equal(g["x"], [3, 7])  # Wᵀx summed: ∂/∂x = W 1
    assert av.parse("x^T + T").input_names == ["x", "T"]  # T is a name here: x^T is a power
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "grad", "sum(relu(X@W + c)@w)",
                          "--at", "X=[[0,0],[1,0],[0,1],[1,1]],W=[[1,1],[1,1]],c=[0,-1],w=[1,-2]"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "∂z/∂w = [4, 1]" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", "W@x", "--at",
                          "W=[[1,2,3],[4,5,6]],x=[1,2]"], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "W is 2×3 and x is 2" in bad.stderr and "^" in bad.stderr


def test_shapes_declared_in_a_program_are_checked_when_it_is_parsed() -> None:
    g = av.parse("W: 2x3\nx: 3\nh = relu(W@x)\nL = sum(h)")
    assert g.declared == {"W": (2, 3), "x": (3,)} and g.tensor
    assert av.parse(g.to_program()).declared == g.declared  # the program prints back
    with pytest.raises(av.ParseError) as err:  # before any value is given
        av.parse("W: 2x3\nx: 2\nh = W@x")
    assert "W is 2×3 and x is 2" in err.value.message and err.value.line == 3
    with pytest.raises(av.ParseError) as err:
        av.parse("W: 2y3\nh = W@x")
    assert err.value.message == "cannot read the shape '2y3'"
    with pytest.raises(av.InputError) as err2:
        av.trace(g, {"W": np.ones((3, 3)), "x": np.ones(3)})
    assert err2.value.message == "W is declared 2×3, but its value is 3×3"


def test_forward_seeds_one_entry_and_jacobians_in_both_modes() -> None:
    Wm, xv = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0])
    # one entry of W seeded: d sum(Wx) / dW[0,1] = x[1] = 2
    t = av.trace("L = sum(W@x)", {"W": Wm, "x": xv}, mode="forward",
                 seed={"W": [[0, 1], [0, 0]]})
    assert t.directional(0) == {"L": 2.0}
    for mode in ("forward", "reverse"):  # ∂ sum(Wx)/∂W = 1 xᵀ, by hand
        g = av.gradient("L = sum(W@x)", {"W": Wm, "x": xv}, mode=mode)
        np.testing.assert_array_equal(g["W"], [[1, 2], [1, 2]])
        np.testing.assert_array_equal(g["x"], [4, 6])
    z = np.array([1.0, 2.0, 0.5])
    s = np.exp(z) / np.exp(z).sum()
    for mode in ("forward", "reverse"):  # the softmax Jacobian diag(s) − s sᵀ, 3 passes each
        t = av.trace("s = softmax(z)", {"z": z}, mode=mode, entries=True)
        np.testing.assert_allclose(t.jacobian["s"]["z"], np.diag(s) - np.outer(s, s),
                                   rtol=1e-12, atol=1e-15)
        assert t.cost[mode]["passes"] == 3
    with pytest.raises(av.InputError, match="the seed of W has shape 2, but W is 2×2"):
        av.trace("sum(W@x)", {"W": Wm, "x": xv}, mode="forward", seed={"W": [1, 0]})


def test_values_from_a_numpy_archive(tmp_path) -> None:
    path = tmp_path / "xor.npz"
    np.savez(path, X=X, W=W, c=C, w=WV)
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "grad", "sum(relu(X@W + c)@w)",
                          "--at", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "∂z/∂W" in out.stdout and "∂z/∂w" in out.stdout


def test_reverse_mode_for_chosen_inputs_leaves_data_without_adjoints() -> None:
    rng = np.random.default_rng(7)
    at = {"X": rng.normal(size=(5, 3)), "W": rng.normal(size=(3, 4)), "b": rng.normal(size=4),
          "y": np.array([0, 3, 1, 2, 0])}
    src = "L = cross_entropy(relu(X@W + b), y)"
    full = av.trace(src, at, mode="reverse")
    some = av.trace(src, at, mode="reverse", params=["W", "b"])
    assert sorted(some.gradient) == ["W", "b"] and sorted(full.gradient) == ["W", "X", "b", "y"]
    for name in ("W", "b"):
        np.testing.assert_array_equal(some.gradient[name], full.gradient[name])
    X_node = some.graph.names["X"]
    assert X_node not in some.reverse[0].order  # no adjoint computed for the data
    assert some.cost["reverse"]["stored_adjoints"] < full.cost["reverse"]["stored_adjoints"]
    with pytest.raises(av.InputError, match="cannot differentiate with respect to Q"):
        av.trace(src, at, mode="reverse", params=["Q"])
    # forward passes of a one-entry seed skip the products of zero tangents, same numbers
    g = av.gradient(src, at, mode="forward", wrt=["b"])
    np.testing.assert_allclose(g["b"], full.gradient["b"], rtol=1e-12, atol=1e-15)


def test_every_view_says_what_the_seed_of_a_non_scalar_output_is() -> None:
    import json

    from autodiff_viz.views import step
    from autodiff_viz.views.formats import render_markdown
    from autodiff_viz.views.latex import render_latex
    from autodiff_viz.views.table import render_table
    from autodiff_viz.views.text import render_text

    t = av.trace("f = relu(X@W + c)@w", {"X": X, "W": W, "c": C, "w": WV}, mode="reverse")
    note = "f is 4, not a number: its seed is all ones"
    for text in (render_text(t), render_table(t), render_markdown(t), t.to_dot()):
        assert note in text
    assert "% note: f is 4, not a number: its seed is all ones" in render_latex(t)
    assert "f is not a number, its seed is all ones" in step.print_all(t)
    assert json.loads(json.dumps(t.to_dict()))["reverse"][0]["seed_note"].startswith(note)
    scalar = av.trace("L = sum(relu(X@W + c)@w)", {"X": X, "W": W, "c": C, "w": WV},
                      mode="reverse")
    assert scalar.seed_note() is None and note[:5] not in render_text(scalar)


def test_stored_arrays_are_shared_not_copied() -> None:
    """The trace keeps one array where two records hold the same numbers."""
    rng = np.random.default_rng(7)
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    t = av.trace("a = X@W\nc = a + b\nL = sum(c)", at={"X": X, "W": W, "b": b}, mode="reverse")
    names = [step.name for step in t.steps]
    values = dict(zip(names, (step.value for step in t.steps)))
    assert values["w1"] is X and values["w2"] is W and values["w3"] is b
    record = t.reverse[0]
    adjoint = dict(zip(names, record.adjoints))
    # a node reached by one term stores that term as its adjoint, not a copy of it
    for i, terms in enumerate(record.terms):
        if len(terms) == 1:
            assert np.shares_memory(terms[0][2], record.adjoints[i]), names[i]
    # c = a + b: the term to a is c̄ itself (∂c/∂a = 1), the same array
    (child, _, term), = record.terms[names.index("a")]
    assert names[child] == "c" and np.shares_memory(term, adjoint["c"])
    # the values are still right: ā = c̄ = ones, W̄ = Xᵀ ā, b̄ = column sums of c̄
    np.testing.assert_array_equal(adjoint["a"], np.ones((4, 2)))
    np.testing.assert_allclose(adjoint["w2"], X.T @ np.ones((4, 2)))
    np.testing.assert_allclose(adjoint["w3"], [4.0, 4.0])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_numbers_tangent_reaching_an_array_feeds_a_matrix_product(mode: str) -> None:
    """f = v·(v − max(2.5, x)) with x = 3 > 2.5: by hand ∂f/∂x = −Σv, ∂f/∂v = 2v − x."""
    v = np.array([1.0, 2.0])
    g = av.gradient("v @ (v - max(2.5, x))", {"x": 3.0, "v": v}, mode=mode)
    assert g["x"] == pytest.approx(-v.sum())
    np.testing.assert_allclose(g["v"], 2 * v - 3.0)
