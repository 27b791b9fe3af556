"""The graph as a TikZ picture, for instructors who keep their slides in LaTeX.

Nodes are layered by depth like the Graphviz picture (inputs on the left, each
operation one column right of its deepest parent); constants are not nodes of their
own but appear in the formulas that use them, so that a shared constant draws no
long edges across the picture; no Graphviz is needed. A node shows its name, its
operation and, for a trace, its value and per ``mode`` its tangent ``\\dot{w}`` (the
first forward pass) and adjoint ``\\bar{w}`` (the first reverse pass); an edge shows
the local partial ∂child/∂parent (its formula and, for a trace, its value). Every
number is a stored one.

``standalone=True`` gives a document that compiles with pdflatex alone (the
``tikz`` package, Debian's texlive-pictures) on a page the size of the picture;
else a ``tikzpicture`` to paste (needs ``\\usepackage{tikz}`` and
``\\usepackage{amsmath}``).

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> pic = render_tikz(t)
>>> print([line for line in pic.splitlines() if "(n2)" in line and "node" in line][0])
  \\node[avop] (n2) at (4.4, 1.1) {$w_{3} = \\sin\\left(w_{1}\\right)$ \\\\ $= 0.9093$ \\\\ $\\dot{w}_{3} = 0$ \\\\ $\\bar{w}_{3} = 1$};
>>> print([line for line in pic.splitlines() if "(n0) --" in line][0])
  \\draw[avedge] (n0) -- node[avlabel] {$\\cos\\left(w_{1}\\right) = -0.4161$} (n2);
"""
from __future__ import annotations

from ..errors import InputError
from ..graph import Graph
from ..printing import latex_name
from ..trace import Trace
from .latex import accent, ascii_safe, value_latex

MODES = ("primal", "forward", "reverse", "both")
X_STEP, Y_STEP = 4.4, 2.2  # cm between layers, between the nodes of a layer
X_STEP_PRIMAL = 3.4  # cm between layers when the edges carry no labels

_STYLES = ("avin/.style={draw, rounded corners, fill=blue!6, align=center, font=\\small}",
           "avop/.style={draw, rounded corners, fill=orange!8, align=center, font=\\small}",
           "avedge/.style={->, >=stealth, gray!70!black}",
           "avlabel/.style={font=\\scriptsize, fill=white, inner sep=1pt, pos=0.5, sloped}")


def depths(g: Graph) -> list[int]:
    """Each node's layer: 0 for inputs and constants, else one more than its deepest
    parent that is not a constant (constants are not drawn: they appear in the formulas
    of the nodes that use them).

    >>> import autodiff_viz as av
    >>> depths(av.parse("sin(x1) + x1*x2")), depths(av.parse("sin(2*x)"))
    ([0, 0, 1, 1, 2], [0, 0, 1, 2])
    """
    out: list[int] = []
    for n in g.nodes:  # parents come first
        drawn = [out[p] for p in n.parents if g.nodes[p].kind != "const"]
        out.append(1 + max(drawn) if drawn else 0)
    return out


def _positions(g: Graph, x_step: float = X_STEP) -> dict[int, tuple[float, float]]:
    """Layer by layer, nodes ordered by their parents' mean height (fewer crossings)."""
    layers: dict[int, list[int]] = {}
    for i, d in enumerate(depths(g)):
        if g.nodes[i].kind != "const":
            layers.setdefault(d, []).append(i)
    pos: dict[int, tuple[float, float]] = {}
    for d in sorted(layers):
        def key(i: int) -> float:
            ys = [pos[p][1] for p in g.nodes[i].parents if p in pos]
            return -sum(ys) / len(ys) if ys else 0.0
        ids = sorted(layers[d], key=key)
        top = (len(ids) - 1) / 2
        for j, i in enumerate(ids):
            pos[i] = (round(d * x_step, 2), round((top - j) * Y_STEP, 2))
    return pos


def _node_text(g: Graph, t: Trace | None, i: int, names: list[str], mode: str,
               notation: str, digits: int | None) -> str:
    n, name = g.nodes[i], latex_name(names[i])
    lines = [f"${name} = " + (latex_name(n.name or "") if n.kind == "input"
                              else g.formula(i, notation, "latex")) + "$"]
    if t is not None:
        lines.append(f"$= {value_latex(t, t.primal.values[i], digits)}$")
        if mode in ("forward", "both") and t.forward:
            tan = {s.node: s.tangent for s in t.forward_steps(0)}
            lines.append(f"${accent(names[i], 'dot')} = {value_latex(t, tan[i], digits)}$")
        if mode in ("reverse", "both") and t.reverse:
            adj = {s.node: s.adjoint for s in t.reverse_steps(0)}
            if i in adj:
                lines.append(f"${accent(names[i], 'bar')} = {value_latex(t, adj[i], digits)}$")
    return " \\\\ ".join(lines)


def _edge_text(g: Graph, t: Trace | None, child: int, k: int, notation: str,
               digits: int | None) -> str:
    op = g.nodes[child].op
    if op is not None and op.tensor:
        return ""  # a matrix operation's partial is a product, not a number
    formula = g.partial_formula(child, k, notation, "latex")
    if t is None:
        return f"${formula}$"
    value = value_latex(t, t.steps[child].partial(k).value, digits)
    return f"${formula}$" if formula == value else f"${formula} = {value}$"


def render_tikz(source: Trace | Graph, *, mode: str = "both", notation: str | None = None,
                digits: int | None = 4, standalone: bool = False) -> str:
    """The graph of ``source`` (a trace, with its numbers, or a bare graph) as a TikZ
    picture; ``mode`` picks the derivatives shown (``primal``: none); ``notation``
    (``w``, ``v``, ``u``; default the trace's, or ``w``) names the nodes;
    ``standalone``: a whole document that compiles on its own."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r} for the TikZ picture",
                         hint="use one of " + ", ".join(MODES))
    t = source if isinstance(source, Trace) else None
    g = source.graph if isinstance(source, Trace) else source
    notation = notation or (t.notation if t is not None else "w")
    names = g.labels(notation)
    pos = _positions(g, X_STEP_PRIMAL if mode == "primal" else X_STEP)
    out = ["% autodiff-viz: graph picture (needs \\usepackage{tikz} and \\usepackage{amsmath})",
           "\\begin{tikzpicture}[" + ", ".join(_STYLES) + "]"]
    for i, n in enumerate(g.nodes):
        if n.kind == "const":
            continue
        style = "avin" if n.kind == "input" else "avop"
        x, y = pos[i]
        text = _node_text(g, t, i, names, mode, notation, digits)
        out.append(f"  \\node[{style}] (n{i}) at ({x}, {y}) {{{text}}};")
    for i, n in enumerate(g.nodes):
        for k, p in enumerate(n.parents):
            if g.nodes[p].kind == "const":
                continue
            label = _edge_text(g, t, i, k, notation, digits) if mode != "primal" else ""
            mid = f" node[avlabel] {{{label}}}" if label else ""
            out.append(f"  \\draw[avedge] (n{p}) --{mid} (n{i});")
    out.append("\\end{tikzpicture}")
    picture = ascii_safe("\n".join(out))
    return _standalone(picture) if standalone else picture


def extent(g: Graph, mode: str = "both") -> tuple[float, float]:
    """About how wide and how high (cm) :func:`render_tikz` draws ``g``: the layers, and
    a node's own width and height beyond its centre's place.

    >>> import autodiff_viz as av
    >>> extent(av.parse("sin(x1) + x1*x2"), "primal")
    (9.8, 4.2)
    """
    d = [x for i, x in enumerate(depths(g)) if g.nodes[i].kind != "const"]
    widest = max(d.count(k) for k in set(d))
    step = X_STEP_PRIMAL if mode == "primal" else X_STEP
    return round(max(d) * step + 3.0, 2), round((widest - 1) * Y_STEP + 2.0, 2)


def fitted(picture: str, width: str = "\\linewidth", height: str = "0.75\\textheight") -> str:
    """``picture`` scaled down (never up), its proportions kept, to fit ``width`` by
    ``height`` (TeX lengths): for a slide or a page; needs ``graphicx`` (beamer loads it).

    >>> print(fitted("PIC", height="5cm"))
    \\sbox0{%
    PIC%
    }%
    \\ifdim\\wd0>\\linewidth\\sbox0{\\resizebox{\\linewidth}{!}{\\usebox0}}\\fi
    \\ifdim\\ht0>5cm\\sbox0{\\resizebox{!}{5cm}{\\usebox0}}\\fi
    \\usebox0
    """
    return "\n".join(["\\sbox0{%", picture + "%", "}%",
                      f"\\ifdim\\wd0>{width}\\sbox0{{\\resizebox{{{width}}}{{!}}"
                      "{\\usebox0}}\\fi",
                      f"\\ifdim\\ht0>{height}\\sbox0{{\\resizebox{{!}}{{{height}}}{{\\usebox0}}}}"
                      "\\fi", "\\usebox0"])


def _standalone(picture: str) -> str:
    """A document whose one page is the picture with a 6 pt border (plain pdfTeX page
    sizing: no standalone class needed)."""
    return "\n".join([
        "\\documentclass{article}", "\\usepackage{amsmath}", "\\usepackage{tikz}",
        "\\begin{document}", "\\setbox0=\\hbox{%", picture, "}",
        "\\pdfpagewidth=\\dimexpr\\wd0+12pt\\relax",
        "\\pdfpageheight=\\dimexpr\\ht0+\\dp0+12pt\\relax",
        "\\hoffset=\\dimexpr6pt-1in\\relax \\voffset=\\dimexpr6pt-1in\\relax",
        "\\shipout\\vbox{\\box0}", "\\end{document}", ""])
