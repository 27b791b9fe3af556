"""Vectors and matrices in keys: points with array values, expected arrays read off the
trace records, and mistakes recognised from those records.

A point's vector or matrix is kept as nested lists of
:class:`~autodiff_viz.check.figures.Figure` (each entry's written text);
:func:`plain` gives the numpy array the passes take.

>>> pt = {"W": figure_array([[1, 1], [1, 1]]), "b": Figure(0.0)}
>>> plain(pt["W"]).shape, point_text(pt["W"]), point_text(pt["b"])
((2, 2), '[[1, 1], [1, 1]]', '0')

Expected values are read from the trace records (never recomputed):

>>> import autodiff_viz as av
>>> from .expected import Expected
>>> ex = Expected(av.trace("L = sum(W@x)", at={"W": [[1, 2], [3, 4]], "x": [1, -1]},
...                        mode="reverse"))
>>> adjoint_of(ex, 0, 0).tolist(), value_of(ex, 2).tolist()
([[1.0, -1.0], [1.0, -1.0]], [-1.0, -1.0])

A mistake recognised from the records: the chain rule through a map that is not
elementwise (softmax) taken with only the diagonal of its Jacobian. Its diagonal
comes from forward passes of that node's operation alone; the wrong adjoint is
that diagonal times the child's stored adjoint (and, further up, the difference
carried back by a reverse pass):

>>> ex = Expected(av.trace("s = softmax(z)\\nL = -sum(y*log(s))",
...                        at={"z": [1.0, 2.0, 0.5], "y": [0, 1, 0]}, mode="reverse"))
>>> [(ex.names[m.node], m.kind) for m in diagonal_mistakes(ex, 0, 0)]
[('s', 'diagonal chain'), ('s', 'diagonal alone')]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..graph import Graph
from ..ops import PREC_ATOM
from ..printing import format_number
from .figures import Figure

MAX_JACOBIAN = 1024  # entries of a node (so at most this many forward passes for its diagonal)
MAX_SHOWN = 16  # entries of a point's array shown in full in a problem's description


# -- points ----------------------------------------------------------------------------
def is_array(v: Any) -> bool:
    return isinstance(v, (list, tuple, np.ndarray))


def figure_array(value: Any) -> list[Any]:
    """Nested lists of Figures from nested lists or a numpy array of numbers.

    Raises ValueError saying what is wrong (ragged rows, an entry that is not a number).
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise ValueError("must be an array of numbers")
        value = value.tolist()

    def walk(x: Any, depth: int) -> tuple[Any, tuple[int, ...]]:
        if isinstance(x, (list, tuple)):
            if not x:
                raise ValueError("must not be empty")
            parts = [walk(e, depth + 1) for e in x]
            shapes = {s for _, s in parts}
            if len(shapes) > 1:
                raise ValueError("has rows of different lengths (every row needs as many "
                                 "entries)")
            return [p for p, _ in parts], (len(x),) + parts[0][1]
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer,
                                                                   np.floating)):
            raise ValueError(f"must hold numbers, got {x!r}")
        if not math.isfinite(float(x)):
            raise ValueError(f"must hold finite numbers, got {x!r}")
        if isinstance(x, Figure):
            return x, ()
        return Figure(float(x), str(int(x)) if isinstance(x, (int, np.integer)) else ""), ()

    return walk(value, 0)[0]


def plain(v: Any) -> Any:
    """A point's value as the passes take it: a float, or a numpy array."""
    if is_array(v):
        return np.asarray(v, dtype=float)
    return float(v)


def hashable(v: Any) -> Any:
    """A point's value as a dictionary key."""
    if is_array(v):
        a = np.asarray(v, dtype=float)
        return (a.shape, tuple(a.ravel().tolist()))
    return float(v)


def point_text(v: Any) -> str:
    """A point's value for a problem's description: ``2``, ``[[1, 1], [1, 1]]`` or ``784×256``."""
    if not is_array(v):
        return format_number(float(v))
    a = np.asarray(v, dtype=float)
    if a.size > MAX_SHOWN:
        return "×".join(map(str, a.shape)) + " array"

    def show(x: Any) -> str:
        if isinstance(x, list):
            return "[" + ", ".join(show(e) for e in x) + "]"
        return format_number(float(x))

    return show(a.tolist())


# -- expected values from the records --------------------------------------------------
def _as(v: Any) -> Any:
    return float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)


def _batched(ex: Any, v: Any) -> Any:
    """A batch of points (an elementwise graph at arrays): every value per point."""
    p = ex.trace.primal
    if p.batch and not p.tensor and np.shape(v) != tuple(p.shape):
        return np.broadcast_to(np.asarray(v, dtype=float), p.shape).copy()
    return _as(v)


def value_of(ex: Any, i: int) -> Any:
    """Node ``i``'s stored value (a float or an array)."""
    return _batched(ex, ex.steps[i].value)


def shape_of(ex: Any, i: int) -> tuple[int, ...]:
    return tuple(np.shape(value_of(ex, i)))


def adjoint_of(ex: Any, k: int, i: int) -> Any:
    """Node ``i``'s adjoint in reverse pass ``k`` (zeros of its shape when not reached)."""
    s = ex._reverse(k).get(i)
    if s is None:
        return _zero(ex, i)
    return _batched(ex, s.adjoint)


def tangent_of(ex: Any, k: int, i: int) -> Any:
    """Node ``i``'s tangent in forward pass ``k``."""
    s = ex._forward(k).get(i)
    if s is None:
        return _zero(ex, i)
    return _batched(ex, s.tangent)


def _zero(ex: Any, i: int) -> Any:
    shape = shape_of(ex, i)
    return np.zeros(shape) if shape else 0.0


# -- recognised mistakes -----------------------------------------------------------------
# How courses write the pieces of a map that is not elementwise, for the messages only (the
# mistake itself is found from the records, for any such operation): its Jacobian's
# diagonal, the Jacobian, and the right adjoint of its argument ({c} the node, {p} its
# argument, {g} the node's adjoint).
WRITTEN = {
    "softmax": ("{c} ⊙ (1 − {c})", "diag({c}) − {c} {c}ᵀ", "{c} ⊙ ({g} − ⟨{g}, {c}⟩)"),
    "log_softmax": ("1 − softmax({p})", "I − 1 softmax({p})ᵀ", "{g} − softmax({p}) Σ{g}"),
}


@dataclass(frozen=True)
class Mistake:
    """A wrong answer a student may give, with why it is wrong."""

    value: Any
    message: str
    kind: str  # "diagonal chain", "diagonal alone", "diagonal upstream"
    node: int  # the node whose Jacobian was cut to its diagonal


def bar(name: str) -> str:
    """The adjoint's symbol: ``s̄``, ``w̄9``; longer names: ``adj(a1)``."""
    if len(name) == 1:
        return name + "\u0304"
    if len(name) > 1 and name[0].isalpha() and name[1:].lstrip("-").isdigit():
        return name[0] + "\u0304" + name[1:]
    return f"adj({name})"


def _name(ex: Any, i: int) -> str:
    """A node as the key names it: its variable, its name in the program, or its label."""
    g = ex.graph
    return g.nodes[i].name or ex.names[i]


def _formula(ex: Any, i: int) -> str:
    """Node ``i``'s operation on its parents as the key names them: ``softmax(z)``."""
    g = ex.graph
    atoms = g._atoms(ex.trace.notation, "text")
    args = [(_name(ex, q), PREC_ATOM) if g.nodes[q].kind != "const" else atoms[q]
            for q in g.nodes[i].parents]
    return g.formula(i, args=args)


def _ancestors(g: Graph, i: int) -> set[int]:
    seen: set[int] = set()
    todo = [i]
    while todo:
        for q in g.nodes[todo.pop()].parents:
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return seen


def jacobian_diagonal(ex: Any, c: int, pos: int) -> tuple[np.ndarray, bool] | None:
    """The diagonal of ∂node_c/∂(its argument at ``pos``), in the argument's shape, and
    whether the Jacobian has entries off it; from forward passes of the node's operation
    alone (one per entry of the argument). None when too large or not square."""
    cache = ex.__dict__.setdefault("_diagonals", {})  # one per node: several asks use it
    if (c, pos) not in cache:
        cache[(c, pos)] = _diagonal(ex, c, pos)
    return cache[(c, pos)]


def _diagonal(ex: Any, c: int, pos: int) -> tuple[np.ndarray, bool] | None:
    from ..api import trace

    g = ex.graph
    p = g.nodes[c].parents[pos]
    shape = shape_of(ex, p)
    n = int(np.prod(shape)) if shape else 1
    if not shape or shape_of(ex, c) != shape or n > MAX_JACOBIAN:
        return None
    local, root = ex.local_graph(c)
    name = f"__p{pos}"
    at = {f"__p{k}": value_of(ex, q) for k, q in enumerate(g.nodes[c].parents)
          if f"__p{k}" in local.input_names}
    try:
        t = trace(local, at, mode="forward", wrt=name, entries=True)
        jac = np.asarray(t.jacobian[local.outputs[0][0]][name], dtype=float).reshape(n, n)
    except Exception:  # noqa: BLE001 - no Jacobian, no recognised mistake
        return None
    diag = np.diag(jac).copy()
    off = jac - np.diag(diag)
    return diag.reshape(shape), bool(np.any(np.abs(off) > 1e-12))


def _reverse_from(ex: Any, node: int, seed: np.ndarray) -> list[Any]:
    """Every node's adjoint when node ``node`` is seeded with ``seed`` (a reverse pass)."""
    from ..passes import reverse

    g = ex.graph
    g2 = Graph(list(g.nodes), [("__from", node)], g.source, g.share, g.parse_notes, g.declared)
    return reverse(g2, ex.trace.primal, ex.trace.linear, "__from", seed).adjoints


def diagonal_mistakes(ex: Any, k: int, node: int) -> list[Mistake]:
    """Wrong adjoints of ``node`` (reverse pass ``k``) from using only the diagonal of the
    Jacobian of a node that is not elementwise (softmax: ``s ⊙ (1 − s)``) in the chain rule.

    For each such node c = op(p) on ``node``'s way to the output: the term of p from c
    taken as diag(∂c/∂p) ⊙ c̄ instead of (∂c/∂p)ᵀ c̄; for p itself also diag(∂c/∂p)
    alone; for a node further up, the difference carried back by a reverse pass from p.
    """
    g = ex.graph
    trace = ex.trace
    if not trace.primal.tensor or trace.linear is None:
        return []
    out: list[Mistake] = []
    true = np.asarray(adjoint_of(ex, k, node), dtype=float)
    for c_node in g.nodes:
        if c_node.kind != "op" or not c_node.op.tensor:  # type: ignore[union-attr]
            continue
        c = c_node.id
        args = [(pos, q) for pos, q in enumerate(c_node.parents)
                if g.nodes[q].kind != "const"]
        if len(args) != 1 or not ex.reached(k, c):
            continue
        pos, p = args[0]
        if p != node and node not in _ancestors(g, p):
            continue
        found = jacobian_diagonal(ex, c, pos)
        if found is None:
            continue
        diag, off = found
        if not off or np.any(diag == 0):
            continue
        cbar = np.asarray(adjoint_of(ex, k, c), dtype=float)
        step = ex._reverse(k).get(p)
        term = sum((np.asarray(t.value, dtype=float) for t in (step.terms if step else ())
                    if t.child == c), np.zeros(np.shape(diag)))
        delta = diag * cbar - term
        if np.allclose(delta, 0, atol=1e-12):
            continue
        op = c_node.op.name  # type: ignore[union-attr]
        cn, pn = _name(ex, c), _name(ex, p)
        diag_f, jac_f, right_f = WRITTEN.get(op, ("", "", ""))
        fill = {"c": cn, "p": pn, "g": bar(cn)}
        diag_f, jac_f, right_f = (x.format(**fill) for x in (diag_f, jac_f, right_f))
        rows = " (row by row)" if len(shape_of(ex, c)) > 1 else ""
        cut = diag_f or f"diag(∂{cn}/∂{pn})"
        formula = f"{cn} = {_formula(ex, c)}"
        why = (f"{op} is not elementwise (every entry of {pn} changes every entry of {cn}): "
               + (f"∂{cn}/∂{pn} = {jac_f}{rows}, of which {diag_f} is only the diagonal"
                  if jac_f and diag_f else f"∂{cn}/∂{pn} has entries off its diagonal"))
        right = (f"the adjoint of {pn} is (∂{cn}/∂{pn})ᵀ {bar(cn)}"
                 + (f" = {right_f}" if right_f else ""))
        if p == node:
            out.append(Mistake(true + delta, f"this is {cut} ⊙ {bar(cn)}: the chain rule "
                               f"through {formula} with only the diagonal of its Jacobian. "
                               f"{why}, so {right}", "diagonal chain", c))
            children = {t.child for t in (step.terms if step else ())}
            if children == {c}:
                out.append(Mistake(diag, f"this is {cut}, not the adjoint of {pn}: it is only "
                                   f"the diagonal of the Jacobian of {formula}, and the chain "
                                   f"rule multiplies by {cn}'s adjoint {bar(cn)}. {why}; "
                                   f"{right}", "diagonal alone", c))
        else:
            carried = np.asarray(_reverse_from(ex, p, delta)[node], dtype=float)
            if np.allclose(carried, 0, atol=1e-12):
                continue
            out.append(Mistake(true + carried, f"this follows from the adjoint of {pn} taken "
                               f"as {cut} ⊙ {bar(cn)}: the chain rule through {formula} with "
                               f"only the diagonal of its Jacobian. {why}, so {right}",
                               "diagonal upstream", c))
    return out
