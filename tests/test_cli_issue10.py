"""Issue 10 on the command line: nothing crashes, nothing is silently wrong.

An expression may start with a minus; an unexpected exception is a short
"internal error" (exit 70) and Ctrl-C a one-line message (exit 130); an output
that cannot write Unicode gets the ASCII view; JSON is strict; ``−2`` (the
minus sign the tool prints) is a number; several ``--at`` merge; colour follows
NO_COLOR and FORCE_COLOR in every command; ``--help`` and ``--version`` import
no numpy; and a list of nasty command lines never shows a traceback.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autodiff_viz.cli import EXIT_INTERNAL, build_parser, main
from autodiff_viz.cli.argv import prepare, scan

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "examples" / "homework"
EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"
ANSI = re.compile(r"\x1b\[")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors, --help, --version
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def proc(*argv: str, env: dict[str, str] | None = None, stdin: str | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        if env is None or name not in env:
            full.pop(name, None)
    return subprocess.run([sys.executable, "-m", "autodiff_viz", *argv], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", env=full, cwd=cwd,
                          input=stdin if stdin is not None else "", timeout=120)


def strict_loads(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


# -- 1. an expression may start with a minus --------------------------------------------

@pytest.mark.parametrize("argv", [
    ["trace", "-x^2", "--at", "x=3"],
    ["trace", "--", "-x^2", "--at", "x=3"],
    ["trace", "--at", "x=3", "--", "-x^2"],
    ["trace", "--at", "x=3", "-x^2"],
    ["trace", "--at", "x=3", "-x^2", "--mode", "reverse"],
    ["--debug", "trace", "-x^2", "--at=x=3"],
    ["trace", "-x^2", "--at", "x=3", "--debug"],
])
def test_trace_accepts_an_expression_that_starts_with_a_minus(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("z = -x^2 at x=3\n")
    assert "  ∂z/∂x = −6\n" in out and re.search(r"w3 +−w2 .* −9\n", out)


@pytest.mark.parametrize("expr, value", [("-2*x", "−6"), ("-(x + 1)", "−4"), ("-.5*x", "−1.5"),
                                         ("-x", "−3"), ("-sin(x)*0", "0"), ("-x + 1", "−2")])
def test_grad_leading_minus_forms(expr: str, value: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["grad", expr, "--at", "x=3"], capsys)
    assert (code, err) == (0, "")
    assert f"value: z = {value}\n" in out


def test_render_takes_a_leading_minus_and_keeps_its_short_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["render", "-x^2", "--at", "x=3"], capsys)
    assert code == 0 and out.startswith("digraph")
    dot = tmp_path / "g.dot"
    code, out, err = run(["render", "-o", str(dot), "-x^2", "--at", "x=3"], capsys)
    assert code == 0 and dot.read_text().startswith("digraph")
    code, out, err = run(["render", f"-o{dot}", "--", "-x", "--at", "x=3"], capsys)
    assert code == 0 and "wrote" in err


def test_a_bare_dash_name_is_an_option_when_there_is_an_expression(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "x", "-y", "--at", "x=1"], capsys)
    assert code == 2 and "unrecognized arguments: -y" in err and out == ""
    code, out, err = run(["trace", "x", "--nosuch", "--at", "x=1"], capsys)
    assert code == 2 and "unrecognized arguments: --nosuch" in err


def test_two_expressions_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "x", "-y^2", "--at", "x=1"], capsys)
    assert code == 2 and "unrecognized arguments" in err and "-y^2" in err


def test_an_options_value_is_never_the_expression(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "--output", "-z", "x", "--at", "x=1"], capsys)
    assert code == 2 and "expected one argument" in err


def test_help_still_works_and_documents_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["trace", "-h"], ["trace", "x", "--help"], ["grad", "-h"]):
        code, out, err = run(argv, capsys)
        assert code == 0 and "may start with a minus" in " ".join(out.split()), argv
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "-- -x" in out and "NO_COLOR" in out and "70 internal error" in out


def test_scan_rule_directly() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("expr")
    p.add_argument("--at")
    p.add_argument("-o", "--out-file")
    p.add_argument("--ascii", action="store_true")
    cases = {
        ("-x^2", "--at", "x=3"): [" -x^2", "--at", "x=3"],
        ("-2*x",): [" -2*x"],
        ("-x",): [" -x"],
        ("x", "-y"): ["x", "-y"],
        ("--", "--at"): [" --at"],
        ("-ofile.svg", "-x^2"): ["-ofile.svg", " -x^2"],
        ("-o", "-x", "y"): ["-o", "-x", "y"],
        ("--asc", "-x"): ["--asc", " -x"],
        ("--at=x=1", "-x"): ["--at=x=1", " -x"],
        ("-",): ["-"],
    }
    for argv, expected in cases.items():
        assert scan(list(argv), p).argv == expected, argv


def test_prepare_leaves_check_and_demo_alone() -> None:
    parser = build_parser()
    commands = parser.commands  # type: ignore[attr-defined]
    assert prepare(["check", "-k", "x"], parser, commands).argv == ["check", "-k", "x"]
    assert prepare(["--debug", "demo"], parser, commands).debug
    assert prepare(["check", "k", "--debug"], parser, commands).debug
    assert not prepare(["trace", "--", "--debug"], parser, commands).debug


# -- 2. internal errors, --debug everywhere, Ctrl-C ----------------------------------------

def _crash(args: argparse.Namespace) -> int:
    return {}["no such key"]  # type: ignore[no-any-return]


def test_an_unexpected_exception_is_a_short_internal_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from autodiff_viz.cli import trace_cmd

    monkeypatch.setattr(trace_cmd, "run", _crash)
    code, out, err = run(["trace", EXPR, "--at", AT], capsys)
    assert code == EXIT_INTERNAL == 70
    assert "Traceback" not in err
    assert err.startswith("autodiff-viz: internal error: KeyError: 'no such key'")
    assert "--debug" in err and "report it" in err
    assert f"command: autodiff-viz trace '{EXPR}' --at {AT}" in err
    from autodiff_viz import __version__
    assert f"version: autodiff-viz {__version__}, Python" in err


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_of_an_internal_error(
        where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from autodiff_viz.cli import grad_cmd

    monkeypatch.setattr(grad_cmd, "run", _crash)
    argv = ["grad", EXPR, "--at", AT]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    code, out, err = run(argv, capsys)
    assert code == 70
    assert "Traceback (most recent call last)" in err and "KeyError" in err
    assert "internal error" in err


@pytest.mark.parametrize("argv", [
    ["demo", "--debug"], ["trace", EXPR, "--at", AT, "--debug"],
    ["grad", EXPR, "--at", AT, "--debug"], ["render", EXPR, "--at", AT, "--debug"],
])
def test_debug_is_accepted_after_every_command(argv: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "")


def test_debug_after_check_is_accepted() -> None:
    r = proc("check", "key.toml", "submissions/ada.txt", "--debug", cwd=HOMEWORK)
    assert r.returncode == 0 and r.stderr == ""


def test_input_errors_with_debug_keep_their_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "log(x)", "--at", "x=0", "--debug"], capsys)
    assert code == 1 and "Traceback" in err and "DomainError" in err
    code, out, err = run(["trace", "sin(x", "--at", "x=0", "--debug"], capsys)
    assert code == 2 and "Traceback" in err and "is never closed" in err


def test_keyboard_interrupt_is_one_line_and_130(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from autodiff_viz.cli import demo_cmd

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt
    monkeypatch.setattr(demo_cmd, "run", interrupted)
    code, out, err = run(["demo"], capsys)
    assert code == 130
    assert err == "autodiff-viz: interrupted\n"


# -- 3. an output that cannot write Unicode ---------------------------------------------------

@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "latin-1"])
@pytest.mark.parametrize("argv", [
    ["demo"], ["trace", EXPR, "--at", AT], ["trace", EXPR, "--at", AT, "--step"],
    ["grad", EXPR, "--at", AT], ["trace", EXPR, "--at", AT, "--format", "markdown"],
    ["trace", "sin(θ)*x", "--at", "θ=1,x=−2", "--mode", "reverse"],
])
def test_a_non_utf8_output_gets_the_ascii_view(encoding: str, argv: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "autodiff_viz", *argv], capture_output=True,
                       env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=120)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert b"Traceback" not in r.stderr and r.stderr == b""
    out = r.stdout.decode(encoding)
    assert "∂" not in out and "ẇ" not in out
    if argv[0] != "trace" or "--format" not in argv:
        assert "dz/d" in out


def test_the_ascii_view_on_cp1252_is_the_ascii_option() -> None:
    """(and --ascii is ASCII through and through: the demo's ∂z/∂x1 marks too)"""
    auto = subprocess.run([sys.executable, "-m", "autodiff_viz", "demo"], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "cp1252"}, timeout=120)
    asked = proc("demo", "--ascii")
    assert auto.stdout.decode("cp1252") == asked.stdout
    assert asked.stdout.isascii() and "= 1*3 + 1*(-0.4161) = 2.584    dz/dx1\n" in asked.stdout


def test_an_error_on_a_non_utf8_stderr_keeps_its_caret() -> None:
    r = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", "sin(θ) +* x", "--at",
                        "x=1"], capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert r.returncode == 2
    lines = r.stderr.decode("ascii").splitlines()
    assert lines[1] == "1 | sin(?) +* x"
    assert lines[2].index("^") == lines[1].index("*")


# -- 4. strict JSON ------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["trace", "x^1000", "--at", "x=1000", "--format", "json"],
    ["trace", "x^1000 - x^1000", "--at", "x=1000", "--format", "json", "--mode", "reverse"],
    ["grad", "x^1000", "--at", "x=1000", "--format", "json"],
    ["trace", "sqrt(x)", "--at", "x=[0, 4]", "--format", "json"],
])
def test_json_output_is_strict_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 0
    assert "Infinity" not in out and "NaN" not in out
    data = strict_loads(out)
    text = json.dumps(data)
    assert '"inf"' in text or '"nan"' in text or '"-inf"' in text


def test_json_non_finite_numbers_read_back_with_float(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["grad", "x^1000", "--at", "x=1000", "--format", "json"], capsys)
    data = strict_loads(out)
    assert float(data["outputs"]["z"]["value"]) == float("inf")
    assert float(data["jacobian"]["z"]["x"]) == float("inf")


def test_check_json_report_is_strict() -> None:
    r = proc("check", "key.toml", "submissions/ben.txt", "--format", "json", cwd=HOMEWORK)
    assert r.returncode == 1
    strict_loads(r.stdout)


# -- 5. the minus sign the tool prints; several --at and --seed ---------------------------------

@pytest.mark.parametrize("at, value", [
    ("x=−2", "−2"), ("x=[−1, 2]", "[−1, 2]"), ("x=[[−1, 2], [3, −4]]", None),
])
def test_unicode_minus_in_at(at: str, value: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["grad", "sum(x)", "--at", at], capsys)
    assert (code, err) == (0, ""), err
    if value is not None:
        assert f"at x={value}" in out


def test_unicode_minus_in_seed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "x*y", "--at", "x=2,y=5", "--seed", "x=−1,y=1",
                          "--mode", "forward"], capsys)
    assert (code, err) == (0, "")
    assert "seed x=−1, y=1" in out


def test_several_at_are_merged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", EXPR, "--at", "x1=2", "--at", "x2=3"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"z = {EXPR} at x1=2, x2=3\n")
    code, out, err = run(["grad", EXPR, "--at", "x1=2", "--at", "x2=3"], capsys)
    assert code == 0 and "∂z/∂x1 = 2.584" in out


def test_several_at_with_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.json").write_text('{"x1": 2}')
    code, out, err = run(["grad", EXPR, "--at", str(tmp_path / "p.json"), "--at", "x2=3"],
                         capsys)
    assert code == 0 and "∂z/∂x2 = 2" in out


@pytest.mark.parametrize("argv, message", [
    (["trace", EXPR, "--at", "x1=2,x2=3", "--at", "x2=4"], "--at: 'x2' is given twice"),
    (["grad", EXPR, "--at", "x1=2", "--at", "x1=2,x2=3"], "--at: 'x1' is given twice"),
    (["trace", EXPR, "--at", AT, "--seed", "x1=1", "--seed", "x1=0"],
     "--seed: 'x1' is given twice"),
])
def test_a_name_given_twice_across_at_is_an_error(argv: list[str], message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and message in err


def test_several_seed_are_merged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "x*y", "--at", "x=2,y=5", "--seed", "x=1", "--seed", "y=2",
                          "--mode", "forward"], capsys)
    assert code == 0 and "seed x=1, y=2" in out


# -- 6. messages: x1x2, long lines ----------------------------------------------------------------

def test_concatenated_names_suggest_the_product(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "sin(x1) + x1x2", "--at", AT], capsys)
    assert code == 2 and out == ""
    assert "missing value for x1x2" in err
    assert "hint: did you mean x1*x2?" in err
    assert "1 | sin(x1) + x1x2\n              ^~~~\n" in err


def test_concatenated_names_from_the_program(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["grad", "a = x*2; z = ax + y", "--at", "x=1,y=2"], capsys)
    assert code == 2 and "did you mean a*x?" in err and "(line 1, column 14)" in err
    assert "1 | a = x*2; z = ax + y\n                 ^~\n" in err


def test_no_product_hint_when_the_name_is_not_made_of_names(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["trace", "x1*x2 + q", "--at", "x1=1,x2=2"], capsys)
    assert code == 2 and "did you mean" not in err and "missing value for q" in err


def test_a_long_expression_shows_a_window_with_the_caret_aligned(
        capsys: pytest.CaptureFixture[str]) -> None:
    expr = "+".join(f"x{i % 9 + 1}" for i in range(900)) + "+*x1"  # ~2,700 characters
    code, out, err = run(["trace", expr, "--at", "x1=1"], capsys)
    assert code == 2 and len(expr) > 2600
    lines = err.splitlines()
    assert lines[0].startswith("error: expected a number, a name or '(' but found '*'")
    assert max(len(line) for line in lines) < 160
    shown, caret = lines[1], lines[2]
    assert shown.startswith("1 | ...") and caret.strip() == "^"
    assert shown[caret.index("^")] == "*"


# -- 7. colour, display options, start-up ------------------------------------------------------

def test_force_color_colours_a_pipe_and_no_color_wins() -> None:
    forced = proc("trace", EXPR, "--at", AT, env={"FORCE_COLOR": "1"})
    assert forced.returncode == 0 and ANSI.search(forced.stdout)
    both = proc("trace", EXPR, "--at", AT, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert both.returncode == 0 and not ANSI.search(both.stdout)
    assert both.stdout == proc("trace", EXPR, "--at", AT).stdout
    off = proc("trace", EXPR, "--at", AT, "--no-color", env={"FORCE_COLOR": "1"})
    assert not ANSI.search(off.stdout)
    zero = proc("trace", EXPR, "--at", AT, env={"FORCE_COLOR": "0"})
    assert not ANSI.search(zero.stdout)


@pytest.mark.parametrize("argv", [
    ["demo"], ["demo", "--format", "table"], ["grad", EXPR, "--at", AT],
    ["trace", EXPR, "--at", AT], ["trace", EXPR, "--at", AT, "--step"],
    ["check", "key.toml", "submissions/ben.txt", "--format", "rich"],
    ["check", "key.toml", "submissions/ben.txt"],
])
def test_no_color_means_no_escape_sequences_in_every_command(argv: list[str]) -> None:
    r = proc(*argv, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}, cwd=HOMEWORK)
    assert r.returncode in (0, 1), r.stderr
    assert "\x1b" not in r.stdout and "\x1b" not in r.stderr


def test_force_color_colours_the_check_report() -> None:
    r = proc("check", "key.toml", "submissions/ben.txt", env={"FORCE_COLOR": "1"}, cwd=HOMEWORK)
    assert r.returncode == 1 and ANSI.search(r.stdout)


def test_demo_takes_the_display_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["demo", "--ascii", "--digits", "2"], capsys)
    assert code == 0 and "dz/dw1 = dz/dw4*dw4/dw1 + dz/dw3*dw3/dw1 = 1*3 + 1*(-0.42) = 2.6" in out
    code, out, _ = run(["demo", "--notation", "v"], capsys)
    assert code == 0 and "v1 = sin(v-1)" in out
    code, out, _ = run(["demo", "--format", "table", "--width", "60", "--color", "always"],
                       capsys)
    assert code == 0 and ANSI.search(out)
    code, out, _ = run(["demo", "--format", "json", "--matrix-size", "2x2"], capsys)
    assert code == 0 and strict_loads(out)["source"] == "sin(x1) + x1*x2"


def test_grad_takes_the_display_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["grad", EXPR, "--at", AT, "--width", "60", "--no-color",
                          "--color", "never", "--ascii", "--digits", "3",
                          "--matrix-size", "2x2", "--notation", "u"], capsys)
    assert (code, err) == (0, "") and "dz/dx1 = 2.58" in out
    code, out, _ = run(["grad", EXPR, "--at", AT, "--format", "json", "--notation", "v"], capsys)
    assert strict_loads(out)["inputs"]["x1"]["node"] == "v-1"


def test_display_options_are_the_same_in_trace_grad_and_demo() -> None:
    parser = build_parser()
    commands = parser.commands  # type: ignore[attr-defined]
    display = {"--ascii", "--width", "--color", "--no-color", "--matrix-size", "--digits",
               "--format", "--notation", "--debug"}
    for name in ("trace", "grad", "demo"):
        options = {s for a in commands[name]._actions for s in a.option_strings}
        assert display <= options, (name, display - options)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["trace", "--help"],
                                  ["grad", "--help"], ["demo", "--help"]])
def test_help_and_version_import_no_numpy(argv: list[str]) -> None:
    probe = ("import sys\nfrom autodiff_viz.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('NUMPY' if 'numpy' in sys.modules else 'none', file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                       timeout=60)
    assert r.stderr.strip().splitlines()[-1] == "none"


# -- nasty command lines: never a traceback, always 0, 1 or 2 -------------------------------------

NASTY: list[list[str]] = [
    [], [""], ["-"], ["--"], ["--", "--"], ["trace"], ["trace", ""], ["trace", "-"],
    ["trace", "--"], ["trace", "--", ""], ["trace", "-", "--at", "x=1"], ["trace", "—x"],
    ["trace", "x", "--at", ""], ["trace", "x", "--at", "="], ["trace", "x", "--at", ",,,"],
    ["trace", "x", "--at", "x=1e999"], ["trace", "x", "--at", "x=" + "9" * 5000],
    ["trace", "x", "--at", "x=" + "[" * 5000 + "1" + "]" * 5000],
    ["trace", "x", "--at", "x=[1,"], ["trace", "x", "--at", "x=[[1],[1,2]]"],
    ["trace", "x", "--at", "x=[true]"], ["trace", "x", "--at", "x=nan"],
    ["trace", "x", "--at", "x=−"], ["trace", "x", "--at", "x=1", "--digits", "9" * 5000],
    ["trace", "x", "--at", "x=1", "--width", "9" * 30],
    ["trace", "x", "--at", "x=1", "--matrix-size", "0x0"],
    ["trace", "x", "--at", "x=1", "--matrix-size", "99999999999999x9"],
    ["trace", "1e999*x", "--at", "x=1"], ["trace", "9" * 400 + "*x", "--at", "x=1"],
    ["trace", "x" * 3000, "--at", "x=1"], ["trace", "(" * 3000 + "x", "--at", "x=1"],
    ["trace", "x^" * 500 + "x", "--at", "x=2"],
    ["trace", "exp(exp(exp(x)))", "--at", "x=10", "--format", "json"],
    ["trace", "x", "--at", "x=1", "--wrt", ""], ["trace", "x", "--at", "x=1", "--seed", ""],
    ["trace", "x", "--at", "x=1", "--output", ""], ["trace", "x", "--nosuch"],
    ["trace", "x", "-q"], ["trace", "x", "--at"], ["trace", "x", "--format", "🙂"],
    ["trace", "θ²", "--at", "θ=1"], ["trace", "x\x00y", "--at", "x=1"],
    ["trace", "x\x1b[31m", "--at", "x=1"], ["trace", "\udcff\udcfe", "--at", "x=1"],
    ["trace", "x", "--at", "\udcff=1"], ["trace", "x", "--at", "x=1", "--output", "\udcff"],
    ["trace", "@", "--at", "x=1"], ["trace", "@/", "--at", "x=1"],
    ["trace", "x", "--at", "@/nonexistent"], ["trace", "x", "--at", "/"],
    ["trace", "x", "--at", "@/"], ["trace", "x", "--at", "x.npz"],
    ["trace", "x", "--at", "x=1", "--step", "--format", "csv"],
    ["grad", "", "--at", ""], ["grad", "-", "--at", "x=1"], ["grad", "--", "-x"],
    ["grad", "x", "--at", "x=1", "--output", "nosuch"], ["grad", "-x", "-y"],
    ["demo", "extra"], ["demo", "--digits", "-1"], ["demo", "--format", "backprop"],
    ["render", "x", "--at", "x=1", "--max-frames", "-1"],
    ["render", "x", "--at", "x=1", "--dpi", "0"], ["render", "x", "--at", "x=1", "--timeout", "nan"],
    ["render", "x", "--at", "x=1", "--timeout", "-1"], ["render", "x", "--at", "x=1", "-o", ""],
    ["render", "x", "--at", "x=1", "--timeout", "nan", "-o", "a.svg"],
    ["render", "x", "--at", "x=1", "--timeout", "inf", "-o", "a.png"],
    ["check"], ["check", ""], ["check", "/nonexistent.toml", "/nonexistent.txt"],
    ["--version", "trace"], ["nosuch"], ["--debug"], ["-x^2"], ["\udcff"],
]


def _ids(argv: list[str]) -> str:
    return (" ".join(argv)[:40] or "empty").encode("ascii", "backslashreplace").decode()


@pytest.mark.parametrize("argv", NASTY, ids=[_ids(a) for a in NASTY])
def test_nasty_command_lines_never_crash(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.chdir(tmp_path)
    if argv[:1] == ["render"] and "--timeout" not in argv:
        monkeypatch.setenv("PATH", "")  # no Graphviz needed (and none run)
    code, out, err = run(argv, capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code:  # an error says what is wrong (no command at all: the help says what to give)
        assert err.strip() or "COMMAND" in out


@pytest.mark.parametrize("argv", [
    [b"trace", b"\xff\xfe", b"--at", b"x=1"], [b"trace", b"x", b"--at", b"x=\xff"],
    [b"grad", b"-\xff", b"--at", b"x=1"], [b"trace", b"x\xe9", b"--at", b"x\xe9=1"],
    [b"check", b"\xff.toml", b"\xfe"],
])
def test_random_bytes_in_a_real_process(argv: list[bytes]) -> None:
    r = subprocess.run([sys.executable.encode(), b"-m", b"autodiff_viz", *argv],
                       capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert b"Traceback" not in r.stderr
    assert r.returncode in (0, 1, 2)


def test_a_real_process_without_a_utf8_locale() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    env.pop("PYTHONIOENCODING", None)
    r = subprocess.run([sys.executable, "-m", "autodiff_viz", "demo"], capture_output=True,
                       env=env, timeout=120)
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    assert b"dz/dw1" in r.stdout or "∂".encode() in r.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_console_script_runs_the_reproducers() -> None:
    script = Path(sys.executable).with_name("autodiff-viz")
    if not script.exists():
        pytest.skip("the console script is not installed next to this Python")
    r = subprocess.run([str(script), "trace", "-x^2", "--at", "x=3"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "z = -x^2 at x=3" in r.stdout


def test_an_unreadable_standard_input_is_an_input_error(monkeypatch, capsys) -> None:
    from autodiff_viz.cli import main

    class Broken:
        def read(self, size: int = -1) -> str:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr("sys.stdin", Broken())
    assert main(["trace", "-", "--at", "x=1"]) == 2
    err = capsys.readouterr().err
    assert "cannot read standard input" in err and "Traceback" not in err


def test_standard_input_is_read_with_a_limit(monkeypatch, capsys) -> None:
    import io

    from autodiff_viz.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("x*" * 1_500_000 + "x"))  # 3 MB
    assert main(["trace", "-", "--at", "x=1"]) == 2
    assert "too large" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("x^2\n"))
    assert main(["grad", "-", "--at", "x=3"]) == 0
    assert "6" in capsys.readouterr().out  # d(x^2)/dx at 3
