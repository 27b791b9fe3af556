"""Trace objects: what the passes stored, as steps views can read.

Views (terminal, graphviz, LaTeX, Markdown, JSON, the checker) read these
records and never recompute mathematics.

>>> from autodiff_viz import trace
>>> t = trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
>>> round(t.value, 4), {k: round(v, 4) for k, v in t.gradient.items()}
(6.9093, {'x1': 2.5839, 'x2': 2.0})
>>> s = t.reverse_steps()[-1]       # the last reverse step is input x1
>>> s.name, [(term.child_name, round(term.value, 4)) for term in s.terms]
('w1', [('w4', 3.0), ('w3', -0.4161)])
"""
from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .errors import RenderError
from .graph import Graph, check_notation
from .passes import ForwardRecord, Linearization, PrimalRecord, ReverseRecord

if TYPE_CHECKING:
    import networkx

SCHEMA = "autodiff_viz.trace"
SCHEMA_VERSION = 1


class LocalPartial(NamedTuple):
    """∂node/∂parent at the stored values, as a formula and a number."""

    parent: int
    parent_name: str
    position: int
    formula: str
    value: Any


class PrimalStep(NamedTuple):
    """One node of the primal trace: ``name = formula = value``."""

    node: int
    name: str
    label: str
    kind: str  # input, const or op
    op: str | None
    parents: tuple[int, ...]
    parent_names: tuple[str, ...]
    formula: str  # in the parents' names
    expression: str | None  # in terms of the inputs (None when too long)
    value: Any
    partials: tuple[LocalPartial, ...]
    flags: tuple[str, ...]

    def partial(self, position: int) -> LocalPartial:
        """The local partial with respect to the parent at argument ``position``."""
        p = self.partial_at(position)
        if p is None:
            raise KeyError(f"{self.name} has no local partial for argument {position}")
        return p

    def partial_at(self, position: int) -> LocalPartial | None:
        """:meth:`partial`, or None for a constant parent, or a parent that depends on no
        input where its partial does not exist (the exponent of ``x^(1+1)`` at x = -1)."""
        return next((p for p in self.partials if p.position == position), None)


class ForwardTerm(NamedTuple):
    """One chain-rule term ∂node/∂parent · tangent(parent)."""

    parent: int
    parent_name: str
    position: int
    partial: Any
    parent_tangent: Any
    value: Any


class ForwardStep(NamedTuple):
    node: int
    name: str
    tangent: Any
    terms: tuple[ForwardTerm, ...]
    is_input: bool


class ReverseTerm(NamedTuple):
    """One chain-rule term adjoint(child) · ∂child/∂node."""

    child: int
    child_name: str
    position: int
    child_adjoint: Any
    partial: Any
    value: Any


class ReverseStep(NamedTuple):
    node: int
    name: str
    adjoint: Any
    terms: tuple[ReverseTerm, ...]
    is_input: bool


def _one_hot_index(seed: Any) -> tuple[int, ...] | None:
    """Where the single 1 of a one-hot seed is (None for any other direction)."""
    a = np.asarray(seed, dtype=float)
    nz = np.argwhere(a != 0)
    if len(nz) != 1 or a[tuple(nz[0])] != 1:
        return None
    return tuple(int(i) for i in nz[0])


def _py(v: Any) -> Any:
    """Scalars as Python floats (arrays stay arrays) for friendly step records."""
    return float(v) if isinstance(v, (np.floating, float, int)) else v


def _jsonable(v: Any) -> Any:
    """A stored number or array for JSON: floats and nested lists, with non-finite entries
    as the strings "inf", "-inf" and "nan" (strict JSON has no such numbers)."""
    a = np.asarray(v, dtype=float)
    if np.isfinite(a).all():
        return float(a) if a.ndim == 0 else a.tolist()
    o = a.astype(object)
    bad = ~np.isfinite(a)
    o[bad] = [str(float(x)) for x in a[bad]]
    return o.item() if a.ndim == 0 else o.tolist()


def _put(attrs: dict[str, Any], key: str, v: Any) -> None:
    """Store a number as a networkx attribute GraphML, GEXF and GML can write: a float (or
    "inf", "-inf", "nan"); an array as ``key_shape`` and ``key_json``; None not at all."""
    if v is None:
        return
    if np.ndim(v) == 0:
        attrs[key] = _jsonable(v)
    else:
        import json

        attrs[f"{key}_shape"] = json.dumps(list(np.shape(v)))
        attrs[f"{key}_json"] = json.dumps(_jsonable(v))


def _num(v: Any) -> Any:
    """A stored number as a Python float (or a nested list for arrays)."""
    if v is None:
        return None
    a = np.asarray(v, dtype=float)
    return float(a) if a.ndim == 0 else a.tolist()


class Trace:
    """Everything the passes stored for one graph at one point (or batch of points)."""

    def __init__(self, graph: Graph, at: dict[str, Any], primal: PrimalRecord,
                 linear: Linearization | None, forward: list[ForwardRecord],
                 reverse: list[ReverseRecord], notation: str = "w", mode: str = "both",
                 output: str | None = None) -> None:
        self.graph = graph
        self.output = output  # the output asked for (trace(..., output=)); None: the first
        self.at = at
        self.primal = primal
        self.linear = linear
        self.forward = tuple(forward)
        self.reverse = tuple(reverse)
        self.notation = notation
        self.mode = mode
        check_notation(notation)  # early; the labels themselves are made when a view asks

    # -- names -----------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return self.graph.display_names(self.notation)

    @cached_property
    def name_set(self) -> frozenset[str]:
        """Every node's display name (views check a name they make is not one of them)."""
        return frozenset(self.names)

    @property
    def letter(self) -> str:
        """The letter of the numbered node names (the notation's, unless it collides)."""
        return self.graph.label_letter(self.notation)

    @property
    def notes(self) -> list[str]:
        """What a reader should know about the names (see ``Graph.notes``)."""
        return self.graph.notes(self.notation)

    def _shaped(self, v: Any) -> Any:
        if self.primal.tensor:  # vectors and matrices keep their own shapes
            return float(v) if np.ndim(v) == 0 else np.asarray(v)
        if self.primal.batch:
            if np.shape(v) == self.primal.shape:
                return v
            return np.broadcast_to(np.asarray(v, dtype=float), self.primal.shape).copy()
        return float(v)

    # -- results ---------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """Value of every output, by output name."""
        return {name: self._shaped(self.primal.values[i]) for name, i in self.graph.outputs}

    @property
    def value(self) -> Any:
        """Value of the output asked for with ``output=``, else of the first output.

        >>> import autodiff_viz as av
        >>> av.trace("a = 2*x; b = 3*x", at={"x": 1}, output="b").value
        3.0
        """
        i = self.graph.output_id(self.output) if self.output else self.graph.outputs[0][1]
        return self._shaped(self.primal.values[i])

    def _wrt_inputs(self, r: ReverseRecord) -> list[int]:
        """The input nodes reverse pass ``r`` differentiates with respect to, in order."""
        g = self.graph
        if r.wrt is None:
            return list(g.inputs)
        wanted = set(r.wrt)
        return [i for i in g.inputs if g.nodes[i].name in wanted]

    @property
    def jacobian(self) -> dict[str, dict[str, Any]]:
        """∂output/∂input for every pair the passes computed: ``{output: {input: value}}``."""
        jac: dict[str, dict[str, Any]] = {}
        entries: dict[tuple[str, str], Any] = {}  # (output, input) -> array, from one-hot seeds
        g = self.graph
        for r in self.reverse:
            if np.ndim(r.seed):  # one entry of a vector output: one row of the Jacobian
                at = _one_hot_index(r.seed)
                if at is not None:
                    for i in self._wrt_inputs(r):
                        self._entry(entries, (r.output, g.nodes[i].name), at, r.adjoints[i],
                                    np.shape(r.seed), np.shape(self.primal.values[i]), row=True)
                continue
            jac[r.output] = {g.nodes[i].name: self._shaped(
                r.adjoints[i] if r.seed == 1 else r.adjoints[i] / r.seed)
                for i in self._wrt_inputs(r)}
        for f in self.forward:
            arrays = {k: v for k, v in f.seed.items() if np.ndim(v)}
            if arrays:  # one entry of a vector input: one column of the Jacobian
                at = _one_hot_index(next(iter(arrays.values()))) if len(arrays) == 1 and all(
                    v == 0 for k, v in f.seed.items() if k not in arrays) else None
                if at is not None:
                    wrt = next(iter(arrays))
                    for name, i in g.outputs:
                        self._entry(entries, (name, wrt), at, f.tangents[i],
                                    np.shape(self.primal.values[i]), np.shape(arrays[wrt]),
                                    row=False)
                continue  # otherwise an array direction: see directional()
            if self.primal.tensor and any(np.ndim(self.primal.values[g.names[k]]) for k, v in
                                          f.seed.items() if v != 0 and k in g.names):
                continue  # every entry of a vector seeded at once: a direction
            nz = [k for k, v in f.seed.items() if v != 0]
            if len(nz) != 1:
                continue  # a direction, not a coordinate: see directional()
            wrt, s = nz[0], f.seed[nz[0]]
            for name, i in self.graph.outputs:
                jac.setdefault(name, {}).setdefault(
                    wrt, self._shaped(f.tangents[i] if s == 1 else f.tangents[i] / s))
        for (o, k), arr in entries.items():
            jac.setdefault(o, {})[k] = arr
        names = self.graph.input_names
        return {o: {k: row[k] for k in names if k in row} for o, row in jac.items()}

    @staticmethod
    def _entry(entries: dict, pair: tuple[str, str], at: tuple[int, ...], values: Any,
               out_shape: tuple[int, ...], in_shape: tuple[int, ...], row: bool) -> None:
        """Put one pass's row (reverse) or column (forward) into the Jacobian array
        ``∂out[i]/∂in[j]`` of shape ``out_shape + in_shape``."""
        arr = entries.get(pair)
        if arr is None:
            arr = entries[pair] = np.zeros(tuple(out_shape) + tuple(in_shape))
        v = np.broadcast_to(np.asarray(values, dtype=float), in_shape if row else out_shape)
        if row:
            arr[at] = v
        else:
            arr[(...,) + at] = v

    @property
    def gradient(self) -> dict[str, Any]:
        """∂output/∂input for each input the passes reached (one output)."""
        name = self.graph.outputs[0][0]
        if len(self.graph.outputs) > 1 and self.reverse:
            name = self.reverse[0].output
        return self.jacobian.get(name, {})

    def seed_note(self, k: int = 0) -> str | None:
        """Reverse pass ``k`` of an output that is not a number: what its seed means."""
        r = self.reverse[k]
        shape = np.shape(self.primal.values[self.graph.output_id(r.output)])
        if not self.primal.tensor or not shape:
            return None
        return (f"{r.output} is {'×'.join(map(str, shape))}, not a number: its seed is all "
                f"ones, so the adjoints are the gradient of sum({r.output}); a Σ term sums "
                "the adjoint over the entries a broadcast value was copied to")

    def directional(self, k: int = 0) -> dict[str, Any]:
        """Output tangents of forward pass ``k``: the derivative along its seed direction."""
        f = self.forward[k]
        return {name: self._shaped(f.tangents[i]) for name, i in self.graph.outputs}

    # -- steps -----------------------------------------------------------------
    def primal_steps(self) -> list[PrimalStep]:
        """Every node in evaluation order (inputs, constants, operations)."""
        return list(self.steps)

    @cached_property
    def steps(self) -> tuple[PrimalStep, ...]:
        """The primal steps, indexed by node id."""
        g, names = self.graph, self.names
        labels = g.labels(self.notation)
        exprs = g.expressions("text")
        flags: dict[int, list[str]] = {}
        for src in (self.primal.flags, self.linear.flags if self.linear else {},
                    *(f.flags for f in self.forward), *(r.flags for r in self.reverse)):
            for i, fl in src.items():
                flags.setdefault(i, []).extend(fl)
        steps = []
        for n in g.nodes:
            partials: tuple[LocalPartial, ...] = ()
            if n.kind == "op" and self.linear is not None:
                partials = tuple(
                    LocalPartial(q, names[q], k, g.partial_formula(n.id, k, self.notation), _py(d))
                    for k, (q, d) in enumerate(zip(n.parents, self.linear.partials[n.id]))
                    if d is not None or (n.op.tensor and g.nodes[q].kind != "const"))  # type: ignore[union-attr]
                # a tensor operation has no partial per entry: its vector-Jacobian product
                # in matrix notation, and the value None
            steps.append(PrimalStep(
                n.id, names[n.id], labels[n.id], n.kind, n.op.name if n.op else None,
                n.parents, tuple(names[q] for q in n.parents), g.formula(n.id, self.notation),
                exprs[n.id], _py(self.primal.values[n.id]), partials,
                tuple(dict.fromkeys(flags.get(n.id, [])))))
        return tuple(steps)

    @property
    def flags(self) -> dict[str, tuple[str, ...]]:
        """The flagged nodes by name: every inf or nan a pass stored (value, local
        partial, tangent, adjoint) is flagged on its node (``overflow``,
        ``tangent-overflow``, ``adjoint-overflow``), as are non-differentiable points."""
        return {s.name: s.flags for s in self.steps if s.flags}

    def forward_steps(self, k: int = 0) -> list[ForwardStep]:
        """Tangent steps of forward pass ``k``, inputs first, constants left out."""
        f, g, names = self.forward[k], self.graph, self.names
        out = []
        for n in g.nodes:
            if n.kind == "const":
                continue
            terms = tuple(
                ForwardTerm(q, names[q], j, _py(self.linear.partials[n.id][j]),  # type: ignore
                            _py(f.tangents[q]), _py(t))
                for j, (q, t) in enumerate(zip(n.parents, f.terms[n.id])) if t is not None)
            out.append(ForwardStep(n.id, names[n.id], _py(f.tangents[n.id]), terms,
                                   n.kind == "input"))
        return out

    def reverse_steps(self, k: int = 0) -> list[ReverseStep]:
        """Adjoint steps of reverse pass ``k``, from the output back to the inputs."""
        r, g, names = self.reverse[k], self.graph, self.names
        out = []
        for i in r.order:
            n = g.nodes[i]
            terms = tuple(
                ReverseTerm(c, names[c], pos, _py(r.adjoints[c]),
                            _py(self.linear.partials[c][pos]), _py(v))  # type: ignore[union-attr]
                for c, pos, v in r.terms[i])
            out.append(ReverseStep(i, names[i], _py(r.adjoints[i]), terms, n.kind == "input"))
        return out

    # -- cost ----------------------------------------------------------------
    @property
    def cost(self) -> dict[str, Any]:
        """Passes run and their work: operations evaluated, multiply-adds, values stored."""
        g = self.graph
        var_edges = sum(1 for n in g.nodes for q in n.parents if g.nodes[q].kind != "const")
        stored = len(g.inputs) + g.op_count
        fwd_ops = var_edges * len(self.forward)
        rev_ops = sum(sum(1 for i in r.order for q in g.nodes[i].parents
                          if g.nodes[q].kind != "const") for r in self.reverse)
        return {
            "nodes": len(g.nodes), "edges": g.edge_count,
            "primal": {"passes": 1, "operations": g.op_count, "stored_values": stored},
            "local_partials": var_edges if self.linear else 0,
            "forward": {"passes": len(self.forward), "multiply_adds": fwd_ops,
                        "stored_tangents": stored * len(self.forward)},
            "reverse": {"passes": len(self.reverse), "multiply_adds": rev_ops,
                        "stored_adjoints": sum(len(r.order) for r in self.reverse)},
        }

    # -- serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with every stored number (schema ``autodiff_viz.trace`` v1)."""
        g = self.graph
        names = self.names
        nodes = []
        for s in self.primal_steps():
            nodes.append({
                "id": s.node, "name": s.name, "label": s.label, "kind": s.kind, "op": s.op,
                "variable": g.nodes[s.node].name if s.kind == "input" else None,
                "parents": list(s.parent_names), "formula": s.formula,
                "expression": s.expression, "value": _num(s.value),
                "partials": [{"parent": p.parent_name, "position": p.position,
                              "formula": p.formula, "value": _num(p.value)}
                             for p in s.partials],
                "flags": list(s.flags)})
        forward = []
        for k, f in enumerate(self.forward):
            forward.append({
                "seed": f.seed,
                "steps": [{"node": s.name, "tangent": _num(s.tangent),
                           "terms": [{"parent": t.parent_name, "partial": _num(t.partial),
                                      "parent_tangent": _num(t.parent_tangent),
                                      "value": _num(t.value)} for t in s.terms]}
                          for s in self.forward_steps(k)],
                "output_tangents": {o: _num(v) for o, v in self.directional(k).items()}})
        reverse = []
        for k, r in enumerate(self.reverse):
            reverse.append({
                "output": r.output, "seed": r.seed, "seed_note": self.seed_note(k),
                "steps": [{"node": s.name, "adjoint": _num(s.adjoint),
                           "terms": [{"child": t.child_name, "child_adjoint": _num(t.child_adjoint),
                                      "partial": _num(t.partial), "value": _num(t.value)}
                                     for t in s.terms]}
                          for s in self.reverse_steps(k)],
                "gradient": {g.nodes[i].name: _num(self._shaped(r.adjoints[i]))
                             for i in self._wrt_inputs(r)}})
        return {
            "schema": SCHEMA, "version": SCHEMA_VERSION,
            "source": g.source, "notation": self.notation, "mode": self.mode,
            "notes": self.notes,
            "inputs": {g.nodes[i].name: {"node": names[i], "value": _num(self.at[g.nodes[i].name])}
                       for i in g.inputs},
            "outputs": {o: {"node": names[i], "value": _num(self._shaped(self.primal.values[i]))}
                        for o, i in g.outputs},
            "nodes": nodes, "forward": forward, "reverse": reverse,
            "jacobian": {o: {k: _num(v) for k, v in row.items()}
                         for o, row in self.jacobian.items()},
            "cost": self.cost,
        }

    def __repr__(self) -> str:
        """The expression, the point, the value and the derivatives, on a few short lines
        (ASCII names, 4 significant digits, large arrays summarised); ``to_text()`` and
        the other ``to_*`` methods show every step.

        >>> import autodiff_viz as av
        >>> av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3})
        Trace of z = sin(x1) + x1*x2 at x1=2, x2=3, mode both (2 forward passes, 1 reverse pass)
          z = 6.909
          dz/dx1 = 2.584, dz/dx2 = 2
        """
        from .views.lines import gradient_name, value_text
        from .views.summary import directional_lines, plural, title

        style, mm, width = "text", (3, 3), 110

        def short(text: str) -> str:
            text = " ".join(text.split())
            return text if len(text) <= width else text[:width - 3] + "..."

        def val(v: Any) -> str:
            return value_text(self, v, 4, style, mm, inline=True)

        passes = [plural(len(p), f"{kind} pass")
                  for p, kind in ((self.forward, "forward"), (self.reverse, "reverse")) if p]
        head = short(f"Trace of {title(self, 4, style, mm)}")
        lines = [f"{head}, mode {self.mode}" + (f" ({', '.join(passes)})" if passes else "")]
        lines.append(short(", ".join(f"{o} = {val(v)}" for o, v in self.values.items())))
        rows = [short(", ".join(f"{gradient_name(o, k, style)} = {val(v)}"
                                for k, v in row.items()))
                for o, row in self.jacobian.items() if row]
        rows += [short(d) for d in directional_lines(self, 4, style, max_matrix=mm)]
        more = len(rows) - 4
        lines += rows[:4] + ([f"... ({plural(more, 'more line')}: see .to_text())"]
                             if more > 0 else [])
        return "\n  ".join(lines)

    # -- views (implemented in autodiff_viz.views; nothing is recomputed) ----------
    # Each to_* method returns what `autodiff-viz trace --format ...` prints for the same
    # options: both call the same view function.
    def to_text(self, digits: int | None = 4, *, width: int = 100, ascii: bool = False,
                color: bool = False, max_matrix: tuple[int, int] = (4, 4)) -> str:
        """The terminal view (``autodiff-viz trace``, ``--format table``): structure, the
        primal, forward and reverse traces, summary, gradient, flags and cost.
        ``ascii=True`` is ``--ascii``; ``color=True`` adds ANSI colours.

        >>> import autodiff_viz as av
        >>> t = av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse")
        >>> text = t.to_text(ascii=True)
        >>> [line for line in text.splitlines() if line.startswith("  dz/dx =")]
        ['  dz/dx = 5']
        """
        from .views.table import render_table
        return render_table(self, digits, "text" if ascii else "unicode", width, color,
                            max_matrix=max_matrix)

    def to_markdown(self, digits: int | None = 4, *,
                    max_matrix: tuple[int, int] = (4, 4)) -> str:
        """Markdown (``--format markdown``): headings, step lines in code blocks, tables.

        >>> import autodiff_viz as av
        >>> print(av.trace("x*y", at={"x": 2, "y": 5}).to_markdown().splitlines()[0])
        # z = x*y at x=2, y=5
        """
        from .views.formats import render_markdown
        return render_markdown(self, digits, max_matrix=max_matrix)

    def to_latex(self, digits: int | None = 4, *, max_matrix: tuple[int, int] = (4, 4)) -> str:
        """A LaTeX fragment (``--format latex``): ``align*`` traces and a ``tabular`` summary.

        >>> import autodiff_viz as av
        >>> latex = av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse").to_latex()
        >>> print(latex.splitlines()[-6])      # the gradient, from the reverse pass
          \\frac{\\partial z}{\\partial x} &= 5 \\\\
        """
        from .views.latex import render_latex
        return render_latex(self, digits, max_matrix=max_matrix)

    def to_tikz(self, *, mode: str = "both", digits: int | None = 4,
                standalone: bool = False) -> str:
        """The graph as a TikZ picture with this trace's numbers (``standalone``: a whole
        document for pdflatex); see :func:`~autodiff_viz.views.tikz.render_tikz`.

        >>> import autodiff_viz as av
        >>> av.trace("x*y", at={"x": 2, "y": 5}).to_tikz().count("tikzpicture")
        2
        """
        from .views.tikz import render_tikz
        return render_tikz(self, mode=mode, digits=digits, standalone=standalone)

    def to_csv(self, digits: int | None = 4, *, max_matrix: tuple[int, int] = (4, 4)) -> str:
        """CSV (``--format csv``): one row per node per pass, numbers at full precision."""
        from .views.formats import render_csv
        return render_csv(self, digits, max_matrix=max_matrix)

    def to_json(self) -> str:
        """``to_dict()`` as JSON, indented by 2 (``--format json``).

        >>> import autodiff_viz as av, json
        >>> json.loads(av.trace("x*y", at={"x": 2, "y": 5}).to_json())["jacobian"]
        {'z': {'x': 5.0, 'y': 2.0}}
        """
        from .views.formats import render_json
        return render_json(self)

    def to_html(self, path: str | os.PathLike[str] | None = None, digits: int | None = 4,
                **options: Any) -> str:
        """One self-contained page that steps through the passes (``autodiff-viz html``);
        with ``path`` it is also written there. Options: ``title_text``, ``graph``.

        >>> import autodiff_viz as av
        >>> page = av.trace("x*y", at={"x": 2, "y": 5}).to_html(graph=False)
        >>> page.startswith("<!DOCTYPE html>")
        True
        """
        from .views.page import render_page, save_page
        page = render_page(self, digits, **options)
        if path is not None:
            save_page(page, path)
        return page

    def show(self, digits: int | None = 4, *, height: int = 780, **options: Any) -> None:
        """Show :meth:`to_html`'s page inline in Jupyter (in an iframe of ``height`` px)."""
        from .views.page import notebook_html
        try:
            from IPython.display import HTML, display
        except ImportError:
            raise RenderError("show() displays the page in Jupyter, and IPython is not "
                              "installed", hint="outside a notebook write the page with "
                              "to_html('trace.html') and open it in a browser") from None
        display(HTML(notebook_html(self, digits, height=height, **options)))

    def to_dot(self, **options: Any) -> str:
        """Graphviz DOT source of the graph with everything this trace stored
        (``autodiff-viz render --format dot``; options as
        :func:`~autodiff_viz.views.graphviz.trace_to_dot`)."""
        from .views.graphviz import trace_to_dot
        return trace_to_dot(self, **options)

    def to_graphviz(self, *, engine: str | None = None, format: str | None = None,
                    **options: Any) -> Any:
        """``to_dot(**options)`` as a ``graphviz.Source`` (the ``graphviz`` package, for its
        ``.view()``, ``.render()``, engines and formats); raises ``RenderError`` saying
        ``pip install graphviz`` when that package is missing."""
        from .views.graphviz import dot_source
        return dot_source(self.to_dot(**options), engine=engine, format=format)

    def to_networkx(self) -> "networkx.MultiDiGraph":
        """``Graph.to_networkx()`` with the numbers this trace stored, ready for
        ``nx.write_graphml``, ``write_gexf`` and ``write_gml``.

        Nodes add ``value``, ``flags`` (comma-separated), ``tangent_K`` (forward pass K)
        and ``adjoint_K`` (reverse pass K, on the nodes it reached); edges (keyed by
        argument position) add ``partial`` (the local partial ∂child/∂parent) and the
        chain-rule terms ``forward_term_K`` (∂child/∂parent · tangent of the parent) and
        ``reverse_term_K`` (adjoint of the child · ∂child/∂parent). A number is a float,
        "inf", "-inf" or "nan"; an array is two strings, ``NAME_shape`` and ``NAME_json``
        (JSON lists, non-finite entries as strings), since these formats store no arrays.
        The graph's attributes add ``title``, ``mode``, ``forward_passes``,
        ``forward_K_seed`` (JSON), ``reverse_passes`` and ``reverse_K_output``.

        >>> import autodiff_viz as av
        >>> g = av.trace("x*x", at={"x": 3}, mode="reverse").to_networkx()
        >>> g.nodes[0]["value"], g.nodes[0]["adjoint_0"], g.edges[0, 1, 1]["partial"]
        (3.0, 6.0, 3.0)
        """
        import json

        from .views.summary import title

        g = self.graph.to_networkx(self.notation)
        g.graph.update(title=title(self, 4, "text"), mode=self.mode,
                       forward_passes=len(self.forward), reverse_passes=len(self.reverse))
        for k, f in enumerate(self.forward):
            g.graph[f"forward_{k}_seed"] = json.dumps({n: _jsonable(v) for n, v in f.seed.items()})
        for k, r in enumerate(self.reverse):
            g.graph[f"reverse_{k}_output"] = r.output
        for s in self.steps:
            _put(g.nodes[s.node], "value", s.value)
            g.nodes[s.node]["flags"] = ",".join(s.flags)
            for p in s.partials:
                _put(g.edges[p.parent, s.node, p.position], "partial", p.value)
        for k in range(len(self.forward)):
            for fs in self.forward_steps(k):
                _put(g.nodes[fs.node], f"tangent_{k}", fs.tangent)
                for ft in fs.terms:
                    _put(g.edges[ft.parent, fs.node, ft.position], f"forward_term_{k}", ft.value)
        for k in range(len(self.reverse)):
            for rs in self.reverse_steps(k):
                _put(g.nodes[rs.node], f"adjoint_{k}", rs.adjoint)
                for rt in rs.terms:
                    _put(g.edges[rs.node, rt.child, rt.position], f"reverse_term_{k}", rt.value)
        return g

    def render(self, path: str, **options: Any) -> str:
        """Write an image (svg, png, pdf or dot, from the suffix); returns the path."""
        from .views.graphviz import render_trace
        return render_trace(self, path, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .views.notebook import mimebundle
        return mimebundle(self, include, exclude)
