"""Second order: Hessians and Hessian-vector products as passes over a derivative graph.

The derivative graph (:func:`autodiff_viz.derivative.derivative_graph`) is an
ordinary graph, so differentiating it again is one more first-order pass, traced
step by step like any other:

- ``forward-over-reverse``: a forward pass over the reverse derivative graph, seeded
  on each input in turn (the tangents of the adjoints): row i of the Hessian.
- ``reverse-over-reverse``: a reverse pass over the same graph from each gradient
  output: row i is the gradient of ∂z/∂xi.
- ``forward-over-forward``: for each input xi the forward derivative graph of
  ∂z/∂xi, and a forward pass over it seeded on each xj: n² passes.

A Hessian-vector product H·v is one forward pass over the reverse derivative graph
seeded with v: the Hessian is never formed.

>>> h = hessian("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> [[round(x, 4) for x in row] for row in h.matrix.tolist()]
[[-0.9093, 1.0], [1.0, 0.0]]
>>> h.cost.passes, h["x1", "x2"]
(2, 1.0)
>>> {k: round(v, 4) for k, v in hvp("sin(x1) + x1*x2", {"x1": 2, "x2": 3}, [1, 0]).product.items()}
{'x1': -0.9093, 'x2': 1.0}
"""
from __future__ import annotations

import numbers
import weakref
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from .api import bind_constants, to_graph, trace
from .errors import InputError
from .graph import Graph
from .passes import linearize, primal, reverse
from .printing import format_number
from .trace import Trace

MODES = ("forward-over-reverse", "reverse-over-reverse", "forward-over-forward")
MODE_TEXT = {
    "forward-over-reverse": "a forward pass over the reverse derivative graph per input",
    "reverse-over-reverse": "a reverse pass over the reverse derivative graph per gradient "
                            "output",
    "forward-over-forward": "a forward pass per input over the forward derivative graph of "
                            "each input",
}

# Derivative graphs built for a Graph, kept while the Graph lives (the checker asks for
# second derivatives of one key's graph at many points).
_DERIVED: "weakref.WeakKeyDictionary[Graph, dict[tuple, Graph]]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Cost:
    """What the passes cost: ``model`` is Σ passes × size of the graph they ran on.

    ``nodes_visited`` counts the nodes each pass really went through (a forward pass
    goes through every node; a reverse pass only through the ancestors of its output),
    ``multiply_adds`` the chain-rule products those passes computed.
    """

    passes: int
    graphs: int  # derivative graphs built (one primal evaluation each)
    graph_nodes: int  # nodes of the largest derivative graph
    model: int
    nodes_visited: int
    multiply_adds: int

    def to_dict(self) -> dict[str, int]:
        return {"passes": self.passes, "graphs": self.graphs, "graph_nodes": self.graph_nodes,
                "model": self.model, "nodes_visited": self.nodes_visited,
                "multiply_adds": self.multiply_adds}


@dataclass(frozen=True)
class Hessian:
    """∂²output/∂xi∂xj for the inputs ``inputs`` (rows and columns in that order)."""

    output: str
    inputs: tuple[str, ...]
    at: dict[str, float]
    mode: str
    matrix: np.ndarray
    traces: tuple[Trace, ...]  # of the derivative graph(s): every pass, step by step
    cost: Cost
    graph: Graph = field(repr=False)

    def __getitem__(self, pair: tuple[str, str]) -> float:
        """The entry ∂²output/∂a∂b by input names."""
        a, b = pair
        return float(self.matrix[self._index(a), self._index(b)])

    def _index(self, name: str) -> int:
        try:
            return self.inputs.index(name)
        except ValueError:
            raise InputError(f"{name!r} is not an input of this Hessian",
                             hint=f"its inputs are: {', '.join(self.inputs)}") from None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the matrix by names, the mode and its cost."""
        return {"output": self.output, "inputs": list(self.inputs), "at": dict(self.at),
                "mode": self.mode,
                "hessian": {a: {b: float(self.matrix[i, j]) for j, b in enumerate(self.inputs)}
                            for i, a in enumerate(self.inputs)},
                "cost": self.cost.to_dict()}

    def table(self, digits: int | None = 4) -> str:
        """The matrix as a text table, rows and columns named by input."""
        return matrix_table(self.inputs, self.inputs, self.matrix, digits)

    def __repr__(self) -> str:
        return (f"Hessian of {self.output} ({self.mode}, {self.cost.passes} passes)\n"
                + self.table())


@dataclass(frozen=True)
class HVP:
    """H·v without the Hessian: ``product[xi]`` = Σj ∂²output/∂xi∂xj · v[xj]."""

    output: str
    v: dict[str, Any]
    product: dict[str, Any]
    trace: Trace  # one forward pass over the reverse derivative graph, seeded with v
    cost: Cost
    graph: Graph = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "v": {k: _plain(x) for k, x in self.v.items()},
                "product": {k: _plain(x) for k, x in self.product.items()},
                "cost": self.cost.to_dict()}


def _plain(x: Any) -> Any:
    return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float).tolist()


def matrix_table(rows: Sequence[str], cols: Sequence[str], m: np.ndarray,
                 digits: int | None = 4) -> str:
    """A small matrix with named rows and columns, numbers right-aligned.

    >>> print(matrix_table(["x", "y"], ["x", "y"], np.array([[1.0, -0.5], [-0.5, 2.0]])))
           x     y
      x    1  -0.5
      y -0.5     2
    """
    cells = [[format_number(v, digits) for v in row] for row in np.asarray(m).tolist()]
    w0 = max(len(r) for r in rows)
    widths = [max([len(c)] + [len(r[j]) for r in cells]) for j, c in enumerate(cols)]
    head = " " * (w0 + 3) + "  ".join(c.rjust(w) for c, w in zip(cols, widths))
    lines = [head.rstrip()]
    for name, row in zip(rows, cells):
        lines.append("  " + name.ljust(w0) + " " + "  ".join(
            c.rjust(w) for c, w in zip(row, widths)))
    return "\n".join(lines)


# -- the derivative graphs ---------------------------------------------------------------
def derived(graph: Graph, mode: str, output: str, wrt: Any,
            shapes: Mapping[str, tuple[int, ...]] | None = None) -> Graph:
    """``derivative_graph(graph, mode, output, wrt, shapes=shapes)``, built once per graph
    (and per input shapes: a tensor graph's adjoints are resized only where they differ)."""
    from .derivative import derivative_graph

    cache = _DERIVED.setdefault(graph, {})
    k = (mode, output, tuple(wrt) if isinstance(wrt, (list, tuple)) else wrt,
         tuple(sorted((shapes or {}).items())))
    if k not in cache:
        cache[k] = derivative_graph(graph, mode=mode, output=output,
                                    wrt=list(wrt) if isinstance(wrt, tuple) else wrt,
                                    shapes=shapes)
    return cache[k]


def gradient_outputs(original: Graph, d: Graph, names: Sequence[str]) -> list[str]:
    """The outputs of the reverse derivative graph ``d`` holding ∂z/∂x for each input of
    ``names``, in the order of ``names`` (``d`` appends them in input order)."""
    ordered = [x for x in original.input_names if x in names]
    by_input = dict(zip(ordered, d.output_names[len(original.outputs):]))
    return [by_input[x] for x in names]


def _setup(source: Any, at: Mapping[str, Any], output: str | None,
           wrt: str | Sequence[str] | None) -> tuple[Graph, str, list[str]]:
    """The graph, the output's name and the inputs asked for, validated."""
    graph = bind_constants(to_graph(source), dict(at))
    name = output if output is not None else graph.outputs[0][0] if len(graph.outputs) == 1 \
        else None
    if name is None:
        graph.output_id(None)  # raises: which output?
    graph.output_id(name)  # validates the name
    names = [wrt] if isinstance(wrt, str) else list(wrt) if wrt is not None \
        else list(graph.input_names)
    bad = [n for n in names if n not in graph.input_names]
    if bad:
        raise InputError(f"cannot differentiate with respect to {', '.join(bad)}: not an input",
                         hint=f"the inputs are: {', '.join(graph.input_names)}")
    if len(set(names)) != len(names) or not names:
        raise InputError("wrt must name each input once", hint="e.g. wrt=['x1', 'x2']")
    return graph, name, names  # type: ignore[return-value]


def _scalars(graph: Graph, at: Mapping[str, Any]) -> None:
    """The Hessian is a matrix of numbers: no vectors, matrices or batches of points."""
    if graph.tensor:
        raise InputError("the full Hessian is computed for inputs that are numbers; this "
                         "program has vectors or matrices (one row per entry of every "
                         "input: too many to show)",
                         hint="use hvp (av.hvp or autodiff-viz hessian --v ...): H·v along a "
                              "direction v with one array per input, without the Hessian")
    arrays = [k for k, v in at.items() if np.ndim(v) > 0]
    if arrays:
        raise InputError("second derivatives are computed for inputs that are numbers"
                         + (f" ({', '.join(arrays)} {'is' if len(arrays) == 1 else 'are'} "
                            "not)" if arrays else ""),
                         hint="arrays given to a program of numbers are a batch of points: "
                              "give one point at a time, with numbers (for vectors and "
                              "matrices, declare them, W: 2x3, and use hvp)")


def hessian(source: Any, at: Mapping[str, Any], mode: str = "forward-over-reverse",
            output: str | None = None, wrt: str | Sequence[str] | None = None,
            notation: str = "w") -> Hessian:
    """The Hessian of ``output`` at ``at``, by one of :data:`MODES`.

    ``wrt`` restricts rows and columns to some inputs (default: every input, in order).
    """
    if mode not in MODES:
        raise InputError(f"unknown Hessian mode {mode!r}", hint="use one of: " + ", ".join(MODES))
    graph, name, names = _setup(source, at, output, wrt)
    _scalars(graph, at)
    n = len(names)
    h = np.zeros((n, n))
    traces: list[Trace] = []
    if mode == "forward-over-forward":
        for j, xj in enumerate(names):
            d = derived(graph, "forward", name, xj)
            dname = d.output_names[len(graph.outputs)]  # ∂z/∂xj: the one derivative output
            t = trace(d, at, mode="forward", wrt=names, notation=notation)
            column = t.jacobian[dname]  # (assembled once: it reads every pass)
            for i, xi in enumerate(names):
                h[i, j] = float(column[xi])  # ∂/∂xi of ∂z/∂xj
            traces.append(t)
    else:
        d = derived(graph, "reverse", name, tuple(names))
        grads = gradient_outputs(graph, d, names)
        if mode == "forward-over-reverse":
            t = trace(d, at, mode="forward", wrt=names, notation=notation)
        else:
            t = _reverse_passes(d, at, grads, notation)
        jac = t.jacobian  # (assembled once: it reads every pass)
        for i, xi in enumerate(names):
            for j, g in enumerate(grads):
                h[i, j] = float(jac[g][xi])  # ∂/∂xi of ∂z/∂xj
        traces.append(t)
    return Hessian(name, tuple(names), {k: float(v) for k, v in at.items()}, mode, h,
                   tuple(traces), cost_of(traces), graph)


def _reverse_passes(d: Graph, at: Mapping[str, Any], outputs: list[str],
                    notation: str) -> Trace:
    """One reverse pass over ``d`` from each of ``outputs``, as one Trace of ``d`` (its
    other outputs are kept: the trace shows them, the passes do not start there)."""
    p = primal(d, at)
    lin = linearize(d, p)
    rev = [reverse(d, p, lin, o) for o in outputs]
    values = {n: p.values[i] for n, i in zip(d.input_names, d.inputs)}
    return Trace(d, values, p, lin, [], rev, notation, "reverse")


def hvp(source: Any, at: Mapping[str, Any], v: Mapping[str, Any] | Sequence[Any],
        output: str | None = None, wrt: str | Sequence[str] | None = None,
        notation: str = "w") -> HVP:
    """H·v by one forward pass over the reverse derivative graph seeded with ``v``.

    ``v``: a number per input (by name), or a list in the order of ``wrt`` (default:
    every input). Inputs left out of ``v`` get 0. ``product`` has one entry per input
    of ``wrt``. In a graph of vectors and matrices (an MLP's loss) ``v`` gives an array
    of the input's shape per input, and ``product`` holds arrays of those shapes.
    """
    graph, name, names = _setup(source, at, output, wrt)
    if not graph.tensor:
        _scalars(graph, at)
    if not isinstance(v, Mapping):  # a list or a 1-d array, in the order of the inputs
        seq = None if isinstance(v, (str, bytes)) or np.ndim(v) != 1 else list(v)
        if seq is None or len(seq) != len(names):
            raise InputError(f"v must give one number per input ({', '.join(names)}), "
                             f"got {v!r}", hint="e.g. v=[1, 0], or v={'x1': 1}")
        v = dict(zip(names, seq))
    v = dict(v)  # (the caller's dict is not changed)
    bad = [k for k in v if k not in names]
    if bad:
        raise InputError(f"v gives {', '.join(map(str, bad))}, which "
                         f"{'is' if len(bad) == 1 else 'are'} not among the inputs "
                         f"differentiated ({', '.join(names)})",
                         hint="give v a value for the inputs only")
    shapes = _tensor_shapes(graph, at)
    for k, x in v.items():
        if shapes is not None:
            v[k] = _direction(k, x, shapes.get(k))
        elif isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise InputError(f"v[{k!r}] must be a number, got {x!r}",
                             hint="v is a direction: one number per input")
    d = derived(graph, "reverse", name, tuple(names), shapes)
    grads = gradient_outputs(graph, d, names)
    t = trace(d, at, mode="forward", seed=dict(v), notation=notation)
    tangents = t.directional(0)
    product = {x: tangents[g] for x, g in zip(names, grads)}
    return HVP(name, dict(v), product, t, cost_of([t]), graph)


def _tensor_shapes(graph: Graph, at: Mapping[str, Any]) -> dict[str, tuple[int, ...]] | None:
    """A tensor graph's input shapes (from ``at``); None for a graph of numbers."""
    if not graph.tensor:
        return None
    return {k: tuple(np.shape(x)) for k, x in at.items() if k in graph.input_names}


def _direction(name: str, x: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    """``v[name]`` in a tensor graph: finite numbers, of the input's shape (a number is
    that number in every entry; ``shape`` None: the input has no value, which the
    passes report)."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        a = None
    if a is None or isinstance(x, (bool, str)) or not np.all(np.isfinite(a)):
        raise InputError(f"v[{name!r}] must be finite numbers, got {x!r}",
                         hint=f"give v[{name!r}] an array of {name}'s shape")
    if shape is None:
        return a
    if a.ndim == 0:
        return np.full(shape, float(a))
    if a.shape != shape:
        raise InputError(f"v[{name!r}] has shape {'×'.join(map(str, a.shape))}, but {name} is "
                         + ("a number" if not shape else "×".join(map(str, shape))),
                         hint=f"give v[{name!r}] an array of {name}'s shape")
    return a


def cost_of(traces: Sequence[Trace]) -> Cost:
    """The cost of the derivative passes in ``traces`` (see :class:`Cost`)."""
    passes = visited = model = adds = 0
    for t in traces:
        size = len(t.graph)
        passes += len(t.forward) + len(t.reverse)
        model += size * (len(t.forward) + len(t.reverse))
        visited += size * len(t.forward) + sum(len(r.order) for r in t.reverse)
        c = t.cost
        adds += c["forward"]["multiply_adds"] + c["reverse"]["multiply_adds"]
    return Cost(passes, len(traces), max((len(t.graph) for t in traces), default=0), model,
                visited, adds)
