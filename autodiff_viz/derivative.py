"""Symbol-to-symbol differentiation: the derivative as a graph of ordinary operations.

``derivative_graph`` keeps the original nodes (same ids, same order) and appends the
adjoint (reverse mode) or tangent (forward mode) nodes, built from each operation's
partial formula in the ops table. The result is a :class:`~autodiff_viz.graph.Graph`:
it traces, renders, prints as a program and evaluates at many points at once.

Names. In the program the adjoint of a node is ``d<output>_d<node>`` (``dz_dx1``,
``dz_dw4``) and its tangent ``d<node>_d<input>`` (``dw3_dx1``), where ``<node>`` is
the input's or assignment's name, else its numbered label; the views show ``w̄4`` and
``ẇ3`` (:meth:`DerivativeGraph.symbol`). The derivative outputs come after the original
outputs, one per input (reverse) or per output (forward), and are shown as ``∂z/∂x1``.

>>> dg = derivative_graph("sin(x1) + x1*x2")
>>> print("\\n".join(dg.listing()))
w̄5 = 1
w̄4 = w̄5·1
w̄3 = w̄5·1
w̄2 = w̄4·w1
w̄1 = w̄4·w2 + w̄3·cos(w1)
>>> dg
DerivativeGraph(reverse mode, output z: 2 inputs, 10 operations, outputs=['z', 'dz_dx1', 'dz_dx2'])
>>> from autodiff_viz import trace
>>> t = trace(dg, at={"x1": 2, "x2": 3}, mode="primal")
>>> round(t.values["dz_dx1"], 4), t.values["dz_dx2"]
(2.5839, 2.0)
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Mapping, NamedTuple, Sequence

from .errors import InputError
from .graph import Graph, Node
from .derivative_tensor import adjoint_term, node_shapes, tangent_term
from .ops import CONSTANTS, FUNCTIONS, PREC_ATOM, Op
from .printing import apply_format, atom, format_number, number

MODES = ("reverse", "forward")
_BAR, _DOT = "\u0304", "\u0307"  # combining macron (w̄) and dot above (ẇ)


class Step(NamedTuple):
    """One simplification: which ``rule`` changed ``node`` from ``before`` to ``after``."""

    rule: str
    node: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.rule} in {self.node}: {self.before} → {self.after}"


class DerivativeGraph(Graph):
    """A graph holding a function and its derivative, and which node is which.

    ``holds[i]`` is the node that holds node ``i``'s adjoint (tangent); ``role[j]`` is
    the original node whose adjoint (tangent) derivative node ``j`` is; ``order`` the
    original nodes in the order the pass gives them one; ``carries[j] = (k, i)`` says
    that argument ``k`` of term ``j`` is node ``i``'s adjoint (tangent), even where that
    is the constant seed; ``steps`` what simplification did.
    """

    def __init__(self, nodes: list[Node], outputs: list[tuple[str, int]], *, base: Graph,
                 mode: str, of: str, holds: dict[int, int], role: dict[int, int],
                 order: list[int], pairs: Sequence[tuple[str, str]],
                 carries: dict[int, tuple[int, int]] | None = None,
                 steps: Sequence[Step] = ()) -> None:
        # no source text: the original's does not describe the new nodes (a memo keyed by
        # the text, or re-parsing it to bind e or pi, would lose them)
        super().__init__(nodes, outputs, None, base.share, base.parse_notes, base.declared)
        self.base = base
        self.mode = mode
        self.of = of  # the output (reverse) or the seeded input (forward)
        self.holds = dict(holds)
        self.role = dict(role)
        self.order = list(order)
        self.carries = dict(carries or {})
        self.steps = tuple(steps)
        self.derivative_outputs = self.outputs[len(base.outputs):]
        self.pairs = tuple(pairs)  # per derivative output: (y, x) of ∂y/∂x

    def __repr__(self) -> str:
        what = f"output {self.of}" if self.mode == "reverse" else f"seed {self.of}"
        return (f"DerivativeGraph({self.mode} mode, {what}: {len(self.inputs)} inputs, "
                f"{self.op_count} operations, outputs={self.output_names})")

    def symbol(self, i: int, notation: str = "w", style: str = "unicode") -> str:
        """How the views write the adjoint (tangent) of original node ``i``: ``w̄4``
        (``ẇ4`` forward); ``wbar4``/``wdot4`` in text, ``\\bar{w}_{4}`` in LaTeX."""
        label = self.base.labels(notation)[i]
        mark = "bar" if self.mode == "reverse" else "dot"
        k = len(label) - len(label.lstrip("".join(c for c in label if c.isalpha())))
        head, tail = label[:k] or label, label[k:]
        if style == "latex":
            sub = tail.strip("_{}")
            return f"\\{mark}{{{head}}}" + (f"_{{{sub}}}" if sub else "")
        if style == "text":
            return head + mark + tail
        return unicodedata.normalize("NFC", head + (_BAR if mark == "bar" else _DOT) + tail)

    def derivative_label(self, name: str, style: str = "unicode") -> str:
        """A derivative output's name as the views show it: ``dz_dx1`` is ``∂z/∂x1``."""
        for (out, _i), (y, x) in zip(self.derivative_outputs, self.pairs):
            if out == name:
                return f"∂{y}/∂{x}" if style == "unicode" else f"d{y}/d{x}"
        raise InputError(f"{name!r} is not a derivative output",
                         hint=f"they are: {', '.join(n for n, _ in self.derivative_outputs)}")

    def whose(self) -> list[int]:
        """Per derivative output, the original node whose adjoint (tangent) it is: the
        input (reverse mode) or the output (forward mode)."""
        g = self.base
        return [g.names[x] if self.mode == "reverse" else g.output_id(y) for y, x in self.pairs]

    def output_label(self, name: str, style: str = "unicode") -> str:
        """Any output's name as the views show it (``∂z/∂x1`` for a derivative's)."""
        if any(out == name for out, _ in self.derivative_outputs):
            return self.derivative_label(name, style)
        return name

    def anchors(self, drawn: Any) -> list[tuple[int, int]]:
        """Pairs (a, b) a picture may join by an invisible edge so that b comes after a:
        in reverse mode, the output before every derivative node that has no drawn
        derivative parent (the seed, a constant, is not drawn)."""
        if self.mode != "reverse":
            return []
        n0, out = len(self.base), self.base.output_id(self.of)
        return [(out, j) for j in range(n0, len(self.nodes)) if drawn(j) and not any(
            p >= n0 and drawn(p) for p in self.nodes[j].parents)]

    def display_names(self, notation: str = "w") -> list[str]:
        """Original nodes as in the original graph; an adjoint (tangent) as ``w̄4``."""
        names = super().display_names(notation)
        names[:len(self.base)] = self.base.display_names(notation)
        for j, i in self.role.items():
            names[j] = self.symbol(i, notation)
        return names

    def _atoms(self, notation: str, style: str) -> list[tuple[str, int]]:
        """As the Graph's, with an adjoint (tangent) written ``\\bar{w}_{4}`` in LaTeX."""
        atoms = super()._atoms(notation, style)
        if style == "latex":
            for j, i in self.role.items():
                atoms[j] = (self.symbol(i, notation, "latex"), PREC_ATOM)
        return atoms

    def mirrored(self, depths: dict[int, int]) -> dict[int, int]:
        """The pictures' columns (``depths``: drawn node -> column, as the views compute
        them) with the backward half mirrored: in reverse mode the adjoint of a node at
        column d goes to column 2D + 1 − d (D the original graph's last), so the adjoints
        flow back from the output to the inputs on the far side; each helper node sits
        just before the first node that uses it. Forward mode keeps ``depths``."""
        if self.mode != "reverse":
            return depths
        n0 = len(self.base)
        out = {i: d for i, d in depths.items() if i < n0}
        last = max(out.values(), default=0)
        for j, i in self.role.items():
            if j in depths:
                out[j] = 2 * last + 1 - out.get(i, 0)
        for j in sorted((j for j in depths if j not in out), reverse=True):
            users = [out[c] for c, _ in self.children[j] if c in out]
            out[j] = min(users) - 1 if users else 2 * last + 1  # a derivative output
        return out

    def listing(self, notation: str = "w", style: str = "unicode") -> list[str]:
        """The derivative program one adjoint (tangent) a line: ``w̄1 = w̄4·w2 + w̄3·cos(w1)``.

        Helper nodes used once are written inside the formula that uses them; a helper
        used more than once (after sharing) gets a line of its own, before its first use.
        """
        return [f"{left} = {right}" for left, right, _j in self.rows(notation, style)]

    def rows(self, notation: str = "w", style: str = "unicode") -> list[tuple[str, str, int]]:
        """:meth:`listing`'s lines as (name, formula, node whose value it is)."""
        n0 = len(self.base)
        uses = [0] * len(self.nodes)
        for n in self.nodes[n0:]:
            for p in n.parents:
                uses[p] += 1
        own = {j for j in self.role if j >= n0 and self.nodes[j].kind == "op"}
        inline = {j for j in range(n0, len(self.nodes))
                  if j not in own and self.nodes[j].kind == "op" and uses[j] == 1}
        names = self.display_names(notation)
        atoms: dict[int, tuple[str, int]] = {}

        def atom_of(j: int) -> tuple[str, int]:
            n = self.nodes[j]
            if n.kind == "const":
                return number(n.value, style) if n.text not in CONSTANTS else atom(n.text, style)  # type: ignore[arg-type]
            if j in self.role and style != "unicode":
                return self.symbol(self.role[j], notation, style), PREC_ATOM
            return atom(names[j], style)

        def expr(j: int) -> tuple[str, int]:
            stack = [j]  # no recursion: a sum of 10,000 terms is a chain that deep
            while stack:
                k = stack[-1]
                n = self.nodes[k]
                todo = [p for p in n.parents if p in inline and p not in atoms]
                if todo:
                    stack.extend(todo)
                    continue
                stack.pop()
                args = [atoms[p] if p in inline else atom_of(p) for p in n.parents]
                k_i = self.carries.get(k)
                if k_i is not None and self.nodes[n.parents[k_i[0]]].kind == "const":
                    args[k_i[0]] = (self.symbol(k_i[1], notation, style), PREC_ATOM)
                atoms[k] = apply_format(n.op, args, style)  # type: ignore[arg-type]
            return atoms[j]

        rows: list[tuple[str, str, int]] = []
        shared = iter(h for h in range(n0, len(self.nodes)) if h not in inline and h not in own
                      and self.nodes[h].kind == "op")  # helpers with a line of their own
        h = next(shared, None)
        for i in self.order:
            j = self.holds[i]
            sym = self.symbol(i, notation, style)
            if j in own and self.role[j] == i:
                while h is not None and h < j:
                    rows.append((atom_of(h)[0], expr(h)[0], h))
                    h = next(shared, None)
                rows.append((sym, expr(j)[0], j))
            else:
                rows.append((sym, atom_of(j)[0], j))
        return rows


# -- building ---------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _template(name: str, k: int, consts: tuple[float | None, ...]) -> Graph:
    """∂op/∂argument k as a small graph whose inputs ``__a0``, ``__a1`` are the arguments
    (the ops table's formula, parsed: never evaluated as Python)."""
    from .parse_fast import parse
    op = _op(name)
    args = [f"__a{j}" for j in range(op.arity)]
    return parse(op.partial_formula(k, args, list(consts)))


class _Nodes:
    """The node list under construction: the original nodes, then the new ones."""

    def __init__(self, base: Graph) -> None:
        self.nodes: list[Node] = list(base.nodes)
        self.consts: dict[str, int] = {n.text: n.id for n in base.nodes  # type: ignore[misc]
                                       if n.kind == "const"}

    def const(self, value: float, text: str | None = None) -> int:
        text = text or format_number(value)
        if text not in self.consts:
            self.consts[text] = self._add(kind="const", value=float(value), text=text)
        return self.consts[text]

    def op(self, op: Op, parents: Sequence[int], name: str | None = None) -> int:
        return self._add(kind="op", op=op, parents=tuple(parents), name=name)

    def _add(self, **kw: Any) -> int:
        i = len(self.nodes)
        self.nodes.append(Node(id=i, **kw))
        return i

    def name(self, i: int, name: str) -> None:
        self.nodes[i] = self.nodes[i]._replace(name=name)

    def partial(self, i: int, k: int) -> int:
        """A new node (or a constant) computing ∂node_i/∂(its k-th parent)."""
        n = self.nodes[i]
        consts = tuple(self.nodes[q].value if self.nodes[q].kind == "const" else None
                       for q in n.parents)
        t = _template(n.op.name, k, consts)  # type: ignore[union-attr]
        at: list[int] = []
        for m in t.nodes:
            if m.kind == "input":
                at.append(n.parents[int(m.name[3:])])  # type: ignore[index]
            elif m.kind == "const":
                at.append(self.const(m.value, m.text))  # type: ignore[arg-type]
            else:
                at.append(self.op(m.op, [at[p] for p in m.parents]))  # type: ignore[arg-type]
        return at[t.outputs[0][1]]

    def total(self, terms: list[int]) -> int:
        """The sum of ``terms``, left to right (as the passes add them)."""
        s = terms[0]
        for t in terms[1:]:
            s = self.op(_op("add"), [s, t])
        return s


def _op(name: str) -> Op:
    from .ops import OPS
    return OPS[name]


def _depends(g: Graph, on: set[int]) -> list[bool]:
    """Per node: does it depend on one of the nodes ``on``?"""
    dep = [False] * len(g)
    for n in g.nodes:
        dep[n.id] = n.id in on or any(dep[p] for p in n.parents)
    return dep


def _ancestors(g: Graph, outs: Sequence[int]) -> set[int]:
    seen = set(outs)
    stack = list(outs)
    while stack:
        for p in g.nodes[stack.pop()].parents:
            if p not in seen and g.nodes[p].kind != "const":
                seen.add(p)
                stack.append(p)
    return seen


class _Namer:
    """Program names for derivative nodes that no user name takes (``dz_dx1``)."""

    def __init__(self, g: Graph) -> None:
        self.taken = set(g.user_names) | set(g.output_names) | set(CONSTANTS) | set(FUNCTIONS)
        self.labels = g.labels("w")
        self.g = g

    def of(self, i: int) -> str:
        n = self.g.nodes[i]
        return n.name if n.name and (n.kind == "input" or n.kind == "op") else self.labels[i]

    def new(self, y: str, x: str) -> str:
        name = f"d{y}_d{x}"
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name


def derivative_graph(source: Any, mode: str = "reverse", output: str | None = None,
                     wrt: str | Sequence[str] | None = None, simplify: bool = False,
                     shapes: Mapping[str, Any] | None = None) -> DerivativeGraph:
    """The graph of ``source`` with the nodes of its derivative appended.

    ``mode="reverse"``: adjoint nodes for one output (``output``, default the first),
    one derivative output per input in ``wrt`` (default every input). A node's adjoint
    is the sum, child by child in the order the reverse pass adds them, of the child's
    adjoint times the local partial. ``mode="forward"``: tangent nodes for the one
    seeded input ``wrt`` (default the first), one derivative output per output (or
    ``output``); each tangent is the sum over its parents of partial times tangent.
    ``simplify=True`` drops ×1, +0 and ×0 terms, folds constants and shares identical
    subexpressions, recording each step in ``.steps``.

    A graph of vectors and matrices: each operation's vector-Jacobian product (reverse
    mode; Jacobian-vector product forward, the seeded input 1 in every entry) becomes
    nodes of the table (``matmul_bt(ḡ, W)`` is ḡ Wᵀ, ``sum_to(t, b)`` the sum over what
    broadcasting copied; see :mod:`autodiff_viz.derivative_tensor`); ``shapes`` (input
    name -> a value or its shape; declared shapes are used too) lets it skip ``sum_to``
    where nothing was broadcast.

    >>> dg = derivative_graph("W: 2x3\\nx: 3\\nL = sum(tanh(W@x))")
    >>> print("\\n".join(dg.listing()[2:]))
    w̄3 = w̄4·(1 − tanh(w3)^2)
    w̄2 = matmul_at(w1, w̄3)
    w̄1 = matmul_bt(w̄3, w2)

    >>> dg = derivative_graph("sin(x1) + x1*x2", mode="forward", wrt="x2")
    >>> print("\\n".join(dg.listing()))
    ẇ2 = 1
    ẇ4 = w1·ẇ2
    ẇ5 = 1·ẇ4
    >>> dg.output_names
    ['z', 'dz_dx2']
    """
    from .api import to_graph
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r} for the derivative graph",
                         hint="use mode='reverse' (adjoints, one output) or mode='forward' "
                              "(tangents, one input)")
    base = to_graph(source)
    if base.tensor and simplify:
        raise InputError("simplify=True is for graphs of numbers; this one has vectors or "
                         "matrices", hint="build it with simplify=False")
    if not base.inputs:
        raise InputError("this expression has no inputs: there is nothing to differentiate",
                         hint="write an expression of variables, such as sin(x1) + x1*x2")
    dg = (_reverse(base, output, wrt, node_shapes(base, shapes)) if mode == "reverse" else
          _forward(base, output, wrt, node_shapes(base, shapes)))
    if simplify:
        from .simplify import simplify_graph
        dg = simplify_graph(dg)
    return dg


def _wrt_list(base: Graph, wrt: str | Sequence[str] | None) -> list[str]:
    names = [wrt] if isinstance(wrt, str) else list(base.input_names if wrt is None else wrt)
    unknown = [w for w in names if w not in base.input_names]
    if unknown or not names:
        raise InputError(f"cannot differentiate with respect to {', '.join(map(repr, unknown))}: "
                         f"not an input" if unknown else "wrt names no input",
                         hint=f"the inputs are: {', '.join(base.input_names)}")
    return names


def _reverse(base: Graph, output: str | None, wrt: str | Sequence[str] | None,
             shapes: list[tuple[int, ...]] | None = None) -> DerivativeGraph:
    out = base.output_id(output) if output is not None else base.outputs[0][1]
    oname = output if output is not None else base.outputs[0][0]
    wanted = set(_wrt_list(base, wrt))
    need = _ancestors(base, [out])
    live = _depends(base, {i for i in base.inputs if base.nodes[i].name in wanted})
    need = {i for i in need if live[i]}
    b, namer = _Nodes(base), _Namer(base)
    tensor = base.tensor
    holds: dict[int, int] = {}
    role: dict[int, int] = {}
    carries: dict[int, tuple[int, int]] = {}
    terms: dict[int, list[int]] = {}
    order = sorted(need, reverse=True)  # children before parents

    def resized(term: int, i: int, q: int) -> int:
        """In a tensor graph, an elementwise term brought to its parent's shape."""
        if not tensor or (shapes is not None and shapes[q] == shapes[i] and
                          (i != out or shapes[out] == ())):
            return term
        return b.op(_op("sum_to"), [term, q])

    for i in order:
        if i == out and (not tensor or (shapes is not None and shapes[out] == ())):
            holds[i] = b.const(1.0)
        else:  # a tensor output of unknown shape: its adjoint is 1 in every entry
            holds[i] = j = (b.op(_op("sum_to"), [b.const(1.0), i]) if i == out else
                            b.total(terms[i]) if i in terms else _zero(b, i, tensor))
            b.name(j, namer.new(oname, namer.of(i)))
            role[j] = i
        n = base.nodes[i]
        for k, q in enumerate(n.parents):
            if q not in need:
                continue
            if n.op.tensor:  # type: ignore[union-attr]
                term = adjoint_term(b, base, i, k, holds[i], carries)
                if term is None:  # an argument only read for its shape or labels
                    continue
            else:
                term = b.op(_op("mul"), [holds[i], b.partial(i, k)])
                carries[term] = (0, i)
                term = resized(term, i, q)
            terms.setdefault(q, []).append(term)
    outs = list(base.outputs)
    for i, x in zip(base.inputs, base.input_names):
        if x in wanted:
            j = holds[i] if i in holds else _zero(b, i, tensor)
            outs.append(((b.nodes[j].name if j in role else None) or namer.new(oname, x), j))
    return DerivativeGraph(b.nodes, outs, base=base, mode="reverse", of=oname, holds=holds,
                           role=role, order=order, carries=carries,
                           pairs=[(oname, x) for x in base.input_names if x in wanted])


def _zero(b: _Nodes, i: int, tensor: bool) -> int:
    """The adjoint of a node no path reaches: 0 (in a tensor graph, of its shape)."""
    return b.op(_op("sum_to"), [b.const(0.0), i]) if tensor else b.const(0.0)


def _forward(base: Graph, output: str | None, wrt: str | Sequence[str] | None,
             shapes: list[tuple[int, ...]] | None = None) -> DerivativeGraph:
    if wrt is not None and not isinstance(wrt, str):
        raise InputError("forward mode seeds one input: give wrt as one name",
                         hint="for several inputs, build one forward graph per input, or use "
                              "mode='reverse' (one graph, every input)")
    x = _wrt_list(base, wrt if wrt is not None else base.input_names[0])[0]
    outs_wanted = [(output, base.output_id(output))] if output is not None else list(base.outputs)
    seed = base.names[x]
    live = _depends(base, {seed})
    need = sorted(i for i in _ancestors(base, [i for _, i in outs_wanted]) if live[i])
    b, namer = _Nodes(base), _Namer(base)
    holds: dict[int, int] = {}
    role: dict[int, int] = {}
    carries: dict[int, tuple[int, int]] = {}
    tensor = base.tensor
    for i in need:
        if i == seed and (not tensor or (shapes is not None and shapes[i] == ())):
            holds[i] = b.const(1.0)
            continue
        if i == seed:  # a vector or matrix seeded whole: 1 in every entry
            holds[i] = j = b.op(_op("sum_to"), [b.const(1.0), i])
            b.name(j, namer.new(namer.of(i), x))
            role[j] = i
            continue
        n = base.nodes[i]
        terms = []
        for k, q in enumerate(n.parents):
            if q not in holds:
                continue
            if n.op.tensor:  # type: ignore[union-attr]
                term = tangent_term(b, base, i, k, holds[q], carries)
                if term is None:  # constant in that argument
                    continue
            else:
                term = b.op(_op("mul"), [b.partial(i, k), holds[q]])
                carries[term] = (1, q)
                if tensor and (shapes is None or shapes[q] != shapes[i]):
                    term = b.op(_op("sum_to"), [term, i])  # copied as broadcasting does
            terms.append(term)
        holds[i] = j = b.total(terms) if terms else _zero(b, i, tensor)
        out_name = next((o for o, oi in base.outputs if oi == i), None)
        b.name(j, namer.new(out_name or namer.of(i), x))
        role[j] = i
    outs = list(base.outputs)
    for y, i in outs_wanted:
        j = holds[i] if i in holds else _zero(b, i, tensor)
        name = b.nodes[j].name if j in role else None
        outs.append((name if name == f"d{y}_d{x}" else namer.new(y, x), j))
    return DerivativeGraph(b.nodes, outs, base=base, mode="forward", of=x, holds=holds,
                           role=role, order=need, carries=carries,
                           pairs=[(y, x) for y, _ in outs_wanted])
