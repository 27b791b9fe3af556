"""Second order (issue 14): Hessians and Hessian-vector products over the derivative graph.

Oracles: the worked example by hand, sympy's hessian on the random expressions of the
first-order property tests, central differences of av.gradient, symmetry, every mode
against every other, and H·v against the Hessian times v.
"""
from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.errors import AutodiffVizError, InputError
from autodiff_viz.second import MODES, hessian, hvp

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("autodiff_viz_props", ROOT / "tests" /
                                               "test_properties.py")
assert _spec and _spec.loader
props = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(props)  # the first-order tests' generator of random expressions

WORKED = "sin(x1) + x1*x2"
AT = {"x1": 2, "x2": 3}
BY_HAND = [[-math.sin(2), 1.0], [1.0, 0.0]]  # ∂²/∂x1² sin(x1) = -sin(x1); ∂²(x1 x2)/∂x1∂x2 = 1


@pytest.mark.parametrize("mode", MODES)
def test_the_worked_example_by_hand_in_every_mode(mode: str) -> None:
    h = hessian(WORKED, AT, mode=mode)
    assert h.inputs == ("x1", "x2") and h.output == "z"
    assert np.allclose(h.matrix, BY_HAND, rtol=0, atol=1e-15)
    assert h["x1", "x2"] == 1.0 and h["x2", "x2"] == 0.0
    assert h.to_dict()["hessian"]["x1"]["x1"] == pytest.approx(-math.sin(2), abs=1e-15)


def test_the_public_names() -> None:
    assert av.hessian is hessian and av.hvp is hvp
    assert np.allclose(av.hessian(WORKED, AT).matrix, BY_HAND)


def test_each_mode_runs_the_passes_its_cost_model_counts() -> None:
    """n inputs: n passes over the reverse derivative graph (forward or reverse); n² forward
    passes over n forward derivative graphs. The model is Σ passes × graph size."""
    src = "x*y*z + sin(x*y) + exp(z)*y"
    at = {"x": 0.3, "y": -1.2, "z": 0.7}
    fr, rr, ff = (hessian(src, at, mode=m) for m in MODES)
    n = 3
    t = fr.traces[0]
    assert len(fr.traces) == 1 and len(t.forward) == n and not t.reverse
    assert fr.cost.passes == n and fr.cost.model == n * len(t.graph) == fr.cost.nodes_visited
    assert [f.seed for f in t.forward] == [{"x": 1.0}, {"y": 1.0}, {"z": 1.0}]
    r = rr.traces[0]
    assert len(r.reverse) == n and not r.forward and rr.cost.passes == n
    assert rr.cost.model == n * len(r.graph)
    assert rr.cost.nodes_visited == sum(len(p.order) for p in r.reverse) < rr.cost.model
    assert len(ff.traces) == n and ff.cost.passes == n * n and ff.cost.graphs == n
    assert ff.cost.model == sum(n * len(x.graph) for x in ff.traces)
    for a in (rr, ff):
        assert np.allclose(a.matrix, fr.matrix, rtol=1e-12, atol=1e-12)


def test_the_traces_are_ordinary_traces_of_the_derivative_graph() -> None:
    """Forward-over-reverse: the tangents of the adjoints, term by term."""
    h = hessian(WORKED, AT)
    t = h.traces[0]
    steps = {s.name: s for s in t.forward_steps(0)}  # seed x1 = 1
    w1bar = steps["w̄1"]
    assert w1bar.tangent == pytest.approx(-math.sin(2))
    assert [round(term.value, 12) for term in w1bar.terms] == [0.0, round(-math.sin(2), 12)]
    text = t.to_text()
    assert "Forward trace, seed x1=1" in text and "ẇ̄1" in text
    assert t.jacobian["dz_dx1"]["x2"] == 1.0


@pytest.mark.parametrize("mode", MODES)
def test_wrt_chooses_rows_and_columns_in_its_order(mode: str) -> None:
    src = "x*y^2 + y*z + sin(x)"
    at = {"x": 0.5, "y": 2.0, "z": -1.0}
    full = hessian(src, at, mode=mode)
    part = hessian(src, at, mode=mode, wrt=["z", "x"])
    assert part.inputs == ("z", "x")
    for a in part.inputs:
        for b in part.inputs:
            assert part[a, b] == pytest.approx(full[a, b], abs=1e-12)


def _sympy_hessian(sym: sp.Expr, names: list[str], point: dict[str, float]) -> np.ndarray:
    subs = {props.SYM[v]: sp.Float(point[v], 30) for v in names}
    return np.array([[float(sp.diff(sym, props.SYM[a], props.SYM[b]).evalf(30, subs=subs))
                      for b in names] for a in names])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(props.exprs, props.points)
def test_every_mode_equals_sympys_hessian_and_is_symmetric(e: tuple[str, sp.Expr],
                                                           at: dict) -> None:
    text, sym = e
    g = av.parse(text)
    assume(g.op_count > 0 and len(g.inputs) > 0)
    point = {v: at[v] for v in g.input_names}
    try:
        results = [hessian(g, point, mode=m) for m in MODES]
    except AutodiffVizError:
        assume(False)
    exact = _sympy_hessian(sym, g.input_names, point)
    assume(np.isfinite(exact).all())
    scale = max(1.0, float(np.abs(exact).max()))
    for h in results:
        assert np.allclose(h.matrix, exact, rtol=1e-8, atol=1e-8 * scale), (text, h.mode)
        assert np.allclose(h.matrix, h.matrix.T, rtol=1e-9, atol=1e-9 * scale), (text, h.mode)
    for h in results[1:]:
        assert np.allclose(h.matrix, results[0].matrix, rtol=1e-10, atol=1e-10 * scale)


def _gradient_differences(src: str, at: dict[str, float], h: float = 1e-5) -> np.ndarray:
    names = av.parse(src).input_names  # the Hessian's order: as the inputs first appear
    cols = []
    for b in names:
        up = av.gradient(src, {**at, b: at[b] + h})
        down = av.gradient(src, {**at, b: at[b] - h})
        cols.append([(up[a] - down[a]) / (2 * h) for a in names])
    return np.array(cols).T


@pytest.mark.parametrize("src, at", [
    (WORKED, {"x1": 2.0, "x2": 3.0}),
    ("exp(x*y) / (1 + z^2) + tanh(x - z)", {"x": 0.3, "y": -0.4, "z": 0.8}),
    ("a = x*y; b = sin(a) + y^3; z = log(1 + b^2)*x", {"x": 1.1, "y": 0.6}),
    ("sigmoid(w1*x1 + w2*x2 + b)", {"w1": 0.5, "w2": -1.5, "x1": 1.0, "x2": 2.0, "b": 0.1}),
])
def test_the_hessian_equals_central_differences_of_the_gradient(src: str, at: dict) -> None:
    fd = _gradient_differences(src, at)
    for mode in MODES:
        assert np.allclose(hessian(src, at, mode=mode).matrix, fd, rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(props.exprs, props.points, st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_hvp_is_the_hessian_times_v(e: tuple[str, sp.Expr], at: dict, v: list) -> None:
    text, _ = e
    g = av.parse(text)
    assume(g.op_count > 0 and len(g.inputs) > 0)
    point = {k: at[k] for k in g.input_names}
    vec = v[:len(g.inputs)]
    try:
        h = hessian(g, point)
        p = hvp(g, point, vec)
    except AutodiffVizError:
        assume(False)
    want = h.matrix @ np.array(vec)
    assume(np.isfinite(want).all())
    got = np.array([p.product[k] for k in g.input_names])
    assert np.allclose(got, want, rtol=1e-10, atol=1e-10 * max(1.0, float(np.abs(want).max())))
    assert p.cost.passes == 1 and len(p.trace.forward) == 1  # one pass: no Hessian formed


def test_hvp_takes_v_by_name_and_says_what_is_wrong() -> None:
    p = hvp(WORKED, AT, {"x2": 2.0})  # x1 left out: 0
    assert p.product == {"x1": 2.0, "x2": 0.0}
    assert hvp(WORKED, AT, np.array([0.0, 2.0])).product == p.product
    assert p.trace.forward[0].seed == {"x2": 2.0}
    for bad, words in (([1], "one number per input"), ({"x3": 1}, "not among the inputs"),
                       ({"x1": "a"}, "must be a number")):
        with pytest.raises(InputError, match=words):
            hvp(WORKED, AT, bad)


def test_the_hvp_of_a_scalar_expanded_mlp_loss_equals_differences_of_its_gradient() -> None:
    """examples/hessian.py's network: H·v by one pass equals central differences of the
    gradient along v (the scalar program: the derivative graph holds numbers only)."""
    ex = _example_module()
    src, at = ex.mlp_program(), ex.mlp_point()
    rng = np.random.default_rng(5)
    params = [k for k in at if k.startswith(("W", "b"))]
    v = {k: float(rng.normal()) for k in params}
    p = hvp(src, at, v, output="J", wrt=params)
    eps = 1e-5
    up = av.gradient(src, {k: at[k] + eps * v.get(k, 0.0) for k in at}, output="J")
    down = av.gradient(src, {k: at[k] - eps * v.get(k, 0.0) for k in at}, output="J")
    for k in params:
        assert p.product[k] == pytest.approx((up[k] - down[k]) / (2 * eps), rel=1e-5, abs=1e-7)


def test_graphs_of_vectors_and_matrices_hessian_refused_hvp_computed() -> None:
    """The full Hessian of a tensor graph is refused (one row per entry of every input);
    H·v is one forward pass over its reverse derivative graph (tests/test_derivative_tensor.py
    checks it against differences of the gradient)."""
    at = {"W": [[1.0, 2.0], [0.5, -1.0]], "x": [1.0, 2.0]}
    with pytest.raises(InputError, match="numbers; this program has vectors or matrices") as err:
        hessian("sum(tanh(W @ x))", at)
    assert "hvp" in (err.value.hint or "")
    p = hvp("sum(tanh(W @ x))", at, {"x": [1.0, 0.0]}, wrt=["x"])
    W, x = np.array(at["W"]), np.array(at["x"])
    t = np.tanh(W @ x)  # by hand: H = Wᵀ diag(-2 tanh (1 - tanh²)) W
    assert np.allclose(p.product["x"], W.T @ (-2 * t * (1 - t * t) * (W @ [1.0, 0.0])))


def test_errors_say_what_and_how_to_fix() -> None:
    with pytest.raises(InputError, match="unknown Hessian mode") as err:
        hessian(WORKED, AT, mode="reverse-over-forward")
    assert "forward-over-reverse" in (err.value.hint or "")
    with pytest.raises(InputError, match="x3"):
        hessian(WORKED, AT, wrt=["x1", "x3"])
    with pytest.raises(InputError, match="2 outputs"):
        hessian("a = x*y; b = x + y", {"x": 1, "y": 2})
    assert hessian("a = x*y; b = x + y", {"x": 1, "y": 2}, output="a")["x", "y"] == 1.0
    with pytest.raises(InputError, match="inputs that are numbers"):
        hessian("x*y", {"x": [1.0, 2.0], "y": 1.0})
    with pytest.raises(av.DomainError):
        hessian("log(x)*y", {"x": 0.0, "y": 1.0})
    with pytest.raises(InputError, match="not an input of this Hessian"):
        hessian(WORKED, AT)["x1", "y"]


# -- the command line ----------------------------------------------------------------------
def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(["hessian", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_hessian_table_and_its_cost(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run_cli([WORKED, "--at", "x1=2,x2=3"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "z = sin(x1) + x1*x2 at x1=2, x2=3"
    table = lines[lines.index(next(ln for ln in lines if ln.startswith("Hessian of z"))) + 1:][:3]
    assert [ln.split() for ln in table] == [["x1", "x2"], ["x1", "-0.9093", "1"],
                                            ["x2", "1", "0"]]
    assert "Cost: 2 forward passes" in out


def test_cli_help_shows_the_real_output() -> None:
    """The worked example in ``hessian --help`` is what the command prints."""
    from autodiff_viz.cli.hessian_cmd import EPILOG
    real = subprocess.run([sys.executable, "-m", "autodiff_viz", "hessian", WORKED, "--at",
                           "x1=2,x2=3"], capture_output=True, text=True, check=True).stdout
    shown = EPILOG.split("--at x1=2,x2=3\n", 1)[1].split("\nmore:", 1)[0]
    assert [ln[2:] for ln in shown.rstrip("\n").split("\n")] == real.rstrip("\n").split("\n")


def test_cli_all_modes_side_by_side_agree(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--mode", "all"], capsys)
    assert code == 0
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines()
            if ln.strip().startswith(MODES)}
    assert set(rows) == set(MODES)
    assert rows["forward-over-forward"][1] == "4" and rows["forward-over-reverse"][1] == "2"
    assert out.rstrip().endswith("the three modes agree")


def test_cli_trace_prints_every_pass(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--trace"], capsys)
    assert code == 0
    assert "Forward trace, seed x1=1" in out and "Forward trace, seed x2=1" in out
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--trace", "--mode",
                            "reverse-over-reverse", "--ascii"], capsys)
    assert code == 0 and out.isascii() and "Reverse trace" in out


def test_cli_hvp_and_json(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--v", "1,0"], capsys)
    assert code == 0 and "(H·v)[x1] = -0.9093" in out and "(H·v)[x2] = 1" in out
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--v", "x2=1", "--format", "json"],
                           capsys)
    assert json.loads(out)["product"] == {"x1": 1.0, "x2": 0.0}
    code, out, _ = run_cli([WORKED, "--at", "x1=2,x2=3", "--format", "json", "--mode", "all"],
                           capsys)
    data = json.loads(out)
    assert data["hessian"]["x1"]["x2"] == 1.0
    assert data["modes"]["forward-over-forward"]["cost"]["passes"] == 4


@pytest.mark.parametrize("args, words", [
    ([WORKED, "--at", "x1=2,x2=3", "--v", "1"], "--v gives 1 number"),
    ([WORKED, "--at", "x1=2,x2=3", "--v", "a,b"], "expected numbers"),
    ([WORKED, "--at", "x1=2,x2=3", "--wrt", "x3"], "not an input"),
    ([WORKED, "--at", "x1=2,x2=3", "--v", "1,0", "--mode", "reverse-over-reverse"],
     "forward-over-reverse"),
    ([WORKED, "--at", "x1=2"], "missing value"),
    (["a = x*y; b = x + y", "--at", "x=1,y=2"], "2 outputs"),
    (["sum(W @ x)", "--at", "W=[[1,2],[3,4]],x=[1,2]"], "numbers"),
    (["log(x)", "--at", "x=0"], "log needs a positive argument"),
])
def test_cli_errors_are_messages_with_an_exit_code(args: list[str], words: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    code, out, err = run_cli(args, capsys)
    assert code in (1, 2) and words in err and "Traceback" not in err + out


def _example_module():
    spec = importlib.util.spec_from_file_location("hessian_example", ROOT / "examples" /
                                                  "hessian.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # defines its functions; prints only when run as a script
    return mod


def test_the_example_runs_and_prints_the_course_figures() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "hessian.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    out = proc.stdout
    assert "H = [[-0.9093, 1], [1, 0]]" in out
    assert "the three modes agree" in out
    last = [ln for ln in out.splitlines() if ln.startswith("max difference")]
    assert last and float(last[-1].split()[-1]) < 1e-6


def test_the_benchmark_runs_quick_and_its_modes_agree() -> None:
    """benchmarks/bench_hessian.py --quick (20 inputs): the cost columns and the check."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_hessian.py"),
                           "--quick"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {ln.split()[0]: ln.split() for ln in proc.stdout.splitlines()
            if ln.startswith(MODES)}
    assert rows["forward-over-reverse"][2] == "20" and rows["forward-over-forward"][2] == "400"
    assert float(rows["reverse-over-reverse"][6]) < 1.0  # a reverse pass visits ancestors only
    assert proc.stdout.rstrip().endswith("(ok)")


@pytest.mark.parametrize("mode", ["reverse-over-reverse", "forward-over-reverse",
                                  "forward-over-forward"])
def test_no_name_in_a_second_order_trace_means_two_things(mode: str) -> None:
    """A derivative graph has nodes named w̄1 (or ẇ1); the second pass's adjoint (tangent)
    of w1 must not be written w̄1 (ẇ1) too: it is written ∂out/∂w1 (∂w1/∂x) there."""
    from autodiff_viz.views.lines import adjoint_name, tangent_name

    h = av.hessian("sin(x1) + x1*x2", {"x1": 2, "x2": 3}, mode=mode)
    for t in h.traces:
        nodes = set(t.names)
        for k in range(len(t.reverse)):
            shown = {adjoint_name(t, k, t.names[s.node]) for s in t.reverse_steps(k)}
            assert shown.isdisjoint(nodes), shown & nodes
        for k in range(len(t.forward)):
            shown = {tangent_name(t, k, name) for name in t.names}
            assert shown.isdisjoint(nodes), shown & nodes
    if mode == "reverse-over-reverse":
        text = h.traces[0].to_text()
        assert "∂dz_dx1/∂w1" in text and "−0.9093" in text  # ∂²z/∂x1² = −sin 2
