"""The graph as TikZ (issue 11): layered by depth, nodes with name, operation, value,
tangent and adjoint per mode, edges with the local partials; standalone documents
compile with pdflatex (TikZ: texlive-pictures) and show the worked example's numbers
(by hand: sin 2 = 0.9093, z = 6.909, cos 2 = -0.4161, dz/dx1 = cos 2 + 3 = 2.584)."""
from __future__ import annotations

from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.errors import InputError
from autodiff_viz.views.tikz import depths, extent, fitted, render_tikz

from test_latex import NUMBERS, XOR, compile_pdf

GOLDEN = Path(__file__).parent / "golden" / "tikz" / "worked_example.tex"

WORKED = av.trace("sin(x1) + x1*x2", at={"x1": 2, "x2": 3}, wrt="x2")


def _tikz() -> None:
    import shutil
    import subprocess
    if shutil.which("kpsewhich") and subprocess.run(["kpsewhich", "tikz.sty"],
                                                    capture_output=True).returncode != 0:
        pytest.skip("TikZ is not installed (scripts/test installs Debian's texlive-pictures)")


def test_worked_example_compiles_with_its_numbers(tmp_path: Path) -> None:
    _tikz()
    doc = render_tikz(WORKED, standalone=True)
    assert "\\documentclass" in doc and "standalone" not in doc  # no extra class needed
    _, text = compile_pdf(doc, tmp_path)
    for n in NUMBERS:
        assert n in text, n
    assert "-0.4161" in text  # the edge w1 -> w3: cos(w1)


def test_nodes_and_edges_per_mode() -> None:
    both = render_tikz(WORKED)
    assert "\\dot{w}_{3} = 0$" in both and "\\bar{w}_{1} = 2.584$" in both
    assert "{$\\cos\\left(w_{1}\\right) = -0.4161$} (n2);" in both
    assert "(n0) -- node[avlabel] {$w_{2} = 3$} (n3);" in both  # ∂w4/∂w1 = w2 = 3
    primal = render_tikz(WORKED, mode="primal")
    assert "\\dot" not in primal and "\\bar" not in primal and "avlabel] {" not in primal
    forward = render_tikz(WORKED, mode="forward")
    assert "\\dot{w}_{5} = 2$" in forward and "\\bar" not in forward
    assert WORKED.to_tikz() == both
    with pytest.raises(InputError):
        render_tikz(WORKED, mode="sideways")


def test_layered_by_depth_like_graphviz() -> None:
    g = av.parse("sin(x1) + x1*x2")
    assert depths(g) == [0, 0, 1, 1, 2]
    pic = render_tikz(g)  # a bare graph: names, operations and partial formulas only
    assert "(n4) at (8.8, 0.0)" in pic and "$w_{5} = w_{3} + w_{4}$" in pic
    assert "= 0.9093" not in pic
    # constants are no nodes: they are in the formulas (no long edges from a shared 1)
    xor = render_tikz(av.parse(XOR[0]))
    assert "$w_{4} = 1 \\cdot w_{1}$" in xor and xor.count("\\node[") == 3 + 13


def test_bigger_graph_and_names_compile(tmp_path: Path) -> None:
    _tikz()
    xor = av.trace(XOR[0], at={"x1": 1.0, "x2": 0.0, "y": 0.0})
    compile_pdf(xor.to_tikz(standalone=True), tmp_path, "xor")
    names = av.trace("learning_rate*x_hat + sin(theta1)",
                     at={"learning_rate": 2, "x_hat": 3, "theta1": 1})
    _, text = compile_pdf(render_tikz(names, standalone=True, notation="v"), tmp_path, "names")
    assert "learning" in text and "θ1" in text


def test_fitted_picture_fits_a_frame(tmp_path: Path) -> None:
    _tikz()
    wide = av.parse("h = sin(sin(sin(sin(sin(sin(sin(sin(x))))))))")
    assert extent(wide, "primal")[0] > 14  # wider than a frame, drawn at its own size
    doc = ("\\documentclass[aspectratio=169]{beamer}\n\\usepackage{tikz}\n\\begin{document}\n"
           "\\begin{frame}{Wide}\n" + fitted(render_tikz(wide, mode="primal")) +
           "\n\\end{frame}\n\\end{document}\n")
    _, text = compile_pdf(doc, tmp_path)  # no overfull box: scaled down to the frame
    assert "Wide" in text


def test_worked_example_matches_its_golden_file() -> None:
    """The standalone picture of the worked example, reviewed by eye (pdflatex, then the
    PNG); regenerate with UPDATE_GOLDEN=1 after an intended change."""
    import os
    doc = render_tikz(WORKED, standalone=True)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(doc, encoding="utf-8")
    assert doc == GOLDEN.read_text(encoding="utf-8")
