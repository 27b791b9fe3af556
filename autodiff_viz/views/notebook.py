"""Inline display in Jupyter: the graph picture as SVG, or a table when ``dot`` is missing.

``Trace`` and ``Graph`` define ``_repr_mimebundle_`` through :func:`mimebundle`.
With Graphviz's ``dot`` installed the bundle holds ``image/svg+xml`` (the same
picture as ``autodiff-viz render``); without it (or if rendering fails) it holds
``text/html`` and ``text/plain`` tables of the same stored numbers, so a
notebook never breaks on a machine without Graphviz. Only the mimetypes Jupyter
asks for (``include``, ``exclude``) are made: ``dot`` runs only for the SVG.

>>> import autodiff_viz as av
>>> t = av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse")
>>> print(text_table(t))
node  definition  value  dz/d(node)
w1    x               2           5
w2    y               5           2
w3    w1*w2          10           1
<BLANKLINE>
gradient
dz/dx  5
dz/dy  2
"""
from __future__ import annotations

import html
from typing import Any

from ..errors import RenderError
from ..graph import Graph
from ..trace import Trace
from .dot_render import INSTALL_HINT, dot_program, dot_to_bytes
from .dot_table import table_data
from .graphviz import graph_to_dot, trace_to_dot

TIMEOUT = 30.0
"""Seconds ``dot`` may take in a notebook before the table is shown instead."""


def _rows(obj: Trace | Graph) -> tuple[list[str], list[list[str]], str, list[tuple[str, str]]]:
    if isinstance(obj, Trace):
        d = table_data(obj)
        return d["header"], d["rows"], d["result_title"], d["result"]
    names = obj.display_names("w")
    kinds = {"input": "input", "const": "constant", "op": "operation"}
    outs = {i for _, i in obj.outputs}
    rows = [[names[n.id], kinds[n.kind] + (", output" if n.id in outs else ""),
             obj.formula(n.id)] for n in obj.nodes]
    return ["node", "kind", "definition"], rows, "", []


def text_table(obj: Trace | Graph) -> str:
    """The stored numbers (or, for a graph, its nodes) as an aligned plain-text table."""
    header, rows, title, result = _rows(obj)
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    numeric = [isinstance(obj, Trace) and c >= 2 for c in range(len(header))]

    def line(r: list[str]) -> str:
        cells = [x.rjust(w) if num else x.ljust(w) for x, w, num in zip(r, widths, numeric)]
        return "  ".join(cells).rstrip()

    out = [line(header)] + [line(r) for r in rows]
    if result:
        w = max(len(name) for name, _ in result)
        out += ["", title] + [f"{name.ljust(w)}  {num}" for name, num in result]
    return "\n".join(out)


def html_table(obj: Trace | Graph, note: bool = True) -> str:
    """The same table as HTML; ``note``: with a note on how to get the picture."""
    header, rows, title, result = _rows(obj)
    e = html.escape
    num = 'style="text-align:right;font-family:monospace"'

    def cell(c: int, x: str) -> str:
        return f"<td {num}>{e(x)}</td>" if isinstance(obj, Trace) and c >= 2 else f"<td>{e(x)}</td>"

    parts = ["<table>", "<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    parts += ["<tr>" + "".join(cell(c, x) for c, x in enumerate(r)) + "</tr>" for r in rows]
    parts.append("</table>")
    if result:
        parts += [f"<p><b>{e(title)}</b></p>", "<table>"]
        parts += [f"<tr><td>{e(n)}</td><td {num}>{e(v)}</td></tr>" for n, v in result]
        parts.append("</table>")
    if note:
        parts.append(f"<p><small>No graph picture: {e(INSTALL_HINT)}.</small></p>")
    return "\n".join(parts)


SVG, HTML, TEXT = "image/svg+xml", "text/html", "text/plain"


def mimebundle(obj: Trace | Graph, include: Any = None, exclude: Any = None) -> dict[str, Any]:
    """What Jupyter shows for a trace or a graph: SVG when ``dot`` works, else tables.

    Only the mimetypes in ``include`` (all when None) and not in ``exclude`` are made:
    ``dot`` runs only for ``image/svg+xml``. HTML is the fallback for a picture that
    could not be made, or what is asked for when the picture is not.

    >>> import autodiff_viz as av
    >>> t = av.trace("x*y", at={"x": 2, "y": 5})
    >>> list(mimebundle(t, include={"text/plain"}))       # no dot run for this
    ['text/plain']
    """
    def wanted(mime: str) -> bool:
        return (include is None or mime in include) and not (exclude and mime in exclude)

    bundle: dict[str, Any] = {}
    if wanted(TEXT):
        bundle[TEXT] = text_table(obj)
    have_dot = dot_program() is not None
    if wanted(SVG) and have_dot:
        try:
            src = trace_to_dot(obj) if isinstance(obj, Trace) else graph_to_dot(obj)
            bundle[SVG] = dot_to_bytes(src, "svg", timeout=TIMEOUT).decode("utf-8")
        except RenderError:
            have_dot = False  # dot failed or was too slow: the table still shows every number
    if wanted(HTML) and SVG not in bundle:
        bundle[HTML] = html_table(obj, note=wanted(SVG) or not have_dot)
    return bundle
