"""``autodiff-viz html``: one page that steps through the passes in a browser."""
from __future__ import annotations

import argparse
import sys

from .common import HelpFormatter
from .common import add_debug_option, add_source_argument, add_trace_options, trace_from_args

EPILOG = """\
examples:
  autodiff-viz html "sin(x1) + x1*x2" --at x1=2,x2=3 -o trace.html
  autodiff-viz html "sin(x1) + x1*x2" --at x1=2,x2=3 --wrt x2 -o trace.html
  autodiff-viz html "a = x*y; b = x + y" --at x=2,y=5 --notation v -o two_outputs.html
  autodiff-viz html @loss.txt --at @point.json > page.html

Open the page (file:// works, nothing is fetched from the network). Keys: right and
left arrows step, space plays and pauses, Home and End go to the first and last step;
click a node to jump to its step. Link a step with a fragment: trace.html#reverse/5,
trace.html#forward-x2/3 (the pass seeded on x2), trace.html#reverse-b/2 (output b).
Without Graphviz's dot the page has no picture (it says what to install); the steps
and tables work the same.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("html", help="one self-contained page that steps through the passes",
                       description="Write one HTML page (scripts, styles and the graph inline) "
                                   "that steps through the primal, forward and reverse passes "
                                   "with every chain-rule term, the trace table filling in and "
                                   "the gradient table.",
                       epilog=EPILOG, formatter_class=HelpFormatter)
    add_source_argument(p)
    add_trace_options(p)
    p.add_argument("-o", "--out-file", dest="out", metavar="FILE", default=None,
                   help="write the page to FILE (default: standard output)")
    p.add_argument("--title", default=None, metavar="TEXT",
                   help="the page's title (default: the expression and the point)")
    p.add_argument("--no-picture", dest="picture", action="store_false",
                   help="leave the graph picture out (no Graphviz needed)")
    add_debug_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..views.page import render_page, write_page

    t = trace_from_args(args)
    options = dict(title_text=args.title, graph=args.picture)
    if args.out in (None, "-"):
        sys.stdout.write(render_page(t, args.digits, **options))
        sys.stdout.flush()
        return 0
    write_page(t, args.out, args.digits, **options)
    print(f"wrote {args.out}: open it in a browser", file=sys.stderr)
    return 0
