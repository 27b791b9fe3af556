"""Graphviz views: the computational graph with everything a trace stored.

The DOT source is written here as text, deterministically (same input, same
bytes; nodes by id, edges by child id then argument position), so it needs no
Graphviz at all; ``dot`` is only run to make svg, png or pdf images
(:mod:`autodiff_viz.views.dot_render`). Every number in a label is a record
the trace stored (values, local partials, tangents, adjoints, chain-rule
terms) printed with :func:`autodiff_viz.views.lines.fmt`: nothing is recomputed.

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse")
>>> src = t.to_dot()
>>> src.splitlines()[0]
'digraph autodiff {'
>>> "dw3/dw1 = cos(w1) = " in src and ">-0.4161<" in src    # an edge's local partial
True
>>> "dz/dw1 += 1*(-0.4161) = -0.4161" in src   # the term it carries back
True
>>> src == t.to_dot() and src.isascii()
True

In a graph of vectors and matrices each node shows its shape (``w6 : 4x2``) and
its arrays as small tables of entries, summarised past ``max_matrix`` (4×4);
parameters (``params``, or the rule of
:func:`~autodiff_viz.views.dot_view.parameter_nodes`) are drawn in their own
colour, apart from the data inputs and the operations.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from ..errors import RenderError
from ..graph import Graph
from ..trace import Trace
from .dot_render import (BIG_GRAPH, DPI, FORMATS, MAX_EDGE_LABELS, MAX_TABLE_ROWS, TIMEOUT,
                         format_of, render_dot)
from .arrays import MAX_MATRIX
from .dot_table import table_data, table_html
from .dot_view import FONT, KIND_NAMES, PALETTE, SHAPES, Progress, View, build_view, esc, slot
from .dot_view import table as html_table
from .lines import _ascii, adjoint_name, fmt, tangent_name

__all__ = ["FORMATS", "MAX_EDGE_LABELS", "MAX_TABLE_ROWS", "BIG_GRAPH", "Progress",
           "graph_to_dot", "trace_to_dot", "render_trace", "render_dot", "table_data",
           "dot_source", "GRAPHVIZ_HINT"]

GRAPHVIZ_HINT = ("pip install graphviz (or pip install 'autodiff-viz[graphviz]'); "
                 "to_dot() gives the same DOT source without it")


# -- nodes ----------------------------------------------------------------------------
def _node_label(v: View, i: int) -> str:
    g, name = v.graph, v.names[i]
    if g.nodes[i].kind == "const":  # a number is its own value; a named one shows it
        named = v.trace is not None and not name.lstrip("-")[:1].isdigit()
        return esc(f"{name} = {v.num(v.trace.steps[i].value)}" if named else name)
    shape = v.shape(i)
    head = f"<B>{esc(name)}</B>" + (f" : {shape}" if shape else "") + f" = {esc(v.formula(i))}"
    rows = [f'<TR><TD COLSPAN="2">{head}</TD></TR>']
    rows += [f'<TR><TD COLSPAN="2"><I>output {esc(out)}</I></TD></TR>'
             for out in v.outputs.get(i, [])]
    t = v.trace
    if t is None:
        return html_table(rows)

    def row(left: str, value: Any, known: bool) -> str:
        return (f'<TR><TD ALIGN="RIGHT">{esc(left)} </TD>'
                f'<TD ALIGN="LEFT">{v.cell(value, known)}</TD></TR>')

    rows.append(row("value", t.steps[i].value, i in v.values))
    for k in v.fwd:
        s = v.step("forward", k, i)
        if s is not None:
            rows.append(row(tangent_name(t, k, name, "text"), s.tangent, i in v.tangents[k]))
    for k in v.rev:
        s = v.step("reverse", k, i)
        if s is not None:  # None: the output does not depend on this node
            rows.append(row(adjoint_name(t, k, name, "text"), s.adjoint, i in v.adjoints[k]))
    rows += [f'<TR><TD COLSPAN="2"><FONT COLOR="{PALETTE["highlight"]}">! {esc(flag)}'
             "</FONT></TD></TR>" for flag in t.steps[i].flags]
    return html_table(rows)


def _node_line(v: View, i: int) -> str:
    kind = v.kind(i)
    shape, style = SHAPES[kind]
    a = {"id": f"n{i}", "shape": shape, "style": style, "fillcolor": PALETTE[kind],
         "label": _node_label(v, i)}
    if kind == "const":
        a.update({"fontsize": "10", "margin": "0.02", "width": "0.3", "height": "0.3"})
    if kind == "output":
        a["peripheries"] = "2"
    if v.current == i:
        a.update({"color": PALETTE["highlight"], "penwidth": "4"})
    return f"  n{i} {_attrs(a)};"


def _attrs(d: dict[str, str]) -> str:
    """A DOT attribute list; values that start with '<' are HTML-like labels."""
    return "[" + ", ".join(f"{k}=<{x}>" if x.startswith("<") else f'{k}="{x}"'
                           for k, x in d.items()) + "]"


def _par(s: str) -> str:
    return f"({s})" if s.startswith("-") else s


# -- edges ----------------------------------------------------------------------------
def _edge_label(v: View, child: int, pos: int) -> str:
    """``d child/d parent = formula = number``, then the chain-rule term the edge carries."""
    g, t = v.graph, v.trace
    parent = g.nodes[child].parents[pos]
    pname, cname = v.names[parent], v.names[child]
    dname = f"d{cname}/d{pname}"
    if g.nodes[child].parents.count(parent) > 1:
        dname += f" (arg {pos + 1})"
    partial = None
    if t is not None and v.mode != "primal" and t.linear is not None:
        partial = t.steps[child].partial_at(pos)
    formula = partial.formula if partial is not None else g.partial_formula(
        child, pos, v.notation, "text")
    formula = _ascii(formula.replace("\u1e21", "g"), "text")  # matrix notation: g w2.T
    line = f"{esc(dname)} = {esc(formula)}"
    shown = v.edge(partial.value) if partial is not None else ""
    if shown and shown != formula:
        line += " = " + slot(shown)
    rows = [f'<TR><TD ALIGN="LEFT">{line}</TD></TR>']
    text, known = _carried(v, child, pos)
    if text:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{PALETTE["flow"]}">'
                    f"{slot(text, known)}</FONT></TD></TR>")
    return html_table(rows)


def _carried(v: View, child: int, pos: int) -> tuple[str, bool]:
    """The term an edge carries: into the child's tangent (forward) or the parent's
    adjoint (reverse), from the step records; and whether it is filled in yet."""
    t = v.trace
    if t is None:
        return "", False
    parent = v.graph.nodes[child].parents[pos]
    op = v.graph.nodes[child].op
    tensor_op = op is not None and op.tensor  # a Jacobian-vector or vector-Jacobian product
    args = [v.names[q] for q in v.graph.nodes[child].parents]
    partial = _ascii(v.graph.partial_formula(child, pos, v.notation, "text").replace(
        "\u1e21", "g"), "text")

    def line(name: str, symbolic: str, a: Any, b: Any, value: Any) -> str:
        """``name += a*b = value``; where a matrix would not fit on an edge (it is shown
        in the nodes), the term's formula instead, and its value only when short."""
        factors = [v.edge(a), v.edge(b)]
        summed = v.tensor and not tensor_op and np.shape(value) != np.broadcast_shapes(
            np.shape(a), np.shape(b))  # a broadcast value: the sum over its copies
        if not tensor_op and all(factors) and v.edge(value):
            return (f"{name} += {'sum ' * summed}{_par(factors[0])}*{_par(factors[1])} = "
                    f"{v.edge(value)}")
        symbolic = f"sum({symbolic})" if summed else symbolic
        return f"{name} += {symbolic}" + (f" = {v.edge(value)}" if v.edge(value) else "")

    if v.edge_fwd is not None:
        step = v.step("forward", v.edge_fwd, child)
        term = next((x for x in step.terms if x.position == pos), None) if step else None
        if term is not None:
            tan = tangent_name(t, v.edge_fwd, v.names[parent], "text")
            symbolic = _ascii(op.jvp_formulas[pos].format(*args, t=tan), "text") \
                if tensor_op else f"{_par(partial)}*{tan}"  # type: ignore[union-attr]
            return (line(tangent_name(t, v.edge_fwd, v.names[child], "text"), symbolic,
                         term.partial, term.parent_tangent, term.value),
                    (child, pos) in v.fterms)
    if v.edge_rev is not None:
        step = v.step("reverse", v.edge_rev, parent)
        term = next((x for x in step.terms if x.child == child and x.position == pos),
                    None) if step else None
        if term is not None:
            adj = adjoint_name(t, v.edge_rev, v.names[child], "text")
            symbolic = _ascii(op.vjp_formulas[pos].format(*args, g=adj), "text") \
                if tensor_op else f"{adj}*{_par(partial)}"  # type: ignore[union-attr]
            return (line(adjoint_name(t, v.edge_rev, v.names[parent], "text"), symbolic,
                         term.child_adjoint, term.partial, term.value),
                    (child, pos) in v.rterms)
    return "", False


def _edge_line(v: View, child: int, pos: int, labels: bool) -> str:
    parent = v.graph.nodes[child].parents[pos]
    a: dict[str, str] = {"id": f"e{child}_{pos}"}
    if v.graph.nodes[parent].kind == "const":  # constants are not differentiated
        a.update({"style": "dashed", "color": PALETTE["grid"]})
    elif labels:
        a["label"] = _edge_label(v, child, pos)
    if (child, pos) in v.used:
        a.update({"color": PALETTE["highlight"], "penwidth": "3.5"})
    return f"  n{parent} -> n{child} {_attrs(a)};"


# -- legend, title, notes -------------------------------------------------------------
def _legend(v: View) -> list[str]:
    kinds = ["input"] + (["param"] if v.params else []) + (
        ["const"] if any(n.kind == "const" for n in v.graph.nodes) else []) + ["op", "output"]
    out = ["  subgraph cluster_legend {",
           f'    label="legend"; fontsize=10; style="rounded"; color="{PALETTE["grid"]}";']
    for kind in kinds:
        shape, style = SHAPES[kind]
        extra = ", peripheries=2" if kind == "output" else ""
        out.append(f'    legend_{kind} [shape="{shape}", style="{style}", '
                   f'fillcolor="{PALETTE[kind]}", fontsize=10, label="{KIND_NAMES[kind]}"'
                   f"{extra}];")
    chain = " -> ".join(f"legend_{k}" for k in kinds)
    out += [f"    {chain} [style=invis];", "  }"]
    return out


def _edge_key(v: View) -> str:
    """One line under the title saying what edge labels and colours mean."""
    keys = ["edges: d child/d parent = local partial"
            + (" = value" if v.trace is not None and v.mode != "primal" else "")]
    if v.edge_fwd is not None:
        keys.append(_colored("flow", "blue") + ": the term it adds to the child's tangent")
    if v.edge_rev is not None:
        keys.append(_colored("flow", "blue") + ": the term it adds to the parent's adjoint")
    if v.progress is not None:
        keys.append(_colored("highlight", "red") + ": this step's node and the edges it uses")
    if any(n.kind == "const" for n in v.graph.nodes):
        keys.append("dashed: from a constant")
    return "; ".join(keys)


def _colored(kind: str, word: str) -> str:
    return f'<FONT COLOR="{PALETTE[kind]}">{word}</FONT>'


def title_text(g: Graph, t: Trace | None = None, digits: int | None = 4,
               max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``z = sin(x1) + x1*x2  at  x1=2, x2=3``: the picture's title."""
    exprs = g.expressions("text")
    head = "; ".join(f"{name} = {exprs[i]}" for name, i in g.outputs)
    if len(head) > 110 or any(exprs[i] is None for _, i in g.outputs):
        head = f"{', '.join(g.output_names)}: a graph of {len(g.nodes)} nodes"
    if t is not None and t.at:
        if t.primal.tensor:
            from .summary import point_text
            point = point_text(t, digits, "text", max_matrix)
        else:
            point = ", ".join(f"{n}={fmt(t.at[n], digits, 'text')}" for n in g.input_names)
        head += f"  at  {point}"
    return head


def _heading(v: View, title: str, notes: list[str]) -> str:
    """Title, the frame's step, the edge key and notes: the label above the graph."""
    rows = [f'<TR><TD ALIGN="LEFT"><B>{esc(title)}</B></TD></TR>']
    if v.progress is not None and v.progress.caption:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{PALETTE["highlight"]}">'
                    f"{slot(v.progress.caption)}</FONT></TD></TR>")
    rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">{_edge_key(v)}</FONT></TD></TR>')
    rows += [f'<TR><TD ALIGN="LEFT"><I>{esc(note)}</I></TD></TR>' for note in notes]
    return html_table(rows, CELLPADDING=2)


def _document(v: View, *, rankdir: str, legend: bool, show_table: bool,
              max_edge_labels: int, max_table_rows: int, title: str | None) -> str:
    from ..errors import InputError

    g = v.graph
    if rankdir not in ("LR", "TB"):
        raise InputError(f"unknown rankdir {rankdir!r}",
                         hint="use LR (left to right, the default) or TB (top to bottom)")
    edges = [(n.id, pos) for n in g.nodes for pos in range(len(n.parents))]
    n_labels = sum(1 for c, pos in edges if g.nodes[g.nodes[c].parents[pos]].kind != "const")
    labels = n_labels <= max_edge_labels
    seeds = [n for k in range(len(v.trace.reverse)) for n in [v.trace.seed_note(k)] if n] \
        if v.trace is not None else []
    notes = g.notes(v.notation) + seeds + ([] if labels else [
        f"{n_labels} edges: edge labels left out (more than {max_edge_labels}; raise "
        "max_edge_labels / --max-edge-labels); the table and nodes hold the numbers"])
    attrs = [f"rankdir={rankdir}", f'fontname="{FONT}"', "fontsize=12", 'bgcolor="white"',
             "pad=0.2", "nodesep=0.25", "ranksep=0.45", "labelloc=b", "labeljust=l"]
    if len(g.nodes) >= BIG_GRAPH:
        attrs += ["splines=line", "mclimit=0.2", "nslimit=2", "nslimit1=2",
                  "remincross=false", "searchsize=10"]
    text = title if title is not None else title_text(g, v.trace, v.digits, v.max_matrix)
    if v.trace is not None and show_table:  # below the graph; its own label, so not stretched
        attrs.append(f"label=<{table_html(v, max_table_rows)}>")
    head = _one_line(text) + (f" (mode {v.mode})" if v.trace is not None else "")
    out = ["digraph autodiff {", f"  // {head}", "  graph [" + ", ".join(attrs) + "];",
           f'  node [fontname="{FONT}", fontsize=12, penwidth=1.2, margin="0.08,0.04"];',
           f'  edge [fontname="{FONT}", fontsize=10, color="{PALETTE["edge"]}", '
           "arrowsize=0.7];",
           "  subgraph cluster_main {",
           f'    label=<{_heading(v, text, notes)}>; labelloc=t; labeljust=l; peripheries=0;']
    out += ["  " + _node_line(v, n.id) for n in g.nodes]
    out += ["  " + _edge_line(v, child, pos, labels) for child, pos in edges]
    out.append("  }")
    if legend:
        out += _legend(v)
    return "\n".join(out + ["}"]) + "\n"


def _one_line(text: str) -> str:
    one = " ".join(text.split()).encode("ascii", "replace").decode("ascii")
    return one if len(one) <= 100 else one[:97] + "..."


# -- public entry points --------------------------------------------------------------
def graph_to_dot(graph: Graph, *, notation: str = "w", rankdir: str = "LR", legend: bool = True,
                 max_edge_labels: int = MAX_EDGE_LABELS, title: str | None = None) -> str:
    """DOT source of a graph's structure: definitions and local partial formulas, no numbers.

    >>> from autodiff_viz import parse
    >>> src = parse("sin(x1) + x1*x2").to_dot(rankdir="TB")
    >>> "dw3/dw1 = cos(w1)" in src and "rankdir=TB" in src
    True
    """
    graph.labels(notation)  # validates the notation
    v = build_view(graph, None, notation=notation, digits=None)
    return _document(v, rankdir=rankdir, legend=legend, show_table=False,
                     max_edge_labels=max_edge_labels, max_table_rows=MAX_TABLE_ROWS,
                     title=title)


def trace_to_dot(trace: Trace, *, mode: str | None = None, digits: int | None = 4,
                 rankdir: str = "LR", table: bool = True, legend: bool = True,
                 contributions: str = "auto", forward_pass: int = 0, reverse_pass: int = 0,
                 max_edge_labels: int = MAX_EDGE_LABELS, max_table_rows: int = MAX_TABLE_ROWS,
                 title: str | None = None, progress: Progress | None = None,
                 max_matrix: tuple[int, int] = MAX_MATRIX,
                 params: Sequence[str] | None = None) -> str:
    """DOT source of the graph with every value, partial, tangent and adjoint the trace stored.

    ``mode`` (default: the trace's) chooses what nodes show: ``primal`` values,
    ``forward`` tangents, ``reverse`` adjoints, or ``both``. Each edge shows the
    local partial ``d child/d parent = formula = number`` and, per
    ``contributions`` (``auto``: reverse when shown, else forward; or
    ``forward``, ``reverse``, ``none``), the chain-rule term it carries, taken
    from pass ``forward_pass``/``reverse_pass``. ``table`` draws the gradient
    table below the graph; ``progress`` draws one step frame (see
    :mod:`autodiff_viz.views.frames`). In a graph of vectors and matrices arrays
    up to ``max_matrix`` are drawn in full, larger ones summarised, and ``params``
    names the inputs drawn as parameters (default: the rule of
    :func:`~autodiff_viz.views.dot_view.parameter_nodes`).

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward", wrt="x2")
    >>> src = trace_to_dot(t, rankdir="TB")
    >>> "rankdir=TB" in src and "dw4/dx2 += 2*1 = 2" in src
    True
    """
    v = build_view(trace.graph, trace, digits=digits, mode=mode, contributions=contributions,
                   forward_pass=forward_pass, reverse_pass=reverse_pass, progress=progress,
                   max_matrix=max_matrix, params=params)
    return _document(v, rankdir=rankdir, legend=legend, show_table=table,
                     max_edge_labels=max_edge_labels, max_table_rows=max_table_rows,
                     title=title)


def render_trace(trace: Trace, path: str | os.PathLike[str], *, format: str | None = None,
                 dpi: int = DPI, timeout: float | None = TIMEOUT, **options: Any) -> str:
    """Write the trace's picture to ``path`` (svg, png, pdf or dot, from the suffix or
    ``format``); returns the path. Other options as :func:`trace_to_dot`.

    >>> import autodiff_viz as av, tempfile, os
    >>> t = av.trace("x*y", at={"x": 2, "y": 5})
    >>> with tempfile.TemporaryDirectory() as d:     # .dot needs no Graphviz
    ...     p = t.render(os.path.join(d, "g.dot"), mode="reverse")
    ...     open(p).read() == t.to_dot(mode="reverse")
    True
    """
    kind = format_of(path, format)
    return render_dot(trace_to_dot(trace, **options), path, kind, dpi=dpi, timeout=timeout)


def dot_source(source: str, *, engine: str | None = None, format: str | None = None) -> Any:
    """DOT ``source`` as a ``graphviz.Source`` of the ``graphviz`` package (imported
    here, only when asked for), which renders it with Graphviz's programs.

    >>> import autodiff_viz as av
    >>> t = av.trace("x*y", at={"x": 2, "y": 5})
    >>> try:
    ...     src = t.to_graphviz(engine="dot")
    ... except RenderError as err:      # without the graphviz package
    ...     src = None; print(err.hint.startswith("pip install graphviz"))
    ... else:
    ...     print(src.source == t.to_dot())
    True
    """
    try:
        import graphviz
    except ImportError:
        raise RenderError("to_graphviz() needs the Python package graphviz, which is not "
                          "installed", hint=GRAPHVIZ_HINT) from None
    kw = {k: v for k, v in (("engine", engine), ("format", format)) if v is not None}
    return graphviz.Source(source, **kw)
