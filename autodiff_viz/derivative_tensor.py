"""The derivative graph of a graph of vectors and matrices: each tensor operation's
vector-Jacobian product (reverse mode) and Jacobian-vector product (forward mode) as nodes
of the operations table.

The adjoint of ``a`` in ``a @ b`` is ``matmul_bt(ḡ, b)`` (ḡ bᵀ, with numpy's vector rules),
a broadcast argument's is ``sum_to(term, a)`` (the sum over the copies), softmax's
``s·(ḡ − rowsum(ḡ·s))``; the helper operations are ordinary operations of the table
(:data:`autodiff_viz.ops.DERIVATIVE_HELPERS`), with their own rules here, so a derivative
graph is differentiated again like any graph.

>>> from autodiff_viz import derivative_graph
>>> derivative_graph("W: 2x3\\nx: 3\\nL = sum(W@x)").listing()[-2:]
['w̄2 = matmul_at(w1, w̄3)', 'w̄1 = matmul_bt(w̄3, w2)']
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import AutodiffVizError, InputError
from .graph import Graph
from .ops import OPS

if TYPE_CHECKING:
    from .derivative import _Nodes


def _op(name: str) -> Any:
    return OPS[name]


def node_shapes(base: Graph, given: Mapping[str, Any] | None) -> list[tuple[int, ...]] | None:
    """Every node's shape in a tensor graph, when every input's is known (given, as a value
    or a shape, or declared); else None."""
    if not base.tensor:
        return None
    import numpy as np

    from .passes import infer_shapes
    known = dict(base.declared)
    for k, v in (given or {}).items():
        known[k] = tuple(v) if isinstance(v, tuple) else tuple(np.shape(v))
    if any(x not in known for x in base.input_names):
        return None
    try:
        return infer_shapes(base, {x: np.zeros(known[x]) for x in base.input_names})
    except (AutodiffVizError, ValueError):  # the passes report it where values are given
        return None


# -- adjoints of the tensor operations, as nodes -------------------------------------------
# Per operation: (make, const, args, out, g, k) -> the node holding argument k's adjoint
# term for the adjoint g of the operation's node out (None: that argument gets none).
# make(name, *parents) appends an operation of the table; const(value) a constant.
_Rule = Callable[[Callable[..., int], Callable[[float], int], list[int], int, int, int],
                 "int | None"]


def _along(make: Callable[..., int], g: int, x: int, axis: int) -> int:
    """``g`` copied back along the axis (node ``axis``) to ``x``'s shape, any number of axes."""
    return make("spread_axis", g, x, axis)


def _mse(make: Callable[..., int], c: Callable[[float], int], a: list[int], o: int, g: int,
         k: int) -> int:
    d = make("div", make("mul", make("mul", c(2.0), g), make("sub", a[0], a[1])),
             make("size", a[0]))
    return d if k == 0 else make("neg", d)


def _bce(make: Callable[..., int], c: Callable[[float], int], a: list[int], o: int, g: int,
         k: int) -> int:
    p, y = a
    if k == 0:
        return make("div", make("div", make("mul", g, make("sub", p, y)),
                                make("mul", p, make("sub", c(1.0), p))), make("size", p))
    return make("div", make("mul", make("neg", g), make("sub", make("log", p), make(
        "log", make("sub", c(1.0), p)))), make("size", p))


def _cross_entropy(make: Callable[..., int], c: Callable[[float], int], a: list[int], o: int,
                   g: int, k: int) -> int:
    z, y = a
    if k == 0:
        return make("div", make("mul", g, make("sub", make("softmax", z), make("one_hot", y, z))),
                    make("rows", z))
    return make("from_one_hot", make("div", make("mul", make("neg", g), make("log_softmax", z)),
                                     make("rows", z)), y)


_RULES: dict[str, _Rule] = {
    "matmul": lambda m, c, a, o, g, k: (m("matmul_bt", g, a[1]) if k == 0 else
                                        m("matmul_at", a[0], g)),
    "transpose": lambda m, c, a, o, g, k: m("transpose", g),
    "sum": lambda m, c, a, o, g, k: m("sum_to", g, a[0]),
    "mean": lambda m, c, a, o, g, k: m("div", m("sum_to", g, a[0]), m("size", a[0])),
    "softmax": lambda m, c, a, o, g, k: m("mul", o, m("sub", g, m("rowsum", m("mul", g, o)))),
    "log_softmax": lambda m, c, a, o, g, k: m("sub", g, m("mul", m("exp", o), m("rowsum", g))),
    "logsumexp": lambda m, c, a, o, g, k: m("transpose", m("mul", g, m("transpose", m(
        "softmax", a[0])))),
    "outer": lambda m, c, a, o, g, k: (m("matmul", g, a[1]) if k == 0 else
                                       m("matmul", m("transpose", g), a[0])),
    "cross_entropy": _cross_entropy,
    "norm2": lambda m, c, a, o, g, k: m("div", m("mul", g, a[0]), o),
    "max_all": lambda m, c, a, o, g, k: m("mul", g, m("at_max", a[0])),
    "min_all": lambda m, c, a, o, g, k: m("mul", g, m("at_min", a[0])),
    "mse": _mse,
    "bce": _bce,
    # the helper operations (ops.DERIVATIVE_HELPERS): a derivative graph differentiated again
    "sum_to": lambda m, c, a, o, g, k: m("sum_to", g, a[0]) if k == 0 else None,
    "size": lambda m, c, a, o, g, k: None,
    "rows": lambda m, c, a, o, g, k: None,
    "at_max": lambda m, c, a, o, g, k: None,  # constant almost everywhere
    "at_min": lambda m, c, a, o, g, k: None,
    "at_max_axis": lambda m, c, a, o, g, k: None,
    "at_min_axis": lambda m, c, a, o, g, k: None,
    "rowsum": lambda m, c, a, o, g, k: m("sum_to", g, a[0]),
    "one_hot": lambda m, c, a, o, g, k: m("from_one_hot", g, a[0]) if k == 0 else None,
    "matmul_bt": lambda m, c, a, o, g, k: (m("matmul", g, a[1]) if k == 0 else
                                           m("matmul_at", g, a[0])),
    "matmul_at": lambda m, c, a, o, g, k: (m("matmul_bt", a[1], g) if k == 0 else
                                           m("matmul", a[0], g)),
}


def adjoint_term(b: _Nodes, base: Graph, i: int, k: int, g: int,
                 carries: dict[int, tuple[int, int]]) -> int | None:
    """Nodes computing argument k's adjoint term of tensor node i, whose adjoint is node g."""
    n = base.nodes[i]
    op = n.op
    a = list(n.parents)
    if op.name in ("sum_axis", "mean_axis", "max_axis", "min_axis"):  # type: ignore[union-attr]
        make = _maker(b, g, i, carries)
        s = _along(make, g, a[0], a[1])
        if op.name in ("max_axis", "min_axis"):  # type: ignore[union-attr]  # ḡ at the max
            return make("mul", make(f"at_{op.name[:3]}_axis", a[0], a[1]), s)  # type: ignore[index]
        return s if op.name == "sum_axis" else make(  # type: ignore[union-attr]
            "div", s, make("div", make("size", a[0]), make("size", i)))
    return _apply(_RULES, "adjoint", "vector-Jacobian", b, base, i, g, i, k, carries)


def _apply(rules: dict[str, _Rule], what: str, product: str, b: _Nodes, base: Graph, i: int,
           d: int, whose: int, k: int, carries: dict[int, tuple[int, int]]) -> int | None:
    """Rule ``k`` of node i's operation, with ``d`` the adjoint (tangent) it carries: a new
    node using d records that it carries ``whose``'s (for the listing's w̄4, ẇ3)."""
    op = base.nodes[i].op
    rule = rules.get(op.name)  # type: ignore[union-attr]
    if rule is None:
        name = op.shown or op.name  # type: ignore[union-attr]
        raise InputError(f"the derivative graph has no {what} for {name} yet (the "
                         f"operation's {product} product is not written as nodes)",
                         hint=f"use trace or grad for a program with {name}; they handle "
                              "it; or write it with other operations")
    return rule(_maker(b, d, whose, carries), b.const, list(base.nodes[i].parents), i, d, k)


def _maker(b: _Nodes, d: int, whose: int, carries: dict[int, tuple[int, int]]
           ) -> Callable[..., int]:
    """``make(name, *parents)``: a new node of operation ``name``; the first node that
    uses ``d`` records that it carries ``whose``'s adjoint (tangent)."""
    def make(name: str, *parents: int) -> int:
        j = b.op(_op(name), parents)
        if d in parents and j not in carries:
            carries[j] = (parents.index(d), whose)
        return j

    return make


# -- tangents: each operation's Jacobian-vector product, as nodes -------------------------
# Per operation: (make, const, args, out, t, k) -> the node holding the output's tangent
# term for the tangent t of argument k (None: none, the operation is constant there).
def _sum_of(m: Callable[..., int], *factors: int) -> int:
    """⟨f1·f2·…⟩: the sum of every entry of the elementwise product."""
    p = factors[0]
    for f in factors[1:]:
        p = m("mul", p, f)
    return m("sum", p)


def _mse_t(m: Callable[..., int], c: Callable[[float], int], a: list[int], o: int, t: int,
           k: int) -> int:
    d = m("div", _sum_of(m, c(2.0), m("sub", a[0], a[1]), t), m("size", a[0]))
    return d if k == 0 else m("neg", d)


def _bce_t(m: Callable[..., int], c: Callable[[float], int], a: list[int], o: int, t: int,
           k: int) -> int:
    p, y = a
    if k == 0:
        w = m("div", m("sub", p, y), m("mul", p, m("sub", c(1.0), p)))
        return m("div", _sum_of(m, w, t), m("size", p))
    w = m("sub", m("log", p), m("log", m("sub", c(1.0), p)))
    return m("neg", m("div", _sum_of(m, w, t), m("size", p)))


def _cross_entropy_t(m: Callable[..., int], c: Callable[[float], int], a: list[int], o: int,
                     t: int, k: int) -> int:
    z, y = a
    if k == 0:
        d = m("sub", m("softmax", z), m("one_hot", y, z))
        return m("div", _sum_of(m, d, t), m("rows", z))
    # one-hot labels: −⟨log softmax(z), ẏ⟩ / rows; class indices: 0 (from_one_hot gives 0s)
    return m("neg", m("div", _sum_of(m, m("from_one_hot", m("log_softmax", z), y), t),
                      m("rows", z)))


_JVP_RULES: dict[str, _Rule] = {
    "matmul": lambda m, c, a, o, t, k: m("matmul", t, a[1]) if k == 0 else m("matmul", a[0], t),
    "transpose": lambda m, c, a, o, t, k: m("transpose", t),
    "sum": lambda m, c, a, o, t, k: m("sum", t),
    "mean": lambda m, c, a, o, t, k: m("mean", t),
    "softmax": lambda m, c, a, o, t, k: m("mul", o, m("sub", t, m("rowsum", m("mul", t, o)))),
    "log_softmax": lambda m, c, a, o, t, k: m("sub", t, m("rowsum", m("mul", m("exp", o), t))),
    "logsumexp": lambda m, c, a, o, t, k: m("sum_axis", m("mul", m("softmax", a[0]), t),
                                            c(-1.0)),
    "outer": lambda m, c, a, o, t, k: m("outer", t, a[1]) if k == 0 else m("outer", a[0], t),
    "cross_entropy": _cross_entropy_t,
    "sum_axis": lambda m, c, a, o, t, k: m("sum_axis", t, a[1]),
    "mean_axis": lambda m, c, a, o, t, k: m("mean_axis", t, a[1]),
    "max_axis": lambda m, c, a, o, t, k: m("sum_axis", m("mul", m("at_max_axis", a[0], a[1]), t),
                                           a[1]),
    "min_axis": lambda m, c, a, o, t, k: m("sum_axis", m("mul", m("at_min_axis", a[0], a[1]), t),
                                           a[1]),
    "max_all": lambda m, c, a, o, t, k: _sum_of(m, m("at_max", a[0]), t),
    "min_all": lambda m, c, a, o, t, k: _sum_of(m, m("at_min", a[0]), t),
    "norm2": lambda m, c, a, o, t, k: m("div", _sum_of(m, a[0], t), o),
    "mse": _mse_t,
    "bce": _bce_t,
    "sum_to": lambda m, c, a, o, t, k: m("sum_to", t, a[1]) if k == 0 else None,
    "size": lambda m, c, a, o, t, k: None,
    "rows": lambda m, c, a, o, t, k: None,
    "at_max": lambda m, c, a, o, t, k: None,
    "at_min": lambda m, c, a, o, t, k: None,
    "at_max_axis": lambda m, c, a, o, t, k: None,
    "at_min_axis": lambda m, c, a, o, t, k: None,
    "rowsum": lambda m, c, a, o, t, k: m("rowsum", t),
    "from_one_hot": lambda m, c, a, o, t, k: m("from_one_hot", t, a[1]) if k == 0 else None,
    "matmul_bt": lambda m, c, a, o, t, k: (m("matmul_bt", t, a[1]) if k == 0 else
                                           m("matmul_bt", a[0], t)),
    "matmul_at": lambda m, c, a, o, t, k: (m("matmul_at", t, a[1]) if k == 0 else
                                           m("matmul_at", a[0], t)),
}


def tangent_term(b: _Nodes, base: Graph, i: int, k: int, t: int,
                 carries: dict[int, tuple[int, int]]) -> int | None:
    """Nodes computing tensor node i's tangent term from argument k, whose tangent is t."""
    q = base.nodes[i].parents[k]
    return _apply(_JVP_RULES, "tangent", "Jacobian-vector", b, base, i, t, q, k, carries)
