"""In Jupyter: a notebook executed with nbclient shows the page as text/html."""
from __future__ import annotations

import math

import pytest

import autodiff_viz as av
from autodiff_viz.views.page import embedded_data

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[test]')")


def test_show_in_an_executed_notebook_outputs_the_page_as_html() -> None:
    import html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import autodiff_viz as av\n"
        "t = av.trace('sin(x1) + x1*x2', at={'x1': 2, 'x2': 3})\n"
        "t.show()")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(htmls) == 1, outputs
    frame = htmls[0]
    assert frame.startswith("<iframe srcdoc=")
    page = html.unescape(frame.split('srcdoc="', 1)[1].split('" title=', 1)[0])
    data = embedded_data(page)
    grad = data["traces"]["w"]["reverse"][0]["gradient"]
    assert grad["x2"] == 2.0 and math.isclose(grad["x1"], math.cos(2) + 3)  # by hand
    assert "<svg" in page or data["missing_picture"]


def test_show_outside_ipython_says_what_to_do(monkeypatch) -> None:
    import builtins

    real = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    from autodiff_viz.errors import RenderError
    with pytest.raises(RenderError, match="to_html"):
        av.trace("x*y", at={"x": 2, "y": 5}).show()
