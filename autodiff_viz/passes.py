"""The three passes as pure functions over a graph: primal, forward, reverse.

Each returns plain records (lists indexed by node id). All loops are
iterative and visit each node and edge once, so every pass is linear in the
size of the graph. Local partials are computed once by :func:`linearize` and
read by both derivative modes.

>>> from autodiff_viz import parse
>>> g = parse("sin(x1) + x1*x2")
>>> p = primal(g, {"x1": 2.0, "x2": 3.0})
>>> round(float(p.values[-1]), 4)
6.9093
>>> lin = linearize(g, p)
>>> r = reverse(g, p, lin, output="z")
>>> [round(float(r.adjoints[i]), 4) for i in g.inputs]
[2.5839, 2.0]
"""
from __future__ import annotations

import math
from typing import Any, Collection, Mapping, NamedTuple, Sequence

import numpy as np

from .gcpause import gc_paused
from .errors import DomainError, InputError, LocatedInputError, ShapeError
from .graph import Graph

Value = Any  # float or numpy array


class PrimalRecord(NamedTuple):
    """Values of every node (by id) and flags raised while computing them."""

    values: list[Value]
    flags: dict[int, list[str]]
    batch: bool  # True when inputs are arrays (one evaluation per point)
    shape: tuple[int, ...]  # broadcast shape of the inputs
    tensor: bool  # a graph of vectors and matrices: every node has its own shape
    shapes: list[tuple[int, ...]]  # tensor graphs: per node (else empty)


class Linearization(NamedTuple):
    """Local partials: ``partials[i][k]`` is ∂node_i/∂parent_k.

    None for a constant parent, and for a parent that depends on no input (``1 + 1``)
    where its partial does not exist or is not finite (``x^(1+1)`` at x = -1): no
    chain-rule path from an input goes through it, so it is treated as a constant there.
    """

    partials: list[tuple[Value | None, ...]]
    flags: dict[int, list[str]]


class ForwardRecord(NamedTuple):
    """One forward pass: tangent of every node and its terms ∂node/∂parent_k · ṗarent_k."""

    seed: dict[str, float]
    tangents: list[Value]
    terms: list[tuple[Value | None, ...]]
    flags: dict[int, list[str]]  # "tangent-overflow"


class NodeMap(Sequence):  # type: ignore[type-arg]
    """Per-node results of a pass that visits only some nodes: ``m[i]`` is what the pass
    stored for node ``i``, or ``default``; ``len(m)`` is the number of nodes. It costs
    what the pass stored, not the size of the graph.

    >>> m = NodeMap({2: 5.0}, 4, 0.0)
    >>> list(m), m[2], m[-1], len(m)
    ([0.0, 0.0, 5.0, 0.0], 5.0, 0.0, 4)
    """

    __slots__ = ("stored", "_n", "_default")

    def __init__(self, stored: dict[int, Any], n: int, default: Any) -> None:
        self.stored, self._n, self._default = stored, n, default

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._at(i)

    def _at(self, i: int) -> Any:
        return self.stored.get(i, self._default)

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.stored!r}, {self._n}, {self._default!r})"


class TermMap(Sequence):  # type: ignore[type-arg]
    """A reverse pass's terms per node: ``m[q]`` lists (child, position, value), in the
    order the pass added them (children from last to first).

    The pass stores each child's contributions once, as one tuple per child (``sent[i][k]``
    is what child ``i`` sent to its argument ``k``, None where nothing was sent), like
    the local partials; a node's list is made when it is asked for, from the graph's
    children. That keeps one small tuple per node instead of a triple per term.

    >>> from autodiff_viz import parse
    >>> g = parse("x*x + x")                        # x, w2 = x*x, w3 = w2 + x
    >>> m = TermMap(g, {1: (3.0, 3.0), 2: (1.0, 1.0)})
    >>> m[0], m[1], m[2], len(m)
    ([(2, 1, 1.0), (1, 0, 3.0), (1, 1, 3.0)], [(2, 0, 1.0)], (), 3)
    """

    __slots__ = ("graph", "sent")

    def __init__(self, graph: Graph, sent: dict[int, tuple[Any, ...]]) -> None:
        self.graph, self.sent = graph, sent

    def __getitem__(self, q: Any) -> Any:
        if isinstance(q, slice):
            return [self[j] for j in range(*q.indices(len(self)))]
        n = len(self)
        if q < 0:
            q += n
        if not 0 <= q < n:
            raise IndexError(q)
        sent = self.sent
        met = sorted(self.graph.children[q], key=lambda ck: (-ck[0], ck[1]))  # pass order
        terms = [(i, k, row[k]) for i, k in met
                 if (row := sent.get(i)) is not None and row[k] is not None]
        return terms or ()

    def __len__(self) -> int:
        return len(self.graph.nodes)


class NodeSet(NodeMap):
    """Whether a pass stored something for node ``i``: a view of the keys of what it
    stored, so it costs nothing more.

    >>> s = NodeSet({2: 5.0}, 4, False)
    >>> list(s), s[2]
    ([False, False, True, False], True)
    """

    __slots__ = ()

    def _at(self, i: int) -> Any:
        return i in self.stored


class ReverseRecord(NamedTuple):
    """One reverse pass: adjoint of every node and its terms (child, position, value)."""

    output: str
    seed: Any  # a number, or an array of the output's shape (one entry: a row of the Jacobian)
    adjoints: Sequence[Value]  # per node (a NodeMap: 0 where the pass did not go)
    terms: Sequence[Sequence[tuple[int, int, Value]]]  # per node: (child, position, value)
    reached: Sequence[bool]  # node is an ancestor of (or is) the output
    order: list[int]  # nodes in the order they were finished
    wrt: tuple[str, ...] | None  # the inputs asked for (None: every input)
    flags: dict[int, list[str]]  # "adjoint-overflow"


_NOT_FINITE = "no inf or nan; a number beyond ±1.8e308, such as 1e400, is inf"


def _numbers(v: Any, what: str, example: str, finite_hint: str) -> np.ndarray:
    """``v`` as an array of finite numbers, or an :class:`InputError` saying what is wrong
    with ``what`` (the value of an input, a seed)."""
    if isinstance(v, (bool, str)) or v is None:
        raise InputError(f"{what} must be a number or an array of numbers, got {v!r}",
                         hint=example)
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what} is not a number: {v!r}", hint=example) from None
    if not _finite(arr, arr.ndim > 0):
        raise InputError(f"{what} is not finite: {v!r}", hint=finite_hint)
    return arr


def _as_value(name: str, v: Any) -> Value:
    arr = _numbers(v, f"value of {name!r}", f"for example {name}=2",
                   f"give finite numbers ({_NOT_FINITE})")
    return np.float64(arr) if arr.ndim == 0 else arr


def check_inputs(graph: Graph, at: Mapping[str, Any]) -> dict[str, Value]:
    """Validate ``at`` against the graph's inputs; every problem is reported at once."""
    names = graph.input_names
    known = set(names)
    missing = [n for n in names if n not in at]
    unknown = [n for n in at if n not in known]
    problems = []
    if missing:
        problems.append("missing value" + ("s" if len(missing) > 1 else "")
                        + " for " + ", ".join(missing))
    if unknown:
        problems.append("unknown variable" + ("s" if len(unknown) > 1 else "")
                        + " " + ", ".join(unknown) + " (not used by the expression)")
    if problems:
        _names_written_together(graph, at, missing, "; ".join(problems))
        example = ",".join(f"{n}=1" for n in names) or "(no inputs needed)"
        raise InputError("; ".join(problems),
                         hint=f"the inputs are: {', '.join(names) or 'none'}; e.g. --at {example}")
    return {n: _as_value(n, at[n]) for n in names}


def product_of_names(name: str, names: set[str]) -> list[str] | None:
    """``name`` as two or more of ``names`` written together (fewest pieces), or None.

    >>> product_of_names("x1x2", {"x1", "x2", "y"})
    ['x1', 'x2']
    >>> product_of_names("xy", {"x"}) is None
    True
    """
    best: dict[int, list[str]] = {0: []}  # prefix length -> fewest pieces covering it
    for end in range(1, len(name) + 1):
        for start in sorted(best):
            piece = name[start:end]
            if start in best and piece in names and (
                    end not in best or len(best[start]) + 1 < len(best[end])):
                best[end] = best[start] + [piece]
    parts = best.get(len(name))
    return parts if parts and len(parts) >= 2 else None


def _names_written_together(graph: Graph, at: Mapping[str, Any], missing: list[str],
                            message: str) -> None:
    """Raise with a caret and "did you mean x1*x2?" when a missing input ``x1x2`` is
    names that are given (or assigned) written together; else return."""
    names = set(at) | set(graph.input_names) | {
        n.name for n in graph.nodes if n.kind == "op" and n.name}
    for node in graph.nodes:
        if node.kind != "input" or node.name not in missing:
            continue
        parts = product_of_names(node.name, names - {node.name})
        if not parts:
            continue
        product = "*".join(parts)
        hint = f"did you mean {product}? {node.name} is read as one name; write {product} " \
               f"for the product"
        if graph.source is None or node.span is None:
            raise InputError(message, hint=hint)
        start = node.span[0]
        line = graph.source.count("\n", 0, start) + 1
        column = start - (graph.source.rfind("\n", 0, start) + 1) + 1
        raise LocatedInputError(message, source=graph.source, line=line, column=column,
                                width=len(node.name), hint=hint)


def _bad(mask: Value) -> bool:
    """Whether a domain mask marks any point (a number's mask without numpy's any())."""
    if type(mask) is bool or type(mask) is np.bool_:
        return bool(mask)
    return bool(np.any(mask))


def _first_bad(mask: Value, args: list[Value]) -> tuple[Any, str]:
    """The offending argument values and where (point index) for an error message."""
    shape = np.broadcast_shapes(np.shape(mask), *(np.shape(a) for a in args))
    if shape == ():
        return tuple(float(a) for a in args), ""
    idx = tuple(int(j) for j in np.argwhere(np.broadcast_to(mask, shape))[0])
    vals = tuple(float(np.broadcast_to(a, shape)[idx]) for a in args)
    return vals, f" at point {idx if len(idx) > 1 else idx[0]}"


def _domain_error(graph: Graph, i: int, message: str, mask: Value, args: list[Value]) -> DomainError:
    names = graph.display_names("w")
    name, formula = names[i], graph.formula(i)
    vals, where = _first_bad(mask, args)
    from .printing import format_number
    shown = ", ".join(f"{names[q]} = {format_number(v)}"
                      for q, v in zip(graph.nodes[i].parents, vals)
                      if graph.nodes[q].kind != "const")
    expr = graph.expressions("text", limit=60)[i]
    full = f" (that is {expr})" if expr and expr != formula else ""
    return DomainError(f"{message}: node {name} = {formula}{full} with {shown}{where}",
                       node=name, formula=formula, value=vals,
                       hint="choose inputs inside the domain of every operation")


def _finite(v: Value, batch: bool) -> bool:
    """No inf or nan anywhere. For arrays the sum is a fast first test: it is
    finite only when every element is (barring overflow of the sum itself, which
    numpy is told not to warn about)."""
    if not batch or not isinstance(v, np.ndarray) or v.ndim == 0:
        return math.isfinite(v)
    with np.errstate(all="ignore"):
        return math.isfinite(np.sum(v)) or bool(np.isfinite(v).all())


def _flag_nonfinite(flags: dict[int, list[str]], i: int, v: Value, kind: str) -> None:
    """Flag node ``i`` with ``kind`` when ``v`` (a tangent or adjoint) has an inf or nan."""
    if v is not None and not _finite(v, isinstance(v, np.ndarray)):
        flags.setdefault(i, []).append(kind)


def _new_nonfinite(d: Value, out: Value, args: list[Value], arrays: bool) -> bool:
    """For a partial ``d`` that may hold an inf or nan (a number that is not finite, or
    an array): whether that is news, ``d`` not being the node's own value or one of its
    arguments (those are flagged, or checked, already)."""
    if d is out or any(d is a for a in args):
        return False
    return not arrays or not _finite(d, True)


def gradient_plan(graph: Graph, out: int) -> tuple[set[int], set[int]]:
    """What a reverse pass from node ``out`` reads: the operations on a path from an input
    to ``out`` (whose local partials it multiplies), and the nodes whose values those
    partials, domains and flags read (``Op.reads``), with what computing them needs.

    In ``sin(x1) + x1*x2`` the partials read x1 and x2 only, not the value of any
    operation (nodes 2, 3, 4), so a gradient computes none of them:

    >>> from autodiff_viz import parse
    >>> path, values = gradient_plan(parse("sin(x1) + x1*x2"), 4)
    >>> sorted(path), sorted(values)
    ([2, 3, 4], [])
    >>> sorted(gradient_plan(parse("exp(sin(x))"), 2)[1])  # exp' = exp: its value, and sin's
    [1, 2]
    """
    nodes = graph.nodes
    live = depends_on_input(graph)
    path: set[int] = set()
    stack = [out] if live[out] else []
    while stack:  # the ancestors of out that depend on an input
        i = stack.pop()
        if i in path:
            continue
        path.add(i)
        stack.extend(q for q in nodes[i].parents if live[q])
    values: set[int] = set()
    for i in path:
        n = nodes[i]
        if n.kind != "op":
            continue
        op = n.op
        if ("args" in op.reads or op.domain or op.partial_domain or  # type: ignore[union-attr]
                op.nondiff is not None or op.tensor):  # type: ignore[union-attr]
            values.update(n.parents)
        if "out" in op.reads or op.tensor:  # type: ignore[union-attr]
            values.add(i)
    stack = list(values)
    while stack:  # and what computing those values needs
        for q in nodes[stack.pop()].parents:
            if q not in values:
                values.add(q)
                stack.append(q)
    path = {i for i in path if nodes[i].kind == "op"}
    return path, {i for i in values if nodes[i].kind == "op"}


def depends_on_input(graph: Graph) -> list[bool]:
    """Per node: is it an input, or computed from one? (``1 + 1`` is not: a constant.)

    >>> from autodiff_viz import parse
    >>> depends_on_input(parse("x^(1+1)"))
    [True, False, False, True]
    """
    live: list[bool] = []
    for n in graph.nodes:
        live.append(n.kind == "input" or (n.kind == "op" and any(map(live.__getitem__,
                                                                       n.parents))))
    return live


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "×".join(map(str, shape))


def infer_shapes(graph: Graph, inputs: Mapping[str, Value]) -> list[tuple[int, ...]]:
    """The shape of every node, from the inputs' values, before anything is evaluated.

    A mismatch is a :class:`ShapeError` naming both operands and their shapes, with a
    caret at the operator.
    """
    shapes: list[tuple[int, ...]] = []
    for n in graph.nodes:
        if n.kind == "input":
            shape = tuple(np.shape(inputs[n.name]))  # type: ignore[index]
            want = graph.declared.get(n.name)  # type: ignore[arg-type]
            if want is not None and shape != want:
                raise InputError(f"{n.name} is declared {_shape_text(want)}, but its value is "
                                 f"{_shape_text(shape)}",
                                 hint=f"give {n.name} a value of shape {_shape_text(want)}, or "
                                      "change its declaration")
            shapes.append(shape)
        elif n.kind == "const":
            shapes.append(())
        else:
            args = [shapes[q] for q in n.parents]
            static = [graph.nodes[q].value for q in n.parents  # axis=0: known when built
                      if graph.nodes[q].kind == "const"] if n.op.static else []  # type: ignore[union-attr]
            try:
                shapes.append(tuple(n.op.shape(*args, *static)) if n.op.shape  # type: ignore[union-attr]
                              else tuple(np.broadcast_shapes(*args)))
            except ValueError as err:
                raise _shape_error(graph, n.id, args, str(err)) from None
    return shapes


def _shape_error(graph: Graph, i: int, shapes: list[tuple[int, ...]], why: str) -> ShapeError:
    n = graph.nodes[i]
    exprs = graph.expressions("text", limit=40)
    names = graph.display_names("w")
    shown = [(q, s) for q, s in zip(n.parents, shapes) if graph.nodes[q].kind != "const"]
    operands = " and ".join(f"{exprs[q] or names[q]} is {_shape_text(s)}"
                            for q, s in shown or zip(n.parents, shapes))  # softmax(e): e
    if "broadcast" in why or not why:
        why = "their shapes do not broadcast (sizes must be equal, or 1)"
    what = n.op.symbol if n.op.kind in ("infix", "postfix") else (  # type: ignore[union-attr]
        n.op.shown or n.op.name)  # type: ignore[union-attr]
    message = f"shapes do not fit for {what}: {operands}; {why}"
    hint = ("W @ x needs W's columns = x's length; use W.T to transpose"
            if n.op.name == "matmul" else "check the shapes of the values you gave")  # type: ignore[union-attr]
    if graph.source is not None and (n.at or n.span):
        start, end = n.at or n.span  # type: ignore[misc]
        return ShapeError(message, graph.source, start, end, hint)
    text = exprs[i] or graph.formula(i)
    return ShapeError(message, text, 0, len(text), hint)


def _unbroadcast(x: Value, shape: tuple[int, ...]) -> Value:
    """``x`` summed over the axes broadcasting added to ``shape`` (the adjoint of a
    broadcast value is the sum of the adjoints of its copies)."""
    if np.shape(x) == shape:
        return x
    x = np.asarray(x)
    while x.ndim > len(shape):
        x = x.sum(axis=0)
    for ax, n in enumerate(shape):
        if n == 1 and x.shape[ax] != 1:
            x = x.sum(axis=ax, keepdims=True)
    return x if shape else np.float64(x)


@gc_paused
def primal(graph: Graph, at: Mapping[str, Any], only: Collection[int] | None = None
           ) -> PrimalRecord:
    """Evaluate every node from the inputs to the outputs, storing each value.

    A graph of vectors and matrices (``graph.tensor``) has its shapes checked first; in
    a graph of elementwise operations, arrays are a batch of points. With ``only`` (see
    :func:`gradient_plan`) the other operations are not evaluated (their value is None),
    though their domains are checked where their arguments are known.
    """
    inputs = check_inputs(graph, at)
    tensor = graph.tensor
    node_shapes: list[tuple[int, ...]] = infer_shapes(graph, inputs) if tensor else []
    shapes = [np.shape(v) for v in inputs.values()]
    batch = not tensor and any(len(s) for s in shapes)
    try:
        shape = tuple(np.broadcast_shapes(*shapes)) if shapes and not tensor else ()
    except ValueError:
        raise InputError("input arrays have shapes that do not broadcast together: "
                         + ", ".join(f"{n}{np.shape(v)}" for n, v in inputs.items()),
                         hint="give arrays of the same length (or scalars)") from None
    values: list[Value] = []
    flags: dict[int, list[str]] = {}
    with np.errstate(all="ignore"):
        for n in graph.nodes:
            if n.kind == "input":
                values.append(inputs[n.name])  # type: ignore[index]
                continue
            if n.kind == "const":
                values.append(np.float64(n.value))
                continue
            op = n.op
            args = list(map(values.__getitem__, n.parents))
            skip = only is not None and n.id not in only
            if skip and any(a is None for a in args):
                values.append(None)
                continue
            for check, why in op.domain:  # type: ignore[union-attr]
                bad = check(*args)
                if _bad(bad):
                    raise _domain_error(graph, n.id, why, bad, args)
            if skip:  # nothing reads its value
                values.append(None)
                continue
            v = op.fn(*args)  # type: ignore[union-attr]
            if tensor and np.ndim(v) == 0:
                v = np.float64(v)
            if not _finite(v, batch or tensor):
                flags.setdefault(n.id, []).append("overflow")
            values.append(v)
    return PrimalRecord(values, flags, batch, shape, tensor, node_shapes)


@gc_paused
def linearize(graph: Graph, p: PrimalRecord, only: Collection[int] | None = None
              ) -> Linearization:
    """Local partial derivative of every node with respect to each non-constant parent.

    A parent that depends on no input (the exponent of ``x^(1+1)``) is never on a
    chain-rule path from an input: its partial raises no domain error and, where it does
    not exist or is not finite, is None (as for a constant), so ``x^(1+1)`` at x = -1 is
    ``x^2`` there. Nodes that depend on no input are not flagged non-differentiable.
    With ``only``, the partials of the other nodes are not computed (empty).
    """
    values = p.values
    partials: list[tuple[Value | None, ...]] = []
    flags: dict[int, list[str]] = {}
    nodes = graph.nodes
    live = depends_on_input(graph)
    arrays = p.batch or p.tensor
    with np.errstate(all="ignore"):
        for n in nodes:
            if n.kind != "op" or (only is not None and n.id not in only):
                partials.append(())
                continue
            op = n.op
            if op.tensor:  # type: ignore[union-attr]  # vector-Jacobian products instead
                partials.append(tuple(None for _ in n.parents))
                continue
            args = list(map(values.__getitem__, n.parents))
            out = values[n.id]
            row: list[Value | None] = []
            domains = op.partial_domain  # type: ignore[union-attr]
            for k, q in enumerate(n.parents):
                if nodes[q].kind == "const":
                    row.append(None)
                    continue
                pd = domains.get(k) if domains else None
                if pd is not None:
                    bad = pd[0](*args)
                    if _bad(bad):
                        if not live[q]:  # not needed: the parent is a constant here
                            row.append(None)
                            continue
                        raise _domain_error(graph, n.id, pd[1], bad, args)
                d = op.partials[k](*args, out)  # type: ignore[union-attr]
                if not live[q]:  # not needed where it is not finite: a constant there
                    if not _finite(d, isinstance(d, np.ndarray)):
                        d = None
                elif (arrays or not math.isfinite(d)) and _new_nonfinite(d, out, args, arrays):
                    flags.setdefault(n.id, []).append("overflow")
                row.append(d)
            if (live[n.id] and op.nondiff is not None  # type: ignore[union-attr]
                    and _bad(op.nondiff(*args))):  # type: ignore[union-attr]
                flags.setdefault(n.id, []).append("nondifferentiable")
            partials.append(tuple(row))
    return Linearization(partials, flags)


@gc_paused
def forward(graph: Graph, p: PrimalRecord, lin: Linearization,
            seed: Mapping[str, float]) -> ForwardRecord:
    """Carry tangents from the seeded inputs to the outputs (one pass, one direction).

    A tangent that is not finite (a chain-rule term overflowed) is flagged
    ``tangent-overflow`` on its node.
    """
    unknown = [k for k in seed if k not in graph.names or
               graph.nodes[graph.names[k]].kind != "input"]
    if unknown:
        raise InputError(f"cannot seed {', '.join(unknown)}: not an input",
                         hint=f"the inputs are: {', '.join(graph.input_names)}")
    for k, v in seed.items():
        check_seed(k, v)
    tangents: list[Value] = []
    terms: list[tuple[Value | None, ...]] = []
    flags: dict[int, list[str]] = {}  # a tangent that is not finite (a term overflowed)
    zero = np.float64(0.0)
    nodes = graph.nodes
    partials = lin.partials
    values = p.values
    with np.errstate(all="ignore"):
        for n in nodes:
            if n.kind == "input":
                s = seed.get(n.name, 0.0)  # type: ignore[arg-type]
                tangents.append(zero if p.tensor and np.ndim(s) == 0 and s == 0 else
                                _seed_value(n.name, s, np.shape(values[n.id])))  # type: ignore[arg-type]
                terms.append(())
            elif n.kind == "const":
                tangents.append(zero)
                terms.append(())
            else:
                # in a tensor graph an unseeded tangent stays the number 0 (every entry 0):
                # its terms are 0 without a product of zeros (one pass per entry is cheap)
                if n.op.tensor:  # type: ignore[union-attr]
                    args = [values[q] for q in n.parents]
                    row = tuple(None if nodes[q].kind == "const" else
                                zero if tangents[q] is zero else
                                n.op.jvp[k](*args, values[n.id], tangents[q])  # type: ignore[union-attr]
                                for k, q in enumerate(n.parents))
                else:
                    row = tuple(None if d is None else
                                zero if p.tensor and tangents[q] is zero else d * tangents[q]
                                for d, q in zip(partials[n.id], n.parents))
                total = zero
                for t in row:
                    if t is None or (p.tensor and t is zero):
                        continue
                    total = t if p.tensor and total is zero else total + t
                if p.tensor and total is not zero and np.shape(total) != np.shape(values[n.id]):
                    # a number's tangent reaching an array (x2 - max(2.5, x)): every entry
                    total = np.broadcast_to(total, np.shape(values[n.id]))
                _flag_nonfinite(flags, n.id, total, "tangent-overflow")
                tangents.append(total)
                terms.append(row)
    return ForwardRecord({k: float(v) if np.ndim(v) == 0 else np.asarray(v, float).tolist()
                          for k, v in seed.items()}, tangents, terms, flags)


def check_seed(name: str, s: Any) -> np.ndarray:
    """The seed ``s`` of ``name`` as an array of finite numbers, or an :class:`InputError`.

    >>> try:
    ...     check_seed("x", float("nan"))
    ... except InputError as err:
    ...     print(err.message)
    the seed of x is not finite: nan
    """
    return _numbers(s, f"the seed of {name}", f"e.g. {name}=1",
                    f"a seed is a direction: give finite numbers, e.g. {name}=1 ({_NOT_FINITE})")


def _seed_value(name: str, s: Any, shape: tuple[int, ...] | None) -> Value:
    """An input's tangent: a number (in every entry of a vector or matrix: the whole input
    seeded), or an array of the input's shape (any direction, one entry among them)."""
    a = check_seed(name, s)
    if a.ndim == 0:
        v = np.float64(a)
        return np.full(shape, v) if shape else v
    if shape is not None and a.shape != tuple(shape):
        raise InputError(f"the seed of {name} has shape {_shape_text(a.shape)}, but {name} is "
                         f"{_shape_text(shape)}",
                         hint=f"seed {name} with a number (every entry) or an array of its shape")
    return a


@gc_paused
def reverse(graph: Graph, p: PrimalRecord, lin: Linearization, output: str | None = None,
            seed: Any = 1.0, wrt: Collection[str] | None = None) -> ReverseRecord:
    """Carry adjoints from one output back to the inputs (one pass).

    A node's adjoint is the sum over its children of child adjoint × local
    partial; terms are kept in the order they are added (children from last to
    first). With ``wrt`` only the nodes on a path from those inputs are visited. An
    adjoint that is not finite (a term overflowed) is flagged ``adjoint-overflow``.
    """
    out = graph.output_id(output)
    name = output if output is not None else graph.outputs[0][0]
    nodes = graph.nodes
    partials = lin.partials
    reached = _ancestors(graph, lin, out)  # through a partial; the pass visits only these
    if wrt is not None:  # only what leads to the inputs asked for: no adjoint for data (X, y)
        names = set(graph.input_names)
        unknown = [w for w in wrt if w not in names]
        if unknown:
            raise InputError(f"cannot differentiate with respect to {', '.join(unknown)}: "
                             "not an input", hint=f"the inputs are: {', '.join(graph.input_names)}")
        wanted = set(wrt)
        leads: set[int] = set()
        for i in sorted(reached):  # parents before children
            n = nodes[i]
            if (n.name in wanted if n.kind == "input" else
                    n.kind == "op" and any(q in leads for q in n.parents)):
                leads.add(i)
        reached = leads | {out}
    zero = np.float64(0.0)
    adjoints: dict[int, Value] = {out: _seed_value(name, seed,
                                                   p.shapes[out] if p.tensor else None)}
    # a non-scalar output seeded with a number: all ones, the gradient of its sum
    values = p.values
    sent: dict[int, tuple[Any, ...]] = {}  # per child: what it sent to each argument
    order = sorted(reached, reverse=True)  # children before parents
    # Without wrt every parent a partial leads to is reached: the set is not needed (and
    # is let go, a smaller peak); with wrt it keeps the pass on the paths asked for.
    only = reached if wrt is not None else None
    del reached
    tensor = p.tensor
    with np.errstate(all="ignore"):
        for i in order:
            n = nodes[i]
            if n.kind != "op":
                continue
            a = adjoints.get(i)
            if a is None:
                a = adjoints[i] = zero if not tensor or not p.shapes[i] else np.zeros(p.shapes[i])
            one = (a.ndim == 0 if isinstance(a, np.ndarray) else True) and a == 1.0  # 1·d is d
            tensor_op = n.op.tensor  # type: ignore[union-attr]
            args = [values[q] for q in n.parents] if tensor_op else None
            row: list[Any] = [None] * len(n.parents)
            sends = False
            for k, (d, q) in enumerate(zip(partials[i], n.parents)):
                if ((d is None and not tensor_op) or (only is not None and q not in only)
                        or (tensor_op and nodes[q].kind == "const")):  # constants: no term
                    continue
                if tensor_op:
                    c = n.op.vjp[k](*args, values[i], a)  # type: ignore[union-attr, misc]
                else:  # a partial of exactly 1 (x + y): the child's adjoint itself, shared
                    c = d if one else a if type(d) is float and d == 1.0 else a * d
                if tensor:  # a broadcast argument: sum over the copies
                    c = _unbroadcast(c, p.shapes[q])
                row[k] = c
                sends = True
                prev = adjoints.get(q)
                adjoints[q] = c if prev is None else prev + c
            if sends:
                sent[i] = tuple(row)
        flags: dict[int, list[str]] = {}
        # an input's own array, sent on as it is (the adjoint of y in x*y is x): checked
        # finite when the pass began, not summed again (the inputs the pass reached only:
        # its cost stays that of the output's ancestors)
        given = ({id(values[i]) for i in order if nodes[i].kind == "input"}
                 if p.batch or tensor else set())
        for i in order:
            v = adjoints.get(i)
            if v is None:  # reached, but no term added: 0
                adjoints[i] = zero
            elif not (math.isfinite(v) if not isinstance(v, np.ndarray) else
                      id(v) in given or _finite(v, True)):
                flags.setdefault(i, []).append("adjoint-overflow")
    size = len(nodes)
    return ReverseRecord(name, float(seed) if np.ndim(seed) == 0 else
                         np.asarray(seed, float).tolist(), NodeMap(adjoints, size, zero),
                         TermMap(graph, sent),
                         NodeSet(adjoints, size, False), order,
                         None if wrt is None else tuple(wrt), flags)


def _ancestors(graph: Graph, lin: Linearization, out: int) -> set[int]:
    """Node ``out`` and every node it depends on through a partial (not through a
    constant, nor a partial that is not needed), found with a stack: no recursion, and
    the cost of the ancestors only."""
    nodes, partials = graph.nodes, lin.partials
    seen = {out}
    stack = [out]
    while stack:
        i = stack.pop()
        n = nodes[i]
        tensor_op = n.kind == "op" and n.op.tensor  # type: ignore[union-attr]
        row = partials[i]
        if not row and not tensor_op:  # an input, or partials not computed (depends on none)
            continue
        for k, q in enumerate(n.parents):
            if q not in seen and nodes[q].kind != "const" and (
                    tensor_op or row[k] is not None):
                seen.add(q)
                stack.append(q)
    return seen
