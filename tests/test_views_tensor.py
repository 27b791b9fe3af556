"""Views of vectors and matrices (issue 9, "Views"): shapes, aligned and summarised arrays,
bmatrix LaTeX, matrices and parameters in graph pictures.

Oracles: the XOR network's numbers derived by hand in README.md ("Vectors and
matrices": XW has the rows 0 0 / 1 1 / 1 1 / 2 2, h = ReLU(XW + c), ∂f/∂W = [2 −2; 2 −2]);
summaries checked against numpy's own min and max; LaTeX compiled by pdflatex when it
is installed; DOT source read back with regular expressions. The golden files of scalar
graphs are checked, unchanged, by tests/test_cli_golden.py and tests/test_render_dot.py.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.errors import InputError
from autodiff_viz.views import arrays
from autodiff_viz.views.columns import display_width
from autodiff_viz.views.dot_view import PALETTE, parameter_nodes
from autodiff_viz.views.formats import render_csv, render_markdown
from autodiff_viz.views.latex import render_latex
from autodiff_viz.views.step import print_all
from autodiff_viz.views.table import render_table
from autodiff_viz.views.text import render_text

SRC = "h = relu(X@W + c)\nf = h@w + b"
AT = {"X": [[0, 0], [1, 0], [0, 1], [1, 1]], "W": [[1, 1], [1, 1]], "c": [0, -1],
      "w": [1, -2], "b": 0}
AT_CLI = "X=[[0,0],[1,0],[0,1],[1,1]],W=[[1,1],[1,1]],c=[0,-1],w=[1,-2],b=0"
BRACKETS = re.compile(r"[⎡⎢⎣]([^⎡⎢⎣⎤⎥⎦]*)[⎤⎥⎦]")


@pytest.fixture(scope="module")
def xor() -> av.Trace:
    return av.trace(SRC, at=AT, mode="both", wrt="b")


def block_after(lines: list[str], start: str, height: int) -> list[str]:
    """The rows of the last matrix on the ``height`` lines from the one starting ``start``."""
    i = next(k for k, line in enumerate(lines) if line.startswith(start))
    rows = [BRACKETS.findall(line)[-1] for line in lines[i:i + height]]
    cols = {display_width(line[:line.rfind(row)]) for line, row in zip(lines[i:i + height], rows)}
    assert len(cols) == 1, f"the rows of the matrix do not line up: {lines[i:i + height]}"
    return rows


# -- the terminal table --------------------------------------------------------------------
def test_xor_table_shows_XW_as_aligned_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", SRC, "--at", AT_CLI, "--width", "100", "--color", "never"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    primal = lines[lines.index("Primal trace (inputs to output)"):]
    # w6 = w1@w2 is XW: its value column holds the matrix, one row per line
    assert block_after(primal, "  w6 : 4×2   w1@w2", 4) == ["0 0", "1 1", "1 1", "2 2"]
    assert primal[1].split()[:2] == ["node", "definition"]
    assert any(line.startswith("  w1 : 4×2   X") for line in primal)  # shapes by the names
    assert any(line.startswith("  w3 : 2     c") for line in primal)  # a vector: its length
    assert any(line.startswith("  w5         b") for line in primal)  # a number: nothing
    # negative entries: the columns are right-aligned, as numpy prints them
    reverse = lines[lines.index("Reverse trace for f (output to inputs)"):]
    assert block_after(reverse, "  w̄1 ", 4) == [" 0  0", " 1  1", " 1  1", "−1 −1"]
    gradient = lines[lines.index("Gradient of f"):]
    assert gradient[1:5] == ["          ⎡ 0  0⎤", "  ∂f/∂X = ⎢ 1  1⎥",
                             "          ⎢ 1  1⎥", "          ⎣−1 −1⎦"]
    assert "  ∂f/∂W = ⎡2 −2⎤" in gradient and "  ∂f/∂c = [3, −2]" in gradient
    assert "[[0, 0], [1, 1]" not in out  # no nested lists on one line any more


def test_xor_table_in_ascii_is_numpy_like(xor: av.Trace) -> None:
    lines = render_table(xor, style="text", width=120).splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("  w6 : 4x2"))
    tail = [line[line.rindex("["):] if "]" in line else "" for line in lines[i:i + 4]]
    assert [line.rstrip() for line in tail] == ["[0 0]", "[1 1]", "[1 1]", "[2 2]]"]
    assert lines[i].rstrip().endswith("[[0 0]")
    assert all(line.isascii() for line in lines)  # ASCII throughout, shapes 4x2


def test_text_view_puts_the_step_beside_the_matrices(xor: av.Trace) -> None:
    lines = render_text(xor).splitlines()
    w6 = next(k for k, line in enumerate(lines) if line.startswith("  w6 : 4×2 = w1@w2 = "))
    assert lines[w6 - 1:w6 + 3] == [  # the step on the matrices' middle line, indented
        "                     ⎡0 0⎤           ⎡0 0⎤",
        "  w6 : 4×2 = w1@w2 = ⎢1 0⎥ @ ⎡1 1⎤ = ⎢1 1⎥",
        "                     ⎢0 1⎥   ⎣1 1⎦   ⎢1 1⎥",
        "                     ⎣1 1⎦           ⎣2 2⎦"]
    assert "  w5 = b = 0" in lines and "  w3 : 2 = c = [0, −1]" in lines
    reverse = lines[lines.index("Reverse trace for f (output to inputs)"):]
    assert "  w̄4 = hᵀ w̄9 = [4, 1]    ∂f/∂w" in reverse
    w2 = next(k for k, line in enumerate(reverse) if line.startswith("  w̄2 = "))
    assert reverse[w2:w2 + 2] == ["  w̄2 = w1ᵀ w̄6 = ⎡2 −2⎤    ∂f/∂W",
                                  "                ⎣2 −2⎦"]


def test_large_input_is_summarised_with_shape_min_and_max() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(100, 3))
    w = np.array([0.5, -1.0, 2.0])
    t = av.trace("mean(relu(X@w))", at={"X": X, "w": w}, mode="reverse")
    out = render_table(t, width=160)
    lo, hi = (f"{x:.4g}".replace("-", "−") for x in (X.min(), X.max()))
    assert "100×3 matrix" in out and f"min {lo}, max {hi}" in out
    assert "at X (100×3), w=[0.5, −1, 2]" in out.splitlines()[0]
    first = [f"{x:.4g}".replace("-", "−") for x in X[0]]
    row = next(r for r in out.splitlines() if all(f in r for f in first))
    assert "⎡" in row  # the first entries, as the first row of the matrix
    assert f"{X[99, 2]:.4g}".replace("-", "−") not in out  # but not the 100 rows
    assert "⋮" in out  # rows left out are marked
    # as an operand it is only named (its own row has the summary)
    assert re.search(r"^  w3 : 100 +w1@w2 +X@w +\[100×3 matrix\]@\[0\.5, −1, 2\] +vector of 100$",
                     out, re.M)
    assert re.search(r"^  w4 : 100 +relu\(w3\) +relu\(X@w\) +relu\(\[vector of 100\]\) ", out,
                     re.M)
    grad = t.gradient["X"]  # the summary of the gradient, from numpy too
    glo, ghi = (f"{x:.4g}".replace("-", "−") for x in (grad.min(), grad.max()))
    assert f"min {glo}, max {ghi}" in out
    # in every format the summary is there, in ASCII and LaTeX too
    assert f"min {X.min():.4g}, max {X.max():.4g}" in render_markdown(t)
    assert f"\\min {X.min():.4g},\\ \\max {X.max():.4g}" in render_latex(t)


def test_matrix_size_option_prints_larger_matrices_in_full(
        capsys: pytest.CaptureFixture[str]) -> None:
    M = np.arange(15.0).reshape(5, 3)
    t = av.trace("sum(M@v)", at={"M": M, "v": [1, 0, 0]}, mode="primal")
    assert "5×3 matrix" in render_table(t)
    full = render_table(t, max_matrix=(6, 6))
    assert "5×3 matrix" not in full and "⎣12 13 14⎦" in full
    assert main(["trace", "sum(M@v)", "--at", "M=[[0,1,2],[3,4,5],[6,7,8],[9,10,11],"
                 "[12,13,14]],v=[1,0,0]", "--mode", "primal", "--matrix-size", "6x6"]) == 0
    assert "⎣12 13 14⎦" in capsys.readouterr().out
    assert main(["trace", "sum(M@v)", "--at", "M=[[0,1],[2,3]],v=[1,0]", "--mode", "primal",
                 "--matrix-size", "1x1"]) == 0
    assert "2×2 matrix" in capsys.readouterr().out
    with pytest.raises(SystemExit) as err:
        main(["trace", "x", "--at", "x=1", "--matrix-size", "0x3"])
    assert err.value.code == 2 and "at least 1x1" in capsys.readouterr().err


# -- LaTeX ---------------------------------------------------------------------------------
def test_latex_uses_bmatrix(xor: av.Trace) -> None:
    tex = render_latex(xor)
    xw = "\\begin{bmatrix} 0 & 0 \\\\ 1 & 1 \\\\ 1 & 1 \\\\ 2 & 2 \\end{bmatrix}"
    assert "w_{6} &= w_{1} w_{2} = " in tex
    assert f"= {xw} \\qquad \\text{{shape }} 4 \\times 2" in tex
    assert "w_{3} &= c = \\begin{bmatrix} 0 \\\\ -1 \\end{bmatrix}" in tex  # a column
    dfdw = "\\begin{bmatrix} 2 & -2 \\\\ 2 & -2 \\end{bmatrix}"
    assert f"\\frac{{\\partial f}}{{\\partial W}} &= {dfdw}" in tex
    assert "\\bar{w}_{1} &= \\bar{w}_{6} w_{2}^{\\top} = " in tex  # matrix notation
    assert "\\dot{w}_{6} &= \\dot{w}_{1} w_{2} + w_{1} \\dot{w}_{2} = " in tex
    assert f"$w_{{6}}$ ($4 \\times 2$) & $w_{{1}} w_{{2}}$ & ${xw}$" in tex  # the summary table
    assert "[[" not in tex and tex.isascii()


def _compile(tex: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    doc = ("\\documentclass{article}\n\\usepackage[a3paper,landscape,margin=1cm]{geometry}\n"
           "\\usepackage{amsmath}\n\\usepackage{booktabs}\n\\begin{document}\n"
           f"{tex}\n\\end{{document}}\n")
    (tmp_path / "trace.tex").write_text(doc, encoding="utf-8")
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "trace.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed: the LaTeX of matrices is not compiled")
def test_latex_of_matrices_compiles(xor: av.Trace, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    big = av.trace("mean(relu(X@w))", at={"X": rng.normal(size=(30, 6)),
                                          "w": rng.normal(size=6)})
    for t in (xor, big):
        done = _compile(render_latex(t), tmp_path)
        assert done.returncode == 0, done.stdout[-3000:]
        assert (tmp_path / "trace.pdf").stat().st_size > 1000
    grad = subprocess.run([sys.executable, "-m", "autodiff_viz", "grad", SRC, "--at", AT_CLI,
                           "--format", "latex"], capture_output=True, text=True)
    assert grad.returncode == 0 and "\\begin{bmatrix}" in grad.stdout
    assert _compile(grad.stdout, tmp_path).returncode == 0


# -- graph pictures ------------------------------------------------------------------------
def _node(src: str, n: int) -> str:
    m = re.search(rf"^    n{n} \[.*?\];$", src, re.S | re.M)
    assert m, f"node n{n} not found"
    return m.group(0)


def test_dot_node_holds_the_matrix_and_parameters_have_their_colour(xor: av.Trace) -> None:
    src = xor.to_dot(mode="reverse")
    w6 = _node(src, 5)  # w6 = w1@w2 is XW (ids from 0)
    assert "<B>w6</B> : 4x2 = w1@w2" in w6
    start = w6.index(">w6 = </TD>")  # the value row: w6 = [matrix]
    value = w6[start:w6.index("</TABLE>", start)]
    assert re.findall(r'<FONT FACE="Courier">([^<]*)</FONT>', value) == \
        ["0", "0", "1", "1", "1", "1", "2", "2"]
    assert value.count("<TR>") == 4 and 'SIDES="LTB"' in value  # 4 rows between brackets
    fill = {name: re.search(r'fillcolor="([^"]+)"', _node(src, i)).group(1)  # type: ignore
            for i, name in enumerate(["X", "W", "c", "w", "b"])}
    op = re.search(r'fillcolor="([^"]+)"', w6).group(1)  # type: ignore[union-attr]
    assert fill["X"] == PALETTE["input"] and op == PALETTE["op"]
    assert {fill[k] for k in "Wcwb"} == {PALETTE["param"]}
    assert len({fill["X"], fill["W"], op}) == 3  # data, parameters, operations
    assert f'<TD BGCOLOR="{PALETTE["param"]}" BORDER="1"' in src  # in the legend
    assert ">parameter</FONT>" in src
    only_w = xor.to_dot(params=["W"])
    assert PALETTE["param"] in _node(only_w, 1) and PALETTE["param"] not in _node(only_w, 2)
    scalar = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}).to_dot()
    assert PALETTE["param"] not in scalar and "parameter" not in scalar
    assert src.isascii() and src == xor.to_dot(mode="reverse")  # ASCII, deterministic


def test_dot_summarises_large_arrays_and_keeps_edges_short() -> None:
    X = np.arange(300.0).reshape(100, 3) / 7 - 20
    t = av.trace("mean(relu(X@w))", at={"X": X, "w": [0.5, -1, 2]})
    src = t.to_dot()
    assert "100x3 matrix, min -20, max 22.71" in src
    assert src.count("<TR>") < 400  # a corner of the entries, not 300 of them
    assert "[vector of 100]" not in src and "vector of 100, min" in src
    edges = re.findall(r"^    n\d+ -> n\d+ .*?\];$", src, re.S | re.M)
    assert all(len(e) < 1200 for e in edges)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_xor_png_renders(xor: av.Trace, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "xor.png"
    assert main(["render", SRC, "--at", AT_CLI, "--mode", "reverse", "-o", str(path),
                 "--params", "W,c,w,b", "--dpi", "60"]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["render", SRC, "--at", AT_CLI, "--params", "W,q"]) == 2
    assert "cannot draw q as a parameter" in capsys.readouterr().err


@pytest.mark.parametrize("src, at, want", [
    ("relu(X@W + c)@w + b", AT, {"W", "c", "w", "b"}),
    ("W@x + b", {"W": [[1, 2], [3, 4]], "x": [1, 1], "b": [0, 1]}, {"W", "b"}),
    ("x@W", {"W": [[1, 2], [3, 4]], "x": [1, 1]}, {"W"}),
    ("X@w", {"X": [[1, 2], [3, 4]], "w": [1, 1]}, {"w"}),
    ("A@B", {"A": [[1, 2], [3, 4]], "B": [[1, 1], [0, 1]]}, {"A", "B"}),
    ("mse(X_train@w, y)", {"X_train": [[1, 2], [3, 4]], "w": [1, 1], "y": [1, 0]}, {"w"}),
    ("w.T@relu(W.T@x + c) + b", {"W": [[1, 1], [1, 1]], "x": [1, 0], "c": [0, -1],
                                 "w": [1, -2], "b": 0}, {"W", "c", "w", "b"}),
    ("sum((X@w - y)^2)", {"X": [[1, 2], [3, 4]], "w": [1, 1], "y": [1, 0]}, {"w"}),
    ("x*y", {"x": 2, "y": 3}, set()),
])
def test_parameter_rule(src: str, at: dict, want: set[str]) -> None:
    t = av.trace(src, at=at, mode="primal")
    assert {t.graph.nodes[i].name for i in parameter_nodes(t.graph, t)} == want
    with pytest.raises(InputError):
        parameter_nodes(t.graph, t, ["nope"])


# -- Markdown, CSV, the step-through, grad -------------------------------------------------
def test_markdown_and_csv_stay_readable(xor: av.Trace) -> None:
    md = render_markdown(xor)
    code = md[md.index("## Primal trace"):md.index("## Forward trace")]
    assert "w6 : 4x2 = w1@w2 = " in code
    rows = [line for line in code.splitlines() if line.rstrip().endswith(("[2 2]]", "[1 1]",
                                                                          "[[0 0]"))]
    assert rows, code
    assert "| w6 : 4x2 | w1@w2 | [0, 0; 1, 1; 1, 1; 2, 2] |" in md  # tables: one line
    assert "`df/dW = [2, -2; 2, -2]`" in md
    csv_text = render_csv(xor)
    assert "w6 = w1@w2 = [0, 0; 1, 0; 0, 1; 1, 1]@[1, 1; 1, 1] = [0, 0; 1, 1; 1, 1; 2, 2]" \
        in csv_text
    assert all(line.count('"') % 2 == 0 for line in csv_text.splitlines())  # one line a row


def test_step_through_shows_matrices(xor: av.Trace) -> None:
    out = print_all(xor)
    lines = out.splitlines()
    assert "  node       w6 : 4×2 = w1@w2" in lines
    stores = next(k for k, line in enumerate(lines) if line.startswith("  stores     w6 = "))
    assert lines[stores] == "  stores     w6 = ⎢1 0⎥ @ ⎡1 1⎤ = ⎢1 1⎥"
    assert lines[stores + 2] == "                  ⎣1 1⎦           ⎣2 2⎦"
    table = lines[lines.index("Stored values after the primal pass"):]
    assert block_after(table, "  w6 : 4×2", 4) == ["0 0", "1 1", "1 1", "2 2"]


def test_colour_and_the_step_window_keep_matrices_whole(xor: av.Trace) -> None:
    from autodiff_viz.views.step import build_passes, frame_lines

    ansi = re.compile(r"\x1b\[[0-9;]*m")
    assert ansi.sub("", render_table(xor, color=True)) == render_table(xor)
    passes = build_passes(xor)
    for p, i in [(0, 5), (2, 2), (2, 9)]:
        coloured = [ansi.sub("", line).rstrip() for line in frame_lines(xor, passes, p, i,
                                                                         color=True)]
        assert coloured == [line.rstrip() for line in frame_lines(xor, passes, p, i)]
    lines = frame_lines(xor, passes, 2, 5, max_rows=14)  # a terminal of few lines
    table = lines[lines.index("Stored values") + 3:]
    assert len(table) <= 14 and any("rows above" in line for line in table)
    assert any(line.startswith("  ▶  w5") for line in table)  # the current row is shown
    assert sum("⎡" in line for line in table) == sum("⎣" in line for line in table)


def test_grad_view_aligns_matrices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "sum(relu(X@W + c)@w)", "--at",
                 "X=[[0,0],[1,0],[0,1],[1,1]],W=[[1,1],[1,1]],c=[0,-1],w=[1,-2]"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  ∂z/∂W = ⎡2 −2⎤" in out and "          ⎣2 −2⎦" in out
    assert "  ∂z/∂w = [4, 1]" in out


# -- the formatting itself -----------------------------------------------------------------
def test_array_forms() -> None:
    assert arrays.block(np.array([[1.0, -2.0]])) == "[[1 −2]]"  # a one-row matrix
    assert arrays.inline(np.array([[1.0, -2.0], [3, 4]]), style="text") == "[1, -2; 3, 4]"
    assert arrays.fits((4, 4)) and not arrays.fits((4, 5)) and arrays.fits((6,), (2, 6))
    cube = arrays.block(np.arange(8.0).reshape(2, 2, 2))
    assert cube.splitlines() == ["2×2×2 array", "min 0, max 7", "[0, 1, 2, …]"]
    assert arrays.inline(np.arange(10.0)) == "vector of 10, min 0, max 9: [0, 1, 2, …]"
    big = arrays.latex(np.arange(50.0).reshape(10, 5))
    assert big.startswith("\\underset{10 \\times 5,\\ \\min 0,\\ \\max 49}") and "\\vdots" in big
    assert arrays.parse_size("6x6") == (6, 6)
    # a batch of points (an elementwise graph) keeps its one-line lists
    t = av.trace("sin(x1) + x1*x2", at={"x1": [0, 1, 2], "x2": 3}, mode="reverse")
    assert "[4, 3.54, 2.584]" in render_table(t, width=120) and "⎡" not in render_table(t)
