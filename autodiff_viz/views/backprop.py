"""The textbook backward algorithm of an MLP, line by line, read from a reverse trace.

A graph that is a chain of layers in matrix form, ``a = W@h + b`` (or ``h@W + b``,
the examples as rows; ``W@h`` without a bias) followed by an elementwise activation
``h = f(a)`` (none for a layer: ``h = a``), then possibly a loss and a weight-decay
term added to it, is recognised from its structure, and the reverse trace is
printed as the course writes the backward algorithm (g ← ∇ŷ J; for k = l … 1:
g ← g ⊙ f'(a(k)); ∇b(k) J = g + λ∇b(k) Ω; ∇W(k) J = g h(k−1)ᵀ + λ∇W(k) Ω;
g ← W(k)ᵀ g), the program's own names beside the textbook's symbols.

Every number is one the reverse pass stored: g after ``⊙`` is the adjoint of a(k)
(the factors are the chain-rule term's child adjoint and local partial f'(a(k))),
``g h(k−1)ᵀ`` and ``W(k)ᵀ g`` are the vector-Jacobian terms of the product node,
``λ∇Ω`` the terms a parameter receives from the weight-decay nodes, and each
``∇ J`` the parameter's adjoint. A graph of another form gets a message saying why
and the plain reverse trace (:func:`~.text.render_text`).

>>> import autodiff_viz as av
>>> t = av.trace("a1 = W1@x + b1\\nh1 = relu(a1)\\nyhat = W2@h1 + b2\\nJ = mse(yhat, y)",
...              at={"W1": [[1, -1], [2, 0]], "x": [1, 2], "b1": [1, 1], "W2": [[1, 1]],
...                  "b2": [0], "y": [1]}, mode="reverse")
>>> print(render_backprop(t, style="text", inline=True))  # doctest: +ELLIPSIS
J = mse(W2@relu(W1@x + b1) + b2, y) at W1=[1, -1; 2, 0], x=[1, 2], b1=[1, 1], ...
<BLANKLINE>
Layers (the textbook's symbols, then your program's names)
            h0                x
  layer 1:  a1 = W1 h0 + b1   a1 = W1@x + b1
            h1 = f(a1)        h1 = relu(a1)      f'(a1) = step(a1)
  layer 2:  a2 = W2 h1 + b2   yhat = W2@h1 + b2
            yhat = h2 = a2    (no activation)
            J = L(yhat, y)    J = mse(yhat, y)
<BLANKLINE>
Backward algorithm (every value read from the reverse trace for J)
  g <- grad_yhat J = [4]    dJ/dyhat
  layer 2:  g <- g * f'(a2) = g    (no activation: f(a) = a)
            grad_b2 J = g = [4]    dJ/db2
            grad_W2 J = g h1.T = [0, 12]    dJ/dW2
            g <- W2.T g = [4, 4]    dJ/dh1
  layer 1:  g <- g * f'(a1) = [4, 4] * [0, 1] = [0, 4]    dJ/da1
            grad_b1 J = g = [0, 4]    dJ/db1
            grad_W1 J = g h0.T = [0, 0; 4, 8]    dJ/dW1
            g <- W1.T g = [8, 0]    dJ/dx
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..ops import PREC_NEG
from ..printing import apply_format, atom, number
from ..trace import ReverseStep, ReverseTerm, Trace
from .arrays import MAX_MATRIX
from .columns import display_width, hjoin, indent, join_with, pad
from .lines import _ascii, _restyle, adjoint_name, gradient_name, value_text
from .summary import title

FALLBACK = ("the graph is not a chain of layers a = W h + b, h = f(a): "
            "showing the reverse trace instead")
"""The first line of the view when the graph is not an MLP in matrix form."""


class NotAChain(ValueError):
    """The graph is not a chain of layers in matrix form; the message says what is not."""


@dataclass(frozen=True)
class Layer:
    """Layer ``k`` (from 1): ``a = W@h + b`` (``h@W + b`` when ``rows``), ``h = f(a)``.

    Node ids: ``product`` is W@h (h@W); ``a`` is the product plus the bias (the product
    itself without one); ``h`` is f(a) (``a`` itself without an activation); ``prev`` is
    h(k−1), the previous layer's ``h`` or, for layer 1, the network's input h(0).
    """

    k: int
    W: int
    b: int | None
    product: int
    a: int
    h: int
    prev: int
    rows: bool
    activation: str | None


@dataclass(frozen=True)
class Network:
    """The layers (layer 1 first) between the input h(0) and ŷ = h(l), and what follows:
    the output J (ŷ itself without a loss) and the weight-decay nodes added to the loss."""

    output: int
    yhat: int
    h0: int
    layers: tuple[Layer, ...]
    decay: frozenset[int]

    @property
    def regularized(self) -> bool:
        return bool(self.decay)


@dataclass(frozen=True)
class BackpropStep:
    """One line of the algorithm; every number is one the reverse pass stored.

    ``kind`` is ``output`` (g ← ∇ŷ J: the adjoint of ŷ), ``activation`` (g ← g ⊙ f'(a(k)):
    the adjoint of a(k), ``factors`` the term's child adjoint and partial), ``bias`` and
    ``weight`` (the parameter's adjoint; ``factors`` the layer's term g or g h(k−1)ᵀ,
    ``decay`` the weight-decay terms λ∇Ω), ``back`` (g ← W(k)ᵀ g: the product's term for
    h(k−1), its ``value``); ``summed`` when the bias term sums g over the examples (Σ).
    """

    layer: int
    kind: str
    node: int
    value: Any
    factors: tuple[Any, ...] = ()
    decay: tuple[Any, ...] = ()
    summed: bool = False
    whole: bool = True  # back: the term is h(k−1)'s whole adjoint (its only term)


# -- recognising the layers -------------------------------------------------------------
def _is_op(t: Trace, i: int, name: str | None = None) -> bool:
    n = t.graph.nodes[i]
    return n.kind == "op" and (name is None or n.op.name == name)  # type: ignore[union-attr]


def _pre_activation(t: Trace, i: int) -> int | None:
    """a when node ``i`` is f(a) for an elementwise function f (other arguments constants:
    leaky_relu's alpha), else None."""
    n = t.graph.nodes[i]
    op = n.op
    if op is None or op.tensor or op.kind != "call" or not n.parents:
        return None
    if not _is_op(t, n.parents[0]) or any(t.graph.nodes[q].kind != "const"
                                          for q in n.parents[1:]):
        return None
    return n.parents[0]


def _weight_name(name: str | None) -> bool:
    """W1, w, theta: a name that says weight (to tell W from x in the first layer)."""
    return bool(name) and name.startswith(("W", "w", "theta", "θ"))  # type: ignore[union-attr]


def _layer(t: Trace, top: int, rows_hint: bool | None) -> Layer | None:
    """The layer whose h (or a, without an activation) is node ``top``, if it is one."""
    g = t.graph
    pre = _pre_activation(t, top)
    a = top if pre is None else pre
    if not _is_op(t, a):
        return None
    b, product = None, a
    if _is_op(t, a, "add"):
        x, y = g.nodes[a].parents
        if _is_op(t, x, "matmul") and g.nodes[y].kind == "input":
            product, b = x, y
        elif _is_op(t, y, "matmul") and g.nodes[x].kind == "input":
            product, b = y, x
        else:
            return None
    elif not _is_op(t, a, "matmul"):
        return None
    p0, p1 = g.nodes[product].parents
    in0, in1 = g.nodes[p0].kind == "input", g.nodes[p1].kind == "input"
    if in0 and in1:  # the first layer: which is W? As in the layer above, else by name
        rows = rows_hint if rows_hint is not None else (
            _weight_name(g.nodes[p1].name) and not _weight_name(g.nodes[p0].name))
    elif in0 or in1:
        rows = in1
    else:
        return None
    W, prev = (p1, p0) if rows else (p0, p1)
    if W == prev or W == b or prev == b:
        return None
    act = g.nodes[top].op.name if pre is not None else None  # type: ignore[union-attr]
    return Layer(0, W, b, product, a, top, prev, rows, act)


def _chain(t: Trace, top: int) -> list[Layer]:
    """The layers below node ``top`` (layer 1 first), as long as they go on."""
    found: list[Layer] = []
    node, hint = top, None
    while True:
        layer = _layer(t, node, hint)
        if layer is None:
            break
        found.append(layer)
        hint = layer.rows
        if not _is_op(t, layer.prev):
            break
        node = layer.prev
    return [replace(L, k=len(found) - j) for j, L in enumerate(found)][::-1]


def find_network(t: Trace, k: int = 0) -> Network:
    """The MLP that reverse pass ``k`` differentiates, read from the graph's structure;
    raises :class:`NotAChain` (saying why) when the graph is not one."""
    if not t.reverse:
        raise NotAChain("the trace has no reverse pass: trace with mode reverse (or both)")
    r, g = t.reverse[k], t.graph
    reached = _ancestors(t, g.output_id(r.output))
    candidates = []
    for n in g.nodes:
        if n.kind == "op" and reached[n.id]:
            layers = _chain(t, n.id)
            if layers:
                candidates.append((len(layers), n.id, layers))
    if not candidates:
        raise NotAChain(f"no matrix product W@h (or h@W) with W an input feeds {r.output}")
    # the longest chain, and of two as long the one ending higher (ŷ = σ(a2), not a2); a
    # shorter one would take the rest for the loss, also where a layer's h is used twice
    _, top, layers = max(candidates, key=lambda c: (c[0], c[1]))
    return _validate(t, k, top, layers, reached)


def _ancestors(t: Trace, out: int) -> list[bool]:
    """The nodes ``out`` depends on (and itself), whatever inputs the pass was asked for."""
    nodes = t.graph.nodes
    seen = [False] * len(nodes)
    seen[out] = True
    for i in range(out, -1, -1):
        if seen[i]:
            for q in nodes[i].parents:
                seen[q] = True
    return seen


def _validate(t: Trace, k: int, top: int, layers: list[Layer], reached: list[bool]) -> Network:
    """The network if the textbook's algorithm is the reverse pass's: each layer's nodes
    feed only the next one, each parameter only its layer and the weight decay, and the
    weight decay is added to the loss."""
    r, g = t.reverse[k], t.graph
    names = [_name(t, i) for i in range(len(g.nodes))]
    out = g.output_id(r.output)

    def users(i: int) -> list[int]:
        return [c for c, _ in g.children[i] if reached[c]]

    below = {top}  # ŷ and what depends on it: the loss and J
    for n in g.nodes[top + 1:]:
        if reached[n.id] and any(p in below for p in n.parents):
            below.add(n.id)
    chain: set[int] = set()
    for L in layers:
        chain |= {L.product, L.a, L.h}
    for L in layers:
        links = [(L.product, L.a), (L.a, L.h)]
        if L.k < len(layers):
            links.append((L.h, layers[L.k].product))
        for i, nxt in links:
            if i != nxt and users(i) != [nxt]:
                others = [names[c] for c in users(i) if c != nxt]
                raise NotAChain(f"{names[i]} is used by {', '.join(others) or 'no one'} as well "
                                f"as by {names[nxt]}: the textbook's g would miss those terms")
    params = [L.W for L in layers] + [L.b for L in layers if L.b is not None]
    for p in params + [layers[0].prev]:
        if (params + [layers[0].prev]).count(p) > 1:
            raise NotAChain(f"{names[p]} has two places in the layers (a weight, a bias or "
                            f"the input h(0)): the textbook's layers each have their own")
    own = {L.W: L.product for L in layers} | {L.b: L.a for L in layers if L.b is not None}
    for p, node in own.items():
        for c in users(p):
            if c != node and (c in below or c in chain):
                raise NotAChain(f"{names[p]} enters {r.output} through {names[c]}, not only "
                                f"through its layer and a weight decay added to the loss")
    decay: set[int] = set()
    for n in g.nodes:
        if (n.kind == "op" and reached[n.id] and n.id not in below and n.id not in chain
                and any(p in decay or p in own for p in n.parents)):
            decay.add(n.id)
    for d in sorted(below):
        n = g.nodes[d]
        if any(p in decay for p in n.parents) and n.op.name != "add":  # type: ignore[union-attr]
            raise NotAChain(f"the weight decay is not added to the loss: {names[d]} = "
                            f"{_expr(t, d, 'text', {top})}")
    return Network(out, top, layers[0].prev, tuple(layers), frozenset(decay))


def backprop_steps(t: Trace, k: int = 0, net: Network | None = None) -> list[BackpropStep]:
    """The algorithm's lines for reverse pass ``k``, each with the numbers the pass stored
    (raises :class:`NotAChain` when the graph is not an MLP in matrix form)."""
    net = net or find_network(t, k)
    steps: dict[int, ReverseStep] = {s.node: s for s in t.reverse_steps(k)}

    def term(node: int, child: int) -> ReverseTerm:
        return next(x for x in steps[node].terms if x.child == child)

    if net.yhat not in steps:
        raise NotAChain(f"the reverse pass for {t.reverse[k].output} visits no layer: the inputs "
                        "it was asked for are not in them")
    out = [BackpropStep(0, "output", net.yhat, steps[net.yhat].adjoint)]
    for L in reversed(net.layers):
        if L.a not in steps:  # reverse mode for chosen inputs: none of them is further down
            break
        if L.activation is not None:
            x = term(L.a, L.h)
            out.append(BackpropStep(L.k, "activation", L.a, steps[L.a].adjoint,
                                    (x.child_adjoint, x.partial)))
        else:
            out.append(BackpropStep(L.k, "activation", L.a, steps[L.a].adjoint))
        if L.b is not None and L.b in steps:
            x = term(L.b, L.a)
            out.append(BackpropStep(
                L.k, "bias", L.b, steps[L.b].adjoint, (x.value,),
                tuple(y.value for y in steps[L.b].terms if y.child != L.a),
                np.shape(x.value) != np.shape(steps[L.a].adjoint)))
        if L.W in steps:
            x = term(L.W, L.product)
            out.append(BackpropStep(L.k, "weight", L.W, steps[L.W].adjoint, (x.value,),
                                    tuple(y.value for y in steps[L.W].terms
                                          if y.child != L.product)))
        if L.prev in steps and any(y.child == L.product for y in steps[L.prev].terms):
            out.append(BackpropStep(L.k, "back", L.prev, term(L.prev, L.product).value,
                                    whole=len(steps[L.prev].terms) == 1))
    return out


# -- printing ---------------------------------------------------------------------------
class _Symbols:
    """The textbook's symbols in Unicode (a(2), ⊙, ᵀ, ∇) or ASCII (a2, *, .T, grad_)."""

    def __init__(self, style: str) -> None:
        u = style == "unicode"
        self.u = u
        self.arrow, self.had, self.T = ("←", "⊙", "ᵀ") if u else ("<-", "*", ".T")
        self.yhat = "ŷ" if u else "yhat"

    def sym(self, letter: str, k: int) -> str:
        return f"{letter}({k})" if self.u else f"{letter}{k}"

    def grad(self, wrt: str) -> str:
        return f"∇{wrt}" if self.u else f"grad_{wrt}"

    def decay(self, wrt: str) -> str:
        return f"λ∇{wrt} Ω" if self.u else f"lam grad_{wrt} Omega"


def _const_atom(t: Trace, i: int, style: str) -> tuple[str, int]:
    n = t.graph.nodes[i]
    if n.text in ("pi", "e"):
        return atom(n.text, style)
    if n.text in ("-pi", "-e"):
        return ("−" if style == "unicode" else "-") + atom(n.text[1:], style)[0], PREC_NEG
    return number(n.value, style)  # type: ignore[arg-type]


def _name(t: Trace, i: int) -> str:
    """An input's own name; an operation's name in the views (its assignment, else w7)."""
    n = t.graph.nodes[i]
    return n.name if n.kind == "input" and n.name else t.names[i]


def _expr(t: Trace, i: int, style: str, stop: set[int], expand_named: bool = False) -> str:
    """Node ``i``'s definition in the program's names: unnamed operations written out,
    inputs, named nodes (unless ``expand_named``) and the nodes of ``stop`` by name."""
    g = t.graph

    def rec(j: int, top: bool) -> tuple[str, int]:
        n = g.nodes[j]
        if n.kind == "const":
            return _const_atom(t, j, style)
        if n.kind == "input" or (not top and (j in stop or (n.name and not expand_named))):
            return atom(_name(t, j), style)
        args = [rec(p, False) for p in n.parents]
        return apply_format(n.op, args, style)  # type: ignore[arg-type]

    return rec(i, True)[0]


def _table(rows: list[list[str]], lead: str = "  ") -> list[str]:
    """Rows in aligned columns; a row's last cell does not widen its column (J's long
    definition does not push f'(a) to the right)."""
    def last(r: list[str]) -> int:
        return max(j for j, c in enumerate(r) if c)

    widths = [max([display_width(r[j]) for r in rows if j < last(r)] or [0])
              for j in range(len(rows[0]))]
    return [(lead + "  ".join(pad(c, w) for c, w in zip(r, widths))).rstrip() for r in rows]


def _layers_lines(t: Trace, k: int, net: Network, style: str) -> list[str]:
    """Which of the program's nodes are the textbook's h(0), a(k), h(k), ŷ and J."""
    s, g = _Symbols(style), t.graph
    fstyle = "unicode" if style == "unicode" else "text"
    chain = {net.h0} | {L.h for L in net.layers}
    params = {L.W for L in net.layers} | {L.b for L in net.layers if L.b is not None}
    rows = [["", s.sym("h", 0), _name(t, net.h0), ""]]
    last = len(net.layers)
    for L in net.layers:
        W, h, a, b = s.sym("W", L.k), s.sym("h", L.k - 1), s.sym("a", L.k), s.sym("b", L.k)
        text = f"{h} {W}" if L.rows else f"{W} {h}"
        text = f"{a} = {text}" + (f" + {b}" if L.b is not None else "")
        rows.append([f"layer {L.k}:", text,
                     f"{_name(t, L.a)} = {_expr(t, L.a, fstyle, chain | params)}", ""])
        hk = (f"{s.yhat} = " if L.k == last else "") + s.sym("h", L.k)
        if L.activation is None:
            rows.append(["", f"{hk} = {a}", "(no activation)", ""])
        else:
            f_prime = _restyle(t.steps[L.h].partial(0).formula, fstyle)
            rows.append(["", f"{hk} = f({a})",
                         f"{_name(t, L.h)} = {g.formula(L.h, t.notation, fstyle)}",
                         f"f'({a}) = {f_prime}"])
    out = t.reverse[k].output
    if net.output == net.yhat:
        rows.append(["", f"J = {s.yhat}", out, ""])
    else:
        loss = f"J = L({s.yhat}, y)" + ((" + λΩ" if s.u else " + lam*Omega")
                                         if net.regularized else "")
        rows.append(["", loss, f"{out} = {_expr(t, net.output, fstyle, {net.yhat}, True)}",
                     ""])
    return _table(rows)


def _step_line(t: Trace, k: int, net: Network, st: BackpropStep, digits: int | None,
               style: str, max_matrix: tuple[int, int], inline: bool) -> str:
    s, g = _Symbols(style), t.graph
    out = t.reverse[k].output
    layer = next((L for L in net.layers if L.k == st.layer), None)

    def val(v: Any, operand: bool = True) -> str:
        return value_text(t, v, digits, style, max_matrix, inline, operand)

    def gradient(node: int) -> str:
        return gradient_name(out, g.nodes[node].name or t.names[node], style)

    value = val(st.value, False)
    note = adjoint_name(t, k, t.names[st.node], style)
    if st.kind == "output":
        pieces = [f"g {s.arrow} {s.grad(s.yhat)} J", value]
    elif st.kind == "activation":
        a = s.sym("a", st.layer)
        sym = f"g {s.arrow} g {s.had} f'({a})"
        if not st.factors:
            return f"{sym} = g    (no activation: f(a) = a)"
        pieces = [sym, join_with(f" {s.had} ", [val(v) for v in st.factors]), value]
    elif st.kind in ("bias", "weight"):
        assert layer is not None
        p = s.sym("b" if st.kind == "bias" else "W", st.layer)
        h = s.sym("h", st.layer - 1) + s.T
        if st.kind == "bias":
            local = ("Σg" if s.u else "sum(g)") if st.summed else "g"
        else:
            local = f"{h} g" if layer.rows else f"g {h}"
        sym = f"{s.grad(p)} J = {local}"
        note = gradient(st.node)
        if not net.regularized:
            pieces = [sym, value]
        else:
            decay = [val(v) for v in st.decay] or ["0"]
            if len(decay) > 1:
                decay = [hjoin(["(", join_with(" + ", decay), ")"])]
            pieces = [f"{sym} + {s.decay(p)}",
                      join_with(" + ", [val(st.factors[0])] + decay), value]
    else:  # back: g ← W(k)ᵀ g, the product's term for h(k−1)
        assert layer is not None
        W = s.sym("W", st.layer) + s.T
        pieces = [f"g {s.arrow} " + (f"g {W}" if layer.rows else f"{W} g"), value]
        note = (gradient(st.node) if g.nodes[st.node].kind == "input"
                else adjoint_name(t, k, t.names[st.node], style)) if st.whole else ""
    line = join_with(" = ", pieces)
    return hjoin([line, f"    {note}"]) if note else line


def backprop_lines(t: Trace, k: int = 0, digits: int | None = 4, style: str = "unicode", *,
                   max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False) -> list[str]:
    """The layers and the backward algorithm for reverse pass ``k``, as lines of text
    (raises :class:`NotAChain` when the graph is not an MLP in matrix form)."""
    net = find_network(t, k)
    steps = backprop_steps(t, k, net)
    out = t.reverse[k].output
    lines = ["Layers (the textbook's symbols, then your program's names)"]
    lines += _layers_lines(t, k, net, style)
    lines += ["", f"Backward algorithm (every value read from the reverse trace for {out})"]
    note = t.seed_note(k)
    if note:
        lines.append(f"  ({_ascii(note, style)})")
    width = len(f"  layer {len(net.layers)}:  ")
    for st in steps:
        text = _step_line(t, k, net, st, digits, style, max_matrix, inline)
        if st.layer and st.kind == "activation":  # the layer's first line: its number
            lines.append(hjoin([f"  layer {st.layer}:".ljust(width), text]))
        else:
            lines.append(indent(text, " " * (width if st.layer else 2)))
    return lines


def render_backprop(t: Trace, digits: int | None = 4, style: str = "unicode", *,
                    max_matrix: tuple[int, int] = MAX_MATRIX, inline: bool = False) -> str:
    """The reverse trace of an MLP as the textbook's backward algorithm (``style="text"``
    or ``"ascii"``: plain ASCII); matrices aligned (``inline``: on one line, row by
    row), larger than ``max_matrix`` summarised. A graph that is not a chain of layers
    gets :data:`FALLBACK`, the reason and the reverse trace of :func:`~.text.render_text`.
    """
    style = "text" if style in ("text", "ascii") else "unicode"
    head = [title(t, digits, style, max_matrix)] + [f"note: {n}" for n in t.notes]
    try:
        if not t.reverse:
            raise NotAChain("the trace has no reverse pass: trace with mode reverse (or both)")
        sections = [backprop_lines(t, k, digits, style, max_matrix=max_matrix, inline=inline)
                    for k in range(len(t.reverse))]
    except NotAChain as why:
        from .text import render_text

        return "\n".join([FALLBACK, f"({why})", "",
                          render_text(t, digits, style, max_matrix=max_matrix)])
    out = head
    for lines in sections:
        out += [""] + lines
    return "\n".join(out)
