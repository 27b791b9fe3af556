"""Every error path of the command line: message on stderr (what, where, how to fix),
exit code 2 for usage or input errors, 1 for evaluation errors, no traceback
unless --debug, nothing on stdout."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff_viz.cli import main

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def expect_error(argv: list[str], code: int, *parts: str,
                 capsys: pytest.CaptureFixture[str]) -> str:
    got, out, err = run(argv, capsys)
    assert got == code, (got, err)
    assert out == ""
    assert "Traceback" not in err
    for part in parts:
        assert part in err, (part, err)
    return err


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "bad.json").write_text('{"x1": 2,\n "x2": }\n')
    (tmp_path / "bad.toml").write_text("x1 = 2\nx2 = \n")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "prog.txt").write_text("a = x1*x2\nz = a + sinn(x1)\n")
    (tmp_path / "latin1.txt").write_bytes("x1 * \xe9".encode("latin-1"))
    return tmp_path


# -- syntax errors: caret view ----------------------------------------------------

def test_syntax_error_caret(capsys: pytest.CaptureFixture[str]) -> None:
    err = expect_error(["trace", "sin(x1 + 2", "--at", "x1=1"], 2,
                       "error: this '(' is never closed (line 1, column 4)",
                       "1 | sin(x1 + 2\n       ^\n", "hint: add the missing ')'", capsys=capsys)
    assert err.endswith("\n")


def test_syntax_error_in_a_file_names_line_and_column(files: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["trace", f"@{files / 'prog.txt'}", "--at", AT], 2,
                 "error: unknown function 'sinn' (line 2, column 9)",
                 "2 | z = a + sinn(x1)\n            ^~~~", "hint: did you mean 'sin'?",
                 capsys=capsys)


def test_syntax_error_in_grad(capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["grad", "x1 +* 2", "--at", "x1=1"], 2, "(line 1, column 5)", "^",
                 capsys=capsys)


# -- input errors ------------------------------------------------------------------

@pytest.mark.parametrize("argv, parts", [
    (["trace", EXPR, "--at", "x1=2,x3=1"],
     ["error: missing value for x2; unknown variable x3 (not used by the expression)",
      "hint: the inputs are: x1, x2"]),
    (["trace", EXPR], ["missing values for x1, x2", "e.g. --at x1=1,x2=1"]),
    (["trace", EXPR, "--at", "x1=2"], ["missing value for x2"]),
    (["trace", EXPR, "--at", "x1=two,x2=3"], ["value of 'x1' is not a number, a vector or a matrix: 'two'",
                                               "hint: write x1=2.5, x1=[1,2,3] or x1=[[1,1],[1,1]] (rows of equal length)"]),
    (["trace", EXPR, "--at", "x1=2,x2"], ["--at: 'x2' is not of the form name=value"]),
    (["trace", EXPR, "--at", "x1=2,x1=3"], ["--at: 'x1' is given twice"]),
    (["trace", EXPR, "--at", "=2"], ["--at: a value has no name"]),
    (["trace", EXPR, "--at", "x1=inf,x2=3"], ["value of 'x1' is not finite"]),
    (["trace", EXPR, "--at", "x1=[1,2],x2=[1,2,3]"], ["do not broadcast"]),
    (["trace", EXPR, "--at", "x1=[],x2=3"], ["value of 'x1' is not a number, a vector or a matrix: '[]'"]),
    (["trace", EXPR, "--at", AT, "--wrt", "q"],
     ["cannot differentiate with respect to q: not an input", "the inputs are: x1, x2"]),
    (["trace", EXPR, "--at", AT, "--wrt", ","], ["--wrt is empty"]),
    (["trace", EXPR, "--at", AT, "--output", "q"], ["unknown output 'q'", "outputs are: z"]),
    (["trace", EXPR, "--at", AT, "--wrt", "x1", "--seed", "x1=1"],
     ["give either --wrt or --seed, not both"]),
    (["trace", EXPR, "--at", AT, "--seed", "x3=1"], ["cannot seed x3: not an input"]),
    (["trace", EXPR, "--at", AT, "--seed", "x1=[1,2]"],
     ["the seed of x1 has shape 2, but x1 is a number"]),
    (["trace", "@/no/such/file.txt", "--at", AT], ["cannot read /no/such/file.txt",
                                                    "check the file name after '@'"]),
    (["trace", EXPR, "--at", "@/no/such/point.json"], ["--at: cannot read /no/such/point.json"]),
    (["trace", EXPR, "--at", "/no/such/point.toml"], ["--at: cannot read /no/such/point.toml"]),
    (["grad", "a = x*y; b = x + y", "--at", "x=1,y=2", "--output", "c"],
     ["unknown output 'c'", "outputs are: a, b"]),
    (["grad", EXPR, "--at", "x1=1"], ["missing value for x2"]),
])
def test_input_errors_exit_2(argv: list[str], parts: list[str],
                             capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(argv, 2, *parts, capsys=capsys)


def test_bad_json_point_file_shows_line_and_caret(files: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["trace", EXPR, "--at", f"@{files / 'bad.json'}"], 2,
                 "is not valid JSON: Expecting value (line 2, column 8)", '2 |  "x2": }',
                 '\n           ^\n', "hint:", capsys=capsys)


def test_bad_toml_point_file_shows_line(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["trace", EXPR, "--at", str(files / "bad.toml")], 2,
                 "is not valid TOML: Invalid value (line 2, column 6)", "2 | x2 =",
                 capsys=capsys)


def test_point_file_must_be_a_table(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["trace", EXPR, "--at", f"@{files / 'list.json'}"], 2,
                 "must hold a table of name = value", capsys=capsys)


def test_source_file_not_utf8(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(["trace", f"@{files / 'latin1.txt'}", "--at", "x1=1"], 2, "is not UTF-8 text",
                 capsys=capsys)


def test_empty_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    expect_error(["trace", "-", "--at", AT], 2, "nothing to read on standard input",
                 capsys=capsys)


# -- usage errors (argparse and option conflicts) ----------------------------------------

@pytest.mark.parametrize("argv, part", [
    (["trace", EXPR, "--at", AT, "--digits", "0"], "digits must be between 1 and 17, got 0"),
    (["trace", EXPR, "--at", AT, "--digits", "four"], "expected a whole number of digits"),
    (["trace", EXPR, "--at", AT, "--width", "10"], "width must be at least 40 columns"),
    (["trace", EXPR, "--at", AT, "--format", "html"], "invalid choice: 'html'"),
    (["trace", EXPR, "--at", AT, "--notation", "x"], "invalid choice: 'x'"),
    (["trace", EXPR, "--at", AT, "--mode", "sideways"], "invalid choice: 'sideways'"),
    (["trace", EXPR, "--at", AT, "--step", "--format", "json"],
     "--step shows the terminal view and cannot be combined with --format json"),
    (["trace"], "the following arguments are required: EXPR"),
    (["grad", EXPR, "--at", AT, "--mode", "primal"], "invalid choice: 'primal'"),
    (["nosuch"], "invalid choice: 'nosuch'"),
])
def test_usage_errors_exit_2(argv: list[str], part: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    err = expect_error(argv, 2, part, capsys=capsys)
    assert "usage: autodiff-viz" in err


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([], capsys)
    assert code == 2 and "COMMAND" in out and "trace" in out and "grad" in out


# -- evaluation errors: exit 1, naming the node ----------------------------------------

@pytest.mark.parametrize("argv, parts", [
    (["trace", "log(x - 1)", "--at", "x=1"],
     ["error: log needs a positive argument: node w3 = log(w2) (that is log(x - 1)) with w2 = 0",
      "hint: choose inputs inside the domain of every operation"]),
    (["trace", "x/y", "--at", "x=1,y=0"], ["division by zero: node w3 = w1/w2", "w2 = 0"]),
    (["trace", "sqrt(x)", "--at", "x=-4", "--format", "json"], ["sqrt needs a non-negative"]),
    (["trace", "x^y", "--at", "x=0,y=2", "--mode", "reverse"],
     ["the derivative of a^b with respect to b needs a > 0", "node w3"]),
    (["trace", "a = x - 1; z = log(a)", "--at", "x=[2,1]", "--step"],
     ["node z = log(a)", "at point 1"]),
    (["grad", "log(x)", "--at", "x=0"], ["log needs a positive argument: node w2"]),
])
def test_evaluation_errors_exit_1(argv: list[str], parts: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    expect_error(argv, 1, *parts, capsys=capsys)


# -- end to end: real processes ---------------------------------------------------------

@pytest.mark.parametrize("argv, code, part", [
    (["trace", "log(x - 1)", "--at", "x=1"], 1, "log needs a positive argument"),
    (["trace", "sin(x1", "--at", "x1=1"], 2, "(line 1, column 4)"),
    (["grad", EXPR, "--at", "x1=1"], 2, "missing value for x2"),
    (["trace", EXPR, "--at", AT, "--digits", "99"], 2, "digits must be between 1 and 17"),
])
def test_processes_exit_codes_without_traceback(argv: list[str], code: int, part: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", *argv], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == code
    assert part in proc.stderr and "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(where: str) -> None:
    argv = ["trace", "log(x - 1)", "--at", "x=1"]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", *argv], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr and "DomainError" in proc.stderr


def test_closed_pipe_is_quiet() -> None:
    """``autodiff-viz trace ... | head -1`` ends without a BrokenPipeError message."""
    many = "[" + ",".join(str(i) for i in range(5000)) + "]"  # megabytes of CSV
    proc = subprocess.Popen([sys.executable, "-m", "autodiff_viz", "trace", EXPR, "--at",
                             f"x1={many},x2=3", "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err
