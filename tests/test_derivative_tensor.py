"""The derivative graph of a tensor graph (issue 14, "the same for tensor graphs"): the
adjoints (tangents) as nodes of the operations table, checked against the reverse
(forward) pass at every original node; H·v of matrix-form MLP losses against central differences of the
gradient; the helper operations' own jvp and vjp against finite differences and each
other; what is refused, and why."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.errors import InputError
from autodiff_viz.ops import DERIVATIVE_HELPERS, FUNCTIONS, OPS
from autodiff_viz.passes import forward, linearize, primal, reverse

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ["W1", "b1", "W2", "b2"]


def _adjoints_agree(src: str, at: dict, wrt: list[str] | None = None,
                    shapes: bool = False) -> int:
    """Every original node's adjoint: the derivative graph's value (a primal pass over it)
    against the reverse pass over the original graph. Returns how many were compared."""
    dg = av.derivative_graph(src, wrt=wrt, shapes=at if shapes else None)
    base = dg.base
    p = primal(base, at)
    r = reverse(base, p, linearize(base, p), wrt=wrt)
    values = primal(dg, at).values
    for i, j in dg.holds.items():
        want, got = r.adjoints[i], values[j]
        assert np.shape(got) == np.shape(want), (src, i)
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), (src, i, got, want)
    for (name, j), (_y, x) in zip(dg.derivative_outputs, dg.pairs):  # ∂L/∂x outputs
        assert np.allclose(values[j], r.adjoints[base.names[x]], rtol=1e-10, atol=1e-12)
    return len(dg.holds)


def _mlp_point(seed: int, m: int = 4, d: int = 3, k: int = 5, c: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=m)
    return {"X": rng.normal(size=(m, d)), "W1": rng.normal(size=(d, k)),
            "b1": rng.normal(size=k), "W2": rng.normal(size=(k, c)), "b2": rng.normal(size=c),
            "y": labels.astype(float), "Y": np.eye(c)[labels]}


ACTIVATIONS = ["relu", "tanh", "sigmoid", "softplus", "exp", "sin"]
LOSSES = ["cross_entropy(z, y)", "cross_entropy(z, Y)", "mse(sigmoid(z), Y)",
          "bce(sigmoid(z), Y)", "sum(z*z)", "mean(log_softmax(z)*Y)",
          "sum(softmax(z)*Y) + sum(logsumexp(z))", "norm2(z)", "mean(mean(z, axis=-1)*y)"]


def _random_program(rng: np.random.Generator) -> str:
    """A random small MLP-like program: one or two layers, a bias added as a row (numpy
    broadcasting) or not, a random activation and loss, sometimes a weight penalty."""
    act = ACTIVATIONS[rng.integers(len(ACTIVATIONS))]
    first = ["X@W1 + b1", "b1 + X@W1", "X@W1", "(W1.T@X.T).T + b1"][rng.integers(4)]
    lines = [f"h = {act}({first})"]
    lines.append(["z = h@W2 + b2", "z = h@W2", "z = b2 + h@W1.T@W1@W2"][rng.integers(3)])
    loss = LOSSES[rng.integers(len(LOSSES))]
    penalty = ["", " + 0.1*sum(W1*W1)", " + 0.01*norm2(W2)", " + mean(sum(W1, axis=0)*b1)"][
        rng.integers(4)]
    lines.append(f"L = {loss}{penalty}")
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(24))
def test_random_tensor_programs_adjoints_equal_the_reverse_pass_at_every_node(seed: int) -> None:
    rng = np.random.default_rng(seed)
    src = _random_program(rng)
    m, d, k, c = (int(x) for x in rng.integers(2, 5, size=4))
    point = _mlp_point(seed, m, d, k, c)
    names = av.parse(src).input_names
    at = {x: point[x] for x in names}
    params = [x for x in PARAMETERS if x in names]
    for wrt in (None, params):
        for shapes in (False, True):  # resized everywhere, or only where shapes differ
            assert _adjoints_agree(src, at, wrt, shapes) >= 5


# every tensor operation with an adjoint in the graph, with a random weight C on its result
# so that the adjoint it receives is a random array (not the seed 1)
OP_CASES = [
    ("a@b", {"a": (3, 4), "b": (4, 2)}), ("a@b", {"a": (4,), "b": (4, 3)}),
    ("a@b", {"a": (3, 4), "b": (4,)}), ("a@b", {"a": (5,), "b": (5,)}),
    ("a.T", {"a": (3, 2)}), ("a.T", {"a": (4,)}), ("sum(a)", {"a": (3, 2)}),
    ("mean(a)", {"a": (3, 2)}), ("softmax(a)", {"a": (4,)}), ("softmax(a)", {"a": (3, 5)}),
    ("log_softmax(a)", {"a": (3, 5)}), ("logsumexp(a)", {"a": (4,)}),
    ("logsumexp(a)", {"a": (3, 5)}), ("outer(a, b)", {"a": (3,), "b": (4,)}),
    ("cross_entropy(a, b)", {"a": (3, 5), "b": (3, 5)}),
    ("cross_entropy(a, b)", {"a": (4,), "b": (4,)}),
    ("sum(a, axis=0)", {"a": (3, 4)}), ("sum(a, axis=1)", {"a": (3, 4)}),
    ("sum(a, axis=-1)", {"a": (5,)}), ("mean(a, axis=0)", {"a": (3, 4)}),
    ("mean(a, axis=-1)", {"a": (3, 4)}), ("norm2(a)", {"a": (3, 4)}),
    ("mse(a, b)", {"a": (2, 3), "b": (2, 3)}), ("bce(a, b)", {"a": (4,), "b": (4,)}),
    ("a + b", {"a": (3, 4), "b": (4,)}), ("a*b", {"a": (3, 1), "b": (1, 4)}),
    ("a - b", {"a": (3, 4), "b": ()}), ("a/b", {"a": (4,), "b": (3, 4)}),
    ("max(a, axis=1)", {"a": (3, 4)}), ("min(a, axis=0)", {"a": (3, 4)}),
    ("max(a, axis=-1)", {"a": (5,)}), ("max(a)", {"a": (3, 4)}), ("min(a)", {"a": (4,)}),
]


def _op_point(expr: str, shapes: dict) -> dict:
    """Random arguments of those shapes, and a random weight C of the result's shape."""
    rng = np.random.default_rng(len(expr) + sum(map(len, shapes.values())))
    at = {k: rng.normal(size=s) for k, s in shapes.items()}
    if expr.startswith("bce"):
        at = {"a": rng.uniform(0.1, 0.9, size=4), "b": rng.uniform(0, 1, size=4)}
    if expr.startswith("a/b"):
        at["b"] = rng.uniform(1, 2, size=shapes["b"])
    out = primal(av.parse(expr), at).values[-1]
    at["C"] = rng.normal(size=np.shape(out))
    return at


@pytest.mark.parametrize("expr, shapes", OP_CASES, ids=[f"{e}:{s}" for e, s in OP_CASES])
def test_each_tensor_operations_adjoint_nodes_equal_its_vjp(expr: str, shapes: dict) -> None:
    at = _op_point(expr, shapes)
    src = f"L = sum(({expr})*C)"
    assert _adjoints_agree(src, at) >= 3
    assert _adjoints_agree(src, at, shapes=True) >= 3
    # a tensor output, not a number: its adjoint is 1 in every entry (sum_to(1, out))
    assert _adjoints_agree(f"L = ({expr})*C", at) >= 3


def test_an_operation_without_adjoint_nodes_is_refused_by_name() -> None:
    """from_one_hot (the adjoint of one-hot labels) has none yet: differentiating the
    derivative graph's dL/dY again stops there, naming it."""
    dg = av.derivative_graph("L = cross_entropy(Z@W, Y)")
    with pytest.raises(InputError, match="no adjoint for from_one_hot yet") as err:
        av.derivative_graph(dg, output="dL_dY")
    assert "trace or grad" in (err.value.hint or "")


def test_simplify_is_refused_for_tensor_graphs() -> None:
    """×0 would drop a term for a number 0 where an array is due."""
    with pytest.raises(InputError, match="simplify") as err:
        av.derivative_graph("sum(tanh(W@x))", simplify=True)
    assert "simplify=False" in (err.value.hint or "")


def _tangents_agree(src: str, at: dict, x: str, shapes: bool) -> int:
    """Forward mode: every original node's tangent, the derivative graph's value against
    the forward pass seeded with 1 in every entry of x."""
    dg = av.derivative_graph(src, mode="forward", wrt=x, shapes=at if shapes else None)
    base = dg.base
    assert base.tensor
    p = primal(base, at)
    f = forward(base, p, linearize(base, p), {x: 1.0})
    values = primal(dg, at).values
    for i, j in dg.holds.items():
        want = f.tangents[i]
        if np.ndim(want) == 0 and want == 0 and np.shape(values[j]):  # the pass's 0: every entry
            want = np.zeros(np.shape(values[j]))
        assert np.shape(values[j]) == np.shape(want), (src, x, i)
        assert np.allclose(values[j], want, rtol=1e-10, atol=1e-12), (src, x, i)
    return len(dg.holds)


@pytest.mark.parametrize("seed", range(0, 24, 3))
def test_forward_derivative_graph_tangents_equal_the_forward_pass(seed: int) -> None:
    rng = np.random.default_rng(seed)
    src = _random_program(rng)
    m, d, k, c = (int(x) for x in rng.integers(2, 5, size=4))
    point = _mlp_point(seed, m, d, k, c)
    at = {x: point[x] for x in av.parse(src).input_names}
    for x in at:
        for shapes in (False, True):
            _tangents_agree(src, at, x, shapes)


@pytest.mark.parametrize("expr, shapes", OP_CASES, ids=[f"{e}:{s}" for e, s in OP_CASES])
def test_each_tensor_operations_tangent_nodes_equal_its_jvp(expr: str, shapes: dict) -> None:
    at = _op_point(expr, shapes)
    for src in (f"L = sum(({expr})*C)", f"L = ({expr})*C"):
        if not av.parse(src).tensor:  # elementwise only: a batch of points, not a tensor graph
            continue
        for x in shapes:
            assert _tangents_agree(src, at, x, False) >= 2
            assert _tangents_agree(src, at, x, True) >= 2


def test_the_listing_reads_as_matrix_adjoints() -> None:
    """Declared shapes: sum_to only where broadcasting copied (b is added to every row)."""
    dg = av.derivative_graph("X: 4x3\nW: 3x2\nb: 2\nL = sum(tanh(X@W + b))", wrt=["W", "b"])
    lines = dg.listing()
    assert lines[0] == "w̄7 = 1"
    assert "w̄3 = sum_to(w̄5·1, w3)" in lines  # b's adjoint: the rows summed
    assert "w̄2 = matmul_at(w1, w̄4)" in lines  # W's adjoint: Xᵀ ū
    assert dg.output_names == ["L", "dL_dW", "dL_db"]
    undeclared = av.derivative_graph("L = sum(tanh(X@W + b))", wrt=["W", "b"]).listing()
    assert "w̄4 = sum_to(w̄5·1, w4)" in undeclared  # shapes unknown: resized to be safe


def test_a_derivative_graph_of_a_tensor_graph_is_differentiated_again() -> None:
    """Reverse over reverse: the derivative graph of dL/dW1's sum, built from the helper
    operations' own adjoint nodes, against the reverse pass over the derivative graph."""
    at = {k: v for k, v in _mlp_point(3).items() if k != "y"}
    for loss in ("mse(sigmoid(z), Y)", "cross_entropy(z, Y)", "sum(softmax(z)*Y)"):
        src = f"h = tanh(X@W1 + b1)\nz = h@W2 + b2\nL = {loss}"
        dg = av.derivative_graph(src, wrt=PARAMETERS)
        for grad in ("dL_dW1", "dL_db2"):
            dg2 = av.derivative_graph(dg, output=grad, wrt=PARAMETERS)
            p = primal(dg, at)
            r = reverse(dg, p, linearize(dg, p), output=grad, wrt=PARAMETERS)
            values = primal(dg2, at).values
            for i, j in dg2.holds.items():
                assert np.allclose(values[j], r.adjoints[i], rtol=1e-9, atol=1e-12), (loss, i)


# -- the helper operations: jvp against differences of fn, vjp against jvp --------------
HELPERS = [("sum_to", [(3, 4), (4,)]), ("sum_to", [(4,), (3, 4)]), ("sum_to", [(3, 1), (1, 4)]),
           ("rowsum", [(3, 4)]), ("rowsum", [(5,)]), ("matmul_bt", [(3, 2), (4, 2)]),
           ("matmul_bt", [(3,), (4,)]), ("matmul_bt", [(), (4,)]), ("matmul_bt", [(2,), (4, 2)]),
           ("matmul_at", [(3, 4), (3, 2)]), ("matmul_at", [(3,), (2,)]),
           ("matmul_at", [(3, 4), (3,)]), ("one_hot", [(3, 4), (3, 4)]),
           ("from_one_hot", [(3, 4), (3, 4)]), ("at_max", [(3, 4)]), ("at_min", [(5,)]),
           ("at_max_axis", [(3, 4), 1]), ("at_min_axis", [(3, 4), 0]),
           ("spread_axis", [(3,), (4, 3), 0]), ("spread_axis", [(2, 4), (2, 3, 4), 1]),
           ("spread_axis", [(2, 2), (2, 2, 2), -1])]


@pytest.mark.parametrize("name, shapes", HELPERS, ids=[f"{n}{s}" for n, s in HELPERS])
def test_helper_operations_jvp_and_vjp_against_differences(name: str, shapes: list) -> None:
    op = OPS[name]
    rng = np.random.default_rng(len(name) * 7 + len(shapes[0]))
    static = [np.float64(s) for s in shapes if not isinstance(s, tuple)]  # the axis
    args = [rng.normal(size=s) for s in shapes if isinstance(s, tuple)] + static
    out = op.fn(*args)
    assert tuple(np.shape(out)) == tuple(op.shape(*[np.shape(a) for a in args], *static))
    g = rng.normal(size=np.shape(out))
    eps = 1e-6
    for k in range(len(args) - len(static)):
        t = rng.normal(size=shapes[k])
        moved = [a + eps * t if j == k else a for j, a in enumerate(args)]
        back = [a - eps * t if j == k else a for j, a in enumerate(args)]
        fd = (op.fn(*moved) - op.fn(*back)) / (2 * eps)
        jvp = op.jvp[k](*args, out, t)
        assert np.allclose(jvp, fd, atol=1e-7), (name, k)
        vjp = op.vjp[k](*args, out, g)  # ⟨vjp(g), t⟩ = ⟨g, jvp(t)⟩
        assert np.shape(vjp) == np.shape(args[k])
        assert np.isclose(np.sum(vjp * t), np.sum(g * jvp), atol=1e-9), (name, k)


def test_every_helper_operation_is_tested() -> None:
    tested = {n for n, _ in HELPERS} | {"size", "rows"}  # counts: test_counts_and_labels
    assert tested == DERIVATIVE_HELPERS
    # functions of the language, so that a derivative program parses back
    assert all(OPS[n].tensor and FUNCTIONS[n] is OPS[n] for n in DERIVATIVE_HELPERS)


def test_a_tensor_derivative_program_parses_back_to_the_same_values() -> None:
    dg = av.derivative_graph("W: 2x3\nx: 3\nL = sum(tanh(W@x))")
    again = av.parse(dg.to_program(), outputs=dg.output_names)
    at = {"W": np.arange(6.0).reshape(2, 3) / 10, "x": np.array([1.0, -1, 2])}
    first = av.trace(dg, at=at, mode="primal").values
    second = av.trace(again, at=at, mode="primal").values
    assert first.keys() == second.keys() == {"L", "dL_dW", "dL_dx"}
    for k in first:
        assert np.allclose(first[k], second[k])
    W, x = at["W"], at["x"]  # by hand: dL/dW = (1 - tanh(Wx)^2) xᵀ
    assert np.allclose(second["dL_dW"], np.outer(1 - np.tanh(W @ x) ** 2, x))


def test_counts_and_labels() -> None:
    assert OPS["size"].fn(np.zeros((3, 4))) == 12.0 and OPS["rows"].fn(np.zeros((3, 4))) == 3.0
    assert OPS["rows"].fn(np.zeros(4)) == 1.0
    y = np.array([2.0, 0.0])
    assert OPS["one_hot"].fn(y, np.zeros((2, 3))).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert OPS["from_one_hot"].fn(np.ones((2, 3)), y).tolist() == [0, 0]  # indices: no adjoint
    assert OPS["sum_to"].fn(np.ones((4, 3)), np.zeros((4, 1))).tolist() == [[3.0]] * 4
    with pytest.raises(ValueError):
        OPS["sum_to"].shape((3, 4), (2,))


# -- H·v --------------------------------------------------------------------------------
MLP_CE = "h = relu(X@W1 + b1)\nz = h@W2 + b2\nL = cross_entropy(z, y)"
MLP_MSE = "h = tanh(X@W1 + b1)\nL = mse(sigmoid(h@W2 + b2), Y)"


def _differences(src: str, at: dict, v: dict, eps: float = 1e-5) -> dict:
    up = av.gradient(src, {k: x + eps * v.get(k, 0.0) for k, x in at.items()}, wrt=PARAMETERS)
    down = av.gradient(src, {k: x - eps * v.get(k, 0.0) for k, x in at.items()},
                       wrt=PARAMETERS)
    return {k: (np.asarray(up[k]) - np.asarray(down[k])) / (2 * eps) for k in PARAMETERS}


@pytest.mark.parametrize("src", [MLP_CE, MLP_MSE], ids=["cross-entropy", "mse"])
@pytest.mark.parametrize("seed", range(3))
def test_hvp_of_a_two_layer_mlp_equals_differences_of_the_gradient(src: str, seed: int) -> None:
    point = _mlp_point(seed)
    at = {k: point[k] for k in av.parse(src).input_names}
    rng = np.random.default_rng(100 + seed)
    v = {k: rng.normal(size=np.shape(at[k])) for k in PARAMETERS}
    p = av.hvp(src, at, v, wrt=PARAMETERS)
    fd = _differences(src, at, v)
    scale = max(float(np.max(np.abs(fd[k]))) for k in PARAMETERS)
    for k in PARAMETERS:
        assert np.shape(p.product[k]) == np.shape(at[k])
        assert float(np.max(np.abs(p.product[k] - fd[k]))) / scale < 1e-6, k
    assert p.cost.passes == 1


def test_hvp_is_symmetric_and_linear_in_v() -> None:
    at = {k: x for k, x in _mlp_point(9).items() if k != "Y"}
    rng = np.random.default_rng(1)
    u = {k: rng.normal(size=np.shape(at[k])) for k in PARAMETERS}
    v = {k: rng.normal(size=np.shape(at[k])) for k in PARAMETERS}
    hu = av.hvp(MLP_CE, at, u, wrt=PARAMETERS).product
    hv = av.hvp(MLP_CE, at, v, wrt=PARAMETERS).product
    a = sum(float(np.sum(v[k] * hu[k])) for k in PARAMETERS)
    b = sum(float(np.sum(u[k] * hv[k])) for k in PARAMETERS)
    assert abs(a) > 1e-3 and a == pytest.approx(b, rel=1e-10)
    both = av.hvp(MLP_CE, at, {k: 2 * u[k] - v[k] for k in PARAMETERS}, wrt=PARAMETERS).product
    for k in PARAMETERS:
        assert np.allclose(both[k], 2 * hu[k] - hv[k], rtol=1e-10, atol=1e-12)


def test_hvp_against_the_hessian_of_the_same_network_written_with_numbers() -> None:
    """A 1-example, 2-2-1 network as matrices and as numbers: the same H·v."""
    rng = np.random.default_rng(4)
    W1, b1, w2, x = (rng.normal(size=s) for s in [(2, 2), (2,), (2,), (2,)])
    tensor = "W1: 2x2\nL = (sigmoid(w2@tanh(W1@x + b1)) - 1)^2"
    scalar = ("h0 = tanh(W00*x0 + W01*x1 + b0)\nh1 = tanh(W10*x0 + W11*x1 + b1)\n"
              "L = (sigmoid(w0*h0 + w1*h1) - 1)^2")
    at_s = {f"W{i}{j}": W1[i, j] for i in range(2) for j in range(2)}
    at_s |= {"b0": b1[0], "b1": b1[1], "w0": w2[0], "w1": w2[1], "x0": x[0], "x1": x[1]}
    names = ["W00", "W01", "W10", "W11", "b0", "b1", "w0", "w1"]
    H = av.hessian(scalar, at_s, wrt=names).matrix
    v = rng.normal(size=8)
    hv = H @ v
    p = av.hvp(tensor, {"W1": W1, "b1": b1, "w2": w2, "x": x},
               {"W1": v[:4].reshape(2, 2), "b1": v[4:6], "w2": v[6:]}, wrt=["W1", "b1", "w2"])
    assert np.allclose(p.product["W1"].ravel(), hv[:4], rtol=1e-10, atol=1e-12)
    assert np.allclose(p.product["b1"], hv[4:6], rtol=1e-10, atol=1e-12)
    assert np.allclose(p.product["w2"], hv[6:], rtol=1e-10, atol=1e-12)


def test_hvp_direction_errors_say_what_and_how_to_fix() -> None:
    at = {k: x for k, x in _mlp_point(2).items() if k != "Y"}
    v = {"W1": np.ones((2, 2))}
    with pytest.raises(InputError, match=r"v\['W1'\] has shape 2×2, but W1 is 3×5") as err:
        av.hvp(MLP_CE, at, v)
    assert "W1's shape" in (err.value.hint or "")
    with pytest.raises(InputError, match="finite numbers"):
        av.hvp(MLP_CE, at, {"b1": "up"})
    given = {"b2": 1.0}  # a number: that number in every entry; the caller's dict is kept
    p = av.hvp(MLP_CE, at, given, wrt=PARAMETERS)
    assert given == {"b2": 1.0} and np.shape(p.product["W2"]) == (5, 2)
    q = av.hvp(MLP_CE, at, {"b2": np.ones(2)}, wrt=PARAMETERS)
    assert all(np.array_equal(p.product[k], q.product[k]) for k in PARAMETERS)


def test_the_full_hessian_of_a_tensor_graph_is_refused_with_the_reason() -> None:
    at = {"W": [[1.0, 2.0], [0.5, -1.0]], "x": [1.0, 2.0]}
    with pytest.raises(InputError, match="vectors or matrices") as err:
        av.hessian("sum(tanh(W @ x))", at)
    assert "hvp" in (err.value.hint or "")


def test_cli_hessian_v_on_a_tensor_program(tmp_path: Path) -> None:
    prog = tmp_path / "mlp.txt"
    prog.write_text("X: 2x2\nW1: 2x3\nb1: 3\nw2: 3\nh = tanh(X@W1 + b1)\nL = mse(h@w2, y)\n")
    at = "X=[[1,2],[0.5,-1]],W1=[[0.1,0.2,0.3],[0.4,-0.5,0.6]],b1=[0,0.1,0.2],w2=[1,-1,0.5],y=[1,0]"
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", "hessian", f"@{prog}", "--at", at,
                           "--v", "w2=[1,0,0],b1=[0,1,0]", "--wrt", "W1,b1,w2", "--format",
                           "json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    values = {"X": np.array([[1, 2], [0.5, -1]]), "W1": np.array([[0.1, 0.2, 0.3],
                                                                  [0.4, -0.5, 0.6]]),
              "b1": np.array([0, 0.1, 0.2]), "w2": np.array([1, -1, 0.5]), "y": np.array([1, 0.])}
    v = {"w2": np.array([1.0, 0, 0]), "b1": np.array([0, 1.0, 0])}
    eps = 1e-6
    src = prog.read_text()
    up = av.gradient(src, {k: x + eps * v.get(k, 0) for k, x in values.items()})
    down = av.gradient(src, {k: x - eps * v.get(k, 0) for k, x in values.items()})
    for k in ("W1", "b1", "w2"):
        assert np.allclose(got["product"][k], (up[k] - down[k]) / (2 * eps), atol=1e-7), k
    table = subprocess.run([sys.executable, "-m", "autodiff_viz", "hessian", f"@{prog}",
                            "--at", at, "--v", "w2=[1,0,0],b1=[0,1,0]", "--wrt", "W1,b1,w2"],
                           capture_output=True, text=True, cwd=ROOT)
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if "(H·v)[w2" in line)
    shown = [float(x) for x in row.split("=", 1)[1].strip(" []").split(",")]
    assert np.allclose(shown, got["product"]["w2"], rtol=1e-3, atol=1e-4)


def test_example_mlp_hvp_runs_and_agrees() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "mlp_hvp.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    errors = [float(line.rsplit(":", 1)[1]) for line in proc.stdout.splitlines()
              if line.strip().startswith("relative error")]
    assert len(errors) == 2 and max(errors) < 1e-6
    sym = [line for line in proc.stdout.splitlines() if line.startswith("symmetry")][0]
    a, b = (float(x.split(",")[0]) for x in sym.split("= ")[1:])
    assert a == pytest.approx(b, rel=1e-5)
    assert "w̄9 = matmul_bt(w̄10, w4)" in proc.stdout


@pytest.mark.parametrize("shape", [(2, 2, 2), (2, 3, 4), (3, 4), (5,)])
def test_reductions_along_any_axis_of_any_array(shape: tuple[int, ...]) -> None:
    """sum, mean and max along every axis (3-d arrays too, and equal sizes, where copying
    back along the wrong axis would still fit): the derivative graph's gradient equals
    the reverse pass, and H·v equals central differences of the gradient."""
    rng = np.random.default_rng(len(shape))
    for axis in range(-len(shape), len(shape)):
        src = (f"L = sum(sum(x, axis={axis})^2) + "
               f"sum(mean(x*x, axis={axis})*max(x, axis={axis}))")
        x, v = rng.normal(size=shape), rng.normal(size=shape)
        grad = av.trace(src, at={"x": x}, mode="reverse").gradient["x"]
        values = av.trace(av.derivative_graph(src), at={"x": x}, mode="primal").values
        assert np.allclose(values["dL_dx"], grad, rtol=1e-12, atol=1e-12), axis
        eps = 1e-6
        fd = (av.gradient(src, {"x": x + eps * v})["x"]
              - av.gradient(src, {"x": x - eps * v})["x"]) / (2 * eps)
        assert np.allclose(av.hvp(src, {"x": x}, {"x": v}).product["x"], fd, atol=1e-6), axis
