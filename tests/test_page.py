"""The HTML page (issue 12) without a browser: what it embeds, that the embedded records
follow the published JSON Schema, that it is self-contained and small, the CLI command,
and the page without Graphviz."""
from __future__ import annotations

import json
import math
import re
from importlib import resources

import jsonschema
import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.views import page as page_mod
from autodiff_viz.views.page import embedded_data, render_page

WORKED = "sin(x1) + x1*x2"
POINT = {"x1": 2, "x2": 3}


def schema() -> dict:
    from autodiff_viz.schemas import trace_schema
    s = trace_schema()
    jsonschema.Draft202012Validator.check_schema(s)
    text = resources.files("autodiff_viz").joinpath("schemas/trace-v1.schema.json").read_text()
    assert json.loads(text) == s                      # the file a user finds in the package
    return s


def validate(d: dict) -> None:
    jsonschema.Draft202012Validator(schema()).validate(d)


PROGRAMS = [
    (WORKED, POINT, {}),
    (WORKED, POINT, {"mode": "forward", "wrt": "x2"}),
    ("a = x*y; b = x + y", {"x": 2, "y": 5}, {}),
    ("x*y", {"x": 2, "y": 5}, {"mode": "forward", "seed": {"x": 1, "y": 2}}),
    ("x*x + exp(-x)", {"x": 0.5}, {"notation": "v"}),
    ("sum(relu(W @ x + c))", {"W": [[1, 2], [3, 4]], "x": [1, -1], "c": [0, 1]}, {}),
    ("sqrt(x)", {"x": 0.0}, {}),      # an infinite partial: the string "inf" in JSON
    ("3", {}, {}),
]


@pytest.mark.parametrize("src,at,kw", PROGRAMS, ids=[p[0][:20] for p in PROGRAMS])
def test_to_json_follows_the_published_schema(src, at, kw) -> None:
    t = av.trace(src, at=at, **kw)
    validate(json.loads(t.to_json()))


def test_schema_rejects_what_is_not_a_trace() -> None:
    d = json.loads(av.trace(WORKED, at=POINT).to_json())
    d["nodes"][0]["value"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        validate(d)
    d = json.loads(av.trace(WORKED, at=POINT).to_json())
    del d["reverse"][0]["gradient"]
    with pytest.raises(jsonschema.ValidationError):
        validate(d)


def test_page_embeds_the_records_of_every_notation_and_they_validate() -> None:
    t = av.trace(WORKED, at=POINT)
    data = embedded_data(render_page(t, graph=False))
    assert set(data["traces"]) == {"w", "v", "u"}
    for n, d in data["traces"].items():
        validate(d)
        assert d["notation"] == n
        grad = d["reverse"][0]["gradient"]   # hand-derived: cos 2 + x2, x1
        assert math.isclose(grad["x1"], math.cos(2) + 3) and grad["x2"] == 2
    assert [x["name"] for x in data["traces"]["v"]["nodes"]][:2] == ["v-1", "v0"]
    # the records are the trace's own, not recomputed: the same dict
    assert data["traces"]["w"] == json.loads(t.to_json())


def test_templates_put_values_where_the_printer_puts_them() -> None:
    t = av.trace("x - y", at={"x": 2, "y": -3})
    tpl = page_mod.page_data(t, graph=False)["templates"]["w"]["2"]
    from autodiff_viz.views.lines import primal_line
    # filling the template as the page does gives the Python view's "with values"
    filled = tpl.replace("\0" + "0" + "\0", "2").replace("\0" + "1" + "\0", "−3")
    assert primal_line(t, t.primal_steps()[2]) == f"w3 = w1 − w2 = {filled} = 5"


def test_page_is_self_contained_and_small() -> None:
    page = av.trace(WORKED, at=POINT).to_html()
    assert len(page.encode()) < 300_000, len(page.encode())
    assert "<link" not in page and "<script src" not in page and "<img" not in page
    urls = set(re.findall(r"(?:src|href)\s*=\s*[\"']([^\"']+)", page))
    assert not {u for u in urls if not u.startswith("#")}, urls
    assert "@import" not in page and "url(" not in page
    # only XML namespaces mention http (they are names, not fetches)
    for m in re.finditer(r"https?://[^\s\"'<>]+", page):
        assert m.group(0).startswith(("http://www.w3.org/", "https://json-schema.org",
                                      "https://autodiff-viz.invalid")), m.group(0)


def test_picture_has_stable_node_and_edge_ids() -> None:
    from autodiff_viz.views.dot_render import dot_program
    if dot_program() is None:
        pytest.skip("Graphviz's dot is not installed (sudo apt-get install graphviz)")
    data = page_mod.page_data(av.trace(WORKED, at=POINT))
    for svg in data["svg"].values():
        ids = set(re.findall(r'<g id="([ne][0-9_]+)"', svg))
        assert {"n0", "n1", "n2", "n3", "n4"} <= ids
        assert {"e2_0", "e3_0", "e3_1", "e4_0", "e4_1"} <= ids  # child_position


def test_without_dot_the_page_says_what_to_install(monkeypatch) -> None:
    import autodiff_viz.views.dot_render as dr
    monkeypatch.setattr(dr, "dot_program", lambda: None)
    data = embedded_data(av.trace(WORKED, at=POINT).to_html())
    assert data["svg"] == {}
    assert "graphviz" in data["missing_picture"].lower()
    assert "apt-get install graphviz" in data["missing_picture"]
    assert data["traces"]["w"]["outputs"]["z"]["value"] == pytest.approx(math.sin(2) + 6)


def test_to_html_writes_the_page(tmp_path) -> None:
    path = tmp_path / "t.html"
    text = av.trace(WORKED, at=POINT).to_html(path, graph=False)
    assert path.read_text(encoding="utf-8") == text
    assert embedded_data(text)["digits"] == 4


def test_cli_html_writes_a_page_with_every_trace_option(tmp_path, capsys) -> None:
    out = tmp_path / "trace.html"
    assert main(["html", WORKED, "--at", "x1=2,x2=3", "--wrt", "x2", "--digits", "6",
                 "--notation", "v", "--no-picture", "-o", str(out)]) == 0
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert data["digits"] == 6 and data["notation"] == "v"
    fw = data["traces"]["v"]["forward"]
    assert [f["seed"] for f in fw] == [{"x2": 1.0}]
    assert fw[0]["output_tangents"]["z"] == 2.0       # dz/dx2 = x1
    assert "wrote" in capsys.readouterr().err


def test_cli_html_reports_bad_input_without_a_traceback(tmp_path, capsys) -> None:
    assert main(["html", "log(x)", "--at", "x=0", "-o", str(tmp_path / "a.html")]) == 1
    err = capsys.readouterr().err
    assert "log" in err and "Traceback" not in err
    assert main(["html", "x*", "--at", "x=1"]) == 2
    err = capsys.readouterr().err
    assert "^" in err and "Traceback" not in err
    assert main(["html", "x", "--at", "x=1", "-o", str(tmp_path / "no" / "such" / "a.html"),
                 "--no-picture"]) != 0
    assert "cannot write" in capsys.readouterr().err


def test_script_data_cannot_end_the_script_element() -> None:
    nasty = {"source": "</script><script>alert(1)</script><!-- x", "n": [1.5, float("inf")]}
    text = page_mod._script_json(nasty)
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"source": nasty["source"], "n": [1.5, "inf"]}
    page = render_page(av.trace("x*y", at={"x": 2, "y": 5}), title_text="</title><b>x</b>",
                       graph=False)
    assert "<title>&lt;/title&gt;&lt;b&gt;x&lt;/b&gt;</title>" in page
