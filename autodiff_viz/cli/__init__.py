"""The ``autodiff-viz`` command line.

Each subcommand lives in its own module ``<name>_cmd.py`` with a
``register(subparsers)`` function; heavy imports happen inside the handlers
so start-up stays fast (``--help`` and ``--version`` import no numpy). Library
errors become messages and exit codes here, and only here: 2 for usage or
input errors, 1 for evaluation errors, 130 when interrupted (Ctrl-C), and 70
for an internal error (a bug: a short message says how to report it;
``--debug`` shows the traceback).
"""
from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from typing import Sequence

COMMANDS = ("demo", "trace", "grad", "render", "html", "check", "hessian", "problems", "derive")

EXIT_INTERNAL = 70
"""An unexpected exception: a bug in autodiff-viz (``EX_SOFTWARE`` of sysexits.h)."""
EXIT_INTERRUPTED = 130

DESCRIPTION = """\
Automatic differentiation made visible: parse an expression into a
computational graph, run the primal, forward-mode and reverse-mode passes, and
print every stored value and chain-rule term.

examples:
  autodiff-viz demo
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3
  autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --step     (one term at a time)
  autodiff-viz grad "sin(x1) + x1*x2" --at x1=2,x2=3
  autodiff-viz derive "sin(x1) + x1*x2" --simplify   (the derivative as a graph)
  autodiff-viz trace "-x^2" --at x=3       (an expression may start with a minus)

"autodiff-viz COMMAND --help" shows a command's options and a worked example.
An argument that is not an option is the expression, even when it starts with
'-' (-x^2, -2*x); a bare -name (-x) only when there is no other; "--" makes the
next argument the expression whatever it looks like (-- -x).
environment: NO_COLOR (no colour), FORCE_COLOR (colour even when piped); an
output that cannot write Unicode (PYTHONIOENCODING=cp1252) gets the --ascii view.
exit codes: 0 success, 1 evaluation error (e.g. log of 0), 2 usage or input error,
130 interrupted, 70 internal error (a bug: please report it).
"""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; its subparsers are in ``parser.commands`` (name -> parser).

    With ``only`` (the command the line names) only that command is added: the others
    are never read then, and adding them costs start-up time (argparse asks gettext for
    the headings of every parser, a look for translation files each time).
    """
    from .. import __version__
    from .common import HelpFormatter

    parser = argparse.ArgumentParser(
        prog="autodiff-viz", description=DESCRIPTION,
        formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"autodiff-viz {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a Python traceback on errors (for bug reports); also "
                             "after the command")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else [only]:
        importlib.import_module(f".{name}_cmd", __name__).register(sub)
    parser.commands = dict(sub.choices)  # type: ignore[attr-defined]
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command the line names after its global options (None with a global --help,
    which lists every command)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        if argv[i] in ("-h", "--help"):
            return None
        i += 1
    return argv[i] if i < len(argv) and argv[i] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    argparse's usage errors (and ``--help``, ``--version``) raise ``SystemExit`` as
    usual; every other exception becomes a message and an exit code.
    """
    from .streams import prepared

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until the arguments are read (a crash while reading them)
    with prepared():
        try:
            parser = build_parser(_command_named(argv))
            from .argv import prepare, restore

            scanned = prepare(argv, parser, parser.commands)  # type: ignore[attr-defined]
            debug = scanned.debug
            args = restore(parser.parse_args(scanned.argv), scanned)
            debug = bool(getattr(args, "debug", False)) or scanned.debug
            if not getattr(args, "func", None):
                parser.print_help()
                return 2
            return _run(args, debug)
        except KeyboardInterrupt:
            _flush()
            _say("autodiff-viz: interrupted")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            _quiet_stdout()
            return 0
        except Exception as err:  # noqa: BLE001 -- every crash ends in a message
            return internal_error(err, argv, debug)


def _run(args: argparse.Namespace, debug: bool) -> int:
    from ..errors import AutodiffVizError

    try:
        return int(args.func(args) or 0)
    except AutodiffVizError as err:
        _flush()
        if debug:
            import traceback
            traceback.print_exc()
        _say(err.render())
        return err.exit_code


def internal_error(err: BaseException, argv: Sequence[str], debug: bool) -> int:
    """Say what failed and how to report it (with ``--debug``: the traceback first)."""
    import platform
    import traceback

    from .. import __version__

    _flush()
    if debug:
        traceback.print_exception(type(err), err, err.__traceback__)
    where = ""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if "autodiff_viz" in f.filename.replace("\\", "/")]
    if frames:
        f = frames[-1]
        path = f.filename.replace("\\", "/")
        where = f" (in {path[path.rfind('autodiff_viz/'):]}, line {f.lineno}, {f.name})"
    what = str(err).splitlines()[0][:200] if str(err) else ""
    command = "autodiff-viz " + shlex.join(argv)
    if len(command) > 300:
        command = command[:299] + "…"
    lines = [f"autodiff-viz: internal error: {type(err).__name__}"
             f"{': ' + what if what else ''}{where}",
             "This is a bug in autodiff-viz, not a mistake in your input. Please report it to",
             "its maintainers with the command line and the version below"
             + (" and the traceback above:" if debug else
                "\n(run the command again with --debug to see the traceback, and add it):"),
             f"  command: {command}",
             f"  version: autodiff-viz {__version__}, Python {platform.python_version()}, "
             f"{platform.system() or 'unknown system'}"]
    _say("\n".join(lines))
    return EXIT_INTERNAL


def _say(text: str) -> None:
    """A message on standard error, whatever its encoding can write."""
    try:
        print(text, file=sys.stderr)
    except UnicodeEncodeError:
        print(text.encode("ascii", "backslashreplace").decode("ascii"), file=sys.stderr)
    except (OSError, ValueError, AttributeError):
        pass


def _flush() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass


def _quiet_stdout() -> None:
    """After a closed pipe: point standard output at /dev/null so that Python's own
    flush at exit does not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
