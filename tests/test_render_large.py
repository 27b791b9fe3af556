"""Large graphs (issue 4): a scalar-expanded MLP of about 1,000 nodes renders; past the
thresholds edge labels and table rows are left out with a note. No timed assertions:
benchmarks/bench_render.py measures the times."""
from __future__ import annotations

import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

import autodiff_viz as av
from autodiff_viz.views.graphviz import BIG_GRAPH, MAX_EDGE_LABELS, MAX_TABLE_ROWS

from test_render_dot import lines_of, table_text

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_render.py"


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_render", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def big() -> av.Trace:
    return bench().mlp_trace(6, [16, 16, 4])


def test_the_benchmark_graphs_have_about_10_100_and_1000_nodes() -> None:
    b = bench()
    for target, (n_in, hidden) in b.SIZES.items():
        n = len(b.mlp_trace(n_in, hidden).graph.nodes)
        assert 0.75 * target <= n <= 1.4 * target, (target, n)


def test_mlp_program_is_a_scalar_expanded_network() -> None:
    program = bench().mlp_program(2, [2])
    assert program.splitlines() == [
        "h1_1 = tanh(0.91*x1 + -0.53*x2 + -0.77)",
        "h1_2 = tanh(0.73*x1 + 0.58*x2 + -0.88)",
        "p = sigmoid(-0.36*h1_1 + 0.97*h1_2)",
        "loss = (1 - p)^2",
    ]


def test_big_graph_is_compact_with_a_shortened_table_of_steps(big: av.Trace) -> None:
    g = big.graph
    src = big.to_dot()  # compact: bare edges, the chain-rule steps in the table
    assert not re.search(r'\[id="e\d+_\d+", label=', src)
    rows = lines_of(table_text(src))
    assert rows[0] == "reverse pass for loss (output to inputs) gradient"
    kept = len(g.inputs) + 1  # the inputs' steps and the output's
    steps = [r for r in rows[1:] if not r.startswith("∂loss/∂")]
    omitted = sum(1 for n in g.nodes if n.kind != "const") - kept
    assert steps[-1] == (f"{omitted} more steps left out (past {MAX_TABLE_ROWS} rows; raise "
                         "max_table_rows / --max-table-rows)")
    assert len(steps) - 1 == kept
    assert "splines=line" in src and "rankdir=LR" in src


def test_big_graph_drops_edge_labels_and_shortens_the_table_with_notes(big: av.Trace) -> None:
    g = big.graph
    assert len(g.nodes) > 1000 >= BIG_GRAPH
    src = big.to_dot(detail="full")
    assert "+=" not in src
    assert not re.search(r'\[id="e\d+_\d+", label=', src)  # no edge labels at all
    labelled = sum(1 for n in g.nodes for q in n.parents if g.nodes[q].kind != "const")
    assert f"{labelled} edges: edge labels left out (more than {MAX_EDGE_LABELS}" in src
    rows = lines_of(table_text(src))
    kept = len(g.inputs) + 1  # the inputs and the output
    assert len(rows) - 2 == kept  # header + note
    omitted = sum(1 for n in g.nodes if n.kind != "const") - kept
    assert rows[-1] == (f"{omitted} more nodes left out (past {MAX_TABLE_ROWS} rows; raise "
                        "max_table_rows / --max-table-rows)")
    assert rows[-2].startswith("loss ")
    assert "splines=line" in src  # quicker layout for big graphs
    # the nodes still hold every value and adjoint (w&#772;1: w̄1), constants inside them
    nodes = re.findall(r'^\s*n\d+ \[id=.*?\];$', src, re.S | re.M)
    assert len(nodes) == sum(1 for n in g.nodes if n.kind != "const")
    assert all("&#772;" in x and "<FONT FACE=" in x for x in nodes)


def test_thresholds_are_options(big: av.Trace) -> None:
    src = big.to_dot(detail="full", max_edge_labels=10**6, max_table_rows=10**6)
    assert "edge labels left out" not in src and "more nodes left out" not in src
    assert "w&#772;1 += " in src  # w̄1 += ...: every edge carries its term


@needs_dot
def test_a_thousand_nodes_render_to_svg(big: av.Trace, tmp_path: Path) -> None:
    path = big.render(tmp_path / "mlp.svg")
    root = ET.parse(path).getroot()
    texts = ["".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert any("more steps left out" in x for x in texts)
    n_nodes = sum(1 for e in root.iter("{http://www.w3.org/2000/svg}g")
                  if e.get("class") == "node" and not e.get("id", "").startswith("legend"))
    drawn = sum(1 for n in big.graph.nodes if n.kind != "const")  # constants: inside nodes
    assert n_nodes == drawn  # the table is the graph's label, below it
