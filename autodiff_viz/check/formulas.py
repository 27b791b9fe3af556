"""Derivative formulas: a student's ``dz/dx1 = cos(x1) + x2`` against the AD derivative.

The formula is parsed with the project's parser and evaluated with its primal
pass; the true derivative comes from a forward pass. Both are compared at
random points from a seeded generator inside the expression's domain (points
where the expression raises a DomainError or is not differentiable are
skipped). A wrong formula is reported with a concrete counterexample.

>>> from autodiff_viz.check.key_reader import load_key
>>> key = load_key({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
...                 "ask": [{"kind": "formula", "wrt": "x1"}]})
>>> check_formula(key, "cos(x1) + x2", "x1").ok
True
>>> r = check_formula(key, "dz/dx1 = cos(x1)", "x1")
>>> r.ok, r.message.split(":")[0]
(False, 'wrong formula')

A second derivative is named by two inputs (``wrt=("x1", "x2")``: ∂²z/∂x1∂x2); its true
values come from Hessian-vector products (:func:`autodiff_viz.second.hvp`):

>>> check_formula(key, "d2z/dx1^2 = -sin(x1)", ("x1", "x1")).ok
True
>>> check_formula(key, "∂²z/∂x1∂x2 = x2", ("x1", "x2")).message.split(":")[0]
'wrong formula'
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import AutodiffVizError, DomainError, ParseError
from ..passes import primal
from ..printing import format_number
from .evaluate import evaluate, parse_cached
from .keys import Key
from .read import Piece, split_parts


@dataclass
class FormulaResult:
    ok: bool
    message: str
    formula: str
    counterexample: dict[str, float] | None = None
    got: float | None = None
    expected: float | None = None
    points: int = 0


def _formula_text(text: str) -> str:
    parts = split_parts(Piece(text, list(range(len(text)))))
    texts = [p.text for p in parts]
    if len(texts) > 1 and ("/" in texts[0] and texts[0][:1] in "d∂"):
        texts = texts[1:]
    return texts[0] if texts else ""


def derivative_name(output: str, wrt: Any) -> str:
    """``∂z/∂x1``, or for two inputs ``∂²z/∂x1∂x2`` (``∂²z/∂x1²``)."""
    if isinstance(wrt, str):
        return f"∂{output}/∂{wrt}"
    a, b = wrt
    return f"∂²{output}/∂{a}²" if a == b else f"∂²{output}/∂{a}∂{b}"


def _derivative_at(g: Any, pt: dict[str, float], wrt: Any, out_name: str) -> Any:
    """∂out/∂wrt (or the second derivative) at ``pt`` and the original trace's steps; None
    where a pass flags a node (not differentiable there)."""
    from ..api import trace

    first = wrt if isinstance(wrt, str) else wrt[1]
    t = trace(g, pt, mode="forward", wrt=first)
    if any(s.flags for s in t.steps):
        return None
    if isinstance(wrt, str):
        return t.jacobian[out_name][wrt], t.steps
    from ..second import hvp
    h = hvp(g, pt, {first: 1.0}, output=out_name)  # column `first` of the Hessian
    if any(s.flags for s in h.trace.steps):
        return None
    return h.product[wrt[0]], t.steps


def sample_points(key: Key, wrt: Any, output: str | None) -> tuple[list[dict[str, float]],
                                                                   np.ndarray, dict[str, np.ndarray]]:
    """Random points inside the domain, ∂output/∂wrt there (for two inputs the second
    derivative), and the named nodes' values.

    Deterministic (the key's ``[formulas]`` seed); remembered per key.
    """
    ck = ("formula-points", wrt if isinstance(wrt, str) else tuple(wrt), output)
    if ck in key._cache:
        return key._cache[ck]
    fs = key.formulas
    g = key.graph
    out_name = output or g.output_names[0]
    ranges = {n: (lo, hi) for n, lo, hi in fs.ranges}
    rng = np.random.default_rng(fs.seed)
    named = {n: i for n, i in g.names.items() if g.nodes[i].kind == "op"}
    pts: list[dict[str, float]] = []
    derivs: list[float] = []
    values: dict[str, list[float]] = {n: [] for n in named}
    tries = 0
    while len(pts) < fs.samples and tries < 60 * fs.samples:
        tries += 1
        pt = {n: float(rng.uniform(*ranges.get(n, (-3.0, 3.0)))) for n in g.input_names}
        try:
            found = _derivative_at(g, pt, wrt, out_name)
        except AutodiffVizError:
            continue
        if found is None or not math.isfinite(found[0]):
            continue
        d, steps = found
        pts.append(pt)
        derivs.append(float(d))
        for n, i in named.items():
            values[n].append(float(steps[i].value))
    if not pts:
        from ..errors import ProblemKeyError
        raise ProblemKeyError("could not find points where the expression is differentiable "
                              "to compare formulas", path=key.path,
                              hint="give [formulas] ranges inside the domain, e.g. "
                                   "ranges = { x = [0.5, 3] }")
    res = (pts, np.array(derivs), {n: np.array(v) for n, v in values.items()})
    key._cache[ck] = res
    return res


def check_formula(key: Key, text: str, wrt: Any, output: str | None = None) -> FormulaResult:
    """Compare the formula ``text`` with ∂output/∂wrt at the key's random points (``wrt``
    two inputs: the second derivative)."""
    g = key.graph
    out_name = output or g.output_names[0]
    what = derivative_name(out_name, wrt)
    formula = _formula_text(text)
    if not formula:
        return FormulaResult(False, "no formula given", text)
    try:
        F = parse_cached(formula)
    except ParseError as err:
        return FormulaResult(False, "cannot read the formula:\n" + err.render(), formula)
    pts, derivs, named = sample_points(key, wrt, output)
    allowed = set(g.input_names) | set(named)
    unknown = [n for n in F.input_names if n not in allowed]
    if unknown:
        return FormulaResult(False, f"the formula uses {', '.join(unknown)}, which "
                             f"{'is' if len(unknown) == 1 else 'are'} not "
                             f"{'an input' if len(unknown) == 1 else 'inputs'} "
                             f"(the inputs are {', '.join(g.input_names)})", formula)
    envs = []
    for j, pt in enumerate(pts):
        env = {n: pt[n] for n in F.input_names if n in pt}
        env.update({n: float(named[n][j]) for n in F.input_names if n in named})
        envs.append(env)
    rows = evaluate(F, envs)
    fs = key.formulas
    root = F.outputs[0][1]
    for j, row in enumerate(rows):
        where = ", ".join(f"{n}={format_number(v, 6)}" for n, v in pts[j].items())
        d = float(derivs[j])
        if row is None:
            why = "outside its domain"
            try:
                primal(F, envs[j])
            except DomainError as err:
                why = err.message.split(":")[0]
            return FormulaResult(False, f"wrong formula: at {where} your formula is undefined "
                                 f"({why}) but {what} = {format_number(d, 6)}", formula,
                                 dict(pts[j]), None, d, len(pts))
        s = float(row[root])
        if not (abs(s - d) <= fs.atol + fs.rtol * abs(d)):
            return FormulaResult(False, f"wrong formula: at {where} your formula gives "
                                 f"{format_number(s, 6)} but {what} = {format_number(d, 6)}",
                                 formula, dict(pts[j]), s, d, len(pts))
    return FormulaResult(True, f"equals {what} at {len(pts)} random points", formula,
                         points=len(pts))


def formula_value(key: Key, text: str, at: dict[str, Any]) -> float | None:
    """The formula's value at one point (for showing it next to the expected number)."""
    try:
        F = parse_cached(_formula_text(text))
        row = evaluate(F, [{n: float(at[n]) for n in F.input_names}])[0]
    except (AutodiffVizError, KeyError):
        return None
    return None if row is None else row[F.outputs[0][1]]
