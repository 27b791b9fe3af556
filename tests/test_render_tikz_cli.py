"""``autodiff-viz render -o graph.tex``: the graph as a TikZ picture (issue 11)."""
from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from autodiff_viz.cli import main

WORKED = ["sin(x1) + x1*x2", "--at", "x1=2,x2=3"]


def test_tex_suffix_writes_a_tikz_picture_with_the_traces_numbers(tmp_path, capsys) -> None:
    out = tmp_path / "graph.tex"
    assert main(["render", *WORKED, "--mode", "reverse", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("\\begin{tikzpicture}") == 1 and "\\documentclass" not in text
    # values and adjoints of the worked example (hand: w3 = sin 2, w̄1 = 3 + cos 2)
    assert f"{math.sin(2):.4f}" in text and f"{3 + math.cos(2):.4g}" in text
    assert "wrote" in capsys.readouterr().err


def test_format_tex_writes_to_standard_output(capsys) -> None:
    assert main(["render", *WORKED, "--format", "tex", "--mode", "primal"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("% autodiff-viz") and "6.909" in out
    assert "\\bar{w}" not in out                      # primal: no derivatives


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="pdflatex/pdftotext are not installed (scripts/test installs "
                           "texlive-latex-base, texlive-pictures and poppler-utils)")
def test_standalone_tikz_compiles_and_shows_the_numbers(tmp_path) -> None:
    out = tmp_path / "graph.tex"
    assert main(["render", *WORKED, "-o", str(out), "--standalone"]) == 0
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "graph.tex"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "graph.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    text = subprocess.run(["pdftotext", "graph.pdf", "-"], cwd=tmp_path, capture_output=True,
                          text=True, check=True).stdout
    for number in ("0.9093", "6.909", "2.584"):
        assert number in text


def test_standalone_without_tex_and_frames_with_tex_are_refused(tmp_path, capsys) -> None:
    assert main(["render", *WORKED, "--standalone", "-o", str(tmp_path / "g.svg")]) == 2
    assert "--standalone is for a TikZ picture" in capsys.readouterr().err
    assert main(["render", *WORKED, "-o", str(tmp_path / "g.tex"), "--frames",
                 str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert "--frames draws Graphviz pictures" in err and "Traceback" not in err
    assert not (tmp_path / "g.tex").exists() and not (tmp_path / "f").exists()
