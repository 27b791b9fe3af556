"""``autodiff-viz demo``: the built-in example, sin(x1) + x1*x2 at x1=2, x2=3.

It takes the display options of ``trace`` (``--format``, ``--digits``,
``--notation``, ``--ascii``, ``--width``, ``--color``, ``--matrix-size``); its
own view, ``--format text`` (the default), is the three traces one line per step.

Forward mode seeds x2 (``--wrt x2``), as the course's worked example does, and the
output says so (:data:`SEED_NOTE`); ``trace`` without ``--wrt`` seeds every input in turn.
"""
from __future__ import annotations

import argparse

from .common import HelpFormatter
from .common import (BUILTIN_EXAMPLE, BUILTIN_POINT, FORMATS, add_digits_option,
                     add_notation_option, add_view_options, emit, use_color, view_style,
                     view_width)


SEED_NOTE = "forward mode: --wrt x2, as the course does (without --wrt, trace seeds every " \
    "input in turn)"
"""The line under the demo's title: which input its forward pass seeds, and why."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help=f"trace the built-in example {BUILTIN_EXAMPLE}",
                       description=f"Trace the built-in example z = {BUILTIN_EXAMPLE} at "
                                   "x1=2, x2=3 in both modes, forward mode seeded on x2 (--wrt x2, "
                                   "as the course does; trace without --wrt seeds every input "
                                   "in turn). It takes the display options of trace.",
                       formatter_class=HelpFormatter)
    add_notation_option(p)
    add_digits_option(p)
    add_view_options(p, ("text",) + FORMATS,
                     format_help="text: the traces one line per step (default); table: "
                                 "trace's terminal view; json, markdown, latex, csv as in trace",
                     width_help="; for --format table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api import trace

    t = trace(BUILTIN_EXAMPLE, BUILTIN_POINT, mode="both", wrt="x2", notation=args.notation)
    style = view_style(args)
    if args.format == "text":
        from ..views.text import render_text

        emit(_noted(render_text(t, args.digits, style, max_matrix=args.max_matrix)),
             style=style)
        return 0
    from .trace_cmd import render

    text = render(t, args.format, args.digits, style, view_width(args), use_color(args),
                  max_matrix=args.max_matrix)
    emit(_noted(text) if args.format == "table" else text, style=style)
    return 0


def _noted(text: str) -> str:
    """``text`` with :data:`SEED_NOTE` under its first line (the title)."""
    title, _, rest = text.partition("\n")
    return f"{title}\n{SEED_NOTE}\n{rest}"
