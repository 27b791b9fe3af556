"""The public entry points: trace, gradient, jacobian.

>>> from autodiff_viz import gradient, jacobian
>>> g = gradient("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> round(g["x1"], 6), g["x2"]
(2.583853, 2.0)
>>> jacobian("a = x*y; b = x + y", at={"x": 2, "y": 5}, mode="forward")
{'a': {'x': 5.0, 'y': 2.0}, 'b': {'x': 1.0, 'y': 1.0}}
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Sequence

import numpy as np

from .gcpause import gc_paused
from .errors import InputError
from .ops import CONSTANTS
from .graph import Graph
from .parse_fast import parse
from .passes import forward, gradient_plan, linearize, primal, reverse
from .trace import Trace

MODES = ("primal", "forward", "reverse", "both")
Source = "str | Graph | Callable[..., Any]"


def to_graph(source: Any, share: bool = True) -> Graph:
    """A graph from text, a Graph, or a Python function."""
    if isinstance(source, Graph):
        return source
    if isinstance(source, str):
        return parse(source, share=share)
    if callable(source):
        from .tracing import trace_function
        return trace_function(source, share=share)
    raise InputError(f"cannot build a graph from {type(source).__name__}",
                     hint="give an expression as text, a Graph, or a Python function")


def bind_constants(graph: Graph, at: Mapping[str, Any]) -> Graph:
    """``graph`` with the constant names that ``at`` gives values (``e``, ``pi``) as inputs.

    A name the user binds is a variable: ``e*x`` at e=2, x=3 is 6, and the graph's
    notes say that ``e`` is not Euler's number here.

    >>> bind_constants(parse("e*x"), {"e": 2, "x": 3}).input_names
    ['e', 'x']
    """
    names = [n for n in at if n in CONSTANTS and n not in graph.input_names]
    if not names or not any(nd.kind == "const" and (nd.text or "").lstrip("-") in names
                            for nd in graph.nodes):
        return graph
    if graph.source is None:
        raise InputError(f"{', '.join(names)} {'is a constant' if len(names) == 1 else 'are constants'}"
                         " in this graph and cannot be given a value",
                         hint="name the variable differently")
    bound = parse(graph.source, share=graph.share, variables=names)
    if bound.output_names != graph.output_names:
        bound = bound.with_outputs(graph.output_names)
    return bound


@gc_paused
def trace(source: Any, at: Mapping[str, Any] | None = None, *, mode: str = "both",
          wrt: str | Sequence[str] | None = None, seed: Mapping[str, Any] | None = None,
          output: str | None = None, output_seed: float = 1.0, notation: str = "w",
          share: bool = True, entries: bool = False,
          params: str | Sequence[str] | None = None) -> Trace:
    """Run the passes and return a :class:`~autodiff_viz.trace.Trace`.

    ``mode``: "primal", "forward", "reverse" or "both". Forward mode runs one
    pass per input named in ``wrt`` or one pass along the direction ``seed``; with
    neither it seeds every input in turn, one pass each, so that forward mode too
    gives the whole gradient (Jacobian). The command line follows the same rule
    (``trace``/``render`` without ``--wrt``/``--seed``); reverse mode runs one pass per
    output (or ``output``), and
    with ``params`` only through the nodes on a path from those inputs (the
    parameters: no adjoint is computed for data such as X and y).
    A vector or matrix input in ``wrt`` is seeded whole (every entry 1: a direction);
    with ``entries=True`` one pass per entry instead (forward: per input entry; reverse:
    per output entry), which ``jacobian`` and ``gradient`` assemble into arrays.

    >>> t = trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward", wrt="x2")
    >>> t.gradient
    {'x2': 2.0}
    >>> t = trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward")
    >>> [f.seed for f in t.forward], t.gradient        # no wrt: every input in turn
    ([{'x1': 1.0}, {'x2': 1.0}], {'x1': 2.5838531634528574, 'x2': 2.0})
    """
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", hint="use one of: " + ", ".join(MODES))
    if (isinstance(output_seed, bool) or not isinstance(output_seed, numbers.Real)
            or not math.isfinite(output_seed) or output_seed == 0):
        raise InputError(f"output_seed must be a finite number other than 0, not {output_seed!r}",
                         hint="it scales every adjoint (the gradient is the adjoints divided "
                              "by it); the default is 1")
    at = dict(at or {})
    graph = bind_constants(to_graph(source, share), at)
    if output is not None:
        graph.output_id(output)  # validates the name
    p = primal(graph, at)
    lin = None if mode == "primal" else linearize(graph, p)
    fwd, rev = [], []
    if mode in ("forward", "both"):
        if seed is not None and wrt is not None:
            raise InputError("give either wrt or seed, not both",
                             hint="wrt=x1 means the seed x1=1 and every other input 0")
        if seed is not None:
            seeds = [dict(seed)]
        else:
            names = [wrt] if isinstance(wrt, str) else list(wrt or graph.input_names)
            known = set(graph.input_names)
            bad = [n for n in names if n not in known]
            if bad:
                raise InputError(f"cannot differentiate with respect to {', '.join(bad)}: "
                                 "not an input",
                                 hint=f"the inputs are: {', '.join(graph.input_names)}")
            seeds = [s for n in names for s in _seeds(n, p.values[graph.names[n]], entries)]
        fwd = [forward(graph, p, lin, s) for s in seeds]  # type: ignore[arg-type]
    if mode in ("reverse", "both"):
        outs = [output] if output is not None else graph.output_names
        only = None if params is None else ([params] if isinstance(params, str)
                                              else list(params))
        rev = [reverse(graph, p, lin, o, s, only) for o in outs  # type: ignore[arg-type]
               for s in (_entry_seeds(p.values[graph.output_id(o)], output_seed)
                         if entries and p.tensor else [output_seed])]
    values = {n: p.values[i] for n, i in zip(graph.input_names, graph.inputs)}
    return Trace(graph, values, p, lin, fwd, rev, notation, mode, output)


def _seeds(name: str, value: Any, entries: bool) -> list[dict[str, Any]]:
    """Forward seeds for one input: the input (every entry 1), or each entry in turn."""
    if not entries or not np.ndim(value):
        return [{name: 1.0}]
    return [{name: s} for s in _entry_seeds(value, 1.0)]


def _entry_seeds(value: Any, scale: float) -> list[Any]:
    """One-hot arrays of ``value``'s shape, one per entry (a number: the number itself)."""
    shape = np.shape(value)
    if not shape:
        return [scale]
    out = []
    for idx in np.ndindex(shape):
        e = np.zeros(shape)
        e[idx] = scale
        out.append(e)
    return out


@gc_paused
def gradient(source: Any, at: Mapping[str, Any], *, mode: str = "reverse",
             output: str | None = None, wrt: str | Sequence[str] | None = None
             ) -> dict[str, Any]:
    """∂output/∂input for every input (one reverse pass, or one forward pass per input;
    for a vector or matrix input, one forward pass per entry)."""
    if mode not in ("forward", "reverse"):
        raise InputError(f"gradient mode must be 'forward' or 'reverse', not {mode!r}")
    graph = to_graph(source)
    if output is None:
        graph.output_id(None)  # several outputs: the error asks which one
    name = output if output is not None else graph.outputs[0][0]
    if mode == "reverse" and not graph.tensor:
        return _reverse_gradient(graph, at, name, wrt)
    t = trace(graph, at, mode=mode, output=name if mode == "reverse" else None, entries=True,
              wrt=wrt if mode == "forward" else None,
              params=wrt if mode == "reverse" else None)
    return t.jacobian[name]


def _reverse_gradient(graph: Graph, at: Mapping[str, Any], output: str,
                      wrt: str | Sequence[str] | None) -> dict[str, Any]:
    """One reverse pass that computes only what the gradient reads (``gradient_plan``):
    the value of ``sin(x1)`` is not needed for ∂/∂x1 of ``sin(x1) + x1*x2``."""
    at = dict(at)
    graph = bind_constants(graph, at)
    path, needed = gradient_plan(graph, graph.output_id(output))
    p = primal(graph, at, only=needed)
    lin = linearize(graph, p, only=path)
    only = None if wrt is None else ([wrt] if isinstance(wrt, str) else list(wrt))
    r = reverse(graph, p, lin, output, 1.0, only)
    return Trace(graph, at, p, lin, [], [r], "w", "reverse").jacobian[output]


@gc_paused
def jacobian(source: Any, at: Mapping[str, Any], *, mode: str = "reverse") -> dict[str, dict[str, Any]]:
    """Every ∂output/∂input: one reverse pass per output or one forward pass per input."""
    if mode not in ("forward", "reverse"):
        raise InputError(f"jacobian mode must be 'forward' or 'reverse', not {mode!r}")
    return trace(source, at, mode=mode, entries=True).jacobian
