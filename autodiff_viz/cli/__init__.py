"""The ``autodiff-viz`` command line.

Each subcommand lives in its own module ``<name>_cmd.py`` with a
``register(subparsers)`` function; heavy imports happen inside the handlers
so start-up stays fast. Library errors become messages and exit codes here,
and only here: 2 for usage or input errors, 1 for evaluation errors.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

COMMANDS = ("demo", "trace", "grad", "render", "check")

DESCRIPTION = """\
Automatic differentiation made visible: parse an expression into a
computational graph, run the primal, forward-mode and reverse-mode passes, and
print every stored value and chain-rule term.

examples:
  autodiff-viz demo
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --step     (one term at a time)
  autodiff-viz grad "sin(x1) + x1*x2" --at x1=2,x2=3

"autodiff-viz COMMAND --help" shows a command's options and a worked example.
exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error.
"""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="autodiff-viz", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"autodiff-viz {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a Python traceback on errors (for bug reports)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f".{name}_cmd", __name__).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ..errors import AutodiffVizError

    try:
        return int(args.func(args) or 0)
    except AutodiffVizError as err:
        if args.debug:
            raise
        print(err.render(), file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
