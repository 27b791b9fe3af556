"""LaTeX for notes and slides (issue 11): the fragment (``--format latex``), the article
(``--standalone``) and beamer slides (``--beamer``, ``--step``), compiled with pdflatex:
exit 0, no overfull box beyond 1 pt in the log, and the worked example's numbers in the
PDF's text (pdftotext). The oracle is the worked example by hand: sin 2 = 0.9093,
z = 6.909, cos 2 = -0.4161, dz/dx1 = cos 2 + 3 = 2.584."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.views import latex, latex_doc
from autodiff_viz.views.latex_layout import Row, lay_row, tex_width

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"
WORKED = ["trace", EXPR, "--at", AT, "--wrt", "x2"]
NUMBERS = ("0.9093", "6.909", "2.584", "0.4161")
XOR = ("a1 = 1*x1 + 1*x2 + 0\na2 = 1*x1 + 1*x2 - 1\nf = 1*relu(a1) - 2*relu(a2) + 0\n"
       "L = (f - y)^2", "x1=1,x2=0,y=0")
SOFTMAX = ("e1 = exp(z1); e2 = exp(z2); e3 = exp(z3); S = e1 + e2 + e3\n"
           "L = -(y1*log(e1/S) + y2*log(e2/S) + y3*log(e3/S))",
           "z1=1,z2=2,z3=0.5,y1=0,y2=1,y3=0")
ARTICLE = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n"
           "\\begin{document}\n%s\n\\end{document}\n")


def _tools() -> None:
    for tool, package in (("pdflatex", "texlive-latex-base"), ("pdftotext", "poppler-utils")):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (scripts/test installs Debian's {package})")


def compile_pdf(doc: str, tmp_path: Path, name: str = "doc") -> tuple[str, str]:
    """Compile ``doc``; assert exit 0 and no overfull box beyond 1 pt; give (log, text)."""
    _tools()
    (tmp_path / f"{name}.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=180)
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, done.stdout[-3000:]
    wide = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    assert all(w <= 1.0 for w in wide), f"Overfull \\hbox of {max(wide)} pt in {name}"
    assert "Overfull \\vbox" not in log, f"a frame or page overflows in {name}"
    text = subprocess.run(["pdftotext", "-layout", f"{name}.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    return log, text.replace("\u2212", "-")


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0 and err == "", err
    return out


def _has_numbers(text: str) -> None:
    for n in NUMBERS:
        assert n in text, n
    assert "-0.4161" in text


# -- the fragment ---------------------------------------------------------------------
def test_fragment_has_titles_annotations_and_both_factors(
        capsys: pytest.CaptureFixture[str]) -> None:
    tex = cli(WORKED + ["--format", "latex"], capsys)
    assert "\\section*{$z = \\sin\\left(x_{1}\\right) + x_{1} \\cdot x_{2}$ at $x_{1} = 2$, " \
           "$x_{2} = 3$}" in tex
    for title in ("Primal trace", "Forward trace, seed $x_{2} = 1$", "Reverse trace for $z$",
                  "Summary", "Gradient of $z$"):
        assert f"\\subsection*{{{title}" in tex
    # the carried quantity first, then the partial; one term printed once (no "= 0 = 0")
    assert ("\\dot{w}_{3} &= \\dot{w}_{1} \\cdot \\cos\\left(w_{1}\\right) = 0 \\cdot "
            "\\left(-0.4161\\right) = 0 \\\\") in tex
    assert "\\dot{w}_{4} &= \\dot{w}_{1} \\cdot w_{2} + \\dot{w}_{2} \\cdot w_{1} = " \
           "0 \\cdot 3 + 1 \\cdot 2 = 2" in tex
    # an input's adjoint is annotated with the derivative it is, not a far-right fraction
    assert "\\bar{w}_{2} &= \\bar{w}_{4} \\cdot w_{1} = 1 \\cdot 2 = 2 \\qquad " \
           "\\text{(${=}\\,\\partial z/\\partial x_{2}$)}" in tex
    assert "&& \\frac" not in tex
    assert tex.isascii()


def test_forward_mode_names_its_one_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    """One forward pass seeded on x2 gives ∂z/∂x2, not a gradient."""
    tex = cli(WORKED + ["--mode", "forward", "--format", "latex"], capsys)
    assert "\\subsection*{Derivative of $z$ with respect to $x_{2}$}" in tex
    assert "Gradient" not in tex
    assert "\\dot{w}_{5} &= " in tex and "(${=}\\,\\partial z/\\partial x_{2}$)" in tex


def test_fragment_in_an_article_fits_and_shows_the_numbers(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tex = cli(WORKED + ["--format", "latex"], capsys)
    _, text = compile_pdf(ARTICLE % tex, tmp_path)
    _has_numbers(text)
    assert "Gradient of z" in text and "Reverse trace for z" in text


def test_rows_break_at_equals_and_plus_to_fit() -> None:
    row = Row("\\bar{w}_{1}", [("=", "a \\cdot b"), ("+", "c \\cdot d"), ("=", "1 \\cdot 3"),
                               ("+", "1 \\cdot 4"), ("=", "7"), ("", "\\text{(note)}")])
    assert len(lay_row(row, 100.0)) == 1
    narrow = lay_row(row, 6.0)
    assert len(narrow) > 2 and narrow[0].startswith("\\bar{w}_{1} &= a \\cdot b")
    assert all(line.startswith("  &") for line in narrow[1:])
    assert any("&\\quad {}+ " in line for line in narrow)  # a continued sum
    for line in narrow[1:]:  # each continuation fits, or is one piece alone
        assert tex_width(line.split("&", 1)[1]) <= 6.0 + 2.5 or line.count(" = ") <= 1


def test_wide_summary_table_is_split_and_made_smaller() -> None:
    t = av.trace(XOR[0], at={"x1": 1, "x2": 0, "y": 0}, mode="both")  # a pass per input
    parts = latex.table_parts(latex.summary_table(t), 22.0)  # a narrow column
    assert len(parts) >= 2
    assert parts[0][1].head[0] == ["node", "definition", "value", "local partials"]
    assert all(p.head[0][:2] == ["node", "value"] for _, p in parts[1:])
    assert sum(len(p.head[0]) - 2 for _, p in parts[1:]) == len(t.forward) + len(t.reverse)


# -- whole documents --------------------------------------------------------------------
def test_grad_fragment_has_titles_and_compiles(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    tex = cli(["grad", EXPR, "--at", AT, "--format", "latex"], capsys)
    assert "\\subsection*{Gradient of $z$}" in tex and "\\subsection*{Passes and cost}" in tex
    _, text = compile_pdf(ARTICLE % tex, tmp_path)
    assert "2.584" in text and "Reverse mode needs fewer passes here" in text


def test_standalone_article_compiles(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    doc = cli(WORKED + ["--standalone"], capsys)
    assert doc.count("\\documentclass") == 1 and "\\end{document}" in doc
    _, text = compile_pdf(doc, tmp_path)
    _has_numbers(text)


def _pages(text: str) -> list[str]:
    return [p for p in text.split("\f") if p.strip()]


def test_beamer_one_frame_per_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = cli(WORKED + ["--beamer"], capsys)
    assert "\\documentclass[aspectratio=169]{beamer}" in doc
    _, text = compile_pdf(doc, tmp_path)
    pages = _pages(text)
    # title, graph, primal, forward, reverse, summary, gradient
    assert len(pages) == 7, [p.strip().splitlines()[0] for p in pages]
    assert "The graph" in pages[1] and "6.909" in pages[1]  # the TikZ picture, values only
    assert "Forward trace" in pages[3] and "Reverse trace" in pages[4]
    _has_numbers(text)


def test_beamer_step_one_overlay_per_step(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    doc = cli(WORKED + ["--beamer", "--step"], capsys)
    _, text = compile_pdf(doc, tmp_path)
    pages = _pages(text)
    # title, graph, 5 steps in each of the three passes, summary, gradient
    assert len(pages) == 2 + 3 * 5 + 2
    reverse = [p for p in pages if "Reverse trace" in p]
    assert "2.584" not in reverse[3] and "2.584" in reverse[4]  # w̄1 is the fifth step
    primal = [p for p in pages if "Primal trace" in p]
    assert "0.9093" not in primal[1] and "0.9093" in primal[2]  # w3 is the third step


@pytest.mark.parametrize("example", [XOR, SOFTMAX], ids=["xor", "softmax"])
@pytest.mark.parametrize("document", ["--standalone", "--beamer"])
def test_bigger_examples_fit(example: tuple[str, str], document: str,
                             capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    expr, at = example
    doc = cli(["trace", expr, "--at", at, document], capsys)
    _, text = compile_pdf(doc, tmp_path)
    t = av.trace(expr, at={k: float(v) for k, v in (kv.split("=") for kv in at.split(","))},
                 mode="reverse")
    for name, v in t.gradient.items():  # the gradient, from the reverse pass, in the PDF
        assert f"{v + 0.0:.4g}" in text, (name, v)
    if document == "--beamer":
        assert "(cont.)" in text  # long passes continue on another frame
        assert "% the graph (" in doc and "The graph" not in text  # too deep to be legible


def test_beamer_step_of_a_bigger_example_fits(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    doc = cli(["trace", SOFTMAX[0], "--at", SOFTMAX[1], "--beamer", "--step"], capsys)
    compile_pdf(doc, tmp_path)


def test_matrices_fit_a_frame(tmp_path: Path) -> None:
    t = av.trace("h = relu(X@W + c)\nf = h@w + b",
                 at={"X": [[0, 0], [1, 0], [0, 1], [1, 1]], "W": [[1, 1], [1, 1]],
                     "c": [0, -1], "w": [1, -2], "b": 0})
    _, text = compile_pdf(latex_doc.beamer(t), tmp_path)
    assert "Gradient of f" in text


def test_names_are_escaped(tmp_path: Path) -> None:
    t = av.trace("learning_rate*x_hat + sin(theta1) + alpha*w_1_2",
                 at={"learning_rate": 2, "x_hat": 3, "theta1": 1, "alpha": 4, "w_1_2": 1})
    frag = latex.render_latex(t)
    assert "\\mathrm{learning\\_rate}" in frag and "\\theta_{1}" in frag and "\\alpha" in frag
    _, text = compile_pdf(latex_doc.standalone(t), tmp_path, "article")
    assert "learning rate = 2" in text and "θ1 = 1" in text  # pdftotext drops math's \_
    _, text = compile_pdf(latex_doc.beamer(t, step=True), tmp_path, "slides")
    assert "x hat = 3" in text and "α = 4" in text
    unicode = av.trace("alpha*x + é", at={"alpha": 2, "x": 1, "é": 1})  # é: as \\text{é}
    compile_pdf(latex_doc.standalone(unicode), tmp_path, "unicode")
    assert latex.text("a_b & 50% #1 {x} ~^\\") == \
        "a\\_b \\& 50\\% \\#1 \\{x\\} \\~{}\\^{}\\textbackslash{}"


def test_document_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, message in ((["--beamer", "--format", "json"], "--beamer writes LaTeX"),
                          (["--standalone", "--step"], "overlay per step: --beamer --step"),
                          (["--standalone", "--beamer"], "not allowed with")):
        with pytest.raises(SystemExit) as err:
            main(WORKED + argv)
        assert err.value.code == 2 and message in capsys.readouterr().err
