"""Is a problem well posed? The point inside every domain, no derivative zero everywhere,
every number printable at the course's rounding.

:func:`reason` returns why a problem is not (the generator then draws again), or
None. The numbers checked are the ones a solution shows: every value of the
primal trace, every tangent of each forward trace asked for, every adjoint of
the reverse trace (so every gradient entry). A number prints well when it is
finite, at least :data:`SMALLEST` and below :data:`LARGEST` in size (no
``1e-17`` left by a cancellation, no ``1e9``), and shown with the course's
significant digits without an exponent. Values and adjoints must not be 0
(a 0 value makes steps trivial, a 0 adjoint a node that does not matter); a
tangent may be exactly 0 (a node the seeded input does not reach). Each
input's derivative is also computed at :data:`SAMPLES` random points of the
ranges: a derivative that is 0 at all of them (``x2 + 3 - (x2 - x1)`` in x2)
is zero everywhere, and the problem is refused even if rounding noise made it
look otherwise at the student's point. A linear expression (every derivative
the same at every sample point, such as ``x1 + x2 - (x2 - x1)``) is refused too:
its traces teach little.

>>> from autodiff_viz.parser import parse
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> ranges = (("x1", 0.5, 3.0), ("x2", 0.5, 3.0))
>>> print(reason(parse("sin(x1) + x1*x2"), {"x1": 2.0, "x2": 3.0}, rng, ranges))
None
>>> reason(parse("log(x1 - x2)"), {"x1": 1.0, "x2": 2.0}, rng, ranges)
'outside the domain: log needs a positive argument: node w4 = log(w3) (that is log(x1 - x2)) with w3 = -1'
>>> reason(parse("x1 + 3 - (x1 - x2)"), {"x1": 1.5, "x2": 2.5}, rng, ranges)
'an adjoint does not print well: 0'
>>> zero_everywhere(parse("x1 + 3 - (x1 - x2)"), rng, ranges)
'dz/dx1 is 0 everywhere'
>>> reason(parse("exp(x1*x2)^3"), {"x1": 2.5, "x2": 2.5}, rng, ranges)
'a value does not print well: 1.39e+08'
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import AutodiffVizError
from ..graph import Graph
from ..printing import format_number

SMALLEST = 1e-3
LARGEST = 1e4
SAMPLES = 4
EVERYWHERE = 1e-9  # |derivative| below this at every sample point: zero everywhere


def printable(x: float, digits: int = 4, zero: bool = False) -> bool:
    """``x`` prints well at ``digits`` significant digits (0 only when ``zero``).

    >>> printable(0.9093), printable(5e-17), printable(12345.0), printable(0.0, zero=True)
    (True, False, False, True)
    """
    if x == 0:
        return zero
    return (math.isfinite(x) and SMALLEST <= abs(x) < LARGEST
            and "e" not in format_number(x, digits))


def _bad(values: Sequence[Any], digits: int, zero: bool) -> float | None:
    for v in values:
        x = float(v)
        if not printable(x, digits, zero):
            return x
    return None


def reason(graph: Graph, point: Mapping[str, float], rng: np.random.Generator,
           ranges: Sequence[tuple[str, float, float]], *, digits: int = 4,
           seeds: Sequence[Mapping[str, float]] = ()) -> str | None:
    """Why the problem ``graph`` at ``point`` is not well posed, or None.

    ``seeds``: the forward traces asked for; ``rng`` draws the sample points.
    """
    from ..api import trace

    try:
        t = trace(graph, dict(point), mode="reverse")
        forward = [trace(graph, dict(point), mode="forward", seed=dict(s)) for s in seeds]
    except AutodiffVizError as err:
        return f"outside the domain: {err.message}"
    if any(s.flags for s in t.steps):
        return "not differentiable at the point"
    bad = _bad([s.value for s in t.steps if s.kind != "const"], digits, False)
    if bad is not None:
        return f"a value does not print well: {bad:.4g}"
    bad = _bad([s.adjoint for s in t.reverse_steps(0)], digits, False)
    if bad is not None:
        return f"an adjoint does not print well: {bad:.4g}"
    if len(t.reverse_steps(0)) != sum(1 for n in graph.nodes if n.kind != "const"):
        return "a node does not reach the output"
    for f in forward:
        bad = _bad([s.tangent for s in f.forward_steps(0)], digits, True)
        if bad is not None:
            return f"a tangent does not print well: {bad:.4g}"
    return zero_everywhere(graph, rng, ranges)


def zero_everywhere(graph: Graph, rng: np.random.Generator,
                    ranges: Sequence[tuple[str, float, float]]) -> str | None:
    """``"dz/dx1 is 0 everywhere"`` when that derivative is 0 at every sample point; a
    reason too when every derivative is the same at every sample point (linear)."""
    from ..api import trace

    samples = {n: rng.uniform(lo, hi, SAMPLES) for n, lo, hi in ranges}
    try:
        grad = trace(graph, samples, mode="reverse").gradient
    except AutodiffVizError:  # some sample is outside the domain: one point at a time
        grad = _one_by_one(graph, samples)
    out = graph.output_names[0]
    varies = False
    for name in graph.input_names:
        g = np.asarray(grad.get(name, 0.0), dtype=float)
        g = g[np.isfinite(g)]
        if not np.any(np.abs(g) > EVERYWHERE):
            return f"d{out}/d{name} is 0 everywhere"
        varies = varies or bool(np.ptp(g) > EVERYWHERE * (1 + np.max(np.abs(g))))
    return None if varies else "linear: every derivative is a constant"


def _one_by_one(graph: Graph, samples: Mapping[str, np.ndarray]) -> dict[str, list[float]]:
    from ..api import trace

    grad: dict[str, list[float]] = {n: [] for n in graph.input_names}
    for k in range(SAMPLES):
        try:
            g = trace(graph, {n: float(v[k]) for n, v in samples.items()}, mode="reverse").gradient
        except AutodiffVizError:
            continue
        for n in grad:
            grad[n].append(float(g[n]))
    return grad
