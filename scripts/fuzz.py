"""Fuzz the tool from outside: random programs, points and answers through every stage.

Each case is made from one integer seed (so a failure is replayed with ``--seed N``):
a program from a grammar over the whole operation table (or a mutation of one, or
random characters), a point with ordinary, tiny, huge and zero values (numbers,
vectors or matrices), then parse → primal, forward and reverse passes → every view
→ the checker on a view's own table and on a mangled copy of it.

A case is a **crash** when anything raises an exception that is not the project's
own (``AutodiffVizError``), and **unflagged** when a value, tangent, adjoint or
gradient entry is inf or nan and the trace raises no flag about it.

    python scripts/fuzz.py                 # 100,000 cases, a summary
    python scripts/fuzz.py -n 2000 --seed 7
    python scripts/fuzz.py --cli -n 2000   # command lines: no traceback, no internal error
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autodiff_viz as av  # noqa: E402
from autodiff_viz.errors import AutodiffVizError  # noqa: E402

NAMES = ["x", "y", "x1", "x2", "w11", "w12", "e", "pi", "theta", "b"]
NUMBERS = ["0", "1", "2", "0.5", "3", "1e3", "1e-300", "1e308", "2.5", "0.0"]
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs",
         "softplus", "sign", "step", "hardtanh", "leaky_relu", "-"]
BINARY = ["+", "-", "*", "/", "^", "**"]
CALL2 = ["max", "min"]
REDUCE = ["sum", "mean", "max", "min", "norm2", "softmax", "log_softmax", "logsumexp"]
POINT_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -3.0, 1e-308, 5e-324, 1e308, -1e308,
                1e154, 1e-154, 710.0, -745.0, math.pi, 1e16]
PIECES = ["x", "y", "1", "2.5.3", "(", ")", "+", "-", "*", "/", "^", "**", ",", "=", ";",
          "\n", " ", "sin", "max", "axis=0", "@", ".T", "^T", "e", "pi", "−", "σ", "$",
          "[", "]", ":", "2x3", "x1x2", "\t", "#", "'", '"', "\\", "\x00"]


def expression(rng: random.Random, depth: int = 0) -> str:
    """A random expression over the operation table (mostly valid, sometimes not)."""
    if depth > 4 or rng.random() < 0.25 + 0.1 * depth:
        return rng.choice(NAMES if rng.random() < 0.7 else NUMBERS)
    kind = rng.random()
    if kind < 0.35:
        return f"({expression(rng, depth + 1)}) {rng.choice(BINARY)} ({expression(rng, depth + 1)})"
    if kind < 0.65:
        f = rng.choice(UNARY)
        inner = expression(rng, depth + 1)
        return f"-({inner})" if f == "-" else f"{f}({inner})"
    if kind < 0.75:
        return f"{rng.choice(CALL2)}({expression(rng, depth + 1)}, {expression(rng, depth + 1)})"
    if kind < 0.85:
        return f"{rng.choice(REDUCE)}({expression(rng, depth + 1)})"
    if kind < 0.92:
        return f"({expression(rng, depth + 1)}) @ ({expression(rng, depth + 1)})"
    return f"({expression(rng, depth + 1)}).T"


def program(rng: random.Random) -> str:
    """An expression, a program of assignments, a mutation, or random pieces."""
    r = rng.random()
    if r < 0.55:
        return expression(rng)
    if r < 0.75:
        lines, names = [], []
        for i in range(rng.randint(1, 4)):
            e = expression(rng)
            if names and rng.random() < 0.6:
                e = f"{e} + {rng.choice(names)}"
            name = rng.choice(["h", "a", "z", "L", "f", "e", "u1"]) + str(i)
            lines.append(f"{name} = {e}")
            names.append(name)
        return "\n".join(lines)
    if r < 0.9:  # mutate a valid expression: delete, duplicate or replace characters
        text = list(expression(rng))
        for _ in range(rng.randint(1, 3)):
            if not text:
                break
            i = rng.randrange(len(text))
            op = rng.random()
            if op < 0.33:
                del text[i]
            elif op < 0.66:
                text.insert(i, text[i])
            else:
                text[i] = rng.choice("()+-*/^,.=;x1 e\n")
        return "".join(text)
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))


def point(rng: random.Random, names: list[str]) -> dict[str, Any]:
    """Values for the inputs: extreme numbers, and sometimes vectors or matrices."""
    shape: tuple[int, ...] = rng.choice([(), (), (), (3,), (2, 2), (1,)])
    at: dict[str, Any] = {}
    for name in names:
        own = shape if rng.random() < 0.85 else rng.choice([(), (2,), (3,)])
        if own:
            at[name] = np.array([rng.choice(POINT_VALUES) for _ in range(int(np.prod(own)))]
                                ).reshape(own)
        else:
            at[name] = rng.choice(POINT_VALUES)
    return at


@dataclass
class Outcome:
    """What one case did: ``ok``, ``error`` (the project's own), ``crash`` or ``unflagged``."""

    kind: str
    detail: str = ""


def _nonfinite(v: Any) -> bool:
    try:
        return not bool(np.all(np.isfinite(np.asarray(v, dtype=float))))
    except (TypeError, ValueError):
        return False


def unflagged(t: av.Trace) -> str:
    """A description of the first inf/nan result that no flag mentions, or ''.

    Results are every stored value, tangent and adjoint (by node) and every
    gradient entry (by input); a flag on the node, or on the input, covers them.
    """
    flags = t.flags
    for s in t.steps:
        if _nonfinite(s.value) and s.name not in flags:
            return f"value of {s.name}"
    for k, record in enumerate(t.forward):
        for s, v in zip(t.steps, record.tangents):
            if _nonfinite(v) and s.name not in flags:
                return f"tangent of {s.name} in forward pass {k}"
    for k, record in enumerate(t.reverse):
        for s, v in zip(t.steps, record.adjoints):
            if v is not None and _nonfinite(v) and s.name not in flags:
                return f"adjoint of {s.name} in reverse pass {k}"
    # a gradient entry is an input's adjoint (reverse) or an output's tangent (forward)
    by_input = {s.expression: s.name for s in t.steps if s.kind == "input"}
    outputs = {t.names[i] for _, i in t.graph.outputs}
    for name, g in (t.gradient or {}).items():
        if _nonfinite(g) and by_input.get(name) not in flags and not outputs & set(flags):
            return f"gradient entry d/d{name}"
    return ""


def _views(t: av.Trace) -> list[str]:
    from autodiff_viz.cli.trace_cmd import render
    from autodiff_viz.views.step import print_all

    out = [render(t, fmt, 4) for fmt in ("table", "json", "csv", "markdown", "latex")]
    out.append(render(t, "table", 3, "text", 60))
    out.append(print_all(t, 4, "unicode"))
    out.append(t.to_dot())
    json.loads(out[1], parse_constant=_strict)
    return out


def _strict(name: str) -> None:
    raise ValueError(f"JSON holds {name}, which strict JSON parsers reject")


def _mangle(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i = rng.randrange(len(lines))
        r = rng.random()
        if r < 0.3:
            del lines[i]
        elif r < 0.6:
            lines[i] = lines[i].replace("=", "= -", 1)
        elif r < 0.8:
            lines[i] = lines[i][::-1]
        else:
            lines.insert(i, rng.choice(["", "\x00", "x = ", "= 3", "∂z/∂x = 1/0", "ȳ = 1e999"]))
    return "\n".join(lines)


def run_case(seed: int) -> Outcome:
    """One fuzz case from ``seed``, through every stage."""
    rng = random.Random(seed)
    text = program(rng)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a numpy warning leaking to users is a failure
            try:
                g = av.parse(text)
            except AutodiffVizError:
                return Outcome("error")
            at = point(rng, list(g.input_names))
            mode = rng.choice(["primal", "forward", "reverse", "reverse"])
            try:
                t = av.trace(g, at, mode=mode)
            except AutodiffVizError:
                return Outcome("error")
            missed = unflagged(t)
            if missed:
                return Outcome("unflagged", f"{missed}: {text!r} at {at}")
            views = _views(t)
            if mode == "reverse" and g.op_count and not any(np.ndim(v) for v in at.values()):
                key = {"expression": text, "at": {k: (v.tolist() if isinstance(v, np.ndarray)
                                                      else v) for k, v in at.items()},
                       "ask": [{"kind": "reverse"}]}
                for answer in (views[0], _mangle(rng, views[0])):
                    try:
                        av.check(key, answer)
                    except AutodiffVizError:
                        pass
    except Exception as err:  # noqa: BLE001 - this is what the fuzzer looks for
        tb = traceback.format_exception(type(err), err, err.__traceback__)
        return Outcome("crash", f"{type(err).__name__}: {err} in {text!r}\n{''.join(tb[-3:])}")
    return Outcome("ok")


OPTIONS = {
    "trace": ["--mode", "--wrt", "--seed", "--output", "--notation", "--digits", "--format",
              "--width", "--color", "--no-color", "--ascii", "--matrix-size", "--no-share",
              "--step", "--debug"],
    "grad": ["--mode", "--wrt", "--digits", "--format", "--ascii", "--width", "--debug"],
    "render": ["--mode", "--format", "--rankdir", "--digits", "--no-table", "--max-edge-labels",
               "--matrix-size", "--params", "--timeout", "--contributions"],
    "demo": ["--ascii", "--format", "--digits", "--width"],
    "check": ["--format", "--only-wrong", "--hide-expected", "--details", "--student"],
}
OPTION_VALUES = ["primal", "forward", "reverse", "both", "x", "x1", "x=1", "x=1e400", "3", "-1",
                 "0", "nan", "json", "markdown", "latex", "csv", "backprop", "table", "dot",
                 "svg", "TB", "2x2", "0x0", "always", "never", "w", "v", "u", "", "−2", "\x00",
                 "x=[1,2]", "x=[[1,[2]]]", "@/dev/null", "-", "--", "9" * 40]


def command_line(rng: random.Random, tmp: Path) -> list[str]:
    """A random command line: a subcommand, an expression, options with good and bad values."""
    cmd = rng.choice(list(OPTIONS) + ["", "bogus"])
    argv = [cmd] if cmd else []
    if cmd == "check":
        argv += [str(tmp / "key.toml"), rng.choice([str(tmp / "sub.txt"), str(tmp / "bin.txt"),
                                                    str(tmp), "/dev/null", str(tmp / "none")])]
    elif cmd != "demo":
        text = expression(rng) if rng.random() < 0.8 else rng.choice(OPTION_VALUES)
        argv.append(text)
        if rng.random() < 0.9:  # mostly a value for every input, sometimes some are missing
            try:
                names = list(av.parse(text).input_names)
            except AutodiffVizError:
                names = []
            if not names or rng.random() < 0.1:
                names = rng.sample(NAMES, rng.randint(1, 3))
            argv += ["--at", ",".join(f"{n}={rng.choice(POINT_VALUES)!r}" for n in names)]
    for _ in range(rng.randint(0, 3) if rng.random() < 0.7 else 0):
        argv.append(rng.choice(OPTIONS.get(cmd, ["--help", "--version", "-x"])))
        if rng.random() < 0.7:
            argv.append(rng.choice(OPTION_VALUES))
    if cmd == "render":
        argv += ["-o", str(tmp / "out.dot"), "--format", "dot"]
    if rng.random() < 0.2:
        rng.shuffle(argv)
    return argv


def run_command(argv: list[str]) -> Outcome:
    """Run the CLI in-process; a traceback or an internal error (exit 70) is a crash."""
    import contextlib
    import io

    from autodiff_viz.cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO("sin(x1) + x1*x2\n")  # for EXPR '-'
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(argv)
        except SystemExit as done:  # argparse: --help, --version, usage errors
            code = done.code if isinstance(done.code, int) else 2
        except BaseException as e:  # noqa: BLE001 - escaping main() at all is the failure
            return Outcome("crash", f"{type(e).__name__}: {e} from {argv!r}")
        finally:
            sys.stdin = stdin
    traceback_ok = "--debug" in argv  # asked for: the traceback comes with the message
    if ("Traceback" in err.getvalue() and not traceback_ok) or code not in (0, 1, 2):
        return Outcome("crash", f"exit {code} from {argv!r}:\n{err.getvalue()[-600:]}")
    return Outcome("ok" if code == 0 else "error")


def cli_fixtures(tmp: Path) -> None:
    """The files that command lines for ``check`` name."""
    (tmp / "key.toml").write_text('expression = "sin(x1) + x1*x2"\nat = { x1 = 2, x2 = 3 }\n'
                                  '[[ask]]\nkind = "gradient"\n', encoding="utf-8")
    (tmp / "sub.txt").write_text("dz/dx1 = 2.58\ndz/dx2 = 2\n", encoding="utf-8")
    (tmp / "bin.txt").write_bytes(b"dz/dx1 = \x00\xff\xfe 2\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="number of cases (default 100000)")
    ap.add_argument("--seed", type=int, default=0, help="first case's seed (default 0)")
    ap.add_argument("--show", type=int, default=5, help="failures to print (default 5)")
    ap.add_argument("--cli", action="store_true",
                    help="fuzz command lines (in-process) instead of the library")
    args = ap.parse_args(argv)
    if args.cli:
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="autodiff-viz-fuzz-"))
        cli_fixtures(tmp)
        os.chdir(tmp)  # what a command writes by default (check's summary) stays there
        case = lambda seed: run_command(command_line(random.Random(seed), tmp))  # noqa: E731
    else:
        case = run_case
    counts: Counter[str] = Counter()
    shown = 0
    start = time.perf_counter()
    for seed in range(args.seed, args.seed + args.n):
        out = case(seed)
        counts[out.kind] += 1
        if out.kind in ("crash", "unflagged") and shown < args.show:
            shown += 1
            print(f"seed {seed}: {out.kind}: {out.detail}")
    took = time.perf_counter() - start
    what = "ran with exit 0" if args.cli else "traced and viewed"
    print(f"{args.n} cases in {took:.0f} s: {counts['ok']} {what}, "
          f"{counts['error']} refused with the project's own error, "
          f"{counts['crash']} crashes, {counts['unflagged']} unflagged non-finite results")
    return 1 if counts["crash"] or counts["unflagged"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
