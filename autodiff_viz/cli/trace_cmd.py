"""``autodiff-viz trace``: print the evaluation traces of an expression."""
from __future__ import annotations

import argparse

from .common import add_source_argument, add_trace_options, trace_from_args

EPILOG = """\
example:
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --wrt x2
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="print the primal, forward and reverse traces",
                       description="Print the primal trace (every stored value), the forward "
                                   "trace for one seed and the reverse trace from the output, "
                                   "with every chain-rule term.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_argument(p)
    add_trace_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.text import render_text

    print(render_text(trace_from_args(args), digits=args.digits))
    return 0
