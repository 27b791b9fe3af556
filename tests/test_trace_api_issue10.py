"""The Trace in a plain REPL and in notebooks (issue 10): a readable repr, to_text /
to_markdown / to_latex / to_csv / to_json equal to the CLI's formats, to_graphviz, and a
_repr_mimebundle_ that computes only the mimetypes asked for."""
from __future__ import annotations

import shutil
import math
import subprocess
import sys
from typing import Any

import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.errors import RenderError
from autodiff_viz.views import dot_render

EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}


# -- repr -------------------------------------------------------------------------------
def test_repr_of_the_worked_example_gives_point_value_and_gradient() -> None:
    t = av.trace(EXPR, at=AT, mode="both", wrt="x2")
    # z = sin 2 + 6 = 6.909; dz/dx1 = cos 2 + 3 = 2.584; dz/dx2 = x1 = 2
    assert round(math.sin(2) + 6, 3) == 6.909 and round(math.cos(2) + 3, 3) == 2.584
    assert repr(t) == (
        "Trace of z = sin(x1) + x1*x2 at x1=2, x2=3, mode both (1 forward pass, 1 reverse pass)\n"
        "  z = 6.909\n"
        "  dz/dx1 = 2.584, dz/dx2 = 2")


def test_repr_of_primal_multi_output_and_directional_traces() -> None:
    assert repr(av.trace("x*y", at={"x": 2, "y": 5}, mode="primal")) == (
        "Trace of z = x*y at x=2, y=5, mode primal\n  z = 10")
    assert repr(av.trace("a = x*y; b = x - y", at={"x": 2, "y": 5}, mode="reverse")) == (
        "Trace of a = x*y; b = x - y at x=2, y=5, mode reverse (2 reverse passes)\n"
        "  a = 10, b = -3\n"
        "  da/dx = 5, da/dy = 2\n"
        "  db/dx = 1, db/dy = -1")
    r = repr(av.trace("x*y", at={"x": 2, "y": 5}, mode="forward", seed={"x": 1, "y": 0.5}))
    assert r.splitlines()[-1] == "  along x=1, y=0.5: tan_z = 6"  # 5·1 + 2·0.5


def test_repr_shortens_arrays_and_long_programs() -> None:
    t = av.trace("sum(relu(X@W))", at={"X": [[1.0, 2.0, 3.0]] * 50, "W": [[1.0] * 6] * 3},
                 mode="reverse")
    lines = repr(t).splitlines()
    assert len(lines) == 3 and all(len(line) <= 112 for line in lines)
    assert "X (50x3)" in lines[0]
    assert lines[1] == "  z = 1800"  # 50 rows · 6 columns · (1 + 2 + 3)
    many = "; ".join(f"y{i} = x*{i + 1}" for i in range(12))
    lines = repr(av.trace(many, at={"x": 1}, mode="reverse")).splitlines()
    assert len(lines) == 7 and lines[-1] == "  ... (8 more lines: see .to_text())"
    assert lines[0].endswith("mode reverse (12 reverse passes)") and "..." in lines[0]


# -- the CLI's formats as methods -----------------------------------------------------------
CASES = [
    # (CLI options, trace keyword arguments, method, method keyword arguments)
    (["--format", "table", "--width", "100"], {}, "to_text", {}),
    (["--format", "table", "--width", "72", "--ascii", "--digits", "6"], {}, "to_text",
     {"width": 72, "ascii": True, "digits": 6}),
    (["--format", "markdown", "--digits", "3"], {}, "to_markdown", {"digits": 3}),
    (["--format", "latex", "--notation", "v"], {"notation": "v"}, "to_latex", {}),
    (["--format", "csv", "--digits", "8"], {}, "to_csv", {"digits": 8}),
    (["--format", "json"], {}, "to_json", {}),
]


@pytest.mark.parametrize("cli,kw,method,options", CASES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_methods_print_what_the_cli_prints(cli: list[str], kw: dict[str, Any], method: str,
                                          options: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", EXPR, "--at", "x1=2,x2=3", "--wrt", "x2", "--color", "never",
                 *cli]) == 0
    printed = capsys.readouterr().out
    t = av.trace(EXPR, at=AT, mode="both", wrt="x2", **kw)
    assert getattr(t, method)(**options) + "\n" == printed


def test_matrix_size_passes_through(capsys: pytest.CaptureFixture[str]) -> None:
    at = {"W": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "x": [1, -1, 2]}
    assert main(["trace", "relu(W@x)", "--at", "W=[[1,2,3],[4,5,6],[7,8,9]],x=[1,-1,2]",
                 "--mode", "reverse", "--format", "markdown", "--matrix-size", "2x2"]) == 0
    printed = capsys.readouterr().out
    t = av.trace("relu(W@x)", at=at, mode="reverse")
    md = t.to_markdown(max_matrix=(2, 2))
    assert md + "\n" == printed and md != t.to_markdown()


def test_text_view_holds_the_hand_derived_numbers() -> None:
    text = av.trace(EXPR, at=AT, mode="reverse").to_text(ascii=True, digits=6)
    assert text.isascii()
    assert "dz/dx1 = 2.58385" in text and "dz/dx2 = 2" in text  # cos 2 + 3; x1
    assert "6.9093" in text  # sin 2 + 6


# -- to_graphviz ------------------------------------------------------------------------
def test_to_graphviz_is_the_projects_dot_source() -> None:
    graphviz = pytest.importorskip("graphviz")
    t = av.trace(EXPR, at=AT, mode="reverse")
    src = t.to_graphviz(engine="neato", format="png", rankdir="TB")
    assert isinstance(src, graphviz.Source)
    assert src.source == t.to_dot(rankdir="TB")
    assert (src.engine, src.format) == ("neato", "png")
    assert t.to_graphviz().source == t.to_dot()


@pytest.mark.skipif(dot_render.dot_program() is None, reason="Graphviz's dot is not installed")
def test_to_graphviz_renders_with_dot() -> None:
    pytest.importorskip("graphviz")
    svg = av.trace(EXPR, at=AT, mode="reverse").to_graphviz().pipe(format="svg").decode()
    assert "6.909" in svg and "2.584" in svg


def test_to_graphviz_without_the_package_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    with pytest.raises(RenderError) as err:
        av.trace("x*y", at={"x": 2, "y": 5}).to_graphviz()
    assert "pip install graphviz" in str(err.value) and "to_dot()" in str(err.value)
    assert isinstance(err.value, av.AutodiffVizError)


def test_graphviz_is_imported_only_by_to_graphviz() -> None:
    code = ("import sys, autodiff_viz as av\n"
            "t = av.trace('x*y', at={'x': 2, 'y': 5})\n"
            "t.to_dot(); t._repr_mimebundle_(include={'text/plain'}); repr(t)\n"
            "print('graphviz' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out == "False\n"


# -- _repr_mimebundle_ honours include and exclude --------------------------------------------
@pytest.fixture
def dot_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A fake ``dot`` on PATH whose runs are counted (no Graphviz needed)."""
    calls: list[list[str]] = []

    def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, b"<svg>picture</svg>", b"")

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(subprocess, "run", run)  # dot_render imports it when it runs dot
    return calls


@pytest.mark.parametrize("obj", ["trace", "graph"])
@pytest.mark.parametrize("include,exclude,keys,runs", [
    (None, None, {"image/svg+xml", "text/plain"}, 1),
    ({"text/plain"}, None, {"text/plain"}, 0),
    (["text/plain", "text/html"], None, {"text/plain", "text/html"}, 0),
    (None, {"image/svg+xml"}, {"text/plain", "text/html"}, 0),
    ({"image/svg+xml"}, None, {"image/svg+xml"}, 1),
    ({"image/svg+xml", "text/plain"}, {"image/svg+xml"}, {"text/plain"}, 0),
    (None, {"image/svg+xml", "text/html", "text/plain"}, set(), 0),
])
def test_only_the_requested_mimetypes_are_computed(
        dot_calls: list[list[str]], obj: str, include: Any, exclude: Any, keys: set[str],
        runs: int) -> None:
    thing = av.trace(EXPR, at=AT) if obj == "trace" else av.parse(EXPR)
    bundle = thing._repr_mimebundle_(include=include, exclude=exclude)
    assert set(bundle) == keys
    assert len(dot_calls) == runs and all(c[1] == "-Tsvg" for c in dot_calls)
    if "image/svg+xml" in bundle:
        assert bundle["image/svg+xml"] == "<svg>picture</svg>"
    if "text/html" in bundle:  # dot is there, only not asked for: no install advice
        assert "install Graphviz" not in bundle["text/html"]


def test_html_asked_for_without_dot_says_how_to_get_the_picture(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    bundle = av.trace(EXPR, at=AT)._repr_mimebundle_(include={"text/html"})
    assert list(bundle) == ["text/html"] and "install Graphviz" in bundle["text/html"]


def test_ipython_display_formatter_passes_include(dot_calls: list[list[str]]) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    fmt = formatters.DisplayFormatter()
    data, _ = fmt.format(av.trace(EXPR, at=AT), include={"text/plain"})
    assert set(data) == {"text/plain"} and dot_calls == []
