"""networkx export (issue 10): Graph.to_networkx and Trace.to_networkx written to GraphML,
GEXF and GML and read back, compared with the trace and with hand-derived numbers."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import autodiff_viz as av

nx = pytest.importorskip("networkx")

EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}

# Each format: writer, reader, and what the format cannot keep (checked separately).
FORMATS: dict[str, tuple[Callable[..., Any], Callable[[Path], Any]]] = {
    "graphml": (nx.write_graphml,
                lambda p: nx.read_graphml(p, node_type=int, force_multigraph=True)),
    # GEXF reads a graph without parallel edges as a DiGraph: see keyed() below.
    "gexf": (nx.write_gexf, lambda p: keyed(nx.read_gexf(p, node_type=int))),
    # GML writes the node key as its own "label" (networkx's rule), so read by id.
    "gml": (nx.write_gml, lambda p: nx.read_gml(p, label="id")),
}


def keyed(h: Any) -> Any:
    """A graph read back, as a MultiDiGraph keyed by argument position (its ``position``)."""
    if h.is_multigraph():
        return h
    m = nx.MultiDiGraph()
    m.graph.update(h.graph)
    m.add_nodes_from(h.nodes(data=True))
    m.add_edges_from((u, v, d["position"], d) for u, v, d in h.edges(data=True))
    return m


def roundtrip(g: Any, fmt: str, tmp_path: Path) -> Any:
    write, read = FORMATS[fmt]
    path = tmp_path / f"graph.{fmt}"
    write(g, path)
    return read(path)


def same(a: Any, b: Any) -> bool:
    """An attribute after a round trip: GML stores booleans as 0/1, and GEXF reads a
    non-finite string back as a float when the attribute was declared a number."""
    if isinstance(a, bool):
        return bool(b) == a
    if isinstance(a, float) or (isinstance(a, str) and a in ("inf", "-inf", "nan")):
        x, y = float(a), float(b)
        return (math.isnan(x) and math.isnan(y)) or x == y
    return a == b


def lost(fmt: str, key: str) -> bool:
    return fmt == "gml" and key == "label"


def assert_same_graph(g: Any, h: Any, fmt: str) -> None:
    assert isinstance(h, nx.MultiDiGraph)
    assert sorted(h.nodes) == sorted(g.nodes)
    for n, d in g.nodes(data=True):
        for k, v in d.items():
            if not lost(fmt, k):
                assert same(v, h.nodes[n][k]), (fmt, n, k, v, h.nodes[n][k])
    assert sorted(h.edges(keys=True)) == sorted(g.edges(keys=True))
    for u, v, key, d in g.edges(keys=True, data=True):
        for k, x in d.items():
            assert same(x, h.edges[u, v, key][k]), (fmt, u, v, key, k)
    if fmt != "gexf":  # GEXF keeps no graph attributes
        for k, v in g.graph.items():
            assert same(v, h.graph[k]), (fmt, k)


def walk(obj: Any) -> list[Any]:
    return [obj] if not isinstance(obj, dict) else [x for v in obj.values() for x in walk(v)]


def attrs(g: Any) -> list[dict[str, Any]]:
    return ([g.graph] + [d for _, d in g.nodes(data=True)]
            + [d for *_, d in g.edges(keys=True, data=True)])


# -- Graph.to_networkx ------------------------------------------------------------------
def test_graph_export_has_consistent_attributes_and_no_none() -> None:
    g = av.parse("a = x*y\nz = a + x + 2").to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert all(v is not None for d in attrs(g) for v in d.values())
    keys = {frozenset(d) for _, d in g.nodes(data=True)}
    assert keys == {frozenset({"name", "label", "kind", "op", "variable", "formula",
                               "expression", "is_output", "output"})}
    by_name = {d["name"]: d for _, d in g.nodes(data=True)}
    # names are what the views show; labels are the numbering; inputs keep their variable
    assert by_name["a"]["label"] == "w3" and by_name["a"]["formula"] == "w1*w2"
    assert by_name["w1"]["variable"] == "x" and by_name["w1"]["kind"] == "input"
    assert by_name["2"]["kind"] == "const" and by_name["2"]["op"] == ""
    outs = [d for _, d in g.nodes(data=True) if d["is_output"]]
    assert [(d["output"], d["expression"]) for d in outs] == [("z", "x*y + x + 2")]
    assert g.graph == {"source": "a = x*y\nz = a + x + 2", "notation": "w",
                       "inputs": "x,y", "outputs": "z"}


def test_x_times_x_is_two_edges_keyed_by_argument_position() -> None:
    g = av.parse("x*x").to_networkx()
    assert sorted(g.edges(keys=True, data="position")) == [(0, 1, 0, 0), (0, 1, 1, 1)]
    assert g.edges[0, 1, 0]["partial_formula"] == g.edges[0, 1, 1]["partial_formula"] == "w1"
    assert list(nx.topological_sort(g)) == [0, 1]


def test_edges_from_constants_carry_no_partial_formula() -> None:
    g = av.parse("2*x").to_networkx()
    const = next(n for n, d in g.nodes(data=True) if d["kind"] == "const")
    mul = next(n for n, d in g.nodes(data=True) if d["op"] == "mul")
    assert g.edges[const, mul, 0]["partial_formula"] == ""
    assert g.edges[0, mul, 1]["partial_formula"] == "2"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_graph_export_writes_and_reads_back(fmt: str, tmp_path: Path) -> None:
    g = av.parse("a = x*x\nz = sin(a) + a/y", outputs=None).to_networkx(notation="v")
    assert_same_graph(g, roundtrip(g, fmt, tmp_path), fmt)


# -- Trace.to_networkx ------------------------------------------------------------------
def test_trace_export_holds_the_hand_derived_numbers() -> None:
    t = av.trace(EXPR, at=AT, mode="both")  # forward passes for x1 and x2, one reverse
    g = t.to_networkx()
    assert all(v is not None for d in attrs(g) for v in d.values())
    assert g.graph["forward_passes"] == 2 and g.graph["reverse_passes"] == 1
    assert json.loads(g.graph["forward_1_seed"]) == {"x2": 1.0}
    assert g.graph["reverse_0_output"] == "z"
    assert g.graph["title"] == "z = sin(x1) + x1*x2 at x1=2, x2=3" and g.graph["mode"] == "both"
    z = next(n for n, d in g.nodes(data=True) if d["is_output"])
    x1, x2 = 0, 1
    assert g.nodes[z]["value"] == pytest.approx(math.sin(2) + 6, abs=1e-15)
    assert g.nodes[x1]["adjoint_0"] == pytest.approx(math.cos(2) + 3, abs=1e-15)
    assert g.nodes[x2]["adjoint_0"] == 2.0
    assert g.nodes[z]["tangent_0"] == pytest.approx(math.cos(2) + 3, abs=1e-15)  # dz/dx1
    assert g.nodes[z]["tangent_1"] == 2.0  # dz/dx2
    sin = next(n for n, d in g.nodes(data=True) if d["op"] == "sin")
    edge = g.edges[x1, sin, 0]
    assert edge["partial_formula"] == "cos(w1)"
    assert edge["partial"] == pytest.approx(math.cos(2), abs=1e-15)
    assert edge["reverse_term_0"] == pytest.approx(math.cos(2), abs=1e-15)  # 1·cos 2
    assert edge["forward_term_1"] == 0.0  # x2's pass: cos 2 · 0
    mul = next(n for n, d in g.nodes(data=True) if d["op"] == "mul")
    assert (g.edges[x1, mul, 0]["partial"], g.edges[x2, mul, 1]["partial"]) == (3.0, 2.0)


def test_trace_export_numbers_are_the_stored_records() -> None:
    t = av.trace("a = x*y; b = exp(x) - a", at={"x": 0.5, "y": -2}, mode="both",
                 notation="u")
    g = t.to_networkx()
    for s in t.steps:
        assert g.nodes[s.node]["value"] == s.value and g.nodes[s.node]["name"] == s.name
        for p in s.partials:
            assert g.edges[p.parent, s.node, p.position]["partial"] == p.value
    for k in range(len(t.forward)):
        for fs in t.forward_steps(k):
            assert g.nodes[fs.node][f"tangent_{k}"] == fs.tangent
            for term in fs.terms:
                assert g.edges[term.parent, fs.node, term.position][f"forward_term_{k}"] \
                    == term.value
    for k in range(len(t.reverse)):
        reached = {rs.node for rs in t.reverse_steps(k)}
        for rs in t.reverse_steps(k):
            assert g.nodes[rs.node][f"adjoint_{k}"] == rs.adjoint
            for term in rs.terms:
                assert g.edges[rs.node, term.child, term.position][f"reverse_term_{k}"] \
                    == term.value
        assert all(f"adjoint_{k}" not in d for n, d in g.nodes(data=True) if n not in reached)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_trace_export_writes_and_reads_back(fmt: str, tmp_path: Path) -> None:
    t = av.trace(EXPR, at=AT, mode="both")
    g = t.to_networkx()
    h = roundtrip(g, fmt, tmp_path)
    assert_same_graph(g, h, fmt)
    z = t.graph.output_id()
    assert h.nodes[z]["value"] == pytest.approx(math.sin(2) + 6, abs=1e-15)
    assert h.nodes[0]["adjoint_0"] == pytest.approx(math.cos(2) + 3, abs=1e-15)
    assert h.nodes[1]["adjoint_0"] == 2.0
    assert h.nodes[0]["adjoint_0"] == t.gradient["x1"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_tensors_are_a_shape_and_a_json_list(fmt: str, tmp_path: Path) -> None:
    t = av.trace("h = relu(X@W + c)\nf = h@w + b", mode="reverse",
                 at={"X": [[0, 0], [1, 0], [0, 1], [1, 1]], "W": [[1, 1], [1, 1]],
                     "c": [0, -1], "w": [1, -2], "b": 0})
    h = roundtrip(t.to_networkx(), fmt, tmp_path)
    relu = t.graph.names["h"]
    d = h.nodes[relu]
    assert json.loads(d["value_shape"]) == [4, 2]
    assert json.loads(d["value_json"]) == [[0, 0], [1, 0], [1, 0], [2, 1]]  # the slides' h
    assert "value" not in d
    w = t.graph.names["W"]
    assert json.loads(h.nodes[w]["adjoint_0_json"]) == [[2, -2], [2, -2]]
    assert h.nodes[t.graph.names["b"]]["adjoint_0"] == 4.0  # a number stays a float
    for s in t.steps:  # every value as the trace stored it
        key = "value" if np.ndim(s.value) == 0 else "value_json"
        assert np.array_equal(np.asarray(json.loads(h.nodes[s.node][key])
                                         if key == "value_json" else h.nodes[s.node][key]),
                              np.asarray(s.value))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_non_finite_numbers_are_strings(fmt: str, tmp_path: Path) -> None:
    t = av.trace("exp(x)*y", at={"x": 1000, "y": 0}, mode="reverse")
    g = t.to_networkx()
    e = t.graph.nodes[2].id  # exp(x)
    assert g.nodes[e]["value"] == "inf" and g.nodes[3]["value"] == "nan"
    assert g.edges[0, e, 0]["partial"] == "inf"
    h = roundtrip(g, fmt, tmp_path)
    assert float(h.nodes[e]["value"]) == math.inf and math.isnan(float(h.nodes[3]["value"]))
    tb = av.trace("exp(x)", at={"x": [1.0, 1000.0]}, mode="reverse").to_networkx()
    assert json.loads(tb.nodes[1]["value_json"]) == [math.e, "inf"]  # strict JSON


def test_importing_and_tracing_does_not_import_networkx() -> None:
    code = ("import sys, autodiff_viz as av\n"
            "t = av.trace('sin(x1) + x1*x2', at={'x1': 2, 'x2': 3})\n"
            "repr(t); t.to_text(); t.to_dict()\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'networkx', 'graphviz'}))\n"
            "t.to_networkx()\n"
            "print('networkx' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True"]


def test_every_networkx_import_in_the_package_is_inside_a_function() -> None:
    pkg = Path(av.__file__).parent
    for path in pkg.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith(("import networkx", "from networkx")):
                # indented: inside a function (or under `if TYPE_CHECKING:`)
                assert line.startswith(" "), f"{path}: {line}"
