"""The computational graph: a DAG of inputs, constants and operations.

Node ids are fixed at build: inputs first (in order of first appearance), then
constants, then operations in the order they are written (a topological
order). Names in the three notations derive from that order.

>>> from autodiff_viz import parse
>>> g = parse("sin(x1) + x1*x2")
>>> g.labels("w")
['w1', 'w2', 'w3', 'w4', 'w5']
>>> g.formula(4)
'w3 + w4'
>>> g.labels("v")
['v-1', 'v0', 'v1', 'v2', 'v3']
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from .errors import InputError
from .ops import PREC_ATOM, Op
from .printing import apply_format, atom, format_number, number

if TYPE_CHECKING:
    import networkx

NOTATIONS = ("w", "v", "u")
# Letters for numbered labels when the notation's own letter would collide with a user's name
_SPARE_LETTERS = ("u", "w", "v", "t", "s", "q", "k", "m", "n", "r", "p", "h", "g")
_NUMBERED = re.compile(r"^([^\W\d_]+?)_?\{?(-?\d+)\}?$")  # w3, w_3, w11, v-1


def _natural(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def check_notation(notation: str) -> None:
    """Raise :class:`InputError` unless ``notation`` is one of :data:`NOTATIONS`."""
    if notation not in NOTATIONS:
        raise InputError(f"unknown notation {notation!r}",
                         hint="use one of: w (w1, w2, ...), v (v-1, v0, v1, ...), u (u1, ...)")


class Node(NamedTuple):
    """One node: an input, a constant or an operation applied to parents."""

    id: int
    kind: str  # "input", "const" or "op"
    op: Op | None = None
    parents: tuple[int, ...] = ()
    name: str | None = None  # input variable, or the name an assignment gave it
    value: float | None = None  # constants only
    text: str | None = None  # constants only: "2", "pi", "-0.5"
    span: tuple[int, int] | None = None  # where it was first written
    at: tuple[int, int] | None = None  # operations: where their operator or name is


class Graph:
    """An immutable computational graph with named inputs and outputs."""

    def __init__(self, nodes: list[Node], outputs: list[tuple[str, int]],
                 source: str | None = None, share: bool = True,
                 notes: tuple[str, ...] = (), declared: dict[str, tuple[int, ...]] | None = None
                 ) -> None:
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.parse_notes = tuple(notes)  # what the parser had to decide (e is a variable here)
        self.declared: dict[str, tuple[int, ...]] = dict(declared or {})  # W: 2x2
        self.inputs: tuple[int, ...] = tuple(n.id for n in nodes if n.kind == "input")
        self.outputs: tuple[tuple[str, int], ...] = tuple(outputs)
        self.source = source
        self.share = share
        self.names: dict[str, int] = {n.name: n.id for n in nodes if n.name}
        for name, i in outputs:
            self.names.setdefault(name, i)
        self._labels: dict[str, list[str]] = {}
        self._letters: dict[str, str] = {}
        self._atom_cache: dict[tuple[str, str], list[tuple[str, int]]] = {}

    # -- structure ---------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    @cached_property
    def input_names(self) -> list[str]:
        """The inputs' names in order (computed once: the graph does not change)."""
        return [self.nodes[i].name for i in self.inputs]  # type: ignore[misc]

    @property
    def output_names(self) -> list[str]:
        return [name for name, _ in self.outputs]

    @cached_property
    def output_ids(self) -> dict[str, int]:
        """Output name -> its node (the first output of that name)."""
        ids: dict[str, int] = {}
        for name, i in self.outputs:
            ids.setdefault(name, i)
        return ids

    @cached_property
    def children(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per node, the (child id, argument position) pairs that use it, by child id."""
        kids: list[list[tuple[int, int]]] = [[] for _ in self.nodes]
        for n in self.nodes:
            for pos, p in enumerate(n.parents):
                kids[p].append((n.id, pos))
        return tuple(tuple(k) for k in kids)

    @cached_property
    def tensor(self) -> bool:
        """Has operations on whole vectors or matrices (then inputs are tensors, not a batch
        of points)."""
        return bool(self.declared) or any(
            n.kind == "op" and n.op.tensor for n in self.nodes)  # type: ignore[union-attr]

    @cached_property
    def op_count(self) -> int:
        return sum(1 for n in self.nodes if n.kind == "op")

    @cached_property
    def edge_count(self) -> int:
        return sum(len(n.parents) for n in self.nodes)

    def output_id(self, name: str | None = None) -> int:
        """The node of output ``name`` (the only output when ``name`` is None)."""
        if name is None:
            if len(self.outputs) != 1:
                raise InputError(
                    f"this program has {len(self.outputs)} outputs "
                    f"({', '.join(self.output_names)})",
                    hint="choose one with output=NAME (--output NAME on the command line)")
            return self.outputs[0][1]
        i = self.output_ids.get(name)
        if i is not None:
            return i
        if name in self.names:
            return self.names[name]
        raise InputError(f"unknown output {name!r}",
                         hint=f"outputs are: {', '.join(self.output_names)}")

    def with_outputs(self, names: list[str]) -> "Graph":
        """The same graph with the outputs chosen by name (any named node)."""
        outs = [(n, self.output_id(n)) for n in names]
        return Graph(list(self.nodes), outs, self.source, self.share, self.parse_notes,
                     self.declared)

    # -- names -------------------------------------------------------------
    def labels(self, notation: str = "w") -> list[str]:
        """Numbered label of every node (constants get their text).

        The numbering is the notation's (w1, w2, ...; v-1, v0, v1, ...; u1, ...).
        Its letter is the notation's unless that would give a node a name the user
        wrote for another value: then the first free letter (``label_letter``), and
        ``notes`` says so.
        """
        if notation not in self._labels:
            self._labels[notation] = self._numbered(notation, self.label_letter(notation))
        return self._labels[notation]

    def _numbered(self, notation: str, letter: str) -> list[str]:
        n_in = len(self.inputs)
        out: list[str] = []
        k = 0
        for n in self.nodes:
            if n.kind == "const":
                out.append(n.text or "")
                continue
            k += 1
            out.append(f"{letter}{k - n_in}" if notation == "v" else f"{letter}{k}")
        return out

    @cached_property
    def user_names(self) -> dict[str, int]:
        """Every name the user wrote (inputs, assignments, outputs) and the node it names."""
        names = dict(self.names)
        for i in self.inputs:
            names[self.nodes[i].name] = i  # type: ignore[index]
        return names

    def label_letter(self, notation: str = "w") -> str:
        """The letter of the numbered labels: the notation's own, unless it collides.

        >>> from autodiff_viz import parse
        >>> parse("w2*x").label_letter("w"), parse("w2*x").labels("w")
        ('u', ['u1', 'u2', 'u3'])
        """
        check_notation(notation)
        if notation not in self._letters:
            family: dict[str, list[tuple[str, int]]] = {}
            for name, i in self.user_names.items():
                m = _NUMBERED.match(name)
                if m:
                    family.setdefault(m.group(1), []).append((m.group(1) + m.group(2), i))
            choice = notation
            for letter in (notation,) + _SPARE_LETTERS:
                if letter not in family:
                    choice = letter
                    break
                labels = self._numbered(notation, letter)
                if all(labels[i] == name for name, i in family[letter]):
                    choice = letter  # the user's names are our labels of the same nodes
                    break
            self._letters[notation] = choice
        return self._letters[notation]

    def label_note(self, notation: str = "w") -> str | None:
        """Why the labels do not use the notation's letter (None when they do)."""
        letter = self.label_letter(notation)
        if letter == notation:
            return None
        clash = sorted({name for name in self.user_names
                        if (m := _NUMBERED.match(name)) and m.group(1) == notation},
                       key=_natural)
        shown = ", ".join(clash[:4]) + (", ..." if len(clash) > 4 else "")
        first = ", ".join(self._numbered(notation, letter)[:2] + ["..."])
        usual = ", ".join(self._numbered(notation, notation)[:2] + ["..."])
        return (f"nodes are named {first} instead of {usual} because {shown} "
                f"{'is' if len(clash) == 1 else 'are'} already your name{'s' if len(clash) > 1 else ''}")

    def notes(self, notation: str = "w") -> list[str]:
        """What a reader should know about the names: labels that had to change, and
        constant names (e, pi) that are variables here."""
        note = self.label_note(notation)
        return ([note] if note else []) + list(self.parse_notes)

    def display_names(self, notation: str = "w") -> list[str]:
        """The name a view shows: an assignment's name, else the numbered label."""
        labels = self.labels(notation)
        return [n.name if (n.kind == "op" and n.name) else labels[n.id] for n in self.nodes]

    # -- formulas ------------------------------------------------------------
    def _atoms(self, notation: str, style: str) -> list[tuple[str, int]]:
        """Every node as a formatted atom; cached (the graph is immutable), so that
        printing every node's formula stays linear in the graph's size."""
        cached = self._atom_cache.get((notation, style))
        if cached is not None:
            return cached
        names = self.display_names(notation)
        out: list[tuple[str, int]] = []
        for n in self.nodes:
            if n.kind == "const" and n.text and n.text not in ("pi", "e", "-pi", "-e"):
                out.append(number(n.value, style))  # type: ignore[arg-type]
            elif n.kind == "const" and n.text and n.text.startswith("-"):
                out.append((("−" if style == "unicode" else "-") + atom(n.text[1:], style)[0],
                            30))
            else:
                out.append(atom(names[n.id], style))
        self._atom_cache[(notation, style)] = out
        return out

    def formula(self, i: int, notation: str = "w", style: str = "text",
                args: list[tuple[str, int]] | None = None) -> str:
        """Definition of node ``i`` in terms of its parents' names (or ``args``)."""
        n = self.nodes[i]
        if n.kind != "op":
            return self.nodes[i].name or (n.text or "")
        if args is None:
            atoms = self._atoms(notation, style)
            args = [atoms[p] for p in n.parents]
        return apply_format(n.op, args, style)[0]  # type: ignore[arg-type]

    def partial_formula(self, i: int, k: int, notation: str = "w", style: str = "text") -> str:
        """Formula of ∂node_i/∂(its k-th parent), in the parents' names."""
        n = self.nodes[i]
        atoms = self._atoms(notation, "text")
        args = [a if p == PREC_ATOM else f"({a})" for a, p in (atoms[q] for q in n.parents)]
        consts = [self.nodes[q].value if self.nodes[q].kind == "const" else None
                  for q in n.parents]
        text = n.op.partial_formula(k, args, consts)  # type: ignore[union-attr]
        if style == "text" or n.op.tensor:  # type: ignore[union-attr]  # matrix notation as is
            return text
        from .parser import reformat  # the formula is in our language: reprint it
        # Names such as v-1 do not parse back as one name: reprint with placeholder
        # names, then put each name's styled form in place of its placeholder's.
        real = {j: atoms[q][0] for j, q in enumerate(n.parents) if self.nodes[q].kind != "const"}
        args = [f"__arg{j}" if j in real else a for j, a in enumerate(args)]
        out = reformat(n.op.partial_formula(k, args, consts), style)  # type: ignore[union-attr]
        for j in sorted(real, reverse=True):
            out = out.replace(atom(f"__arg{j}", style)[0], atom(real[j], style)[0])
        return out

    def expressions(self, style: str = "text", limit: int = 120) -> list[str | None]:
        """Every node's definition in terms of the inputs; None past ``limit`` chars."""
        exprs: list[tuple[str, int] | None] = []
        atoms = self._atoms("w", style)
        for n in self.nodes:
            if n.kind == "input":
                exprs.append(atom(n.name, style))  # type: ignore[arg-type]
            elif n.kind == "const":
                exprs.append(atoms[n.id])
            else:
                args = [exprs[p] for p in n.parents]
                if any(a is None for a in args):
                    exprs.append(None)
                    continue
                e = apply_format(n.op, args, style)  # type: ignore[arg-type]
                exprs.append(e if len(e[0]) <= limit else None)
        return [e[0] if e else None for e in exprs]

    def to_program(self) -> str:
        """The graph as a program in the expression language, one statement per operation.

        ``parse(g.to_program())`` gives back the same graph.
        """
        taken = set(self.names)
        out_of: dict[int, str] = {}
        for name, i in self.outputs:
            if self.nodes[i].kind == "op" and not self.nodes[i].name:
                out_of.setdefault(i, name)
        letter = "w"
        while any(t.startswith(letter) and t[1:].isdigit() for t in taken):
            letter += "_"
        names: list[str] = []
        for n, label in zip(self.nodes, self.labels("w")):
            if n.kind == "op":
                names.append(n.name or out_of.get(n.id) or letter + label[1:])
            else:
                names.append(n.name or n.text or "")
        atoms = [(names[n.id], PREC_ATOM) if n.kind != "const" else self._atoms("w", "text")[n.id]
                 for n in self.nodes]
        lines = [f"{name}: {'x'.join(map(str, s))}" for name, s in self.declared.items()]
        for n in self.nodes:
            if n.kind == "op":
                rhs = apply_format(n.op, [atoms[p] for p in n.parents], "text")[0]  # type: ignore
                lines.append(f"{names[n.id]} = {rhs}")
        for name, i in self.outputs:
            if names[i] != name or not lines:  # x = x: an input that is its own output
                lines.append(f"{name} = {names[i]}")
        return "\n".join(lines)

    def structure(self) -> tuple[Any, ...]:
        """A hashable description of the graph, for comparing two graphs.

        Inputs are referred to by name and constants by value, so the order
        in which they first appear does not matter; operations keep their order.
        """
        ref: dict[int, Any] = {}
        out: list[Any] = []
        for n in self.nodes:
            if n.kind == "const":
                ref[n.id] = ("const", float(n.value))  # type: ignore[arg-type]
            elif n.kind == "input":
                ref[n.id] = ("input", n.name)
            else:
                ref[n.id] = len(out)
                out.append((n.op.name, tuple(ref[q] for q in n.parents)))  # type: ignore
        outs = tuple(ref[i] for _, i in self.outputs)
        return tuple(out), outs

    def to_networkx(self, notation: str = "w") -> "networkx.MultiDiGraph":
        """The graph as a ``networkx.MultiDiGraph`` that GraphML, GEXF and GML can store.

        Nodes are the node ids; every node has the same attributes, none of them None:
        ``name`` (the name the views show: an assignment's name, else ``label``),
        ``label`` (the numbered label in ``notation``; a constant's text), ``kind``
        (input, const, op), ``op`` ("" unless an operation), ``variable`` (an input's
        name, else ""), ``formula`` (in the parents' names), ``expression`` (in the
        inputs; "" when too long), ``is_output`` and ``output`` (the output names,
        comma-separated; "" when none). There is one edge per argument, keyed by its
        position (``x*x`` has two edges from x, keys 0 and 1), with attributes
        ``position`` and ``partial_formula`` (∂child/∂parent; "" from a constant).
        The graph's attributes: ``source``, ``notation``, ``inputs`` and ``outputs``.
        ``Trace.to_networkx()`` adds the numbers. networkx is imported here only.

        >>> from autodiff_viz import parse
        >>> g = parse("x*x + sin(x)").to_networkx()
        >>> sorted(g.edges(keys=True))        # x*x is two edges, keys 0 and 1
        [(0, 1, 0), (0, 1, 1), (0, 2, 0), (1, 3, 0), (2, 3, 1)]
        >>> g.nodes[3]["name"], g.nodes[3]["formula"], g.nodes[3]["is_output"]
        ('w4', 'w2 + w3', True)
        >>> g.edges[0, 2, 0]["partial_formula"]
        'cos(w1)'
        """
        import networkx as nx

        labels = self.labels(notation)
        names = self.display_names(notation)
        exprs = self.expressions("text")
        outs: dict[int, list[str]] = {}
        for oname, i in self.outputs:
            outs.setdefault(i, []).append(oname)
        g = nx.MultiDiGraph(source=self.source or "", notation=notation,
                            inputs=",".join(self.input_names),
                            outputs=",".join(self.output_names))
        for n in self.nodes:
            g.add_node(n.id, name=names[n.id], label=labels[n.id], kind=n.kind,
                       op=n.op.name if n.op else "",
                       variable=n.name if n.kind == "input" and n.name else "",
                       formula=self.formula(n.id, notation), expression=exprs[n.id] or "",
                       is_output=n.id in outs, output=",".join(outs.get(n.id, [])))
        for n in self.nodes:
            for pos, p in enumerate(n.parents):
                partial = ("" if self.nodes[p].kind == "const"
                           else self.partial_formula(n.id, pos, notation))
                g.add_edge(p, n.id, key=pos, position=pos, partial_formula=partial)
        return g

    def to_dot(self, **options: Any) -> str:
        """Graphviz DOT source of the graph's structure (no values)."""
        from .views.graphviz import graph_to_dot
        return graph_to_dot(self, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .views.notebook import mimebundle
        return mimebundle(self, include, exclude)

    def __repr__(self) -> str:
        return (f"Graph({len(self.inputs)} inputs, {self.op_count} operations, "
                f"outputs={self.output_names})")

    def __str__(self) -> str:
        return self.to_program()


class GraphBuilder:
    """Builds a :class:`Graph` node by node; shares identical subexpressions."""

    def __init__(self, share: bool = True) -> None:
        self.share = share
        self._nodes: list[Node] = []
        self._consts: dict[str, int] = {}  # constant by its text
        # shared subexpressions: operation name -> parents -> node (the key is the node's
        # own parents tuple: nothing more is kept per node)
        self._ops: dict[str, dict[tuple[int, ...], int]] = {}
        self.inputs: dict[str, int] = {}
        self.named: dict[str, int] = {}

    def node(self, i: int) -> Node:
        return self._nodes[i]

    def _add(self, node: Node) -> int:
        self._nodes.append(node)
        return node.id

    def input(self, name: str, span: tuple[int, int] | None = None) -> int:
        if name not in self.inputs:
            self.inputs[name] = self._add(Node(len(self._nodes), "input", None, (), name,
                                               None, None, span))
        return self.inputs[name]

    def const(self, value: float, text: str | None = None,
              span: tuple[int, int] | None = None) -> int:
        text = text or format_number(value)
        i = self._consts.get(text)
        if i is None:
            i = self._consts[text] = self._add(Node(len(self._nodes), "const", None, (), None,
                                                    float(value), text, span))
        return i

    def apply(self, op: Op, args: "list[int] | tuple[int, ...]",
              span: tuple[int, int] | None = None, at: tuple[int, int] | None = None,
              name: str | None = None) -> int:
        """The node of ``op`` on ``args`` (a new one, named ``name``, or the same one
        built before: then name it with :meth:`name`)."""
        parents = tuple(args)
        if op.name == "neg" and self._nodes[parents[0]].kind == "const":
            c = self._nodes[parents[0]]
            text = c.text[1:] if c.text.startswith("-") else "-" + c.text  # type: ignore
            return self.const(-c.value, text, span)  # type: ignore[operator]
        i = len(self._nodes)
        if self.share:
            same = self._ops.get(op.name)
            if same is None:
                same = self._ops[op.name] = {}
            j = same.setdefault(parents, i)
            if j != i:
                return j
        self._nodes.append(Node(i, "op", op, parents, name, None, None, span, at))
        return i

    def name(self, i: int, name: str) -> None:
        """Give node ``i`` a user name (the first name given to an operation wins)."""
        self.named[name] = i
        n = self._nodes[i]
        if n.kind == "op" and n.name is None:
            self._nodes[i] = n._replace(name=name)

    def build(self, outputs: list[tuple[str, int]], source: str | None = None,
              notes: tuple[str, ...] = (), declared: dict[str, tuple[int, ...]] | None = None
              ) -> Graph:
        order = ([n.id for n in self._nodes if n.kind == "input"]
                 + [n.id for n in self._nodes if n.kind == "const"]
                 + [n.id for n in self._nodes if n.kind == "op"])
        new = [0] * len(order)
        for k, old in enumerate(order):
            new[old] = k
        src = self._nodes
        first = next((k for k, old in enumerate(order) if k != old), len(order))
        nodes = src[:first]  # the nodes before the first one that moves keep their ids
        remap = new.__getitem__
        for k in range(first, len(order)):
            n = src[order[k]]
            nodes.append(Node(k, n.kind, n.op, tuple(map(remap, n.parents)), n.name, n.value,
                              n.text, n.span, n.at))
        return Graph(nodes, [(name, new[i]) for name, i in outputs], source, self.share, notes,
                     declared)

