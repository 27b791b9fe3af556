"""DOT source of the graph views (issue 4): goldens, numbers, determinism, rules.

None of these tests needs Graphviz: DOT source is written in Python.

Goldens: tests/golden/dot/worked_example_<mode>.dot, the worked example
z = sin(x1) + x1*x2 at x1=2, x2=3 (forward seeded on x2). Regenerate them with
    AUTODIFF_VIZ_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_dot.py
and read the diff: the oracle is ../shared/reference/worked-examples.md (values 2,
3, 0.9093, 6, 6.909; dz/dx1 = cos 2 + 3 = 2.584, dz/dx2 = 2; forward on x2 gives
2), which the hand-checked assertions below also pin, independent of the goldens.
"""
from __future__ import annotations

import dataclasses
import html
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.errors import InputError
from autodiff_viz.views.graphviz import MAX_EDGE_LABELS, graph_to_dot

EXPR = "sin(x1) + x1*x2"
AT = {"x1": 2.0, "x2": 3.0}
MODES = ("primal", "forward", "reverse", "both")
GOLDEN = Path(__file__).parent / "golden" / "dot"
REGEN = os.environ.get("AUTODIFF_VIZ_REGEN_GOLDEN") == "1"


def worked(mode: str = "both", **kw: object) -> av.Trace:
    return av.trace(EXPR, at=AT, mode=mode, wrt=None if mode == "primal" else "x2", **kw)


def text_of(fragment: str) -> str:
    """The visible text of an HTML-like label: tags dropped, rows on their own lines."""
    fragment = re.sub(r"</TR>", "\n", fragment).replace("</TD>", " </TD>")
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("\xa0", "_")


def label_of(statement: str) -> str:
    """The label of one DOT node or edge statement, as visible text."""
    m = re.search(r"label=<(.*</TABLE>)>", statement, re.S) or re.search(
        r'label="([^"]*)"', statement)
    return text_of(m.group(1)) if m else ""


def node_text(src: str, i: int) -> str:
    m = re.search(rf"^\s*n{i} \[id=\"n{i}\".*?\];$", src, re.S | re.M)
    assert m, f"node n{i} not in the DOT source"
    return label_of(m.group(0))


def edge_text(src: str, child: int, pos: int) -> str:
    m = re.search(rf"^\s*n\d+ -> n{child} \[id=\"e{child}_{pos}\".*?\];$", src, re.S | re.M)
    assert m, f"edge e{child}_{pos} not in the DOT source"
    return label_of(m.group(0))


def table_text(src: str) -> str:
    m = re.search(r"^  graph \[[^\n]*label=<(<TABLE.*?</TABLE>)>\];$", src, re.S | re.M)
    assert m, "no table in the graph label"
    return text_of(m.group(1))


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


# -- goldens ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_worked_example_matches_its_golden_dot_source(mode: str) -> None:
    src = worked(mode).to_dot()
    path = GOLDEN / f"worked_example_{mode}.dot"
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(src, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run with AUTODIFF_VIZ_REGEN_GOLDEN=1"
    assert src == path.read_text(encoding="utf-8")


def test_goldens_hold_the_worked_example_numbers() -> None:
    """Read the goldens themselves, so a careless regeneration cannot pass."""
    for mode in MODES:
        src = (GOLDEN / f"worked_example_{mode}.dot").read_text(encoding="utf-8")
        for v in ("2", "3", "0.9093", "6", "6.909"):
            assert f'<FONT FACE="Courier">{v}</FONT>' in src, (mode, v)
        assert ("dz/dx1" in src) == (mode in ("reverse", "both")), mode
        assert ("d(node)/dx2" in src) == (mode in ("forward", "both")), mode


# -- the numbers, by hand from worked-examples.md ------------------------------------------
def test_nodes_show_name_operation_and_value_in_every_mode() -> None:
    for mode in MODES:
        src = worked(mode).to_dot()
        assert lines_of(node_text(src, 0))[:2] == ["w1 = x1", "value 2"]
        assert lines_of(node_text(src, 1))[:2] == ["w2 = x2", "value 3"]
        assert lines_of(node_text(src, 2))[:2] == ["w3 = sin(w1)", "value 0.9093"]
        assert lines_of(node_text(src, 3))[:2] == ["w4 = w1*w2", "value 6"]
        assert lines_of(node_text(src, 4))[:3] == ["w5 = w3 + w4", "output z", "value 6.909"]


def test_forward_mode_nodes_show_tangents_seeded_on_x2() -> None:
    src = worked("forward").to_dot()
    tangents = [lines_of(node_text(src, i))[-1] for i in range(5)]
    assert tangents == ["dw1/dx2 0", "dw2/dx2 1", "dw3/dx2 0", "dw4/dx2 2", "dw5/dx2 2"]
    assert "dz/dw" not in src  # no adjoints in forward mode
    rows = lines_of(table_text(src))
    assert rows[0] == "node definition value d(node)/dx2 gradient"
    assert rows[1] == "w1 x1 2 0 dz/dx2 2"  # one forward pass seeded on x2: dz/dx2 = 2


def test_reverse_mode_nodes_show_adjoints() -> None:
    src = worked("reverse").to_dot()
    adjoints = [lines_of(node_text(src, i))[-1] for i in range(5)]
    assert adjoints == ["dz/dw1 2.584", "dz/dw2 2", "dz/dw3 1", "dz/dw4 1", "dz/dw5 1"]
    assert f"{math.cos(2) + 3:.4g}" == "2.584"
    assert "/dx2 " not in src  # no tangents in reverse mode


def test_both_mode_nodes_show_tangent_then_adjoint() -> None:
    src = worked("both").to_dot()
    assert lines_of(node_text(src, 0))[2:] == ["dw1/dx2 0", "dz/dw1 2.584"]
    assert lines_of(node_text(src, 4))[3:] == ["dw5/dx2 2", "dz/dw5 1"]


def test_edges_show_the_local_partial_as_formula_and_number() -> None:
    src = worked("reverse").to_dot()
    assert lines_of(edge_text(src, 2, 0))[0] == "dw3/dw1 = cos(w1) = -0.4161"
    assert lines_of(edge_text(src, 3, 0))[0] == "dw4/dw1 = w2 = 3"
    assert lines_of(edge_text(src, 3, 1))[0] == "dw4/dw2 = w1 = 2"
    assert lines_of(edge_text(src, 4, 0))[0] == "dw5/dw3 = 1"  # formula 1 is the number
    assert lines_of(edge_text(src, 4, 1))[0] == "dw5/dw4 = 1"
    assert f"{math.cos(2):.4f}" == "-0.4161"


def test_reverse_edges_carry_their_term_into_the_parents_adjoint() -> None:
    src = worked("reverse").to_dot()
    assert lines_of(edge_text(src, 2, 0))[1] == "dz/dw1 += 1*(-0.4161) = -0.4161"
    assert lines_of(edge_text(src, 3, 0))[1] == "dz/dw1 += 1*3 = 3"  # 3 - 0.4161 = 2.584
    assert lines_of(edge_text(src, 3, 1))[1] == "dz/dw2 += 1*2 = 2"


def test_forward_edges_carry_their_term_into_the_childs_tangent() -> None:
    src = worked("forward").to_dot()
    assert lines_of(edge_text(src, 3, 1))[1] == "dw4/dx2 += 2*1 = 2"
    assert lines_of(edge_text(src, 3, 0))[1] == "dw4/dx2 += 3*0 = 0"
    assert lines_of(edge_text(src, 2, 0))[1] == "dw3/dx2 += (-0.4161)*0 = 0"


def test_contributions_option_chooses_which_term_edges_show() -> None:
    t = worked("both")
    assert "dw4/dx2 +=" in t.to_dot(contributions="forward")
    assert "dz/dw2 +=" not in t.to_dot(contributions="forward")
    assert "dz/dw2 +=" in t.to_dot()  # auto: reverse when shown
    none = t.to_dot(contributions="none")
    assert "+=" not in none and "dw3/dw1 = cos(w1) = " in none
    with pytest.raises(InputError, match="contributions"):
        t.to_dot(contributions="sideways")


def test_primal_edges_show_formulas_only() -> None:
    src = worked("primal").to_dot()
    assert lines_of(edge_text(src, 2, 0)) == ["dw3/dw1 = cos(w1)"]
    assert "-0.4161" not in src and "+=" not in src


def test_table_lists_every_stored_number_and_the_gradient() -> None:
    rows = lines_of(table_text(worked("both").to_dot()))
    assert rows[0] == "node definition value d(node)/dx2 dz/d(node) gradient"
    assert rows[1] == "w1 x1 2 0 2.584 dz/dx1 2.584"
    assert rows[2] == "w2 x2 3 1 2 dz/dx2 2"
    assert rows[3:] == ["w3 sin(w1) 0.9093 0 1", "w4 w1*w2 6 2 1", "w5 w3 + w4 6.909 2 1"]


def test_several_outputs_give_a_jacobian() -> None:
    t = av.trace("p = x*y; q = x + y", at={"x": 2, "y": 5}, mode="reverse")
    rows = lines_of(table_text(t.to_dot()))
    assert rows[0].endswith("dp/d(node) dq/d(node) Jacobian")
    assert [r.split()[-2:] for r in rows[1:5]] == [["dp/dx", "5"], ["dp/dy", "2"],
                                                   ["dq/dx", "1"], ["dq/dy", "1"]]
    assert t.to_dot(reverse_pass=1).count("dq/dw1 +=") == 1
    with pytest.raises(InputError, match="reverse pass 2 does not exist"):
        t.to_dot(reverse_pass=2)


def test_an_output_that_does_not_depend_on_an_input_gets_a_zero_entry() -> None:
    t = av.trace("a = x*y; b = sin(x); c = a + 1", at={"x": 1, "y": 2}, mode="reverse")
    rows = lines_of(table_text(t.to_dot()))
    assert [r.split()[-2:] for r in rows[1:5]] == [["db/dx", "0.5403"], ["db/dy", "0"],
                                                   ["dc/dx", "2"], ["dc/dy", "1"]]
    # nodes the output does not depend on have no adjoint line for it
    assert lines_of(node_text(t.to_dot(), 1))[1:] == ["value 2", "dc/dw2 1"]


def test_forward_along_a_direction_shows_the_output_tangent() -> None:
    t = av.trace(EXPR, at=AT, mode="forward", seed={"x1": 1, "x2": 0.5})
    rows = lines_of(table_text(t.to_dot()))
    assert rows[0].endswith("tan_(node) derivatives")
    # the tangent of z along (1, 0.5): cos(2) + 3 + 0.5*2 = 3.584
    assert any(r.endswith("tangent of z, seed x1=1, x2=0.5 3.584") for r in rows)


def test_constants_are_small_nodes_with_dashed_unlabelled_edges() -> None:
    t = av.trace("2*x + exp(-x)", at={"x": 1}, mode="reverse")
    src = t.to_dot()
    const = next(n.id for n in t.graph.nodes if n.kind == "const")
    assert re.search(rf'n{const} \[id="n{const}", shape="hexagon", style="filled", '
                     rf'fillcolor="#F0E442", label="2", fontsize="10"', src)
    assert re.search(rf'n{const} -> n\d+ \[id="e\d+_0", style="dashed", color="#8C8C8C"\];', src)
    assert "legend_const" in src and "dashed: from a constant" in src


def test_repeated_argument_edges_say_which_argument() -> None:
    src = av.trace("x*x", at={"x": 3}, mode="reverse").to_dot()
    assert "dw2/dw1 (arg 1) = w1 = " in text_of(src)
    assert "dw2/dw1 (arg 2) = w1 = " in text_of(src)
    assert text_of(src).count("dz/dw1 += 1*3 = 3") == 2


# -- styles, legend, layout ---------------------------------------------------------------
def test_kinds_have_distinct_colour_blind_safe_colours_and_shapes_and_a_legend() -> None:
    src = av.trace("2*x + y", at={"x": 1, "y": 2}).to_dot()
    styles = {}
    for kind, name in (("input", "input"), ("const", "constant"), ("op", "operation"),
                       ("output", "output")):
        m = re.search(rf'legend_{kind} \[shape="(\w+)", style="([\w,]+)", '
                      rf'fillcolor="(#\w+)", fontsize=10, label="{name}"', src)
        assert m, kind
        styles[kind] = m.groups()
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert {s[2] for s in styles.values()} <= okabe_ito
    assert len({s[2] for s in styles.values()}) == 4  # four colours
    assert len({s[:2] for s in styles.values()}) == 4  # and four shapes/styles
    assert "subgraph cluster_legend" in src
    assert "legend" not in av.trace("x*y", at={"x": 1, "y": 2}).to_dot(legend=False)


def test_left_to_right_by_default_and_top_to_bottom_on_request() -> None:
    t = worked()
    assert "rankdir=LR" in t.to_dot()
    assert "rankdir=TB" in t.to_dot(rankdir="TB")
    with pytest.raises(InputError, match="rankdir"):
        t.to_dot(rankdir="diagonal")


def test_labels_are_ascii_and_free_of_unicode_and_latex() -> None:
    t = av.trace("sigmoid(a)*tanh(b) + pi*a", at={"a": 0.5, "b": -1}, mode="both",
                 notation="v")
    src = t.to_dot()
    assert src.isascii()
    assert "\\frac" not in src and "·" not in src and "∂" not in src
    assert "dv1/dv-1 = sigmoid(v-1)*(1 - sigmoid(v-1)) = " in text_of(src)


def test_notation_and_digits_options() -> None:
    t = av.trace(EXPR, at=AT, mode="reverse", notation="u")
    assert lines_of(node_text(t.to_dot(digits=2), 2))[:3] == ["u3 = sin(u1)", "value 0.91",
                                                              "dz/du3 1"]
    with pytest.raises(InputError, match="digits"):
        t.to_dot(digits=0)


def test_table_and_mode_options() -> None:
    t = worked("both")
    assert "<B>node</B>" not in t.to_dot(table=False)
    assert "dz/dw1" not in t.to_dot(mode="forward") and "dw1/dx2" in t.to_dot(mode="forward")
    with pytest.raises(InputError, match="no reverse pass"):
        worked("forward").to_dot(mode="reverse")
    with pytest.raises(InputError, match="unknown mode"):
        t.to_dot(mode="sideways")


def test_flags_are_shown_on_the_node() -> None:
    src = av.trace("relu(x)", at={"x": 0}, mode="reverse").to_dot()
    assert "! nondifferentiable" in text_of(src)


def test_array_inputs_show_arrays() -> None:
    src = av.trace("x*y", at={"x": [1, 2], "y": 3}, mode="reverse").to_dot()
    assert "value [3, 6]" in lines_of(text_of(src))


# -- the graph alone -------------------------------------------------------------------------
def test_graph_to_dot_shows_structure_and_partial_formulas_without_numbers() -> None:
    g = av.parse(EXPR)
    src = g.to_dot()
    assert src == graph_to_dot(g)
    assert lines_of(node_text(src, 2)) == ["w3 = sin(w1)"]
    assert lines_of(edge_text(src, 2, 0)) == ["dw3/dw1 = cos(w1)"]
    assert "value" not in src and "label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\"" not in src
    assert "v1 = sin(v-1)" in text_of(g.to_dot(notation="v"))


# -- determinism -------------------------------------------------------------------------------
def test_same_input_gives_byte_identical_dot_and_stable_order() -> None:
    t1, t2 = worked(), worked()
    assert t1.to_dot() == t2.to_dot() == t1.to_dot()
    src = t1.to_dot()
    nodes = [int(m) for m in re.findall(r"^\s*n(\d+) \[id=", src, re.M)]
    edges = [(int(c), int(p)) for c, p in re.findall(r'\[id="e(\d+)_(\d+)"', src)]
    assert nodes == sorted(nodes) == list(range(5))
    assert edges == sorted(edges)


def test_dot_is_identical_across_processes_and_hash_seeds() -> None:
    code = ("import autodiff_viz as av, sys; sys.stdout.write(av.trace("
            "'p = x*y + sin(x); q = exp(y) - x', at={'x': 1.5, 'y': -2}).to_dot())")
    outs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.append(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                   capture_output=True, text=True).stdout)
    assert outs[0] == outs[1] == outs[2] and outs[0].startswith("digraph autodiff {")


# -- views read the trace's records; they never recompute ------------------------------------------
def test_every_number_comes_from_the_trace_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change the stored records: the picture must show the changed numbers."""
    t = worked("both")
    steps = list(t.steps)
    w3 = steps[2]
    steps[2] = dataclasses.replace(
        w3, value=111.0, partials=(dataclasses.replace(w3.partials[0], value=222.0),))
    t.__dict__["steps"] = tuple(steps)
    fwd = [dataclasses.replace(s, tangent=333.0) if s.node == 3 else s
           for s in t.forward_steps(0)]
    rev = []
    for s in t.reverse_steps(0):
        if s.node == 0:
            terms = tuple(dataclasses.replace(x, value=555.0) for x in s.terms)
            s = dataclasses.replace(s, adjoint=444.0, terms=terms)
        rev.append(s)
    monkeypatch.setattr(t, "forward_steps", lambda k=0: fwd)
    monkeypatch.setattr(t, "reverse_steps", lambda k=0: rev)
    monkeypatch.setattr(type(t), "jacobian", property(lambda self: {"z": {"x1": 666.0,
                                                                          "x2": 777.0}}))
    src = t.to_dot()
    assert "value 111" in lines_of(node_text(src, 2))
    assert "dw3/dw1 = cos(w1) = 222" in lines_of(edge_text(src, 2, 0))
    assert "dw4/dx2 333" in lines_of(node_text(src, 3))
    assert "dz/dw1 444" in lines_of(node_text(src, 0))
    assert lines_of(edge_text(src, 2, 0))[1].endswith("= 555")
    table = lines_of(table_text(src))
    assert "dz/dx1 666" in " ".join(table) and "dz/dx2 777" in " ".join(table)


# -- large graphs ---------------------------------------------------------------------------------
def test_edge_labels_are_dropped_past_the_threshold_with_a_note() -> None:
    chain = " + ".join(f"sin(x{i})*x{i + 1}" for i in range(1, 60))
    t = av.trace(chain, at={f"x{i}": 0.1 * i for i in range(1, 61)}, mode="reverse")
    n_edges = sum(1 for n in t.graph.nodes for q in n.parents
                  if t.graph.nodes[q].kind != "const")
    assert n_edges > MAX_EDGE_LABELS
    src = t.to_dot()
    assert "+=" not in src and f"{n_edges} edges: edge labels left out" in src
    assert "+=" in t.to_dot(max_edge_labels=n_edges)  # the option raises the limit
    assert "edge labels left out" not in t.to_dot(max_edge_labels=n_edges)
