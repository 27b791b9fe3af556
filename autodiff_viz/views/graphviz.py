"""Graphviz views: the computational graph with everything a trace stored.

The DOT source is written here as text, deterministically (same input, same
bytes; nodes by id, edges by child id then argument position), so it needs no
Graphviz at all; ``dot`` is only run to make svg, png or pdf images
(:mod:`autodiff_viz.views.dot_render`). Every number in a label is a record
the trace stored (values, local partials, tangents, adjoints, chain-rule
terms) printed with :func:`autodiff_viz.views.lines.fmt`: nothing is recomputed.
Labels are in the course's notation (∂, w̄, ẇ, ·, as character references, so the
source is ASCII), or in ASCII with ``ascii=True`` (``dz/dw1``).

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="reverse")
>>> src = t.to_dot()
>>> src.splitlines()[0]
'digraph autodiff {'
>>> "&#8706;w3/&#8706;w1 = cos(w1) = " in src    # an edge's local partial ∂w3/∂w1
True
>>> "w&#772;1 += 1&#183;(&#8722;0.4161) = &#8722;0.4161" in src   # w̄1 += 1·(−0.4161)
True
>>> "dz/dw1 += 1*(-0.4161) = -0.4161" in t.to_dot(ascii=True)
True
>>> src == t.to_dot() and src.isascii()
True

Graphs of 13 nodes or more, and pictures that would not fit a 16:9 slide otherwise,
are drawn compact (``detail``): bare edges and a table of the chain-rule steps. The
layout is chosen to fit the slide (or ``fit``, ``size``), as :mod:`.dot_fit` guesses.

In a graph of vectors and matrices each node shows its shape (``w6 : 4x2``) and
its arrays as small tables of entries, summarised past ``max_matrix`` (4×4);
parameters (``params``, or the rule of
:func:`~autodiff_viz.views.dot_view.parameter_nodes`) are drawn in their own
colour, apart from the data inputs and the operations.
"""
from __future__ import annotations

import os
import re
import textwrap
from typing import Any, Sequence

import numpy as np

from ..errors import RenderError
from ..graph import Graph
from ..trace import Trace
from .dot_render import (BIG_GRAPH, DPI, FORMATS, MAX_EDGE_LABELS, MAX_TABLE_ROWS, TIMEOUT,
                         fit_box, format_of, render_dot, size_box)
from .arrays import MAX_MATRIX
from .dot_fit import LINE, MIN_SCALE, Layout, choose, combine, graph_size, label_size, label_text
from .dot_table import steps_table_html, table_data, table_html
from .dot_view import (BASE, FONT, KIND_NAMES, PALETTE, SHAPES, SMALL, TITLE, Progress, View,
                       NBSP, build_view, edge_term, esc, slot)
from .dot_view import table as html_table
from .lines import fmt

__all__ = ["FORMATS", "MAX_EDGE_LABELS", "MAX_TABLE_ROWS", "BIG_GRAPH", "Progress",
           "graph_to_dot", "trace_to_dot", "render_trace", "render_dot", "table_data",
           "dot_source", "GRAPHVIZ_HINT"]

GRAPHVIZ_HINT = ("pip install graphviz (or pip install 'autodiff-viz[graphviz]'); "
                 "to_dot() gives the same DOT source without it")


# -- nodes ----------------------------------------------------------------------------
def _node_label(v: View, i: int, narrow: bool = False) -> str:
    """``w3 = sin(w1) = 0.9093`` then ``ẇ3 = 0``, ``w̄3 = 1``: the node as a trace writes it
    (an array, too large for one line, below its name in a small table of entries).
    ``narrow``: the value on a line of its own below the definition."""
    g, name = v.graph, v.names[i]
    if g.nodes[i].kind == "const":  # only an output constant is drawn
        named = v.trace is not None and not name.lstrip("-")[:1].isdigit()
        return esc(f"{name} = {v.num(v.trace.steps[i].value)}" if named else name)
    shape = v.shape(i)
    head = f"<B>{esc(name)}</B>" + (f" : {shape}" if shape else "")
    defined = g.nodes[i].kind == "op" or g.nodes[i].name != name
    if defined:
        head += f" = {esc(v.formula(i))}"
    t = v.trace
    array = v.tensor and t is not None and np.ndim(t.steps[i].value) > 0
    if t is not None and not array:
        value = " = " + v.cell(t.steps[i].value, i in v.values)
        head += f'</TD></TR>\n<TR><TD COLSPAN="2" ALIGN="LEFT">{value.lstrip()}' \
            if narrow and g.nodes[i].kind == "op" else value
    rows = [f'<TR><TD COLSPAN="2" ALIGN="LEFT">{head}</TD></TR>']
    rows += [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><I>output {esc(out)}</I></TD></TR>'
             for out in v.outputs.get(i, [])]
    if t is None:
        return html_table(rows)

    def row(left: str, value: Any, known: bool) -> str:
        if v.tensor and np.ndim(value) > 0:
            return (f'<TR><TD ALIGN="RIGHT">{esc(left)} = </TD>'
                    f'<TD ALIGN="LEFT">{v.cell(value, known)}</TD></TR>')
        return (f'<TR><TD COLSPAN="2" ALIGN="LEFT">{esc(left)} = '
                f"{v.cell(value, known)}</TD></TR>")

    if array:
        rows.append(row(name, t.steps[i].value, i in v.values))
    derived = []  # (name, value, known): tangents, then adjoints
    for k in v.fwd:
        s = v.step("forward", k, i)
        if s is not None:
            derived.append((v.tan(k, name), s.tangent, i in v.tangents[k]))
    for k in v.rev:
        s = v.step("reverse", k, i)
        if s is not None:  # None: the output does not depend on this node
            derived.append((v.adj(k, name), s.adjoint, i in v.adjoints[k]))
    if v.detail == "compact" and not narrow and not array and len(derived) > 1:
        # one line: ẇ3 = 0   w̄3 = 1
        line = (NBSP * 3).join(f"{esc(n)} = {v.cell(x, ok)}" for n, x, ok in derived)
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{line}</TD></TR>')
    else:
        rows += [row(n, x, ok) for n, x, ok in derived]
    rows += [f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT COLOR="{PALETTE["highlight"]}">! '
             f"{esc(flag)}</FONT></TD></TR>" for flag in t.steps[i].flags]
    return html_table(rows)


def _node_line(v: View, i: int, narrow: bool = False) -> str:
    kind = v.kind(i)
    shape, style = SHAPES[kind]
    if kind in ("op", "deriv") and v.detail == "compact":  # a box: a third less room than an
        shape = "box"                           # ellipse; inputs keep their round corners
    a = {"id": f"n{i}", "shape": shape, "style": style, "fillcolor": PALETTE[kind],
         "label": _node_label(v, i, narrow)}
    if kind == "output":
        a["peripheries"] = "2"
    if v.current == i:
        a.update({"color": PALETTE["highlight"], "penwidth": "4"})
    return f"  n{i} {_attrs(a)};"


def _attrs(d: dict[str, str]) -> str:
    """A DOT attribute list; values that start with '<' are HTML-like labels."""
    return "[" + ", ".join(f"{k}=<{x}>" if x.startswith("<") else f'{k}="{x}"'
                           for k, x in d.items()) + "]"


# -- edges ----------------------------------------------------------------------------
def _edge_label(v: View, child: int, pos: int) -> str:
    """``∂child/∂parent = formula = number``, then the chain-rule term the edge carries."""
    g, t = v.graph, v.trace
    parent = g.nodes[child].parents[pos]
    dname = v.d(v.names[child], v.names[parent])
    if g.nodes[child].parents.count(parent) > 1:
        dname += f" (arg {pos + 1})"
    partial = t.steps[child].partial_at(pos) if t is not None and t.linear is not None \
        else None
    formula = v.partial_formula(child, pos)
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
    """``w̄1 += 1·(−0.4161) = −0.4161``: the term an edge carries, and whether it is
    filled in yet; where a factor is a matrix (shown in the nodes), the term's formula."""
    if v.trace is None:
        return "", False
    term = edge_term(v, child, pos)
    if term is None:
        return "", False
    body = term.numeric or term.symbolic
    return f"{term.target} += {body}" + (f" = {term.value}" if term.value else ""), term.known


def _edge_line(v: View, child: int, pos: int, labels: bool) -> str:
    parent = v.graph.nodes[child].parents[pos]
    a: dict[str, str] = {"id": f"e{child}_{pos}"}
    if labels:
        a["label"] = _edge_label(v, child, pos)
        a["decorate"] = "true"  # a line ties each label to its own edge (fan-out)
    if (child, pos) in v.used:
        a.update({"color": PALETTE["highlight"], "penwidth": "3.5"})
    return f"  n{parent} -> n{child} {_attrs(a)};"


# -- legend, title, notes -------------------------------------------------------------
def _kinds(v: View) -> list[str]:
    """The kinds of node the legend names."""
    derived = ["deriv", "doutput"] if v.derived_from is not None else []
    return ["input"] + (["param"] if v.params else []) + (
        ["const"] if any(v.kind(i) == "const" for i in v.outputs) else []) + ["op", "output"] \
        + derived


def _legend(v: View) -> str:
    """One small row of swatches, each kind in its colour: the legend, under the title."""
    kinds = _kinds(v)
    cells = [f'<TD BGCOLOR="{PALETTE[kind]}" BORDER="1" COLOR="{PALETTE["grid"]}">'
             f'<FONT POINT-SIZE="{SMALL}">{KIND_NAMES[kind]}</FONT></TD><TD WIDTH="4"></TD>'
             for kind in kinds]
    return html_table([f"<TR>{''.join(cells)}</TR>"], CELLPADDING=2, ALIGN="LEFT")


def _edge_key(v: View, labels: bool) -> str:
    """What the names, edge labels and colours mean (nothing about derivatives in a
    primal picture)."""
    t = v.trace
    keys = []
    if t is not None and v.style == "unicode":
        letter = v.graph.label_letter(v.notation)
        for k in v.fwd[:1] if len(v.fwd) == 1 else []:  # several: named ∂w3/∂x1
            wrt = v.seeded(k)
            keys.append(f"{v.tan(k, letter)} = {v.d(letter, wrt)}" if wrt
                        else f"{v.tan(k, letter)}: tangent along the seed direction")
        for k in v.rev[:1] if len(v.rev) == 1 else []:
            keys.append(f"{v.adj(k, letter)} = {v.d(t.reverse[k].output, letter)}")
        keys = [esc(x) for x in keys]
    if labels and (t is None or v.mode != "primal"):
        keys.append("edges: " + esc(v.d("child", "parent")) + " = local partial"
                    + (" = value" if t is not None else ""))
    term = "tangent" if v.edge_fwd is not None else "adjoint"
    if labels and (v.edge_fwd is not None or v.edge_rev is not None):
        whose = "child's" if v.edge_fwd is not None else "parent's"
        keys.append(_colored("flow", "blue") + f": the term it adds to the {whose} {term}")
    if not labels and t is not None and (v.edge_fwd is not None or v.edge_rev is not None):
        keys.append(f"each edge's term is in the table ({term}s)")
    if v.progress is not None:
        keys.append(_colored("highlight", "red") + ": this step's node and the edges it uses")
    return "; ".join(keys)


def _colored(kind: str, word: str) -> str:
    return f'<FONT COLOR="{PALETTE[kind]}">{word}</FONT>'


def title_text(g: Graph, t: Trace | None = None, digits: int | None = 4,
               max_matrix: tuple[int, int] = MAX_MATRIX, style: str = "text") -> str:
    """``z = sin(x1) + x1*x2  at  x1=2, x2=3``: the picture's title (``style="unicode"``:
    ``z = sin(x1) + x1·x2``)."""
    exprs = g.expressions(style)
    label = getattr(g, "output_label", lambda name, style: name)  # a derivative's ∂z/∂x1
    head = "; ".join(f"{label(name, style)} = {exprs[i]}" for name, i in g.outputs)
    if len(head) > 110 or any(exprs[i] is None for _, i in g.outputs):
        head = f"{', '.join(label(n, style) for n in g.output_names)}: a graph of " \
            f"{len(g.nodes)} nodes"
    if t is not None and t.at:
        if t.primal.tensor:
            from .summary import point_text
            point = point_text(t, digits, style, max_matrix)
        else:
            point = ", ".join(f"{n}={fmt(t.at[n], digits, style)}" for n in g.input_names)
        head += f"  at  {point}"
    return head


def _heading(v: View, title: str, notes: list[str], legend: bool, labels: bool) -> str:
    """Title, the frame's step, the legend, the key and notes: the label above the graph.
    A long title or note takes several lines, about as wide as the legend and key (a
    wider row would stretch the legend's swatches)."""
    key = _edge_key(v, labels)
    room = len(label_text(key)) + (sum(len(KIND_NAMES[k]) + 3 for k in _kinds(v))
                                   if legend else 0)  # characters at SMALL points
    rows = [f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{TITLE}"><B>'
            f"{_wrapped(title, max(64, room * SMALL // TITLE))}</B></FONT></TD></TR>"]
    if v.progress is not None and v.progress.caption:
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{PALETTE["highlight"]}">'
                    f"{slot(v.progress.caption)}</FONT></TD></TR>")
    if legend or key:
        cells = (f"<TD>{_legend(v)}</TD>" if legend else "") + (
            f'<TD ALIGN="LEFT"><FONT POINT-SIZE="{SMALL}">{key}</FONT></TD>' if key else "")
        rows.append(f'<TR><TD ALIGN="LEFT">{html_table([f"<TR>{cells}</TR>"], ALIGN="LEFT")}'
                    "</TD></TR>")
    rows += [f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="{SMALL}"><I>'
             f"{_wrapped(note, max(60, room))}</I></FONT></TD></TR>" for note in notes]
    return html_table(rows, CELLPADDING=2)


def _wrapped(text: str, width: int) -> str:
    """``text`` escaped for a label, on lines of at most ``width`` characters (broken at
    spaces, and a title's point ``at x=1`` on a line of its own) when it is longer.

    >>> _wrapped("z = a + b  at  x=1", 40), _wrapped("z = a + b  at  x=1", 12)
    ('z = a + b  at  x=1', 'z = a + b<BR ALIGN="LEFT"/>at  x=1')
    """
    if len(text) <= width:
        return esc(text)
    parts = text.split("  at  ", 1)
    parts[1:] = ["at  " + p for p in parts[1:]]
    lines = [line for part in parts for line in textwrap.wrap(
        part, width, break_long_words=False, break_on_hyphens=False,
        replace_whitespace=False)]
    return '<BR ALIGN="LEFT"/>'.join(esc(line) for line in lines)


def _document(v: View, *, rankdir: str | None, legend: bool, show_table: bool,
              max_edge_labels: int, max_table_rows: int, title: str | None,
              box: tuple[float, float] | None = None, auto: bool = False) -> str:
    """The DOT source of view ``v``; ``auto``: its detail was chosen by the number of
    nodes, and a full picture that would have to shrink to fit ``box`` (default 16:9)
    is drawn compact instead."""
    from ..errors import InputError

    g = v.graph
    if rankdir not in (None, "LR", "TB"):
        raise InputError(f"unknown rankdir {rankdir!r}",
                         hint="use LR (left to right, the default) or TB (top to bottom)")
    edges = [(n.id, pos) for n in g.nodes for pos, q in enumerate(n.parents) if v.drawn(q)]
    compact = v.detail == "compact"
    n_labels = len(edges)
    wanted = not compact and (v.trace is None or v.mode != "primal")
    labels = wanted and n_labels <= max_edge_labels
    seeds = [n for k in range(len(v.trace.reverse)) for n in [v.trace.seed_note(k)] if n] \
        if v.trace is not None else []
    notes = g.notes(v.notation) + seeds + ([] if labels or not wanted else [
        f"{n_labels} edges: edge labels left out (more than {max_edge_labels}; raise "
        "max_edge_labels / --max-edge-labels); the table and nodes hold the numbers"])
    notes += v.one_pass_each() if compact else []
    depths = v.depths()
    text = title if title is not None else title_text(g, v.trace, v.digits, v.max_matrix,
                                                      v.style)
    grids: dict[int, str] = {}  # the table, in 1, 2 or 3 columns (a long table of steps)
    if v.trace is not None and show_table:
        grids[1] = steps_table_html(v, max_table_rows) if compact else table_html(
            v, max_table_rows)
        steps = grids[1].count("<TR>")
        for columns in (2, 3) if compact and steps > 15 and len(g.nodes) < BIG_GRAPH else ():
            grids[columns] = steps_table_html(v, max_table_rows, columns)
    variants = (False, True) if compact and len(g.nodes) < BIG_GRAPH else (False,)
    nodes = {narrow: {n.id: _node_line(v, n.id, narrow) for n in g.nodes if v.drawn(n.id)}
             for narrow in variants}
    edge_lines = [_edge_line(v, child, pos, labels and not v.derived(child))
                  for child, pos in edges]
    heading = _heading(v, text, notes, legend, labels)
    sep = (0.18, 0.3) if compact else (0.25, 0.45)
    layout, scale = _layout(v, rankdir, box, nodes, edge_lines if labels else [], grids,
                            heading, depths, sep)
    grid = grids.get(layout.columns)
    if auto and not compact and scale < 1:
        v.detail = "compact"
        return _document(v, rankdir=rankdir, legend=legend, show_table=show_table,
                         max_edge_labels=max_edge_labels, max_table_rows=max_table_rows,
                         title=title, box=box)
    if box is None and scale >= MIN_SCALE:  # it fits a 16:9 slide legibly: make sure
        box = fit_box("16:9")
    side = layout.side
    attrs = [f"rankdir={layout.rankdir}", f'fontname="{FONT}"', f"fontsize={BASE}",
             'bgcolor="white"', "pad=0.2", f"nodesep={sep[0]}", f"ranksep={sep[1]}",
             "labelloc=b", "labeljust=l"]
    if box is not None:
        attrs.append(f'size="{box[0]:g},{box[1]:g}"')
    if len(g.nodes) >= BIG_GRAPH:
        attrs += ["splines=line", "mclimit=0.2", "nslimit=2", "nslimit1=2",
                  "remincross=false", "searchsize=10"]
    if grid and not side:  # below the graph; its own label, so not stretched
        attrs.append(f"label=<{grid}>")
    plain = title if title is not None else title_text(g, v.trace, v.digits, v.max_matrix)
    head = _one_line(plain) + (f" (mode {v.mode})" if v.trace is not None else "")
    out = ["digraph autodiff {", f"  // {head}", "  graph [" + ", ".join(attrs) + "];",
           f'  node [fontname="{FONT}", fontsize={BASE}, penwidth=1.2, '
           f'margin="{"0.05,0.02" if compact else "0.08,0.04"}"];',
           f'  edge [fontname="{FONT}", fontsize={SMALL}, color="{PALETTE["edge"]}", '
           "arrowsize=0.7];",
           "  subgraph cluster_main {",
           f"    label=<{heading}>; labelloc=t; labeljust=l; peripheries=0;"]
    out += ["  " + line for line in nodes[layout.narrow].values()]
    out += ["  " + line for line in edge_lines]
    out += [f"    n{a} -> n{b} [style=invis];" for a, b in v.anchors()]
    layers: dict[int, list[int]] = {}
    for i, d in depths.items():
        layers.setdefault(d, []).append(i)
    if len(g.nodes) < BIG_GRAPH:  # operations layered by depth; inputs sit by their use
        out += [f"    {{rank=same; {' '.join(f'n{i};' for i in ids)}}}"
                for d, ids in sorted(layers.items()) if d > 0 and len(ids) > 1]
    out.append("  }")
    if grid and side:  # the table as a node of its own in the last column, right of the graph
        last = max(depths, key=lambda i: (depths[i], i))
        out += [f'  table [shape=plaintext, margin="0.1,0", label=<{grid}>];',
                f"  n{last} -> table [style=invis];", "  {rank=sink; table;}"]
    return "\n".join(out + ["}"]) + "\n"


def _layout(v: View, rankdir: str | None, box: tuple[float, float] | None,
            nodes: dict[bool, dict[int, str]], edge_lines: list[str], grids: dict[int, str],
            heading: str, depths: dict[int, int], sep: tuple[float, float]
            ) -> tuple[Layout, float]:
    """The layout that fits ``box`` (default: a 16:9 slide) best, by the sizes
    :mod:`.dot_fit` guesses: left to right (``LR``) or top to bottom, the table below
    the graph or (left to right) beside it, values beside or (``narrow``) below the
    definitions (both variants in ``nodes``). A given ``rankdir`` is kept; big graphs
    are drawn left to right with the table below. Also how much the picture must shrink
    to fit the box, as far as the guess goes (0 for a big graph: not guessed, so it
    keeps its natural size unless a box is asked for)."""
    if len(v.graph.nodes) >= BIG_GRAPH or not depths:  # no guess: never shrunk unasked
        return Layout(rankdir or "LR", False), 0.0
    grid = grids.get(1)
    candidates = [Layout(r, side, narrow, columns) for columns in (grids or {1: ""})
                  for narrow in nodes for r in ([rankdir] if rankdir else ["LR", "TB"])
                  for side in (False, True) if not (side and (r == "TB" or not grid))]
    sizes = {narrow: {i: _node_size(line) for i, line in lines.items()}
             for narrow, lines in nodes.items()}
    ranks = dict(depths)
    for i in depths:  # an input sits one column before its first use
        users = [depths[n.id] for n in v.graph.nodes if i in n.parents and n.id in depths]
        if v.graph.nodes[i].kind == "input" and users:
            ranks[i] = min(users) - 1
    label = max((label_size(_label_of(e), SMALL)[0] for e in edge_lines), default=0.0)
    tables = {c: label_size(text, BASE) for c, text in grids.items()}
    head = label_size(heading, BASE)

    def size(c: Layout) -> tuple[float, float]:
        table = tables.get(c.columns)
        if table is not None:  # and the cells' padding
            table = (table[0] * 1.15, table[1] * 1.15)
        gap = label if c.rankdir == "LR" else 2 * LINE * SMALL + 18  # edge labels' room
        graph = graph_size(sizes[c.narrow], ranks, c.rankdir, sep[0] * 72, sep[1] * 72 + gap)
        return combine(graph, table, head, c.side)
    target = box or fit_box("16:9")
    return choose(candidates, size, (target[0] * 72, target[1] * 72))


def _label_of(line: str) -> str:
    """The label of a DOT node or edge statement (HTML-like or quoted)."""
    m = re.search(r"label=<(.*)>(?:, |\])", line, re.S) or re.search(r'label="([^"]*)"', line)
    return m.group(1) if m else ""


def _node_size(line: str) -> tuple[float, float]:
    """A node's guessed size in points: its label, padded; an ellipse around it is wider."""
    w, h = label_size(_label_of(line), BASE)
    w, h = w + 12, h + 6
    return (w * 1.3 + 8, h * 1.3) if 'shape="ellipse"' in line else (w, h)


def _one_line(text: str) -> str:
    one = " ".join(text.split()).encode("ascii", "replace").decode("ascii")
    return one if len(one) <= 100 else one[:97] + "..."


# -- public entry points --------------------------------------------------------------
def _box(fit: str | None, size: Any) -> tuple[float, float] | None:
    """The box the picture fills (inches), from ``size`` or else ``fit``; None: natural."""
    if size is not None:
        return size_box(size)
    return fit_box(fit) if fit is not None else None


def graph_to_dot(graph: Graph, *, notation: str = "w", rankdir: str | None = None,
                 legend: bool = True, max_edge_labels: int = MAX_EDGE_LABELS,
                 title: str | None = None, ascii: bool = False, detail: str = "auto",
                 fit: str | None = None, size: Any = None) -> str:
    """DOT source of a graph's structure: definitions and local partial formulas, no numbers.

    >>> from autodiff_viz import parse
    >>> src = parse("sin(x1) + x1*x2").to_dot(rankdir="TB", ascii=True)
    >>> "dw3/dw1 = cos(w1)" in src and "rankdir=TB" in src
    True
    """
    graph.labels(notation)  # validates the notation
    v = build_view(graph, None, notation=notation, digits=None, ascii=ascii, detail=detail)
    return _document(v, rankdir=rankdir, legend=legend, show_table=False,
                     auto=detail == "auto",
                     max_edge_labels=max_edge_labels, max_table_rows=MAX_TABLE_ROWS,
                     title=title, box=_box(fit, size))


def trace_to_dot(trace: Trace, *, mode: str | None = None, digits: int | None = 4,
                 rankdir: str | None = None, table: bool = True, legend: bool = True,
                 contributions: str = "auto", forward_pass: int = 0, reverse_pass: int = 0,
                 max_edge_labels: int = MAX_EDGE_LABELS, max_table_rows: int = MAX_TABLE_ROWS,
                 title: str | None = None, progress: Progress | None = None,
                 max_matrix: tuple[int, int] = MAX_MATRIX,
                 params: Sequence[str] | None = None, ascii: bool = False,
                 detail: str = "auto", fit: str | None = None, size: Any = None) -> str:
    """DOT source of the graph with every value, partial, tangent and adjoint the trace stored.

    ``mode`` (default: the trace's) chooses what nodes show: ``primal`` values,
    ``forward`` tangents, ``reverse`` adjoints, or ``both``. Each edge shows the
    local partial ``∂child/∂parent = formula = number`` and, per
    ``contributions`` (``auto``: reverse when shown, else forward; or
    ``forward``, ``reverse``, ``none``), the chain-rule term it carries, taken
    from pass ``forward_pass``/``reverse_pass``: the carried quantity first, then
    the local partial (``w̄1 += 1·(−0.4161)``, ``ẇ4 += 1·2``). ``table`` draws the
    gradient table; ``progress`` draws one step frame (see
    :mod:`autodiff_viz.views.frames`). In a graph of vectors and matrices arrays
    up to ``max_matrix`` are drawn in full, larger ones summarised, and ``params``
    names the inputs drawn as parameters (default: the rule of
    :func:`~autodiff_viz.views.dot_view.parameter_nodes`).

    Labels are in the course's notation (∂, w̄, ẇ, ·); ``ascii=True`` writes them in
    ASCII (``dz/dw1``, ``dw3/dx2``, ``*``). ``detail`` is ``full`` (every edge
    labelled), ``compact`` (edges unlabelled, their terms in a table of the chain-rule
    steps beside the graph) or ``auto`` (compact from
    :data:`~autodiff_viz.views.dot_view.COMPACT_FROM` drawn nodes on). ``fit="16:9"``
    makes the picture fill a box of that shape (1920x1080 pixels at 96 dpi) and
    ``size`` a box of its own (``"1280x720"`` pixels, ``"13.33x7.5in"``).

    >>> import autodiff_viz as av
    >>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, mode="forward", wrt="x2")
    >>> src = trace_to_dot(t, rankdir="TB", ascii=True)
    >>> "rankdir=TB" in src and "dw4/dx2 += 1*2 = 2" in src
    True
    """
    v = build_view(trace.graph, trace, digits=digits, mode=mode, contributions=contributions,
                   forward_pass=forward_pass, reverse_pass=reverse_pass, progress=progress,
                   max_matrix=max_matrix, params=params, ascii=ascii, detail=detail)
    return _document(v, rankdir=rankdir, legend=legend, show_table=table,
                     auto=detail == "auto",
                     max_edge_labels=max_edge_labels, max_table_rows=max_table_rows,
                     title=title, box=_box(fit, size))


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
