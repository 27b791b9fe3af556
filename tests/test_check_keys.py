"""Problem keys in TOML, JSON and YAML: every field, and clear errors with line and caret."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.check import load_key
from autodiff_viz.errors import ProblemKeyError, SubmissionError

TOML_KEY = """\
title = "Q1"
expression = "sin(x1) + x1*x2"
at = { x1 = 2, x2 = 3 }
notation = "v"
carried_credit = 0.5

[tolerance]
rel = 1e-4
rounding = false

[formulas]
samples = 10
seed = 7

[[ask]]
kind = "gradient"
points = 2

[[ask]]
kind = "forward"
wrt = "x2"
total = 6

[[ask]]
kind = "value"
node = "x1*x2"
name = "product"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_toml_key_with_every_kind_of_field(tmp_path: Path) -> None:
    key = load_key(write(tmp_path, "key.toml", TOML_KEY))
    assert key.title == "Q1" and key.notation == "v" and key.carried_credit == 0.5
    assert key.tolerance.rel == 1e-4 and key.tolerance.rounding is False
    assert (key.formulas.samples, key.formulas.seed) == (10, 7)
    assert [(a.name, a.kind, a.points, a.total) for a in key.asks] == [
        ("gradient", "gradient", 2.0, None), ("forward_x2", "forward", 0.0, 6.0),
        ("product", "value", 1.0, None)]
    assert key.asks[1].seed == (("x1", 0.0), ("x2", 1.0))
    assert key.graph.nodes[key.asks[2].node].op.name == "mul"
    assert key.describe() == "z = sin(x1) + x1*x2 at x1=2, x2=3"


def test_the_same_key_in_json_and_yaml(tmp_path: Path) -> None:
    import json
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    data = tomllib.loads(TOML_KEY)
    j = load_key(write(tmp_path, "key.json", json.dumps(data)))
    assert [a.name for a in j.asks] == ["gradient", "forward_x2", "product"]
    yaml = pytest.importorskip("yaml")
    y = load_key(write(tmp_path, "key.yaml", yaml.safe_dump(data)))
    assert [a.name for a in y.asks] == ["gradient", "forward_x2", "product"]
    assert y.tolerance.rel == 1e-4


def test_yaml_keeps_the_decimals_a_student_wrote(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    sub = write(tmp_path, "ann.yaml", "gradient:\n  x1: 2.580\n  x2: 2\n")
    r = av.check({"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
                  "ask": [{"kind": "gradient"}]}, sub)
    assert [i.verdict for i in r.items] == ["wrong value", "correct"]  # 2.580 is not 2.584


def test_yaml_without_pyyaml_says_how_to_fix_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(ProblemKeyError) as err:
        load_key(write(tmp_path, "key.yaml", "expression: x\n"))
    assert "needs the PyYAML package" in err.value.render()
    assert "pip install pyyaml" in err.value.render()
    with pytest.raises(SubmissionError) as err2:
        av.check({"expression": "x", "at": {"x": 1}, "ask": [{"kind": "value"}]},
                 write(tmp_path, "sub.yml", "value: 1\n"))
    assert "or write the file as TOML or JSON" in err2.value.render()


def test_toml_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "key.toml", 'expression = "x^2"\nat = { x = 3 \n')
    with pytest.raises(ProblemKeyError) as err:
        load_key(p)
    text = err.value.render()
    assert text.startswith("error: invalid TOML:") and "line 2" in text
    assert "2 | at = { x = 3" in text and "^" in text


def test_json_syntax_error_points_at_the_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "key.json", '{"expression": "x^2",\n "at": {"x": 3,}}\n')
    with pytest.raises(ProblemKeyError) as err:
        load_key(p)
    assert (err.value.line, err.value.column) == (2, 16)
    assert "2 |  \"at\": {\"x\": 3,}}" in err.value.render()


def test_an_expression_that_does_not_parse_is_shown_in_the_key_file(tmp_path: Path) -> None:
    p = write(tmp_path, "key.toml", 'title = "t"\nexpression = "sin(x1 + x1*x2"\n'
                                    'at = { x1 = 1 , x2 = 2 }\n[[ask]]\nkind = "gradient"\n')
    with pytest.raises(ProblemKeyError) as err:
        load_key(p)
    e = err.value
    assert (e.line, e.column) == (2, 18)
    assert e.render().splitlines()[1:3] == ['2 | expression = "sin(x1 + x1*x2"',
                                             "                     ^"]
    assert "add the missing ')'" in e.render()


@pytest.mark.parametrize("data,message,hint", [
    ({"expresion": "x"}, "unknown field 'expresion'", "did you mean 'expression'?"),
    ({"expression": "x", "at": {"x": 1}}, "asks for nothing", "[[ask]]"),
    ({"expression": "x", "ask": [{"kind": "value"}]}, "needs a point", None),
    ({"expression": "x", "at": {"y": 1}, "ask": [{"kind": "value"}]},
     "no value for x; y is not an input", "the inputs are: x"),
    ({"expression": "x", "at": {"x": 1}, "ask": [{"kind": "gradiant"}]},
     "unknown kind 'gradiant'", "did you mean 'gradient'?"),
    ({"expression": "x*y", "at": {"x": 1, "y": 2}, "ask": [{"kind": "forward"}]},
     "say which input", None),
    ({"expression": "x", "at": {"x": 1}, "ask": [{"kind": "formula", "wrt": "y"}]},
     "wrt 'y' is not an input", None),
    ({"expression": "x", "at": {"x": 1}, "ask": [{"kind": "value", "node": "sin(x)"}]},
     "no node 'sin(x)'", "the subexpression it computes"),
    ({"expression": "log(x)", "at": {"x": -1}, "ask": [{"kind": "value"}]},
     "cannot be differentiated at the point", "inside the domain"),
    ({"expression": "x", "at": {"x": 1}, "ask": [{"kind": "value"}, {"kind": "value"}]},
     "two asks are named 'value'", 'name = "q2"'),
    ({"expression": "x", "at": {"x": 1}, "carried_credit": 2, "ask": [{"kind": "value"}]},
     "'carried_credit' must be a number from 0 to 1", None),
    ({"program": "a = x*y; b = x + y", "at": {"x": 1, "y": 2}, "ask": [{"kind": "gradient"}]},
     "several outputs (a, b)", None),
])
def test_key_mistakes_say_what_and_how_to_fix(data: dict, message: str, hint: str | None) -> None:
    with pytest.raises(ProblemKeyError) as err:
        load_key(data)
    assert message in err.value.message, err.value.render()
    if hint:
        assert hint in (err.value.hint or ""), err.value.render()


def test_a_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProblemKeyError) as err:
        load_key(tmp_path / "nope.toml")
    assert "cannot read the key" in err.value.render()
    with pytest.raises(ProblemKeyError, match="cannot tell the format"):
        load_key(str(tmp_path / "key.txt"))


def test_nodes_are_named_by_label_program_name_or_subexpression() -> None:
    base = {"program": "a = x1*x2\nb = sin(x1)\nz = a + b", "at": {"x1": 2, "x2": 3}}
    for node in ("a", "w3", "x1*x2", "x2 * x1"):
        key = load_key({**base, "ask": [{"kind": "value", "node": node}]})
        assert key.graph.nodes[key.asks[0].node].name == "a", node
    r = av.check({**base, "ask": [{"kind": "adjoint", "node": "sin(x1)"}]}, {"adjoint": 1})
    assert r.all_correct


def test_named_points_and_a_point_per_ask() -> None:
    key = load_key({"expression": "x^2", "at": {"first": {"x": 1}, "second": {"x": 3}},
                    "ask": [{"kind": "gradient", "at": "second"},
                            {"kind": "value", "at": {"x": 5}}]})
    r = av.check(key, {"gradient": 6, "value": 25})
    assert r.problem == "z = x^2 at x=1"
    assert [i.verdict for i in r.items] == ["correct", "correct"]  # each at its own point
    assert key.point("second") == {"x": 3}


def test_random_points_are_per_student_deterministic_and_inside_the_domain() -> None:
    key = load_key({"expression": "log(x) + sqrt(y)", "random": {"seed": 11,
                    "ranges": {"x": [-1, 2], "y": [-1, 4]}, "decimals": 2},
                    "ask": [{"kind": "gradient"}]})
    assert key.needs_student
    a, b = key.point_for("alice"), key.point_for("bob")
    assert a == key.point_for("alice") and a != b
    for p in (a, b):
        assert p["x"] > 0 and p["y"] > 0 and round(p["x"], 2) == p["x"]
    with pytest.raises(ProblemKeyError, match="own point"):
        av.check(key, "dz/dx = 1")
    g = av.gradient("log(x) + sqrt(y)", a)
    r = av.check(key, {"student": "alice", "gradient": g})
    assert r.all_correct and "alice" == r.student
