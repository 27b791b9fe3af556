"""Options and input handling shared by the subcommands (trace, grad, render, ...)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BUILTIN_EXAMPLE = "sin(x1) + x1*x2"
BUILTIN_POINT = {"x1": 2.0, "x2": 3.0}


def add_source_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR",
                   help="an expression or a program ('a = x1*x2; z = a + sin(x1)'); "
                        "'-' reads it from standard input, '@FILE' from a file")


def add_trace_options(p: argparse.ArgumentParser, modes: bool = True) -> None:
    """The options every command that runs the passes shares."""
    p.add_argument("--at", metavar="POINT", default=None,
                   help="input values, e.g. x1=2,x2=3 (a name may take a list: x=[1,2,3]), "
                        "or @FILE with a JSON or TOML table of them")
    if modes:
        p.add_argument("--mode", choices=("primal", "forward", "reverse", "both"),
                       default="both", help="which passes to run (default: both)")
    p.add_argument("--wrt", metavar="INPUT", default=None,
                   help="forward mode: seed this input (default: the first input)")
    p.add_argument("--seed", metavar="DIRECTION", default=None,
                   help="forward mode: a direction instead of --wrt, e.g. x1=1,x2=0.5")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="reverse mode: the output to differentiate (default: every output)")
    p.add_argument("--notation", choices=("w", "v", "u"), default="w",
                   help="node names: w1 w2 … (default), v-1 v0 v1 … (inputs ≤ 0), or u1 u2 …")
    p.add_argument("--digits", type=int, default=4, metavar="N",
                   help="significant digits to print (default: 4)")
    p.add_argument("--no-share", action="store_true",
                   help="keep identical subexpressions as separate nodes")


def read_source(expr: str) -> str:
    """EXPR itself, or standard input for '-', or a file for '@FILE'."""
    from ..errors import InputError

    if expr == "-":
        return sys.stdin.read()
    if expr.startswith("@"):
        path = Path(expr[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"cannot read {path}: {err.strerror}",
                             hint="check the file name after '@'") from None
    return expr


def _number(name: str, text: str) -> Any:
    from ..errors import InputError

    text = text.strip()
    try:
        if text.startswith("["):
            value = json.loads(text)
            if not isinstance(value, list) or not all(isinstance(v, (int, float)) for v in value):
                raise ValueError
            return [float(v) for v in value]
        return float(text)
    except ValueError:
        raise InputError(f"value of {name!r} is not a number: {text!r}",
                         hint=f"write {name}=2.5 or {name}=[1,2,3]") from None


def parse_assignments(text: str, what: str = "--at") -> dict[str, Any]:
    """``x1=2,x2=3`` (lists allowed: ``x=[1,2]``) into a dict; ``@FILE`` reads JSON/TOML."""
    from ..errors import InputError

    text = text.strip()
    if text.startswith("@"):
        return _read_table(Path(text[1:]), what)
    out: dict[str, Any] = {}
    parts: list[str] = []
    depth, cur = 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    for part in parts:
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(f"{what}: {part.strip()!r} is not of the form name=value",
                             hint=f"write {what} x1=2,x2=3")
        name, value = part.split("=", 1)
        name = name.strip()
        if name in out:
            raise InputError(f"{what}: {name!r} is given twice")
        out[name] = _number(name, value)
    return out


def _read_table(path: Path, what: str) -> dict[str, Any]:
    from ..errors import InputError

    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"{what}: cannot read {path}: {err.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            try:
                import tomllib
            except ImportError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except ValueError as err:
        raise InputError(f"{what}: {path} is not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {err}") from None
    if not isinstance(data, dict):
        raise InputError(f"{what}: {path} must hold a table of name = value")
    return data


def trace_from_args(args: argparse.Namespace, default_wrt_first: bool = True) -> Any:
    """Parse EXPR and run the passes the options ask for; returns a Trace."""
    from ..api import trace
    from ..parser import parse

    source = read_source(args.expr)
    graph = parse(source, share=not args.no_share)
    at = parse_assignments(args.at) if args.at else {}
    mode = getattr(args, "mode", "both")
    seed = parse_assignments(args.seed, "--seed") if args.seed else None
    wrt = args.wrt
    if wrt is None and seed is None and default_wrt_first and graph.input_names:
        wrt = graph.input_names[0]
    return trace(graph, at, mode=mode, wrt=wrt, seed=seed, output=args.output,
                 notation=args.notation)
