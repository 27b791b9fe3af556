"""``autodiff-viz grad``: the gradient or Jacobian, and what each mode costs."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import HelpFormatter
from .common import (FORMATS, add_digits_option, add_notation_option, add_point_option,
                     add_source_argument, add_view_options, emit, merge_assignments,
                     read_source, view_style)

if TYPE_CHECKING:
    from ..trace import Trace

DESCRIPTION = """\
Print the gradient (one output) or the Jacobian (several outputs), the
number of passes each mode needs (forward: one per input; reverse: one per
output) and the work the passes did."""

EPILOG = """\
worked example (dz/dx1 = cos 2 + 3 = 2.584, dz/dx2 = x1 = 2):
  $ autodiff-viz grad "sin(x1) + x1*x2" --at x1=2,x2=3
  z = sin(x1) + x1*x2 at x1=2, x2=3
  value: z = 6.909

  Gradient of z
    ∂z/∂x1 = 2.584
    ∂z/∂x2 = 2

  Passes and cost
    mode      passes needed        passes run   multiply-adds   stored
    forward   2 (one per input)    2            10              10 tangents
    reverse   1 (one per output)   1            5               5 adjoints
    (primal   1                    1            3 operations    5 values)
  reverse mode needs fewer passes here: 1 output, 2 inputs.

more:
  autodiff-viz grad "a = x*y; b = x + y" --at x=2,y=5            (a Jacobian)
  autodiff-viz grad "a = x*y; b = x + y" --at x=2,y=5 --output b (one row of it)
  autodiff-viz grad @loss.txt --at @point.json --format json

exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grad", help="the gradient or Jacobian, and the passes each mode needs",
                       description=DESCRIPTION, epilog=EPILOG,
                       formatter_class=HelpFormatter)
    add_source_argument(p)
    add_point_option(p)
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                   help="which mode computes it: forward (a pass per input), reverse (a pass "
                        "per output) or both, to compare their cost (default: both)")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="differentiate this output only (default: every output)")
    add_notation_option(p)
    add_digits_option(p)
    p.add_argument("--no-share", action="store_true",
                   help="keep identical subexpressions as separate nodes")
    add_view_options(p, FORMATS, format_help="table (default), json, markdown, latex or csv",
                     width_help="; accepted as by trace: the gradient view is narrow and "
                                "has no colour")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api import trace
    from ..parse_fast import parse

    graph = parse(read_source(args.expr), share=not args.no_share)
    if args.output is not None:
        graph = graph.with_outputs([args.output])
    at = merge_assignments(args.at)
    t = trace(graph, at, mode=args.mode, notation=args.notation)
    style = view_style(args)
    emit(render(t, args.format, args.digits, style, max_matrix=args.max_matrix), style=style)
    return 0


def render(t: Trace, fmt: str, digits: int, style: str = "unicode",
           max_matrix: tuple[int, int] = (4, 4)) -> str:
    """The gradient view in format ``fmt`` (matrices up to ``max_matrix`` in full)."""
    from ..views import grad

    if fmt == "json":
        return grad.render_grad_json(t)
    if fmt == "csv":
        return grad.render_grad_csv(t)
    if fmt == "markdown":
        return grad.render_grad_markdown(t, digits, max_matrix=max_matrix)
    if fmt == "latex":  # titled sections, rows and table fitting \textwidth
        from ..views.latex_doc import grad_fragment
        return grad_fragment(t, digits, max_matrix=max_matrix)
    return grad.render_grad_text(t, digits, style, max_matrix=max_matrix)
