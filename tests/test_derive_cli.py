"""``autodiff-viz derive``: the derivative graph on the command line (issue 14): its
text, program and JSON outputs against hand-derived numbers, the help's example as
printed, pictures, and bad input as a message and an exit code, never a traceback."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import pytest

import autodiff_viz as av
from autodiff_viz.cli import main

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors and --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_default_view_lists_the_adjoints_with_their_values(capsys) -> None:
    code, out, err = run(["derive", EXPR, "--at", AT], capsys)
    assert code == 0 and err == ""
    lines = [line.split("   = ")[0].strip() + " = " + line.split("   = ")[-1]
             for line in out.splitlines() if "   = " in line]
    assert "w̄1 = w̄4·w2 + w̄3·cos(w1) = 2.584" in lines  # cos 2 + 3
    assert "w̄2 = w̄4·w1 = 2" in lines
    assert "w3 = sin(w1) = 0.9093" in lines
    assert "  ∂z/∂x1 = w̄1 = 2.584   (dz_dx1 in the program)" in out.splitlines()


def test_the_help_quotes_real_output() -> None:
    def cli(*argv: str) -> str:
        return subprocess.run([sys.executable, "-m", "autodiff_viz", *argv], capture_output=True,
                              text=True, encoding="utf-8", timeout=60).stdout

    text, out = cli("derive", "--help"), cli("derive", EXPR, "--at", AT)
    quoted = text[text.index("  $ autodiff-viz derive"):text.index("more:")].splitlines()[1:]
    assert "\n".join(line[2:] for line in quoted).strip() == out.strip()
    for option in ("--mode", "--wrt", "--output", "--simplify", "--explain", "--at", "--format",
                   "-o FILE", "exit codes"):
        assert option in text


def test_explain_shows_every_step_between_the_two_graphs(capsys) -> None:
    code, out, _ = run(["derive", EXPR, "--simplify", "--explain"], capsys)
    assert code == 0
    before, rest = out.split("simplification: 5 steps")
    assert "  w̄1 = w̄4·w2 + w̄3·cos(w1)" in before.splitlines()
    assert "  3. drop ×1 in w̄1: 1·w2 → w2" in rest.splitlines()
    assert "  w̄1 = w2 + cos(w1)" in rest.splitlines()


def test_the_program_parses_back_and_gives_the_gradient(capsys) -> None:
    code, out, _ = run(["derive", EXPR, "--format", "program", "--simplify"], capsys)
    assert code == 0 and out.startswith("# the derivative graph (reverse mode, output z")
    g = av.parse(out, outputs=["z", "dz_dx1", "dz_dx2"])
    v = av.trace(g, {"x1": 2.0, "x2": 3.0}, mode="primal").values
    assert v["dz_dx1"] == pytest.approx(math.cos(2) + 3, abs=1e-15) and v["dz_dx2"] == 2.0


def test_forward_mode_and_json(capsys) -> None:
    code, out, _ = run(["derive", EXPR, "--mode", "forward", "--wrt", "x2", "--at", AT,
                        "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["mode"] == "forward" and data["wrt"] == "x2"
    assert [(n["name"], n["formula"], n["value"]) for n in data["nodes"]] == [
        ("ẇ2", "1", 1.0), ("ẇ4", "w1·ẇ2", 2.0), ("ẇ5", "1·ẇ4", 2.0)]
    assert data["derivatives"] == [{"name": "dz_dx2", "label": "∂z/∂x2", "of": "z",
                                    "wrt": "x2", "node": data["derivatives"][0]["node"],
                                    "value": 2.0}]


def test_many_points_at_once(capsys) -> None:
    code, out, _ = run(["derive", EXPR, "--at", "x1=[0,1,2],x2=3"], capsys)
    assert code == 0
    assert "  ∂z/∂x2 = w̄2 = [0, 1, 2]   (dz_dx2 in the program)" in out.splitlines()


def test_ascii(capsys) -> None:
    code, out, _ = run(["derive", EXPR, "--ascii", "--simplify"], capsys)
    assert code == 0 and out.isascii()
    assert "  wbar1 = w2 + cos(w1)" in out.splitlines()


def test_a_dot_picture_styles_the_derivative_nodes_apart(tmp_path, capsys) -> None:
    path = tmp_path / "d.dot"
    code, out, err = run(["derive", EXPR, "--at", AT, "-o", str(path)], capsys)
    assert code == 0 and out == "" and err.strip() == f"wrote {path}"
    src = path.read_text()
    from autodiff_viz.views.dot_view import PALETTE
    assert src.count(f'fillcolor="{PALETTE["doutput"]}"') == 2  # ∂z/∂x1 and ∂z/∂x2
    assert f'fillcolor="{PALETTE["deriv"]}"' in src and "style=invis" in src
    assert "output &#8706;z/&#8706;x1" in src  # the output's label: ∂z/∂x1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_a_png_picture(tmp_path, capsys) -> None:
    path = tmp_path / "d.png"
    code, _, _ = run(["derive", EXPR, "--at", AT, "--simplify", "-o", str(path)], capsys)
    assert code == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, words, code", [
    (["--mode", "sideways"], ["invalid choice: 'sideways'"], 2),
    (["--wrt", "q"], ["error: cannot differentiate with respect to 'q': not an input",
                      "hint: the inputs are: x, y"], 2),
    (["--mode", "forward", "--wrt", "x,y"], ["error: forward mode seeds one input, not 2"], 2),
    (["--output", "nope"], ["error: unknown output 'nope'"], 2),
    (["--explain"], ["error: --explain shows the steps of --simplify", "hint: add --simplify"],
     2),
    (["--at", "x=-1,y=1", "--simplify"], [], 0),
])
def test_bad_input_is_a_message_and_an_exit_code(argv, words, code, capsys) -> None:
    got, out, err = run(["derive", "x*y", *argv], capsys)
    assert got == code and "Traceback" not in out + err
    for w in words:
        assert w in err, err


def test_evaluation_errors_exit_1(capsys) -> None:
    code, out, err = run(["derive", "log(x)", "--at", "x=-1"], capsys)
    assert code == 1 and "log needs a positive argument" in err and "Traceback" not in err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_a_tikz_picture_compiles(tmp_path, capsys) -> None:
    path = tmp_path / "d.tex"
    code, _, _ = run(["derive", EXPR, "--at", AT, "-o", str(path)], capsys)
    picture = path.read_text()
    assert code == 0 and "\\bar{w}_{4} \\cdot w_{2}" in picture  # w8 = w̄4·w2
    doc = ("\\documentclass{article}\\usepackage{tikz}\\usepackage{amsmath}"
           "\\begin{document}" + picture + "\\end{document}\n")
    (tmp_path / "doc.tex").write_text(doc)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_latex_document_of_a_derivative_graphs_trace_compiles(tmp_path) -> None:
    from autodiff_viz.views.latex_doc import standalone
    t = av.trace(av.derivative_graph(EXPR), {"x1": 2, "x2": 3}, mode="primal")
    doc = standalone(t)
    assert "\\bar{w}_{1} &= w_{8} + w_{11}" in doc  # w̄1 = w8 + w11, as \bar{w}_{1}
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]
