"""Inline display in Jupyter (issue 4): SVG with dot, a text/HTML table without it."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

import autodiff_viz as av
from autodiff_viz.errors import RenderError
from autodiff_viz.views import dot_render, notebook
from autodiff_viz.views.notebook import html_table, mimebundle, text_table

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)


@needs_dot
def test_trace_and_graph_display_as_svg_when_dot_is_installed() -> None:
    t = av.trace(EXPR, at=AT, mode="reverse")
    bundle = t._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}  # no HTML: Jupyter would prefer it
    root = ET.fromstring(bundle["image/svg+xml"].encode())
    texts = {"".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"0.9093", "6.909", "2.584"} <= texts
    assert bundle["text/plain"] == text_table(t)
    gbundle = av.parse(EXPR)._repr_mimebundle_()
    assert "image/svg+xml" in gbundle and "cos(w1)" in gbundle["image/svg+xml"]


def test_without_dot_a_trace_displays_as_tables(no_dot: None) -> None:
    t = av.trace(EXPR, at=AT, mode="both", wrt="x2")
    bundle = t._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"].splitlines() == [
        "node  definition   value  d(node)/dx2  dz/d(node)",
        "w1    x1               2            0       2.584",
        "w2    x2               3            1           2",
        "w3    sin(w1)     0.9093            0           1",
        "w4    w1*w2            6            2           1",
        "w5    w3 + w4      6.909            2           1",
        "",
        "gradient",
        "dz/dx1  2.584",
        "dz/dx2  2",
    ]
    page = bundle["text/html"]
    assert "<th>dz/d(node)</th>" in page and ">2.584</td>" in page
    assert "sudo apt-get install graphviz" in page  # how to get the picture
    ET.fromstring(f"<div>{page}</div>")  # well-formed


def test_without_dot_a_graph_displays_its_nodes(no_dot: None) -> None:
    bundle = av.parse(EXPR)._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].splitlines()[3:] == [
        "w3    operation          sin(w1)",
        "w4    operation          w1*w2",
        "w5    operation, output  w3 + w4",
    ]
    assert "<td>w3 + w4</td>" in bundle["text/html"]


def test_a_failing_dot_falls_back_to_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notebook, "dot_program", lambda: "/usr/bin/dot")

    def fail(*args: object, **kw: object) -> bytes:
        raise RenderError("dot took longer than 30 s and was stopped")

    monkeypatch.setattr(notebook, "dot_to_bytes", fail)
    bundle = mimebundle(av.trace("x*y", at={"x": 2, "y": 5}))
    assert "image/svg+xml" not in bundle and "text/html" in bundle


def test_graph_table_names_assignments(no_dot: None) -> None:
    page = html_table(av.parse("a = x*y; b = a + 1"))
    assert "<td>a</td><td>operation</td><td>w1*w2</td>" in page
    assert "<td>b</td><td>operation, output</td><td>a + 1</td>" in page
