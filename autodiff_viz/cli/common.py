"""Options and input handling shared by the subcommands (trace, grad, render, ...).

Nothing heavy is imported here: numpy and the core load inside the
functions that need them, each view only for the format asked for.

>>> parse_assignments("x1=2, x2=[1, 2.5]")
{'x1': 2.0, 'x2': [1.0, 2.5]}
>>> merge_assignments(["x=−2", "W=[[1, −1], [0, 2]]"])   # the minus sign the views print
{'x': -2.0, 'W': [[1.0, -1.0], [0.0, 2.0]]}
>>> split_names("x1, x2")
['x1', 'x2']
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import IO, Any

BUILTIN_EXAMPLE = "sin(x1) + x1*x2"
BUILTIN_POINT = {"x1": 2.0, "x2": 3.0}
FORMATS = ("table", "json", "markdown", "latex", "csv")


EXPR_HELP = ("an expression or a program ('a = x1*x2; z = a + sin(x1)'); '-' reads it "
             "from standard input, '@FILE' from a file. It may start with a minus "
             "(-x^2, -2*x): an argument that is not one of the options is the "
             "expression; a bare -name (-x) only when there is no other; "
             "write -- before it to be sure (-- -x)")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter (descriptions as written), its width from ``$COLUMNS`` or the
    terminal as argparse's own, found without importing shutil (a start-up cost)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:  # shutil.get_terminal_size's rule
            try:
                width = int(os.environ["COLUMNS"])
            except (KeyError, ValueError):
                width = 0
            if width <= 0:
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
                except (AttributeError, ValueError, OSError):
                    width = 0
            width = (width or 80) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def add_source_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR", help=EXPR_HELP)


def add_debug_option(p: argparse.ArgumentParser) -> None:
    """``--debug`` after the command too (``autodiff-viz trace ... --debug``)."""
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show a Python traceback on errors (for bug reports)")


def add_point_option(p: argparse.ArgumentParser) -> None:
    """``--at``, which may be given several times (the values are merged)."""
    p.add_argument("--at", metavar="POINT", default=None, action="append",
                   help="input values, e.g. x1=2,x2=3 (a name may take a list: x=[1,2,3]; "
                        "'−2' is -2), or a JSON or TOML file of them (@FILE, or a path ending "
                        "in .json/.toml); several --at are merged (a name given twice is "
                        "an error)")


def add_notation_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--notation", choices=("w", "v", "u"), default="w",
                   help="node names: w1 w2 … (default), v-1 v0 v1 … (inputs ≤ 0), or u1 u2 …")


def add_digits_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--digits", type=digits_type, default=4, metavar="N",
                   help="significant digits to print, 1 to 17 (default: 4; CSV and JSON "
                        "keep full precision)")


def digits_type(text: str) -> int:
    """``--digits``: significant digits, 1 to 17."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of digits, got {text!r}") from None
    if not 1 <= n <= 17:
        raise argparse.ArgumentTypeError(f"digits must be between 1 and 17, got {n}")
    return n


def width_type(text: str) -> int:
    """``--width``: at least 40 columns."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of columns, got {text!r}") from None
    if n < 40:
        raise argparse.ArgumentTypeError(f"width must be at least 40 columns, got {n}")
    return n


def add_trace_options(p: argparse.ArgumentParser, modes: bool = True) -> None:
    """The options every command that runs the passes shares."""
    add_point_option(p)
    if modes:
        p.add_argument("--mode", choices=("primal", "forward", "reverse", "both"),
                       default="both", help="which passes to run (default: both)")
    p.add_argument("--wrt", metavar="INPUTS", default=None,
                   help="forward mode: seed these inputs, one pass each, e.g. x1 or x1,x2 "
                        "(default: every input in turn, one pass each: the whole gradient, "
                        "as in reverse mode)")
    p.add_argument("--seed", metavar="DIRECTION", default=None, action="append",
                   help="forward mode: one pass along a direction instead of --wrt, "
                        "e.g. x1=1,x2=0.5 (inputs not named are 0; several --seed are "
                        "merged)")
    p.add_argument("--output", metavar="NAME", default=None,
                   help="reverse mode: the output to differentiate (default: every output)")
    add_notation_option(p)
    add_digits_option(p)
    p.add_argument("--no-share", action="store_true",
                   help="keep identical subexpressions as separate nodes")


COLOR_HELP = ("colour (default: auto: on a terminal, or when FORCE_COLOR is set; never "
              "when NO_COLOR is set)")


def add_color_options(p: argparse.ArgumentParser, what: str = "in the terminal view") -> None:
    """``--color auto|always|never`` and ``--no-color`` (the same as ``--color never``)."""
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help=COLOR_HELP.replace("colour", f"colour {what}", 1))
    p.add_argument("--no-color", dest="color", action="store_const", const="never",
                   help="the same as --color never")


def add_view_options(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS,
                     format_help: str = "table: the terminal view (default); json, markdown, "
                                        "latex, csv: for documents and programs",
                     width_help: str = "") -> None:
    """Output options every command that shows a trace shares: format, width, colour,
    ASCII, the largest matrix in full; and ``--debug`` after the command."""
    p.add_argument("--format", choices=formats, default=formats[0], help=format_help)
    p.add_argument("--width", type=width_type, default=None, metavar="COLUMNS",
                   help="width of the terminal view (default: the terminal's, or $COLUMNS, "
                        "or 100 when piped)" + width_help)
    add_color_options(p)
    p.add_argument("--ascii", action="store_true",
                   help="plain ASCII: dz/dw1 instead of w̄1, * instead of ·, - for − "
                        "(automatic when standard output cannot write Unicode)")
    add_matrix_option(p)
    add_debug_option(p)


def read_source(expr: str) -> str:
    """EXPR itself, or standard input for '-', or a file for '@FILE'."""
    from ..errors import InputError

    if expr == "-":
        from ..readfile import read_stdin  # bounded: at most 2 MB, UTF-8 text, no NUL

        try:
            text = read_stdin(InputError, "standard input (EXPR is '-')")
        except OSError as err:
            raise InputError(f"cannot read standard input (EXPR is '-'): {err}",
                             hint="pipe UTF-8 text in, or give the expression itself") from None
        if not text.strip():
            raise InputError("nothing to read on standard input (EXPR is '-')",
                             hint="pipe an expression in, e.g. echo 'sin(x1) + x1*x2' | "
                                  "autodiff-viz trace - --at x1=2,x2=3")
        return text
    if expr.startswith("@"):
        from ..readfile import read_text  # bounded: a regular file of at most 2 MB (issue 10)

        path = Path(expr[1:])
        return read_text(path, InputError, name=str(path), hint="check the file name after '@'")
    return expr


def _number(name: str, text: str) -> Any:
    from ..errors import InputError

    import numpy as np

    text = text.strip()
    shown = text
    text = text.replace("\u2212", "-")  # the minus sign the views print: −2
    try:
        if text.startswith("["):  # a vector [1,2] or a matrix [[1,1],[1,1]]
            import json

            value = json.loads(text)
            arr = np.asarray(value, dtype=float)
            if arr.size == 0 or arr.ndim > 2 or any(isinstance(v, bool) for v in
                                                      np.ravel(np.asarray(value, dtype=object))):
                raise ValueError
            return arr.tolist()
        return float(text)
    except RecursionError:
        raise InputError(f"value of {name!r} is nested too deeply: {shown[:20]!r}…",
                         hint="a value is a number, a vector or a matrix") from None
    except (ValueError, TypeError):
        if len(shown) > 60:
            shown = shown[:59] + "…"
        raise InputError(f"value of {name!r} is not a number, a vector or a matrix: {shown!r}",
                         hint=f"write {name}=2.5, {name}=[1,2,3] or {name}=[[1,1],[1,1]] "
                              "(rows of equal length)") from None


def parse_assignments(text: str, what: str = "--at") -> dict[str, Any]:
    """``x1=2,x2=3`` (vectors ``x=[1,2]``, matrices ``W=[[1,1],[1,1]]``) into a dict;
    ``@FILE`` reads JSON, TOML or a numpy ``.npz`` archive.

    A path ending in ``.json``, ``.toml`` or ``.npz`` is read as a file without the ``@``.
    """
    from ..errors import InputError

    text = text.strip()
    if text.startswith("@"):
        return _read_table(Path(text[1:]), what)
    if "=" not in text and text.lower().endswith((".json", ".toml", ".npz")):
        return _read_table(Path(text), what)
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
                             hint=f"write {what} x1=2,x2=3 (or {what} @values.json)")
        name, value = part.split("=", 1)
        name = name.strip()
        if not name:
            raise InputError(f"{what}: a value has no name: {part.strip()!r}",
                             hint=f"write {what} x1=2,x2=3")
        if name in out:
            raise InputError(f"{what}: {name!r} is given twice",
                             hint="give each name once")
        out[name] = _number(name, value)
    if not out:
        raise InputError(f"{what} is empty", hint=f"write {what} x1=2,x2=3")
    return out


def merge_assignments(texts: str | list[str] | None, what: str = "--at") -> dict[str, Any]:
    """Several ``--at`` (or ``--seed``) merged into one dict; a name given twice, within
    one or across them, is an error."""
    from ..errors import InputError

    if texts is None:
        return {}
    if isinstance(texts, str):
        texts = [texts]
    out: dict[str, Any] = {}
    for text in texts:
        for name, value in parse_assignments(text, what).items():
            if name in out:
                raise InputError(f"{what}: {name!r} is given twice",
                                 hint=f"give each name once (several {what} are merged)")
            out[name] = value
    return out


def _read_table(path: Path, what: str) -> dict[str, Any]:
    from ..errors import InputError, LocatedInputError
    from ..readfile import check_depth, read_bytes, require_regular, too_deep  # issue 10

    if path.suffix.lower() == ".npz":  # numpy's archive of named arrays
        import numpy as np
        require_regular(path, InputError, name=f"{what}: {path}")  # not a FIFO or device
        try:
            with np.load(path, allow_pickle=False) as archive:
                return {k: archive[k].tolist() for k in archive.files}
        except (OSError, ValueError) as err:
            raise InputError(f"{what}: cannot read {path} as a numpy .npz archive: {err}",
                             hint="write it with numpy.savez(path, W=..., x=...)") from None
    try:  # bounded: a regular file of at most 2 MB, nested at most 100 deep (issue 10)
        raw = read_bytes(path, InputError, name=str(path), hint="check the file name")
    except InputError as err:
        raise InputError(f"{what}: {err.message}", hint=err.hint) from None
    toml = path.suffix.lower() == ".toml"
    text = raw.decode("utf-8", errors="replace")
    check_depth(text, "toml" if toml else "json", error_type=InputError, name=f"{what}: {path}")
    try:
        if toml:
            try:
                import tomllib
            except ImportError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
        else:
            import json

            data = json.loads(text)
    except RecursionError:
        raise too_deep(None, InputError, name=f"{what}: {path}") from None
    except ValueError as err:
        line, column, msg = _error_position(err)
        raise LocatedInputError(f"{what}: {path} is not valid {'TOML' if toml else 'JSON'}: {msg}",
                                path=None, source=text, line=line, column=column,
                                hint='write a table of numbers, e.g. x1 = 2 (TOML) or '
                                     '{"x1": 2} (JSON)') from None
    if not isinstance(data, dict):
        raise InputError(f"{what}: {path} must hold a table of name = value",
                         hint='for example {"x1": 2, "x2": 3}')
    return data


def _error_position(err: ValueError) -> tuple[int | None, int | None, str]:
    """Line, column and message of a JSON or TOML decoding error."""
    if hasattr(err, "lineno"):
        return err.lineno, err.colno, err.msg  # type: ignore[attr-defined]
    m = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
    if m:
        return int(m.group(1)), int(m.group(2)), str(err)[: m.start()].strip()
    return None, None, str(err)


def split_names(text: str) -> list[str]:
    """``x1,x2`` into ``['x1', 'x2']`` (spaces ignored)."""
    return [n.strip() for n in text.split(",") if n.strip()]


def trace_from_args(args: argparse.Namespace) -> Any:
    """Parse EXPR and run the passes the options ask for; returns a Trace.

    ``--wrt`` may name several inputs (one forward pass each). Without ``--wrt`` and
    ``--seed`` forward mode seeds every input in turn, one pass each, as ``av.trace``
    does: the one rule of which input forward mode seeds (``demo`` alone asks for x2).
    """
    from ..api import trace
    from ..errors import InputError
    from ..parse_fast import parse

    source = read_source(args.expr)
    graph = parse(source, share=not args.no_share)
    at = merge_assignments(args.at)
    mode = getattr(args, "mode", "both")
    seed = merge_assignments(args.seed, "--seed") if args.seed else None
    # a seed may be an array: a direction for a vector or matrix input (one entry: a 1)
    wrt: Any = split_names(args.wrt) if args.wrt else None
    if args.wrt is not None and not wrt:
        raise InputError("--wrt is empty", hint=f"name an input: {', '.join(graph.input_names)}")
    if wrt is not None and seed is not None and mode in ("forward", "both"):
        raise InputError("give either --wrt or --seed, not both",
                         hint="--wrt x1 is the seed x1=1 with every other input 0")
    return trace(graph, at, mode=mode, wrt=wrt, seed=seed, output=args.output,
                 notation=args.notation)


def use_color(args: argparse.Namespace, stream: IO[str] | None = None) -> bool:
    """``--color``: always, never, or auto (:func:`.streams.color_wanted`: NO_COLOR,
    FORCE_COLOR, a terminal, TERM not dumb)."""
    from .streams import color_wanted

    return color_wanted(getattr(args, "color", "auto"), stream)


def view_style(args: argparse.Namespace, stream: IO[str] | None = None) -> str:
    """``text`` (ASCII) for ``--ascii`` or an output that cannot write Unicode, else
    ``unicode``."""
    from .streams import writes_unicode

    return "text" if getattr(args, "ascii", False) or not writes_unicode(stream) else "unicode"


def view_width(args: argparse.Namespace, stream: IO[str] | None = None) -> int:
    """``--width``, else the terminal's width, else ``$COLUMNS``, else 100."""
    if getattr(args, "width", None):
        return int(args.width)
    stream = stream or sys.stdout
    if _isatty(stream):
        try:
            return max(40, os.get_terminal_size(stream.fileno()).columns)
        except (OSError, ValueError):
            pass
    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def emit(text: str, stream: IO[str] | None = None, style: str = "unicode") -> None:
    """Write ``text`` and a newline; a closed pipe (``| head``) ends quietly. In the
    ``text`` style (``--ascii``) every character is ASCII (``∂`` as ``d``, ``…`` as
    ``...``), whatever the view wrote."""
    stream = stream or sys.stdout
    if style == "text":
        from .streams import ascii_text

        text = ascii_text(text)
    try:
        stream.write(text + "\n")
        stream.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at /dev/null first.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def matrix_size_type(text: str) -> tuple[int, int]:
    """``--matrix-size``: ``ROWSxCOLUMNS`` (``6x6``, ``3×8``) or one number for both.

    >>> matrix_size_type("6x6"), matrix_size_type("3X8"), matrix_size_type("5")
    ((6, 6), (3, 8), (5, 5))
    """
    parts = text.strip().lower().replace("×", "x").split("x")
    try:
        rows, cols = (int(p) for p in (parts * 2 if len(parts) == 1 else parts))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected ROWSxCOLUMNS such as 6x6, got {text!r}") from None
    if rows < 1 or cols < 1:
        raise argparse.ArgumentTypeError(f"a matrix size must be at least 1x1, got {text!r}")
    return rows, cols


def add_matrix_option(p: argparse.ArgumentParser) -> None:
    """``--matrix-size``: the largest vector or matrix printed in full."""
    p.add_argument("--matrix-size", type=matrix_size_type, default=(4, 4), metavar="RxC",
                   dest="max_matrix",
                   help="vectors and matrices up to R rows and C columns are printed in "
                        "full (a vector: up to the larger of R and C entries), larger ones "
                        "summarised by shape, min, max and first entries (default: 4x4)")
