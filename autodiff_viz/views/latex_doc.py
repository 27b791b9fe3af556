"""Complete LaTeX documents of a trace: an article (``--standalone``) and beamer slides
(``--beamer``: 16:9, the graph as TikZ, one frame per pass, a pass too long for one
frame continued on the next, and with ``step=True`` one overlay per step).

Both compile with pdflatex and Debian's texlive-latex-base and
texlive-latex-recommended (beamer); nothing overflows the line or the frame
(rows break at ``=`` and ``+``, tables take a smaller font or split; see
:mod:`.latex_layout`).

>>> import autodiff_viz as av
>>> t = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")
>>> slides = beamer(t)
>>> slides.count("\\\\begin{frame}"), "aspectratio=169" in slides
(7, True)
>>> beamer(t, step=True).count("\\\\onslide<5->")   # the fifth step of each pass
6
"""
from __future__ import annotations


from ..printing import latex_name
from ..trace import Trace
from .arrays import MAX_MATRIX
from .latex import (ARTICLE, Section, Table, ascii_safe, comments, derivative_rows,
                    derivatives_heading, section_body, sections, table_parts, tabular, text,
                    title_latex, value_latex, _laid)
from .latex_layout import align, line_height
from .tikz import extent, fitted, render_tikz

PAGE = 48.0     # em: \textwidth of the article, A4 with 2 cm margins (482 pt at 10 pt)
FRAME = 39.0    # em: \textwidth of a 16:9 frame (398 pt) in \small
FRAME_TABLE = 36.0  # em: the same at the frame's normal size (11 pt), for tables
LINES = 10.5    # align lines (of one text line's height) that fit a frame in \small
TABLE_LINES = 13.0  # table rows that fit a frame in \footnotesize

_PACKAGES = "\\usepackage{amsmath}\n\\usepackage{booktabs}\n"


def standalone(t: Trace, digits: int | None = 4, *,
               max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """An article: A4, 2 cm margins, long traces breaking across pages."""
    before, after = comments(t, digits, max_matrix)
    out = before + ["\\documentclass[10pt]{article}", "\\usepackage[a4paper,margin=2cm]{geometry}",
                    _PACKAGES + "\\allowdisplaybreaks", "\\begin{document}",
                    f"\\section*{{{title_latex(t, digits, max_matrix)}}}"]
    for section in sections(t, digits, max_matrix=max_matrix):
        out += ["", f"\\subsection*{{{section.title}}}"] + section_body(section, PAGE)
    return ascii_safe("\n".join(out + ["", "\\end{document}"] + after)) + "\n"


def _chunks(heights: list[float], budget: float) -> list[list[int]]:
    """Indices grouped so that each group's heights sum to at most ``budget`` (a group
    holds at least one)."""
    groups: list[list[int]] = [[]]
    used = 0.0
    for i, h in enumerate(heights):
        if groups[-1] and used + h > budget:
            groups.append([])
            used = 0.0
        groups[-1].append(i)
        used += h
    return [g for g in groups if g]


def _frames(section: Section, step: bool) -> list[str]:
    """The frames of one section: rows (or table rows) split over as many frames as
    they need, later frames titled "(cont.)"."""
    bodies = []
    if section.table is None:
        laid = _laid(section.rows, FRAME)
        heights = [sum(line_height(line) for line in lines) for lines in laid]
        for group in _chunks(heights, LINES):
            bodies.append(["\\small", align([laid[i] for i in group],
                                            overlays=1 if step else None)])
    else:
        for size, part in table_parts(section.table, FRAME_TABLE, scales=(1.0, 0.91, 0.82)):
            for group in _chunks(part.heights, TABLE_LINES):
                bodies.append(["\\centering" + (size or "\\small"), tabular(part, group)])
    out = []
    for i, body in enumerate(bodies):
        title = section.title + (" (cont.)" if i else "")
        out += [f"\\begin{{frame}}{{{title}}}"] + [f"% {n}" for n in section.notes] + body + \
            ["\\end{frame}", ""]
    return out


GRAPH_FRAME = (14.0, 6.8)  # cm: the room a frame has for the graph
LEGIBLE = 0.55  # the smallest scale of the graph still legible on a slide (6 pt text)


def _graph_frame(t: Trace, digits: int | None) -> list[str]:
    """A frame with the graph (TikZ, values only, scaled down to fit), or, when it would
    be scaled past legibility, a comment saying how to draw it instead."""
    width, height = extent(t.graph, "primal")
    scale = min(1.0, GRAPH_FRAME[0] / width, GRAPH_FRAME[1] / height)
    if scale < LEGIBLE:
        return [f"% the graph ({width:.0f} cm x {height:.0f} cm drawn) is too large for a legible "
                "frame: draw it with autodiff-viz render (--fit 16:9), or",
                "% Trace.to_tikz(mode='primal') with tikz.fitted() on a frame of its own", ""]
    return ["\\begin{frame}{The graph}", "\\centering",
            fitted(render_tikz(t, mode="primal", digits=digits)), "\\end{frame}", ""]


def beamer(t: Trace, digits: int | None = 4, *, step: bool = False,
           max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """Beamer slides (16:9): a title frame, the graph (TikZ, values only, scaled to fit;
    left out when it would not be legible), a frame per pass (continued over more frames
    when long), the summary table and the derivatives; ``step``: in the passes, each
    step on its own overlay (``\\onslide``, so nothing moves as the steps appear)."""
    before, after = comments(t, digits, max_matrix)
    out = before + ["\\documentclass[aspectratio=169]{beamer}", _PACKAGES + "\\usepackage{tikz}",
                    "\\setbeamertemplate{navigation symbols}{}",
                    f"\\title{{{title_latex(t, digits, max_matrix)}}}",
                    "\\subtitle{Automatic differentiation, step by step}", "\\date{}",
                    "\\begin{document}", "", "\\begin{frame}", "\\titlepage", "\\end{frame}", ""]
    out += _graph_frame(t, digits)
    for section in sections(t, digits, max_matrix=max_matrix):
        out += _frames(section, step and section.steps)
    return ascii_safe("\n".join(out + ["\\end{document}"] + after)) + "\n"



def grad_fragment(t: Trace, digits: int | None = 4, *,
                  max_matrix: tuple[int, int] = MAX_MATRIX) -> str:
    """``autodiff-viz grad --format latex``: the expression and the point as a
    ``\\section*``, the value, the derivatives (``align*``, fitting the line) and the
    passes each mode needs (a booktabs table) with the verdict.

    >>> import autodiff_viz as av
    >>> tex = grad_fragment(av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}))
    >>> print("\\n".join(line for line in tex.splitlines() if "section" in line))
    \\section*{$z = \\sin\\left(x_{1}\\right) + x_{1} \\cdot x_{2}$ at $x_{1} = 2$, $x_{2} = 3$}
    \\subsection*{Gradient of $z$}
    \\subsection*{Passes and cost}
    """
    from .grad import PASS_HEADERS, passes_rows, verdict

    before, _ = comments(t, digits, max_matrix)
    values = ", ".join(f"${latex_name(o)} = {value_latex(t, v, digits, max_matrix)}$"
                       for o, v in t.values.items())
    out = [line for line in before if not line.startswith("%  ") and "Graph (who" not in line]
    out += ["", f"\\section*{{{title_latex(t, digits, max_matrix)}}}", f"Value: {values}."]
    rows = derivative_rows(t, digits, max_matrix=max_matrix)
    if rows:
        out += ["", f"\\subsection*{{{derivatives_heading(t)}}}", align(_laid(rows, ARTICLE))]
    table = Table([PASS_HEADERS, [""] * len(PASS_HEADERS)],
                  [[text(c) for c in r] for r in passes_rows(t)], [1.0] * 3, 0)
    out += ["", "\\subsection*{Passes and cost}"] + section_body(
        Section("", [], table), ARTICLE) + [text(verdict(t)[0].upper() + verdict(t)[1:])]
    return ascii_safe("\n".join(out))
