"""Finding the expression among the arguments: EXPR may start with a minus.

argparse takes every argument that starts with ``-`` for an option, so
``autodiff-viz trace "-x^2" --at x=3`` would be a usage error. Before argparse
sees the arguments of a command with an ``EXPR``, :func:`prepare` decides
which argument is the expression, by this rule (``--help`` says it too):

1. The argument after ``--`` is the expression, whatever it looks like; options
   may follow it (``trace -- -x --at x=3``).
2. One of the command's options is an option: exactly (``--at``, ``-o``), as
   ``--name=value``, as an unambiguous abbreviation (``--asc``), or a short
   option with its value attached (``-ograph.svg``). An option's value is never
   the expression (``--output -y`` gives ``--output`` the value ``-y``).
3. Any other argument that starts with ``-`` is the expression when it cannot
   be an option name: the character after the ``-`` is not a letter (``-2*x``,
   ``-(x + 1)``, ``-.5``) or it holds a character no option has (``-x^2``,
   ``-sin(x)``, ``-x*y``, ``-x + 1``).
4. ``-x`` or ``-xy`` alone (a name after the minus: it could be a mistyped
   option) is the expression only when the command has no other expression.

Arguments starting with ``--`` are options unless ``--`` comes before them.
The chosen argument is handed to argparse with a space in front (argparse never
takes an argument that starts with a space for an option) and :func:`restore`
takes the space off again.

>>> import argparse
>>> p = argparse.ArgumentParser()
>>> _ = p.add_argument("expr"); _ = p.add_argument("--at"); _ = p.add_argument("--ascii", action="store_true")
>>> scan(["-x^2", "--at", "x=3"], p).argv
[' -x^2', '--at', 'x=3']
>>> scan(["--", "-x", "--at", "x=3"], p).argv
[' -x', '--at', 'x=3']
>>> scan(["-x", "--at", "x=3", "--asc"], p).argv, scan(["x", "-y"], p).argv
([' -x', '--at', 'x=3', '--asc'], ['x', '-y'])
"""
from __future__ import annotations

import argparse
import re
from typing import NamedTuple, Sequence

OPTION_NAME = re.compile(r"-[A-Za-z][A-Za-z0-9_-]*")
"""What a single-dash option could look like: ``-x``, ``-o``, ``-x1`` (rule 4)."""


class Scan(NamedTuple):
    argv: list[str]  # the arguments for argparse
    restore: dict[str, str]  # the argument argparse gets -> the expression as written
    debug: bool  # --debug is among the options


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}  # noqa: SLF001


def _takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def _known(token: str, options: dict[str, argparse.Action]) -> tuple[bool, int]:
    """Is ``token`` an option of the command; how many arguments after it are its value."""
    if token in options:
        return True, int(_takes_value(options[token]))
    if token.startswith("--"):
        name = token.split("=", 1)[0]
        if "=" in token and name in options:
            return True, 0
        matches = [s for s in options if s.startswith(name) and s.startswith("--")]
        if matches:  # an abbreviation; ambiguous ones are argparse's to report
            one = options[matches[0]] if len(matches) == 1 else None
            return True, int(one is not None and "=" not in token and _takes_value(one))
        return True, 0  # an unknown long option: argparse says so
    short = options.get(token[:2])
    if short is not None and _takes_value(short):
        return True, 0  # -ograph.svg
    return False, 0


def scan(argv: Sequence[str], parser: argparse.ArgumentParser) -> Scan:
    """Mark the expression among a command's arguments (the rule in the module's doc)."""
    options = _options(parser)
    out: list[str] = []
    sure: list[int] = []  # indexes in out: rules 1 and 3
    maybe: list[int] = []  # rule 4
    plain = False  # a positional argument that does not start with '-'
    debug = False
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--" and i + 1 < len(argv):
            sure.append(len(out))
            out.append(argv[i + 1])
            i += 2
            continue
        if tok.startswith("-") and tok not in ("-", "--"):
            option, skip = _known(tok, options)
            if option:
                debug = debug or tok == "--debug"
                out.extend(argv[i:i + 1 + skip])
                i += 1 + skip
                continue
            (maybe if OPTION_NAME.fullmatch(tok) else sure).append(len(out))
        elif tok != "--":
            plain = True
        out.append(tok)
        i += 1
    chosen = sure or (maybe[:1] if len(maybe) == 1 and not plain else [])
    restore: dict[str, str] = {}
    for k in chosen:
        if out[k].startswith("-"):
            restore[" " + out[k]] = out[k]
            out[k] = " " + out[k]
    return Scan(out, restore, debug)


def prepare(argv: Sequence[str], parser: argparse.ArgumentParser,
            commands: dict[str, argparse.ArgumentParser]) -> Scan:
    """The whole command line: global options, the command, then its arguments.

    Commands whose positional argument is ``EXPR`` get :func:`scan`; the others
    (``check KEY SUBMISSION``, ``demo``) are left as argparse reads them.
    """
    argv = list(argv)
    top = _options(parser)
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        i += 1
    debug = "--debug" in argv[:i] and "--debug" in top
    if i == len(argv) or argv[i] not in commands:
        return Scan(argv, {}, debug)
    sub = commands[argv[i]]
    if not any(a.dest == "expr" and not a.option_strings for a in sub._actions):  # noqa: SLF001
        return Scan(argv, {}, debug or "--debug" in argv[i + 1:])
    inner = scan(argv[i + 1:], sub)
    return Scan(argv[:i + 1] + inner.argv, inner.restore, debug or inner.debug)


def restore(args: argparse.Namespace, scanned: Scan) -> argparse.Namespace:
    """Put the expression back as it was written (without the space :func:`scan` added)."""
    expr = getattr(args, "expr", None)
    if isinstance(expr, str) and expr in scanned.restore:
        args.expr = scanned.restore[expr]
    return args
