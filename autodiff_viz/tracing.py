"""The second front end: trace a Python function into the same graph.

Write the function with this package's math functions and the usual
operators; calling it on :class:`Var` placeholders records every operation.

>>> import autodiff_viz as av
>>> def f(x1, x2):
...     return av.sin(x1) + x1*x2
>>> g = trace_function(f)
>>> g.to_program()
'w3 = sin(x1)\\nw4 = x1*x2\\nz = w3 + w4'
>>> round(float(av.sin(0.5)), 4)   # on plain numbers the functions just compute
0.4794
"""
from __future__ import annotations

import inspect
import numbers
from typing import Any, Callable

import numpy as np

from .errors import InputError
from .graph import Graph, GraphBuilder
from .ops import FUNCTIONS, INFIX, OPS, Op


class Var:
    """A placeholder for a traced value; operators on it add graph nodes."""

    __slots__ = ("_builder", "_id")
    __array_priority__ = 1000  # numpy scalars defer to our operators

    def __init__(self, builder: GraphBuilder, node: int) -> None:
        self._builder = builder
        self._id = node

    def __repr__(self) -> str:
        n = self._builder.node(self._id)
        return f"Var({n.name or n.op.name if n.op else n.name})"

    def __bool__(self) -> bool:
        raise InputError("a traced value has no truth value while tracing",
                         hint="use max(a, b), min(a, b), relu, step or abs instead of "
                              "if/else on traced values")

    def _compare(self, other: Any) -> bool:
        raise InputError("traced values cannot be compared while tracing",
                         hint="use max(a, b), min(a, b), relu, step or abs instead of "
                              "comparisons and if/else on traced values")

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __float__(self) -> float:
        raise InputError("a traced value cannot become a float while tracing",
                         hint="use autodiff_viz's functions (av.sin, av.exp, ...) "
                              "instead of math or numpy functions")

    def __add__(self, o: Any) -> "Var": return _apply(INFIX["+"], self, o)
    def __radd__(self, o: Any) -> "Var": return _apply(INFIX["+"], o, self)
    def __sub__(self, o: Any) -> "Var": return _apply(INFIX["-"], self, o)
    def __rsub__(self, o: Any) -> "Var": return _apply(INFIX["-"], o, self)
    def __mul__(self, o: Any) -> "Var": return _apply(INFIX["*"], self, o)
    def __rmul__(self, o: Any) -> "Var": return _apply(INFIX["*"], o, self)
    def __truediv__(self, o: Any) -> "Var": return _apply(INFIX["/"], self, o)
    def __rtruediv__(self, o: Any) -> "Var": return _apply(INFIX["/"], o, self)
    def __pow__(self, o: Any) -> "Var": return _apply(INFIX["^"], self, o)
    def __rpow__(self, o: Any) -> "Var": return _apply(INFIX["^"], o, self)
    def __neg__(self) -> "Var": return _apply(OPS["neg"], self)
    def __pos__(self) -> "Var": return self


def _apply(op: Op, *args: Any) -> Any:
    builder = next((a._builder for a in args if isinstance(a, Var)), None)
    if builder is None:
        with np.errstate(all="ignore"):
            return op.fn(*args)
    ids = []
    for a in args:
        if isinstance(a, Var):
            if a._builder is not builder:
                raise InputError("values from two different traces are combined",
                                 hint="trace one function at a time")
            ids.append(a._id)
        elif isinstance(a, numbers.Real) and not isinstance(a, bool):
            ids.append(builder.const(float(a)))
        else:
            raise InputError(f"cannot use {type(a).__name__} {a!r} inside a traced function",
                             hint="only numbers and traced values can be combined")
    return Var(builder, builder.apply(op, ids))


def _function(op: Op) -> Callable[..., Any]:
    def f(*args: Any, **kwargs: Any) -> Any:
        params = list(op.params)
        if op.variadic and len(args) > 2:
            out = _apply(op, args[0], args[1])
            for a in args[2:]:
                out = _apply(op, out, a)
            return out
        values = dict(zip(params, args))
        values.update(kwargs)
        for p, d in op.defaults.items():
            values.setdefault(p, d)
        missing = [p for p in params if p not in values]
        extra = [k for k in values if k not in params]
        if missing or extra or len(args) > len(params):
            raise InputError(f"{op.name}() takes ({', '.join(params)})")
        return _apply(op, *(values[p] for p in params))

    f.__name__ = f.__qualname__ = op.name
    f.__doc__ = f"{op.name}({', '.join(op.params)}): {op.doc or op.name}; traces on Var, computes on numbers."
    return f


FUNCTION_OBJECTS: dict[str, Callable[..., Any]] = {
    name: _function(op) for name, op in FUNCTIONS.items() if name.isascii()}


def trace_function(f: Callable[..., Any], names: list[str] | None = None,
                   share: bool = True) -> Graph:
    """Trace ``f`` (positional parameters are the inputs) into a :class:`Graph`.

    ``f`` may return one value, a tuple/list (outputs z1, z2, ...) or a dict
    (outputs named by its keys).
    """
    if names is None:
        try:
            sig = inspect.signature(f)
        except (TypeError, ValueError):
            raise InputError("cannot read the function's parameters",
                             hint="pass names=[...] for its inputs") from None
        names = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    b = GraphBuilder(share)
    args = [Var(b, b.input(n)) for n in names]
    result = f(*args)
    if isinstance(result, dict):
        items = list(result.items())
    elif isinstance(result, (tuple, list)):
        items = [(f"z{k + 1}", r) for k, r in enumerate(result)]
    else:
        items = [("z" if "z" not in names else "out", result)]
    outputs = []
    for name, r in items:
        if not isinstance(r, Var):
            raise InputError(f"output {name} does not depend on the inputs (it is {r!r})",
                             hint="return an expression of the function's parameters")
        outputs.append((str(name), r._id))
    src = getattr(f, "__name__", None)
    return b.build(outputs, f"<function {src}>" if src else None)
