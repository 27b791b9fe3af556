"""``autodiff-viz demo``: the built-in example, sin(x1) + x1*x2 at x1=2, x2=3."""
from __future__ import annotations

import argparse

from .common import BUILTIN_EXAMPLE, BUILTIN_POINT


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help=f"trace the built-in example {BUILTIN_EXAMPLE}",
                       description=f"Trace the built-in example z = {BUILTIN_EXAMPLE} at "
                                   "x1=2, x2=3 in both modes (forward seeded on x2).")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api import trace
    from ..views.text import render_text

    t = trace(BUILTIN_EXAMPLE, BUILTIN_POINT, mode="both", wrt="x2")
    print(render_text(t))
    return 0
