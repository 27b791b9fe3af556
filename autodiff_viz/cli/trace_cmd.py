"""``autodiff-viz trace``: print the evaluation traces of an expression.

A view module loads only for the format asked for; nothing graphviz, networkx or rich.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING
import sys

from .common import HelpFormatter
from .common import (FORMATS, add_source_argument, add_trace_options, add_view_options, emit,
                     trace_from_args, use_color, view_style, view_width)

if TYPE_CHECKING:
    from ..trace import Trace

DESCRIPTION = """\
Print how automatic differentiation computes: the graph's structure (who
feeds whom), the primal trace (every stored value), a forward trace per
seeded input (every input in turn unless --wrt or --seed says otherwise; each
tangent with its chain-rule sum) and the reverse trace from the
output back (each adjoint as the sum over the node's children, the inputs'
adjoints marked as the gradient), then a summary table, the gradient or
Jacobian, flags (non-differentiable points, overflow) and the cost."""

EPILOG = """\
worked example (z = sin(x1) + x1*x2 at x1 = 2, x2 = 3; dz/dx1 = cos 2 + 3):
  $ autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --wrt x2
  ...
    w3     sin(w1)      sin(x1)           sin(2)        0.9093
  ...
    ẇ5        ẇ3·1 + ẇ4·1     0·1 + 2·1     2       z
  ...
    w̄1        w̄4·w2 + w̄3·cos(w1)   1·3 + 1·(−0.4161)   2.584   ∂z/∂x1
  ...
    ∂z/∂x1 = 2.584
    ∂z/∂x2 = 2

more:
  autodiff-viz trace "a = x1*x2; b = sin(x1); z = a + b" --at x1=2,x2=3 --mode reverse
  autodiff-viz trace @model.txt --at @point.toml --format markdown > trace.md
  echo "x^2*y" | autodiff-viz trace - --at x=3,y=2 --format latex   (a fragment)
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --standalone > notes.tex   (an article)
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --beamer --step > slides.tex
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --step   (Enter/n: next, q: quit)
  autodiff-viz trace "relu(W@x + c)" --at 'W=[[1,2],[3,4]],x=[1,-1],c=[0,1]'   (a matrix)
  autodiff-viz trace @mlp.txt --at mlp.json --format backprop   (an MLP: textbook backprop)
  autodiff-viz trace "-x^2" --at x=3        (EXPR may start with a minus; or: -- -x)

exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="print the primal, forward and reverse traces",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=HelpFormatter)
    add_source_argument(p)
    add_trace_options(p)
    add_view_options(p, FORMATS + ("backprop",))
    p.add_argument("--step", action="store_true",
                   help="step through the passes one chain-rule term at a time "
                        "(Enter/n/→ next, b/← back, g N go to step N, f/r forward/reverse "
                        "pass, q quit); prints every step when not on a terminal; with "
                        "--beamer: one overlay per step")
    latex = p.add_mutually_exclusive_group()
    latex.add_argument("--standalone", action="store_true",
                       help="LaTeX: a complete article that compiles with pdflatex (implies "
                            "--format latex)")
    latex.add_argument("--beamer", action="store_true",
                       help="LaTeX: beamer slides, 16:9, a frame per pass (long passes "
                            "continued), with --step an overlay per step (implies --format "
                            "latex)")
    p.set_defaults(func=run, parser=p)


def run(args: argparse.Namespace) -> int:
    document = "standalone" if args.standalone else "beamer" if args.beamer else None
    if document:
        if args.format not in ("table", "latex"):
            args.parser.error(f"--{document} writes LaTeX and cannot be combined with "
                              f"--format {args.format}")
        args.format = "latex"
    if document == "beamer" and args.step:
        t = trace_from_args(args)
        from ..views.latex_doc import beamer
        emit(beamer(t, args.digits, step=True, max_matrix=args.max_matrix), style="unicode")
        return 0
    if args.step and args.format != "table":
        slides = " (slides with an overlay per step: --beamer --step)" \
            if args.format == "latex" else ""
        args.parser.error(f"--step shows the terminal view and cannot be combined with "
                          f"--format {args.format}{slides}")
    t = trace_from_args(args)
    style = view_style(args)
    if args.step:
        from ..views.step_tty import is_terminal

        if is_terminal(sys.stdin) and is_terminal(sys.stdout):
            from ..views.step import build_passes
            from ..views.step_tty import interactive

            return interactive(t, build_passes(t), args.digits, style, use_color(args),
                               sys.stdin, sys.stdout, max_matrix=args.max_matrix)
        from ..views.step import print_all

        emit(print_all(t, args.digits, style, max_matrix=args.max_matrix), style=style)
        return 0
    emit(render(t, args.format, args.digits, style, view_width(args), use_color(args),
                max_matrix=args.max_matrix, document=document), style=style)
    return 0


def render(t: Trace, fmt: str, digits: int, style: str = "unicode", width: int = 100,
           color: bool = False, max_matrix: tuple[int, int] = (4, 4),
           document: str | None = None) -> str:
    """The trace in format ``fmt`` (``table``, ``json``, ``markdown``, ``latex``, ``csv``,
    ``backprop``: an MLP's reverse trace as the textbook's backward algorithm); vectors
    and matrices up to ``max_matrix`` in full, larger ones summarised. LaTeX is a
    fragment, or with ``document`` a ``"standalone"`` article or ``"beamer"`` slides."""
    mm = {"max_matrix": max_matrix}
    if fmt == "backprop":
        from ..views.backprop import render_backprop
        return render_backprop(t, digits, style, max_matrix=max_matrix)
    if fmt == "json":
        from ..views.formats import render_json
        return render_json(t)
    if fmt == "csv":
        from ..views.formats import render_csv
        return render_csv(t, digits, **mm)
    if fmt == "markdown":
        from ..views.formats import render_markdown
        return render_markdown(t, digits, **mm)
    if fmt == "latex" and document:
        from ..views import latex_doc
        return (latex_doc.beamer if document == "beamer" else latex_doc.standalone)(
            t, digits, max_matrix=max_matrix)
    if fmt == "latex":
        from ..views.latex import render_latex
        return render_latex(t, digits, max_matrix=max_matrix)
    from ..views.table import render_table
    return render_table(t, digits, style, width, color, **mm)
