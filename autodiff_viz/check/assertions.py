"""Assertion helpers for pytest, nbgrader and otter: a readable table of what is wrong.

They raise ``AssertionError`` (so every test runner reports them) and write
nothing to standard output or standard error.

>>> assert_gradient("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, answer={"x1": 2.58, "x2": 2})
>>> try:
...     assert_gradient("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, answer=[2.5, 2])
... except AssertionError as err:
...     print(err)
gradient of z = sin(x1) + x1*x2 at x1=2, x2=3: 1 of 2 wrong
  ✗  ∂z/∂x1    0/1
     wrong value: expected 2.6 (2.58385)
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .grade import check
from .key_reader import load_key
from .report import report_text
from .report import Report

_TOLERANCE = {"abs_tol": "abs", "rel_tol": "rel", "rounding": "rounding",
              "min_digits": "min_digits", "min_decimals": "min_decimals"}


def _source(expr: Any) -> dict[str, str]:
    if isinstance(expr, str):
        return {"expression": expr}
    from ..api import to_graph
    return {"program": to_graph(expr).to_program()}


def _tolerance(options: Mapping[str, Any]) -> dict[str, Any]:
    bad = [k for k in options if k not in _TOLERANCE]
    if bad:
        raise TypeError(f"unexpected keyword argument {bad[0]!r} (tolerance options: "
                        f"{', '.join(_TOLERANCE)})")
    return {_TOLERANCE[k]: v for k, v in options.items()}


def _fail(what: str, report: Report, reveal: bool) -> None:
    if report.all_correct:
        return
    wrong = sum(1 for i in report.items if not i.passed)
    body = report_text(report, reveal=reveal, only_wrong=True).split("\n")
    body = [ln for ln in body[1:] if not ln.startswith("score ")]  # the title is in the head
    while body and not body[0].strip():
        body.pop(0)
    body = [ln for ln in body if not ln.startswith("first wrong step")]
    while body and not body[-1].strip():
        body.pop()
    raise AssertionError(f"{what} of {report.problem}: {wrong} of {len(report.items)} wrong\n"
                         + "\n".join(body))


def assert_gradient(expr: Any, at: Mapping[str, Any], answer: Any, *,
                    output: str | None = None, wrt: str | Iterable[str] | None = None,
                    reveal: bool = True, **tolerance: Any) -> None:
    """Check a gradient: ``answer`` is a dict by input name, a list in input order or a number.

    With vectors and matrices in ``at``, each input's gradient is a numpy array, a nested
    list or a matrix as text (Markdown rows, LaTeX ``bmatrix``), judged entry by entry;
    ``wrt`` names the inputs asked for (default: every input; data such as X is usually
    left out), and a list answers them in that order.
    Tolerance options: ``abs_tol``, ``rel_tol``, ``rounding``, ``min_digits``, ``min_decimals``.
    ``reveal=False`` says what is wrong without showing the expected numbers.
    """
    arrays = any(isinstance(v, (list, tuple)) or hasattr(v, "shape") and getattr(v, "ndim", 0)
                 for v in at.values())
    if hasattr(answer, "tolist") and not arrays:
        answer = answer.tolist()
    if isinstance(answer, tuple):
        answer = list(answer)
    ask: dict[str, Any] = {"kind": "gradient", **({"output": output} if output else {})}
    if wrt is not None:
        ask["wrt"] = [wrt] if isinstance(wrt, str) else list(wrt)
    key = {**_source(expr), "at": dict(at), "tolerance": _tolerance(tolerance), "ask": [ask]}
    _fail("gradient", check(key, {"gradient": answer}), reveal)


def assert_formula(expr: Any, wrt: str, formula: str, *, output: str | None = None,
                   samples: int = 24, seed: int = 0,
                   ranges: Mapping[str, Iterable[float]] | None = None) -> None:
    """Check a derivative formula (``"cos(x1) + x2"``) at seeded random points."""
    key: dict[str, Any] = {**_source(expr), "random": {"seed": 0},
           "formulas": {"samples": samples, "seed": seed,
                        **({"ranges": {k: list(v) for k, v in ranges.items()}} if ranges else {})},
           "ask": [{"kind": "formula", "wrt": wrt, **({"output": output} if output else {})}]}
    if ranges:
        key["random"]["ranges"] = {k: list(v) for k, v in ranges.items()}
    k = load_key(key)
    report = check(k, {"student": "-", f"formula_{wrt}": formula})
    report.problem = f"∂{output or k.graph.output_names[0]}/∂{wrt} of {k.describe({})}"
    _fail("formula", report, True)


def assert_trace(expr: Any, at: Mapping[str, float], table: str, *, wrt: str | None = None,
                 seed: Mapping[str, float] | None = None, output: str | None = None,
                 require: Iterable[str] | None = None, notation: str = "w",
                 carried_credit: float = 1.0, reveal: bool = True, **tolerance: Any) -> None:
    """Check a whole trace table (primal, forward and/or reverse lines).

    ``require`` lists the sections whose every step must be there ("trace",
    "forward", "reverse"); without it, every line the table has is checked and the
    steps it leaves out are not asked for (a table may take a shortcut such as
    ``dL/dz1 = s1 - 1``). Forward lines need ``wrt`` (or ``seed``) unless they name
    it (``dw3/dx1``).
    """
    base = {**_source(expr), "at": dict(at), "notation": notation,
            "tolerance": _tolerance(tolerance), "carried_credit": carried_credit}
    fwd: dict[str, Any] = {}
    if wrt is not None:
        fwd = {"wrt": wrt}
    elif seed is not None:
        fwd = {"seed": dict(seed)}
    out = {"output": output} if output else {}
    inferred = require is None
    # The table is read against a key that asks everything a table can answer (the
    # primal, forward and reverse traces, and a derivative formula for each input), so a
    # line is read exactly as ``check`` reads it with a key that asks for it:
    # ``dz/dx1 = cos(x1) + x2`` is a formula answer, not an adjoint without a value.
    from .table_grader import TableGrader
    inputs = load_key({**base, "ask": [{"kind": "trace"}]}).graph.input_names
    probe: list[dict[str, Any]] = [{"kind": "trace"}, {"kind": "reverse", **out},
                                   *({"kind": "formula", "wrt": x, **out} for x in inputs)]
    if fwd:
        probe.append({"kind": "forward", **fwd})
    k = load_key({**base, "ask": probe})
    tg = TableGrader(k, k.point(), table)
    sections = {e.section for e in tg.entries}
    formulas = [x for x in inputs if any(e.section == "formula" and e.target == x
                                         for e in tg.entries)]
    if require is None:
        seeds = {e.seed for e in tg.entries if e.section == "forward" and e.seed}
        require = [s for s, sec in (("trace", "primal"), ("forward", "forward"),
                                    ("reverse", "reverse")) if sec in sections]
        if "forward" in require and not fwd and len(seeds) == 1:
            fwd = {"seed": dict(next(iter(seeds)))}
    asks: list[dict[str, Any]] = []
    for s in require:
        if s == "forward":
            asks.append({"kind": "forward", **fwd})
        elif s == "reverse":
            asks.append({"kind": "reverse", **out})
        else:
            asks.append({"kind": s})
    asks = [{**a, "complete": not inferred} for a in asks]
    asks += [{"kind": "formula", "wrt": x, **out} for x in formulas]
    if not asks:
        raise AssertionError("no steps found in the trace table: write one step per line, "
                             "e.g. w3 = w1*w2 = 6")
    _fail("trace table", check(load_key({**base, "ask": asks}), table), reveal)
