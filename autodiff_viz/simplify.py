"""Simplifying a derivative graph in steps a student can follow.

One pass over the derivative nodes, parents before children; each node's arguments are
already simplified when its turn comes. The rules, in this order: drop ×1, ÷1, ^1 and
+0; a ×0 term is 0 (and then dropped by +0); fold an operation on constants into a
constant; ``a·(−1)`` and ``0 − a`` are ``−a``; an operation already computed on the
same arguments (in the original graph or in the derivative) is shared. Every change is a
:class:`~autodiff_viz.derivative.Step`. The original nodes are never changed.

>>> from autodiff_viz.derivative import derivative_graph
>>> dg = derivative_graph("sin(x1) + x1*x2", simplify=True)
>>> print("\\n".join(dg.listing()))
w̄5 = 1
w̄4 = 1
w̄3 = 1
w̄2 = w1
w̄1 = w2 + cos(w1)
>>> print(dg.steps[0]); print(dg.steps[2])
drop ×1 in w̄3: 1·1 → 1
drop ×1 in w̄1: 1·w2 → w2

Values do not change, except where an argument of a ×0 term is not finite (inf·0 is
nan; the simplified graph says 0).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .graph import Node
from .ops import CONSTANTS, OPS, PREC_ATOM, Op
from .printing import apply_format, atom, format_number, number

if TYPE_CHECKING:
    from .derivative import DerivativeGraph

SHOWN = 40
"""A step writes an argument as its formula up to this many characters, else by name."""
RULES = {
    "fold": "fold constants", "one": "drop ×1", "zero": "drop ×0 term", "plus0": "drop +0",
    "neg": "write as a negation", "share": "share identical subexpressions",
}


class _Simplifier:
    def __init__(self, dg: "DerivativeGraph") -> None:
        self.n0 = len(dg.base)
        self.nodes: list[Node] = list(dg.base.nodes)
        self.consts = {n.text: n.id for n in self.nodes if n.kind == "const"}
        self.keys = {(n.op.name, n.parents): n.id for n in self.nodes  # type: ignore[union-attr]
                     if n.kind == "op"}
        old = dg.display_names()
        self.shown: dict[int, tuple[str, int]] = {}  # new node -> how a step names it
        for n in self.nodes:
            self.shown[n.id] = self._atom(n, old[n.id])
        self.steps: list[Any] = []

    @staticmethod
    def _atom(n: Node, name: str) -> tuple[str, int]:
        if n.kind != "const":
            return name, PREC_ATOM
        return atom(n.text, "unicode") if n.text in CONSTANTS else number(n.value, "unicode")  # type: ignore[arg-type]

    def value(self, j: int) -> float | None:
        n = self.nodes[j]
        return n.value if n.kind == "const" else None

    def const(self, v: float) -> int:
        text = format_number(v)
        if text not in self.consts:
            self.consts[text] = self._add(Node(len(self.nodes), "const", value=float(v), text=text))
        return self.consts[text]

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        self.shown[node.id] = self._atom(node, "")
        return node.id

    def text(self, op: Op, ps: list[int]) -> str:
        return apply_format(op, [self.shown[p] for p in ps], "unicode")[0]

    def apply(self, op: Op, ps: list[int], where: str, name: str = "") -> tuple[int, bool]:
        """The node for ``op(ps)`` after the rules; and whether it is a new node made as
        written (no rule applied). Later steps write a new node as its formula, or, past
        :data:`SHOWN` characters, as ``name`` (its name before simplifying)."""
        rule, target = self.rewrite(op, ps)
        if rule is None:
            key = (op.name, tuple(ps))
            if key in self.keys:
                self.step("share", where, self.text(op, ps), self.shown[self.keys[key]][0])
                return self.keys[key], False
            j = self._add(Node(len(self.nodes), "op", op=op, parents=tuple(ps)))
            self.keys[key] = j
            text = self.text(op, ps)
            self.shown[j] = (text, op.prec) if len(text) <= SHOWN or not name else \
                (name, PREC_ATOM)
            return j, True
        before = self.text(op, ps)
        if isinstance(target, tuple):  # another operation: a negation
            j, _ = self.apply(target[0], target[1], where)
        else:
            j = target
        self.step(rule, where, before, self.shown[j][0])
        return j, False

    def rewrite(self, op: Op, ps: list[int]) -> tuple[str | None, Any]:
        """The rule that applies to ``op(ps)`` and what it gives (a node, or an operation
        to make): ×1, ÷1, ^1 and +0 first (so ``1·π`` stays ``π``), then ×0, then a fold
        of constants, then ``a·(−1)`` as ``−a``."""
        vals = [self.value(p) for p in ps]
        name = op.name
        a, b = (vals + [None])[:2]
        pairs = list(zip((a, b), (ps[-1], ps[0])))
        if name == "mul":
            for rule, hit in (("one", 1), ("zero", 0)):
                for x, other in pairs:
                    if x == hit:
                        return rule, other if rule == "one" else self.const(0.0)
        elif name == "add" and 0 in (a, b):
            return "plus0", ps[1] if a == 0 else ps[0]
        elif name == "sub" and b == 0:
            return "plus0", ps[0]
        elif name in ("div", "pow") and b == 1:
            return "one", ps[0]
        if all(v is not None for v in vals):
            with np.errstate(all="ignore"):
                bad = any(np.any(check(*vals)) for check, _ in op.domain)
                v = None if bad else float(op.fn(*vals))
            if v is not None and math.isfinite(v):
                return "fold", self.const(v)
        if name == "mul" and -1 in (a, b):
            return "neg", (OPS["neg"], [ps[1] if a == -1 else ps[0]])
        if name == "sub" and a == 0:
            return "plus0", (OPS["neg"], [ps[1]])
        return None, None

    def step(self, rule: str, where: str, before: str, after: str) -> None:
        from .derivative import Step
        self.steps.append(Step(RULES[rule], where, before, after))


def _owners(dg: "DerivativeGraph") -> list[str]:
    """Per derivative node, the adjoint (tangent) whose formula it is part of."""
    names = dg.display_names()
    owner = list(names)
    n0 = len(dg.base)
    for j in range(len(dg) - 1, n0 - 1, -1):
        if j in dg.role:
            continue
        kids = [c for c, _ in dg.children[j] if c >= n0]
        if kids:
            owner[j] = owner[min(kids)]
    return owner


def simplify_graph(dg: "DerivativeGraph") -> "DerivativeGraph":
    """``dg`` with its derivative nodes simplified; ``.steps`` says what each rule did."""
    from .derivative import DerivativeGraph
    s = _Simplifier(dg)
    owner = _owners(dg)
    names = dg.display_names()
    n0 = s.n0
    remap = list(range(n0)) + [0] * (len(dg) - n0)
    carries: dict[int, tuple[int, int]] = {}
    for n in dg.nodes[n0:]:
        if n.kind == "const":
            remap[n.id] = s.const(n.value)  # type: ignore[arg-type]
            continue
        ps = [remap[p] for p in n.parents]
        m, as_written = s.apply(n.op, ps, owner[n.id], names[n.id])  # type: ignore[arg-type]
        remap[n.id] = m
        if n.id in dg.role and m >= n0 and s.nodes[m].kind == "op" and as_written:
            s.shown[m] = (owner[n.id], PREC_ATOM)  # later steps call it w̄4, as the listing
        if as_written and n.id in dg.carries:
            carries[remap[n.id]] = dg.carries[n.id]
    holds = {i: remap[j] for i, j in dg.holds.items()}
    role: dict[int, int] = {}
    for j in sorted(dg.role):
        m = remap[j]
        if m >= n0 and s.nodes[m].kind == "op" and m not in role:
            role[m] = dg.role[j]
            s.nodes[m] = s.nodes[m]._replace(name=dg.nodes[j].name)
    outs = list(dg.base.outputs) + [(name, remap[j]) for name, j in dg.derivative_outputs]
    nodes, new = _live(s.nodes, n0, [j for _, j in outs] + list(holds.values()))
    return DerivativeGraph(
        nodes, [(name, new[j]) for name, j in outs], base=dg.base, mode=dg.mode, of=dg.of,
        holds={i: new[j] for i, j in holds.items()},
        role={new[m]: i for m, i in role.items()}, order=dg.order, pairs=dg.pairs,
        carries={new[m]: c for m, c in carries.items() if m in new},
        steps=s.steps)


def _live(nodes: list[Node], n0: int, roots: list[int]) -> tuple[list[Node], dict[int, int]]:
    """The nodes that ``roots`` need (every original node stays), renumbered."""
    keep = set(range(n0))
    stack = [r for r in roots if r >= n0]
    while stack:
        j = stack.pop()
        if j in keep:
            continue
        keep.add(j)
        stack.extend(p for p in nodes[j].parents if p not in keep)
    new = {old: k for k, old in enumerate(sorted(keep))}
    return ([nodes[old]._replace(id=new[old], parents=tuple(new[p] for p in nodes[old].parents))
             for old in sorted(keep)], new)
