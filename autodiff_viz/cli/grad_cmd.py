"""``autodiff-viz grad``: the gradient or Jacobian, and what each mode costs."""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import FORMATS, add_matrix_option, add_source_argument, digits_type, emit, \
    parse_assignments, read_source

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
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_argument(p)
    p.add_argument("--at", metavar="POINT", default=None,
                   help="input values, e.g. x1=2,x2=3 (lists allowed: x=[1,2,3]), or a JSON or "
                        "TOML file of them (@FILE, or a path ending in .json/.toml)")
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                   help="which mode computes it: forward (a pass per input), reverse (a pass "
                        "per output) or both, to compare their cost (default: both)")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="differentiate this output only (default: every output)")
    p.add_argument("--digits", type=digits_type, default=4, metavar="N",
                   help="significant digits to print, 1 to 17 (default: 4; CSV and JSON keep "
                        "full precision)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default), json, markdown, latex or csv")
    p.add_argument("--ascii", action="store_true", help="plain ASCII: dz/dx1 instead of ∂z/∂x1")
    p.add_argument("--no-share", action="store_true",
                   help="keep identical subexpressions as separate nodes")
    add_matrix_option(p)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show a Python traceback on errors (for bug reports)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api import trace
    from ..parser import parse

    graph = parse(read_source(args.expr), share=not args.no_share)
    if args.output is not None:
        graph = graph.with_outputs([args.output])
    at = parse_assignments(args.at) if args.at else {}
    t = trace(graph, at, mode=args.mode)
    emit(render(t, args.format, args.digits, "text" if args.ascii else "unicode",
                max_matrix=args.max_matrix))
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
    if fmt == "latex":
        return grad.render_grad_latex(t, digits, max_matrix=max_matrix)
    return grad.render_grad_text(t, digits, style, max_matrix=max_matrix)
