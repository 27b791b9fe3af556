"""What a graph picture shows, read from a trace's records: the model behind the DOT views.

A :class:`View` gathers, for one picture, which passes are shown, which stored
numbers are filled in yet (all of them, except in a step frame) and which node
and edges a frame highlights. Small helpers write HTML-like label pieces.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse")
>>> v = build_view(t.graph, t, mode="reverse", progress=Progress("reverse", 0, 1))
>>> v.names[v.current], sorted(v.adjoints[0]), sorted(v.used)
('w4', [3, 4], [(4, 1)])
>>> slot("2.584"), slot("2.584", known=False).count(NBSP)
('<FONT FACE="Courier">2.584</FONT>', 5)

In a graph of vectors and matrices, nodes show each array as a small table of
its entries (:func:`matrix_html`, summarised past ``max_matrix``) and the
parameters (:func:`parameter_nodes`) have a colour of their own.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..errors import InputError
from ..graph import Graph
from ..trace import Trace
from .arrays import MAX_MATRIX, fits, grid, shape_text
from .lines import (_ascii, adjoint_name, fmt, gradient_name, tangent_name, term_factors,
                    value_text)

MODES = ("primal", "forward", "reverse", "both")
PASSES = ("primal", "forward", "reverse")
CONTRIBUTIONS = ("auto", "forward", "reverse", "none")
DETAILS = ("auto", "full", "compact")
"""How much a picture shows: ``full`` (every edge labelled with its local partial and
the term it carries; a table of every node's numbers), ``compact`` (no edge labels: the
terms are in a table of the chain-rule steps beside the graph) or ``auto`` (full up to
:data:`COMPACT_FROM` drawn nodes, compact from there on)."""
COMPACT_FROM = 13
"""``detail="auto"`` draws graphs of this many nodes or more (constants not counted) compact."""

# Okabe & Ito's colour-blind-safe palette; every kind of node also has its own shape.
PALETTE = {"input": "#56B4E9", "const": "#F0E442", "op": "#E69F00", "output": "#009E73",
           "param": "#CC79A7", "highlight": "#D55E00", "flow": "#0072B2", "edge": "#4D4D4D",
           "grid": "#8C8C8C", "head": "#F2F2F2",
           # a derivative graph's own nodes (adjoints, tangents and their helpers): a pale
           # reddish purple, dashed; its derivative outputs a deeper one
           "deriv": "#F2DCEA", "doutput": "#DDA8CB"}
SHAPES = {"input": ("box", "rounded,filled"), "const": ("hexagon", "filled"),
          "op": ("ellipse", "filled"), "output": ("box", "filled"),
          "param": ("box", "filled,diagonals"), "deriv": ("ellipse", "filled,dashed"),
          "doutput": ("box", "filled,dashed")}
KIND_NAMES = {"input": "input", "const": "constant", "op": "operation", "output": "output",
              "param": "parameter", "deriv": "derivative", "doutput": "derivative output"}
FONT, MONO = "Helvetica", "Courier"
TITLE, BASE, SMALL = 14, 12, 11
"""Font sizes in points: the title, nodes and tables, and the smallest text (legend, key,
edge labels). At a picture's natural size (96 dpi) 11 points are 14.7 pixels, so a picture
shrunk to 82% to fit a slide still has no text under 12 pixels."""
NBSP = "&#160;"


def esc(text: str) -> str:
    """Text for an HTML-like label: escaped, non-ASCII as character references."""
    return html.escape(text, quote=True).encode("ascii", "xmlcharrefreplace").decode("ascii")


def slot(text: str, known: bool = True) -> str:
    """A number in a monospaced font; not known yet, as many blanks as it has characters
    (a combining bar or dot, as in w̄1, takes no room of its own), so nothing moves."""
    if not text:
        return ""  # Graphviz rejects an empty <FONT></FONT>
    body = esc(text) if known else NBSP * sum(not unicodedata.combining(c) for c in text)
    return f'<FONT FACE="{MONO}">{body}</FONT>'


def matrix_html(v: Any, digits: int | None = 4, known: bool = True,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """An array as an HTML-like table: its entries right-aligned in columns between
    bracket borders (a vector as one row); too large for ``max_matrix``, its summary
    line above its first entries. Not known yet (a frame), every entry is blank.

    >>> html = matrix_html([[0.0, 1.0], [2.0, 3.0]])
    >>> html.count("<TR>"), ">3<" in html, 'SIDES="LTB"' in html
    (2, True, True)
    """
    head, rows = grid(v, digits, "text", max_matrix)
    n = len(rows)
    out = []
    for r, row in enumerate(rows):
        cells = [f'<TD ALIGN="RIGHT">{slot(x, known)}</TD>' if x else "<TD></TD>" for x in row]
        if r == 0:  # the brackets: a left and a right border, open towards the entries
            cells = ([f'<TD ROWSPAN="{n}" BORDER="1" SIDES="LTB" WIDTH="3"></TD>'] + cells
                     + [f'<TD ROWSPAN="{n}" BORDER="1" SIDES="RTB" WIDTH="3"></TD>'])
        out.append("<TR>" + "".join(cells) + "</TR>")
    body = table(out, CELLPADDING=2, CELLSPACING=0)
    if not head:
        return body
    return table([f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="{SMALL}">{esc(head)}</FONT>'
                  "</TD></TR>",
                  f"<TR><TD>{body}</TD></TR>"])


DATA_NAME = re.compile(r"^(?:[xXyYtT]|data|inputs?|targets?|labels?|features?)(?:\d+|_\w*)?$")
"""Names that read as data, not parameters: x, X, y, Y, t, T (x1, X_train, ...), data,
input(s), target(s), label(s), feature(s)."""


def parameter_nodes(graph: Graph, trace: Trace | None,
                    names: Sequence[str] | None = None) -> set[int]:
    """The inputs drawn as parameters (weights, biases) rather than data.

    ``names`` chooses them (input names; unknown names are an error). Without it,
    only a graph of vectors and matrices has parameters, by this rule: an input is a
    parameter when it is an operand of ``@`` (directly or through a transpose) or is
    added with ``+`` to the result of a ``@`` (a bias), unless its name reads as data
    (:data:`DATA_NAME`: x, X, y, t, x1, X_train, ...). So in ``relu(X@W + c)@w + b``
    the parameters are W, c, w and b, and X is data; in ``W@x + b``, W and b.

    >>> import autodiff_viz as av
    >>> t = av.trace("relu(X@W + c)@w + b", at={"X": [[0, 1], [1, 1]], "W": [[1, 1], [1, 1]],
    ...              "c": [0, -1], "w": [1, -2], "b": 0})
    >>> sorted(t.graph.nodes[i].name for i in parameter_nodes(t.graph, t))
    ['W', 'b', 'c', 'w']
    """
    inputs = {graph.nodes[i].name: i for i in graph.inputs}
    if names is not None:
        unknown = [n for n in names if n not in inputs]
        if unknown:
            raise InputError(f"cannot draw {', '.join(unknown)} as a parameter: not an input",
                             hint=f"the inputs are: {', '.join(graph.input_names)}")
        return {inputs[n] for n in names}
    if trace is None or not trace.primal.tensor:
        return set()
    nodes = graph.nodes

    def source(q: int) -> int | None:
        """The input behind ``q``, seen through transposes (None: a computed value)."""
        while nodes[q].kind == "op" and nodes[q].op.name == "transpose":  # type: ignore[union-attr]
            q = nodes[q].parents[0]
        return q if nodes[q].kind == "input" else None

    found: set[int] = set()
    for n in nodes:
        if n.kind != "op" or len(n.parents) != 2:
            continue
        if n.op.name == "matmul":  # type: ignore[union-attr]
            found.update(q for q in map(source, n.parents) if q is not None)
        elif n.op.name == "add":  # type: ignore[union-attr]
            a, b = n.parents
            for x, y in ((a, b), (b, a)):
                if (nodes[x].kind == "input" and nodes[y].kind == "op"
                        and nodes[y].op.name == "matmul"):  # type: ignore[union-attr]
                    found.add(x)
    return {i for i in found if not DATA_NAME.match(nodes[i].name or "")}


def table(rows: Sequence[str], **attrs: Any) -> str:
    """An HTML-like ``<TABLE>``, borderless unless ``attrs`` say otherwise."""
    base = {"BORDER": "0", "CELLBORDER": "0", "CELLSPACING": "0", "CELLPADDING": "1"}
    base.update({k.upper(): str(v) for k, v in attrs.items()})
    a = " ".join(f'{k}="{v}"' for k, v in base.items())
    return f"<TABLE {a}>\n" + "\n".join(rows) + "\n</TABLE>"


@dataclass(frozen=True)
class Progress:
    """A step frame: step ``step`` (0-based) of pass ``k`` of kind ``kind`` has just run."""

    kind: str  # "primal", "forward" or "reverse"
    k: int
    step: int
    caption: str = ""


@dataclass
class View:
    """One picture: the shown passes, what is filled in yet, what is highlighted."""

    graph: Graph
    trace: Trace | None
    notation: str = "w"
    digits: int | None = 4
    mode: str = "primal"
    fwd: list[int] = field(default_factory=list)  # forward passes shown in nodes and table
    rev: list[int] = field(default_factory=list)
    edge_fwd: int | None = None  # forward pass whose terms the edges carry
    edge_rev: int | None = None
    progress: Progress | None = None
    names: list[str] = field(default_factory=list)
    outputs: dict[int, list[str]] = field(default_factory=dict)  # node id -> output names
    values: set[int] = field(default_factory=set)  # node ids whose value is filled in
    tangents: dict[int, set[int]] = field(default_factory=dict)  # pass -> node ids
    adjoints: dict[int, set[int]] = field(default_factory=dict)
    fterms: set[tuple[int, int]] = field(default_factory=set)  # (child, argument position)
    rterms: set[tuple[int, int]] = field(default_factory=set)
    current: int | None = None
    used: set[tuple[int, int]] = field(default_factory=set)
    max_matrix: tuple[int, int] = MAX_MATRIX  # larger arrays are summarised
    params: set[int] = field(default_factory=set)  # inputs drawn as parameters
    style: str = "unicode"  # "unicode" (∂, w̄, ẇ, ·, −) or "text" (ASCII: d, dz/dw, *, -)
    detail: str = "full"  # "full" or "compact" (see DETAILS)
    derived_from: int | None = None  # a derivative graph: its nodes from this id on are new
    _steps: dict[tuple[str, int], dict[int, Any]] = field(default_factory=dict)
    _formulas: list[str] = field(default_factory=list)

    @property
    def tensor(self) -> bool:
        """A graph of vectors and matrices (arrays are drawn as tables of entries)."""
        return self.trace is not None and self.trace.primal.tensor

    @property
    def mul(self) -> str:
        """The multiplication sign of the labels: ``·`` (or ``*`` in ASCII)."""
        return "\u00b7" if self.style == "unicode" else "*"

    def tan(self, k: int, name: str) -> str:
        """The tangent of ``name`` in forward pass ``k``: ẇ3 (ASCII dw3/dx2); where several
        forward passes are shown, each seeding one input, ``∂w3/∂x1``, which says whose."""
        seed = self.seeded(k)
        if self.style == "unicode" and len(self.fwd) > 1 and seed:
            return self.d(name, seed)
        return tangent_name(self.trace, k, name, self.style)  # type: ignore[arg-type]

    def seeded(self, k: int) -> str:
        """The one input forward pass ``k`` seeds (empty: a direction)."""
        seed = [x for x, s in self.trace.forward[k].seed.items() if s != 0]  # type: ignore
        return seed[0] if len(seed) == 1 else ""

    def adj(self, k: int, name: str) -> str:
        """The adjoint of ``name`` in reverse pass ``k``: w̄3 (ASCII dz/dw3); where several
        reverse passes (outputs) are shown, ``∂p/∂w3``, which says whose."""
        if self.style == "unicode" and len(self.rev) > 1:
            return self.d(self.trace.reverse[k].output, name)  # type: ignore[union-attr]
        return adjoint_name(self.trace, k, name, self.style)  # type: ignore[arg-type]

    def d(self, top: str, bottom: str) -> str:
        """``∂top/∂bottom`` (ASCII ``dtop/dbottom``)."""
        return gradient_name(top, bottom, self.style)

    def one_pass_each(self) -> list[str]:
        """Keep one forward and one reverse pass (those the edges would carry), as a
        compact picture shows; notes on the passes left out."""
        notes: list[str] = []
        if self.trace is None:
            return notes
        for kind, shown, keep in (("forward", self.fwd, self.edge_fwd),
                                  ("reverse", self.rev, self.edge_rev)):
            if len(shown) > 1:
                k = keep if keep is not None else shown[0]
                what = f"seed {self.seeded(k)}" if kind == "forward" and self.seeded(k) \
                    else f"output {self.trace.reverse[k].output}" if kind == "reverse" \
                    else f"pass {k}"
                notes.append(f"{len(shown)} {kind} passes: this picture shows one ({what}); "
                             "detail='full' (--detail full) shows them all")
                shown[:] = [k]
        return notes

    def drawn(self, i: int) -> bool:
        """Whether node ``i`` is a node of the picture: constants are not (they are shown
        inside the nodes that use them), unless a constant is itself an output."""
        return self.graph.nodes[i].kind != "const" or i in self.outputs

    def num(self, v: Any) -> str:
        """A stored number as label text (``digits`` significant figures, in the view's
        style); an array of a tensor graph on one line, row by row (summarised past
        ``max_matrix``)."""
        if self.tensor:
            return value_text(self.trace, v, self.digits, self.style,  # type: ignore[arg-type]
                              self.max_matrix, inline=True)
        return fmt(v, self.digits, self.style)

    def edge(self, v: Any) -> str:
        """:meth:`num` for an edge label: nothing for a matrix or an array too large for
        ``max_matrix`` (the nodes show those), nor for no value."""
        if v is None or (self.tensor and np.ndim(v) and (
                np.ndim(v) > 1 or not fits(np.shape(v), self.max_matrix))):
            return ""
        return self.num(v)

    def cell(self, v: Any, known: bool = True) -> str:
        """A stored value for a table cell: a monospaced number, or an array's table."""
        if self.tensor and v is not None and np.ndim(v):
            return matrix_html(v, self.digits, known, self.max_matrix)
        return slot(self.num(v), known)

    def shape(self, i: int) -> str:
        """Node ``i``'s shape (``4x2``, ``2``) in a tensor graph; else nothing."""
        t = self.trace
        return shape_text(t.primal.shapes[i], "text") if self.tensor and t.primal.shapes \
            else ""  # type: ignore[union-attr]

    def formula(self, i: int) -> str:
        """Node ``i``'s definition in its parents' names, in the view's style (constants
        by value: ``w3 = w1 + 1``)."""
        if self.trace is not None and self.style == "text":
            return self.trace.steps[i].formula  # stored once per trace
        if not self._formulas:  # Graph.formula re-derives every name per call: do it once
            atoms = self.graph._atoms(self.notation, self.style)
            self._formulas = [self.graph.formula(n.id, self.notation, self.style,
                                                 args=[atoms[q] for q in n.parents])
                              for n in self.graph.nodes]
        return self._formulas[i]

    def partial_formula(self, child: int, pos: int) -> str:
        """The formula of ∂child/∂(its argument ``pos``), in the view's style (a tensor
        operation's in matrix notation: ``ḡ w2ᵀ``, ASCII ``g w2.T``)."""
        if self.style == "unicode":
            return self.graph.partial_formula(child, pos, self.notation, "unicode")
        text = self.graph.partial_formula(child, pos, self.notation, "text")
        return _ascii(text.replace("\u1e21", "g"), "text")  # matrix notation: g w2.T

    def depths(self) -> dict[int, int]:
        """Each drawn node's depth: 0 for inputs, else one more than its deepest drawn
        parent (constants do not count). The picture's columns (rows, top to bottom)."""
        out: dict[int, int] = {}
        for n in self.graph.nodes:  # parents come before their children
            if self.drawn(n.id):
                out[n.id] = 1 + max((out[q] for q in n.parents if q in out), default=-1)
        if self.derived_from is not None:  # the backward half mirrored, as in textbooks
            return self.graph.mirrored(out)  # type: ignore[attr-defined]
        return out

    def derived(self, i: int) -> bool:
        """Whether node ``i`` is one a derivative graph added (not an original node)."""
        return self.derived_from is not None and i >= self.derived_from

    def anchors(self) -> list[tuple[int, int]]:
        """Invisible edges that place a derivative graph's backward half after the output
        (the seed, a constant, is not drawn)."""
        if self.derived_from is None:
            return []
        return self.graph.anchors(self.drawn)  # type: ignore[attr-defined]

    def kind(self, i: int) -> str:
        """input, param, const, op or output: how node ``i`` is drawn."""
        node = self.graph.nodes[i]
        if node.kind == "input" and i in self.params:
            return "param"
        if self.derived(i) and node.kind == "op":
            return "doutput" if i in self.outputs else "deriv"
        return "output" if node.kind == "op" and i in self.outputs else node.kind

    def pass_complete(self, kind: str) -> bool:
        """True unless this is a frame of a ``kind`` pass before its last step."""
        p, t = self.progress, self.trace
        if p is None or p.kind != kind or t is None:
            return True
        steps = t.forward_steps(p.k) if kind == "forward" else t.reverse_steps(p.k)
        return p.step == len(steps) - 1

    def step(self, kind: str, k: int, i: int) -> Any:
        """The forward or reverse step record of node ``i`` in pass ``k`` (None if none)."""
        key = (kind, k)
        if key not in self._steps:
            t = self.trace
            assert t is not None
            steps = t.forward_steps(k) if kind == "forward" else t.reverse_steps(k)
            self._steps[key] = {s.node: s for s in steps}
        return self._steps[key].get(i)


def _par(s: str) -> str:
    """A factor of a product: in parentheses when negative or a sum."""
    return f"({s})" if s.startswith(("-", "\u2212")) or " " in s else s


class Term(NamedTuple):
    """One chain-rule term an edge carries, as the picture writes it: it adds ``value`` to
    ``target`` (the child's tangent, or the parent's adjoint); ``symbolic`` is the carried
    quantity times the local partial (``w̄4·w2``), ``numeric`` their stored values
    (``1·3``; empty where a factor is a matrix, which the nodes show)."""

    target: str
    symbolic: str
    numeric: str
    value: str
    known: bool


SHORT = 12
"""In the table of steps a local partial's formula longer than this many characters (and
than its name) is written as its name, ``∂w5/∂w1``."""


def edge_term(v: View, child: int, pos: int, short: bool = False) -> Term | None:
    """The term edge (``child``, ``pos``) carries in the pass the edges show (forward:
    into the child's tangent; reverse: into the parent's adjoint), from the step
    records: the carried quantity first, then the local partial. ``short`` writes a
    long partial formula (:data:`SHORT`) as its name ``∂child/∂parent``."""
    g = v.graph
    parent = g.nodes[child].parents[pos]
    op = g.nodes[child].op
    tensor_op = op is not None and op.tensor  # a Jacobian-vector or vector-Jacobian product
    args = [v.names[q] for q in g.nodes[child].parents]
    formula = v.partial_formula(child, pos)
    if short and len(formula) > max(SHORT, len(v.d(v.names[child], v.names[parent]))):
        formula = v.d(v.names[child], v.names[parent])

    def make(target: str, carried: str, a: Any, b: Any, value: Any, known: bool,
             tensor_formula: str) -> Term:
        symbolic = tensor_formula if tensor_op else f"{carried}{v.mul}{_par(formula)}"
        factors = [v.edge(a), v.edge(b)]
        summed = v.tensor and not tensor_op and np.shape(value) != np.broadcast_shapes(
            np.shape(a), np.shape(b))  # a broadcast value: the sum over its copies
        numeric = ""
        if not tensor_op and all(factors):
            numeric = ("sum " if v.style == "text" else "\u03a3") * summed \
                + f"{_par(factors[0])}{v.mul}{_par(factors[1])}"
        if summed:
            symbolic = f"sum({symbolic})" if v.style == "text" else f"\u03a3({symbolic})"
        return Term(target, symbolic, numeric, v.edge(value), known)

    forward = v.edge_fwd is not None
    k = v.edge_fwd if forward else v.edge_rev
    if k is None:
        return None
    step = v.step("forward", k, child) if forward else v.step("reverse", k, parent)
    term = next((x for x in (step.terms if step else ())
                 if x.position == pos and (forward or x.child == child)), None)
    if term is None:
        return None
    name = v.tan if forward else v.adj
    source, target = (parent, child) if forward else (child, parent)  # carried from, into
    quantity = name(k, v.names[source])
    product = ""  # a Jacobian-vector or vector-Jacobian product, in matrix notation
    if tensor_op:
        formulas = op.jvp_formulas if forward else op.vjp_formulas  # type: ignore[union-attr]
        product = _ascii(formulas[pos].format(*args, **{"t" if forward else "g": quantity}),
                         v.style)
    carried, partial = term_factors(term)
    return make(name(k, v.names[target]), quantity, carried, partial, term.value,
                (child, pos) in (v.fterms if forward else v.rterms), product)


def build_view(graph: Graph, trace: Trace | None, *, notation: str | None = None,
               digits: int | None = 4, mode: str | None = None, contributions: str = "auto",
               forward_pass: int = 0, reverse_pass: int = 0,
               progress: Progress | None = None, max_matrix: tuple[int, int] = MAX_MATRIX,
               params: Sequence[str] | None = None, ascii: bool = False,
               detail: str = "full") -> View:
    """Check the options against the trace and work out what the picture shows.

    ``params`` names the inputs drawn as parameters (default: the rule of
    :func:`parameter_nodes`); arrays larger than ``max_matrix`` are summarised;
    ``ascii`` writes the labels in ASCII (``dz/dw1`` for w̄1); ``detail`` is one of
    :data:`DETAILS` (``auto`` chosen by the number of drawn nodes).
    """
    mode = mode or (trace.mode if trace is not None else "primal")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}", hint="use one of: " + ", ".join(MODES))
    if contributions not in CONTRIBUTIONS:
        raise InputError(f"unknown contributions {contributions!r}",
                         hint="use one of: " + ", ".join(CONTRIBUTIONS))
    if digits is not None and not 1 <= digits <= 17:
        raise InputError(f"digits must be between 1 and 17, not {digits}")
    if detail not in DETAILS:
        raise InputError(f"unknown detail {detail!r}", hint="use one of: " + ", ".join(DETAILS))
    v = View(graph, trace, notation or (trace.notation if trace else "w"), digits, mode,
             progress=progress, max_matrix=tuple(max_matrix),  # type: ignore[arg-type]
             style="text" if ascii else "unicode")
    v.params = parameter_nodes(graph, trace, params)
    v.names = graph.display_names(v.notation)
    label = getattr(graph, "output_label", None)  # a derivative graph's ∂z/∂x1
    if label is not None:
        v.derived_from = len(graph.base)  # type: ignore[attr-defined]
    for name, i in graph.outputs:
        v.outputs.setdefault(i, []).append(label(name, v.style) if label else name)
    if detail == "auto":
        detail = "compact" if sum(map(v.drawn, range(len(graph.nodes)))) >= COMPACT_FROM \
            else "full"
    v.detail = detail
    if trace is None:
        return v
    strict = mode != trace.mode  # the trace's own mode shows the passes it has (maybe none)
    if mode in ("forward", "both") and (strict or trace.forward):
        v.fwd = check_pass(trace, "forward", forward_pass)
    if mode in ("reverse", "both") and (strict or trace.reverse):
        v.rev = check_pass(trace, "reverse", reverse_pass)
    if progress is not None:  # a frame shows its own pass only
        if progress.kind not in PASSES:
            raise InputError(f"unknown pass {progress.kind!r}",
                             hint="use one of: " + ", ".join(PASSES))
        if progress.kind != "primal":
            check_pass(trace, progress.kind, progress.k)
        v.mode = progress.kind
        v.fwd = [progress.k] if progress.kind == "forward" else []
        v.rev = [progress.k] if progress.kind == "reverse" else []
        forward_pass = reverse_pass = progress.k
    want = contributions if contributions != "auto" else (
        "reverse" if v.rev else "forward" if v.fwd else "none")
    v.edge_fwd = forward_pass if want == "forward" and v.fwd else None
    v.edge_rev = reverse_pass if want == "reverse" and v.rev else None
    v.values = set(range(len(graph.nodes)))
    v.tangents = {k: {s.node for s in trace.forward_steps(k)} for k in v.fwd}
    v.adjoints = {k: {s.node for s in trace.reverse_steps(k)} for k in v.rev}
    if v.edge_fwd is not None:
        v.fterms = {(s.node, t.position) for s in trace.forward_steps(v.edge_fwd)
                    for t in s.terms}
    if v.edge_rev is not None:
        v.rterms = {(t.child, t.position) for s in trace.reverse_steps(v.edge_rev)
                    for t in s.terms}
    if progress is not None:
        _apply_progress(v, trace, progress)
    return v


def check_pass(trace: Trace, kind: str, k: int) -> list[int]:
    """All pass numbers of ``kind``, after checking pass ``k`` exists."""
    passes = trace.forward if kind == "forward" else trace.reverse
    if not passes and kind == "forward" and not trace.graph.inputs:
        raise InputError("this graph has no inputs, so there is no forward pass to show")
    if not passes:
        raise InputError(f"this trace has no {kind} pass to show (it was run with "
                         f"mode={trace.mode!r})",
                         hint=f"trace with mode='{kind}' or 'both' (--mode {kind})")
    if not 0 <= k < len(passes):
        raise InputError(f"{kind} pass {k} does not exist: the trace has {len(passes)} "
                         f"{kind} pass{'es' if len(passes) > 1 else ''} (numbered from 0)")
    return list(range(len(passes)))


def _apply_progress(v: View, trace: Trace, p: Progress) -> None:
    """Blank what the pass has not stored yet; mark the current node and its edges."""
    if p.kind == "primal":
        steps = trace.primal_steps()
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.values = {s.node for s in done}
        v.current = done[-1].node
        v.used = {(done[-1].node, pos) for pos in range(len(done[-1].parents))}
    elif p.kind == "forward":
        steps = trace.forward_steps(p.k)
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.tangents = {p.k: {s.node for s in done}}
        v.fterms = {(s.node, t.position) for s in done for t in s.terms}
        v.current = done[-1].node
        v.used = {(done[-1].node, t.position) for t in done[-1].terms}
    else:
        steps = trace.reverse_steps(p.k)
        _check_step(p, len(steps))
        done = steps[: p.step + 1]
        v.adjoints = {p.k: {s.node for s in done}}
        v.rterms = {(t.child, t.position) for s in done for t in s.terms}
        v.current = done[-1].node
        v.used = {(t.child, t.position) for t in done[-1].terms}


def _check_step(p: Progress, n: int) -> None:
    if not 0 <= p.step < n:
        raise InputError(f"step {p.step} of the {p.kind} pass does not exist "
                         f"(it has {n} steps, numbered from 0)")
