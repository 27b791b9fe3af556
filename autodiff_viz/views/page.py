"""One self-contained HTML page that steps through a trace in a browser or in Jupyter.

The page embeds the trace records (:meth:`Trace.to_dict`, schema
``autodiff_viz/schemas/trace-v1.schema.json``) once per notation, the graph as a
Graphviz SVG (stable ids: node ``n<id>``, edge ``e<child>_<position>``) and the
script that reads them. The script only reads and formats the stored numbers: it
never computes a value, a partial or a sum (a sum is shown when the record holds it).
Nothing is fetched from the network; the page opens from ``file://``.

>>> import autodiff_viz as av
>>> page = render_page(av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2"))
>>> page.startswith("<!DOCTYPE html>") and 'id="autodiff-data"' in page
True
>>> data = page_data(av.trace("x*y", at={"x": 2, "y": 5}, mode="reverse"), graph=False)
>>> data["traces"]["w"]["reverse"][0]["gradient"], data["templates"]["w"]["2"].replace("\\0", "#")
({'x': 5.0, 'y': 2.0}, '#0#·#1#')
"""
from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, RenderError
from ..ops import PREC_ATOM, PREC_NEG
from ..trace import Trace
from .formats import strict_json

NOTATIONS = ("w", "v", "u")
PAGE_VERSION = 1
MAX_PICTURE_NODES = 400
"""Larger graphs get no picture in the page (``dot`` would take long); the steps remain."""


def in_notation(t: Trace, notation: str) -> Trace | None:
    """The same records named in ``notation`` (nothing recomputed), or None when the
    notation cannot name this graph."""
    if notation == t.notation:
        return t
    try:
        return Trace(t.graph, t.at, t.primal, t.linear, list(t.forward), list(t.reverse),
                     notation=notation, mode=t.mode, output=t.output)
    except InputError:
        return None


def _templates(t: Trace) -> dict[str, str]:
    """Each operation's definition with ``\\0k\\0`` where parent ``k``'s value goes
    (``sin(\\0 0\\0)``): the page puts the formatted values in, with the parentheses
    the printer chose for the value's sign."""
    out = {}
    for n in t.graph.nodes:
        if n.kind != "op":
            continue
        atoms = []
        for k, q in enumerate(n.parents):
            v = np.asarray(t.primal.values[q])
            negative = v.ndim == 0 and float(v) < 0
            atoms.append((f"\0{k}\0", PREC_NEG if negative else PREC_ATOM))
        out[str(n.id)] = t.graph.formula(n.id, t.notation, "unicode", args=atoms)
    return out


def _term_texts(t: Trace) -> dict[str, list[Any]]:
    """Each chain-rule term's formula as the text views write it (``ẇ1·cos(w1)``,
    ``w̄4 w2ᵀ`` for a matrix product) and whether its two factors are shown: key
    ``f<child>_<position>`` (forward) or ``r<child>_<position>`` (reverse). The formula is
    the same in every pass, so each term is written once (from the first forward pass
    and the first reverse pass of each output)."""
    from .lines import forward_term_parts, reverse_term_parts

    # every forward pass has the same terms; reverse passes differ by output only
    first = {r.output: k for k, r in reversed(list(enumerate(t.reverse)))}
    jobs: list[tuple[str, int, Any, Any, int, Any]] = [
        ("f", 0, s, term, s.node, forward_term_parts)
        for s in (t.forward_steps(0) if t.forward else []) for term in s.terms]
    jobs += [("r", k, s, term, term.child, reverse_term_parts)
             for k in sorted(first.values()) for s in t.reverse_steps(k) for term in s.terms]
    out: dict[str, list[Any]] = {}
    for tag, k, s, term, child, parts in jobs:
        key = f"{tag}{child}_{term.position}"
        if key not in out:
            sym, num, _ = parts(t, k, s, term, inline=True)
            out[key] = [sym, bool(num)]
    return out


def _picture(t: Trace, timeout: float) -> str:
    """The graph (names and definitions, no numbers) as inline SVG."""
    from .dot_render import dot_to_bytes
    from .graphviz import graph_to_dot

    svg = dot_to_bytes(graph_to_dot(t.graph, notation=t.notation), "svg",
                       timeout=timeout).decode("utf-8")
    return svg[svg.index("<svg"):]  # without the XML declaration and doctype


def page_data(t: Trace, digits: int | None = 4, *, graph: bool = True,
              timeout: float = 60.0) -> dict[str, Any]:
    """What the page embeds: the records per notation, the definitions as templates,
    the chain-rule terms' formulas (:func:`_term_texts`), the pictures (``graph=False``: none), and why a picture is missing."""
    from .dot_render import INSTALL_HINT, dot_program

    traces, templates, terms, svgs = {}, {}, {}, {}
    missing = None
    if graph and dot_program() is None:
        missing = f"Graphviz's dot was not found, so the page has no picture. {INSTALL_HINT}"
    elif graph and len(t.graph.nodes) > MAX_PICTURE_NODES:
        missing = (f"The graph has {len(t.graph.nodes)} nodes: the page draws graphs of at most "
                   f"{MAX_PICTURE_NODES}; autodiff-viz render draws it on its own.")
    for n in dict.fromkeys((t.notation,) + NOTATIONS):
        tn = in_notation(t, n)
        if tn is None:
            continue
        traces[n] = tn.to_dict()
        templates[n] = _templates(tn)
        terms[n] = _term_texts(tn)
        if graph and missing is None:
            try:
                svgs[n] = _picture(tn, timeout)
            except RenderError as err:
                missing = f"The picture could not be drawn: {err}"
    return {"page": PAGE_VERSION, "digits": digits, "notation": t.notation,
            "title": _title(t, digits), "traces": traces, "templates": templates, "terms": terms,
            "svg": svgs if missing is None else {}, "missing_picture": missing}


def _title(t: Trace, digits: int | None) -> str:
    """``z = sin(x1) + x1·x2  at  x1=2, x2=3``, as the picture's title writes it."""
    from .graphviz import title_text
    return title_text(t.graph, t, digits, style="unicode")


def _asset(name: str) -> str:
    return resources.files("autodiff_viz.views").joinpath("page_assets", name).read_text("utf-8")


def _script_json(data: dict[str, Any]) -> str:
    """JSON safe inside ``<script>``: no ``</`` can end the element early."""
    return strict_json(data, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "\\u003c!--")


def render_page(t: Trace, digits: int | None = 4, *, title_text: str | None = None,
                graph: bool = True, timeout: float = 60.0) -> str:
    """The whole page as one string (see the module's docstring)."""
    if digits is not None and not 1 <= digits <= 17:
        raise InputError(f"digits must be between 1 and 17, not {digits}")
    data = page_data(t, digits, graph=graph, timeout=timeout)
    head = html.escape(title_text or data["title"])
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{head}</title>\n<style>\n{_asset('page.css')}</style>\n</head>\n"
        f"<body data-pass=\"primal\" data-step=\"1\">\n{_asset('page.html')}"
        f"<script type=\"application/json\" id=\"autodiff-data\">{_script_json(data)}</script>\n"
        f"<script>\n{_asset('page.js')}</script>\n</body>\n</html>\n")


def write_page(t: Trace, path: str | os.PathLike[str], digits: int | None = 4,
               **options: Any) -> str:
    """Write :func:`render_page` to ``path`` (UTF-8); returns the path written."""
    return save_page(render_page(t, digits, **options), path)


def save_page(text: str, path: str | os.PathLike[str]) -> str:
    """Write a page made by :func:`render_page` to ``path`` (UTF-8); returns the path."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as err:
        raise RenderError(f"cannot write {os.fspath(path)}: {err.strerror or err}",
                          hint="check that the folder exists and can be written") from None
    return os.fspath(path)


def embedded_data(page: str) -> dict[str, Any]:
    """The data a page embeds (for tests and tools that read pages back).

    >>> import autodiff_viz as av
    >>> page = render_page(av.trace("x*y", at={"x": 2, "y": 5}), graph=False)
    >>> embedded_data(page)["traces"]["w"]["outputs"]
    {'z': {'node': 'w3', 'value': 10.0}}
    """
    start = page.index('<script type="application/json" id="autodiff-data">')
    start = page.index(">", start) + 1
    end = page.index("</script>", start)
    return json.loads(page[start:end])


def notebook_html(t: Trace, digits: int | None = 4, *, height: int = 780,
                  **options: Any) -> str:
    """The page inside an ``<iframe srcdoc>`` for a notebook's ``text/html`` output: the
    page keeps its own ids, styles and keys, however many traces a notebook shows.

    >>> import autodiff_viz as av
    >>> frame = notebook_html(av.trace("x*y", at={"x": 2, "y": 5}), graph=False)
    >>> frame.startswith("<iframe") and "autodiff-data" in frame
    True
    """
    page = render_page(t, digits, **options)
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" title="autodiff_viz trace" '
            f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd" '
            'loading="eager"></iframe>')
