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
from autodiff_viz.views.dot_view import PALETTE, SMALL
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
        # ∂z/∂x1 (&#8706;z/&#8706;x1) in the gradient; ẇ = ∂w/∂x2 heads the tangents
        assert ("&#8706;z/&#8706;x1" in src) == (mode in ("reverse", "both")), mode
        assert ("&#8706;w/&#8706;x2" in src) == (mode in ("forward", "both")), mode


# -- the numbers, by hand from worked-examples.md ------------------------------------------
def test_nodes_show_name_operation_and_value_in_every_mode() -> None:
    for mode in MODES:
        src = worked(mode).to_dot()
        assert lines_of(node_text(src, 0))[0] == "w1 = x1 = 2"
        assert lines_of(node_text(src, 1))[0] == "w2 = x2 = 3"
        assert lines_of(node_text(src, 2))[0] == "w3 = sin(w1) = 0.9093"
        assert lines_of(node_text(src, 3))[0] == "w4 = w1·w2 = 6"
        assert lines_of(node_text(src, 4))[:2] == ["w5 = w3 + w4 = 6.909", "output z"]


def test_forward_mode_nodes_show_tangents_seeded_on_x2() -> None:
    src = worked("forward").to_dot()
    tangents = [lines_of(node_text(src, i))[-1] for i in range(5)]
    assert tangents == ["ẇ1 = 0", "ẇ2 = 1", "ẇ3 = 0", "ẇ4 = 2", "ẇ5 = 2"]
    assert "w̄" not in text_of(src)  # no adjoints in forward mode
    rows = lines_of(table_text(src))
    assert rows[0] == "node definition value ẇ = ∂w/∂x2 derivative"  # not a gradient
    assert rows[1] == "w1 x1 2 0 ∂z/∂x2 2"  # one forward pass seeded on x2: dz/dx2 = 2


def test_reverse_mode_nodes_show_adjoints() -> None:
    src = worked("reverse").to_dot()
    adjoints = [lines_of(node_text(src, i))[-1] for i in range(5)]
    assert adjoints == ["w̄1 = 2.584", "w̄2 = 2", "w̄3 = 1", "w̄4 = 1", "w̄5 = 1"]
    assert f"{math.cos(2) + 3:.4g}" == "2.584"
    assert "ẇ" not in text_of(src)  # no tangents in reverse mode


def test_both_mode_nodes_show_tangent_then_adjoint() -> None:
    src = worked("both").to_dot()
    assert lines_of(node_text(src, 0))[1:] == ["ẇ1 = 0", "w̄1 = 2.584"]
    assert lines_of(node_text(src, 4))[2:] == ["ẇ5 = 2", "w̄5 = 1"]


def test_several_forward_passes_say_whose_tangent_a_node_shows() -> None:
    src = av.trace(EXPR, at=AT, mode="forward").to_dot()  # one pass per input
    assert lines_of(node_text(src, 2))[1:] == ["∂w3/∂x1 = −0.4161", "∂w3/∂x2 = 0"]
    assert f"{math.cos(2):.4f}" == "-0.4161"


def test_edges_show_the_local_partial_as_formula_and_number() -> None:
    src = worked("reverse").to_dot()
    assert lines_of(edge_text(src, 2, 0))[0] == "∂w3/∂w1 = cos(w1) = −0.4161"
    assert lines_of(edge_text(src, 3, 0))[0] == "∂w4/∂w1 = w2 = 3"
    assert lines_of(edge_text(src, 3, 1))[0] == "∂w4/∂w2 = w1 = 2"
    assert lines_of(edge_text(src, 4, 0))[0] == "∂w5/∂w3 = 1"  # formula 1 is the number
    assert lines_of(edge_text(src, 4, 1))[0] == "∂w5/∂w4 = 1"
    assert f"{math.cos(2):.4f}" == "-0.4161"


def test_reverse_edges_carry_their_term_into_the_parents_adjoint() -> None:
    """The carried quantity first, then the local partial: w̄4·∂w4/∂w1 = 1·3."""
    src = worked("reverse").to_dot()
    assert lines_of(edge_text(src, 2, 0))[1] == "w̄1 += 1·(−0.4161) = −0.4161"
    assert lines_of(edge_text(src, 3, 0))[1] == "w̄1 += 1·3 = 3"  # 3 - 0.4161 = 2.584
    assert lines_of(edge_text(src, 3, 1))[1] == "w̄2 += 1·2 = 2"


def test_forward_edges_carry_their_term_into_the_childs_tangent() -> None:
    """The carried quantity first, then the local partial: ẇ2·∂w4/∂w2 = 1·2."""
    src = worked("forward").to_dot()
    assert lines_of(edge_text(src, 3, 1))[1] == "ẇ4 += 1·2 = 2"
    assert lines_of(edge_text(src, 3, 0))[1] == "ẇ4 += 0·3 = 0"
    assert lines_of(edge_text(src, 2, 0))[1] == "ẇ3 += 0·(−0.4161) = 0"


def test_contributions_option_chooses_which_term_edges_show() -> None:
    t = worked("both")
    assert "ẇ4 +=" in text_of(t.to_dot(contributions="forward"))
    assert "w̄2 +=" not in text_of(t.to_dot(contributions="forward"))
    assert "w̄2 +=" in text_of(t.to_dot())  # auto: reverse when shown
    none = text_of(t.to_dot(contributions="none"))
    assert "+=" not in none and "∂w3/∂w1 = cos(w1) = " in none
    with pytest.raises(InputError, match="contributions"):
        t.to_dot(contributions="sideways")


def test_primal_picture_shows_no_derivatives() -> None:
    src = worked("primal").to_dot()
    assert not re.search(r'\[id="e\d+_\d+", label=', src)  # bare edges
    text = text_of(src)
    assert "∂" not in text and "-0.4161" not in text and "−0.4161" not in text
    assert "+=" not in text and "edge labels left out" not in text
    assert lines_of(table_text(src))[0] == "node definition value"


def test_table_lists_every_stored_number_and_the_gradient() -> None:
    rows = lines_of(table_text(worked("both").to_dot()))
    assert rows[0] == "node definition value ẇ = ∂w/∂x2 w̄ = ∂z/∂w gradient"
    assert rows[1] == "w1 x1 2 0 2.584 ∂z/∂x1 2.584"
    assert rows[2] == "w2 x2 3 1 2 ∂z/∂x2 2"
    assert rows[3:] == ["w3 sin(w1) 0.9093 0 1", "w4 w1·w2 6 2 1", "w5 w3 + w4 6.909 2 1"]


def test_several_outputs_give_a_jacobian() -> None:
    t = av.trace("p = x*y; q = x + y", at={"x": 2, "y": 5}, mode="reverse")
    src = t.to_dot()
    rows = lines_of(table_text(src))
    assert rows[0].endswith("∂p/∂w ∂q/∂w Jacobian")  # several adjoints: whose, not w̄
    assert [r.split()[-2:] for r in rows[1:5]] == [["∂p/∂x", "5"], ["∂p/∂y", "2"],
                                                   ["∂q/∂x", "1"], ["∂q/∂y", "1"]]
    assert lines_of(node_text(src, 0))[1:] == ["∂p/∂w1 = 5", "∂q/∂w1 = 1"]
    assert text_of(t.to_dot(reverse_pass=1)).count("∂q/∂w1 +=") == 1
    with pytest.raises(InputError, match="reverse pass 2 does not exist"):
        t.to_dot(reverse_pass=2)


def test_an_output_that_does_not_depend_on_an_input_gets_a_zero_entry() -> None:
    t = av.trace("a = x*y; b = sin(x); c = a + 1", at={"x": 1, "y": 2}, mode="reverse")
    rows = lines_of(table_text(t.to_dot()))
    assert [r.split()[-2:] for r in rows[1:5]] == [["∂b/∂x", "0.5403"], ["∂b/∂y", "0"],
                                                   ["∂c/∂x", "2"], ["∂c/∂y", "1"]]
    # nodes the output does not depend on have no adjoint line for it
    assert lines_of(node_text(t.to_dot(), 1)) == ["w2 = y = 2", "∂c/∂w2 = 1"]


def test_forward_along_a_direction_shows_the_output_tangent() -> None:
    t = av.trace(EXPR, at=AT, mode="forward", seed={"x1": 1, "x2": 0.5})
    rows = lines_of(table_text(t.to_dot()))
    assert rows[0].endswith("ẇ derivative")
    # the tangent of z along (1, 0.5): cos(2) + 3 + 0.5*2 = 3.584
    assert any(r.endswith("ż, seed x1=1, x2=0.5 3.584") for r in rows)
    rows = lines_of(table_text(t.to_dot(ascii=True)))
    assert any(r.endswith("tangent of z, seed x1=1, x2=0.5 3.584") for r in rows)


def test_constants_are_drawn_inside_the_nodes_that_use_them() -> None:
    """No shared constant node (its long edges crossed the graph): 2·w1, not 2 -> w2."""
    t = av.trace("2*x + exp(-x) + 2*sin(x)", at={"x": 1}, mode="reverse")
    src = t.to_dot()
    const = [n.id for n in t.graph.nodes if n.kind == "const"]
    assert const and not any(re.search(rf"^\s*n{c} ", src, re.M) for c in const)
    assert not any(re.search(rf"\bn{c} ->", src) for c in const)
    two = next(n.id for n in t.graph.nodes if n.kind == "op" and n.op.name == "mul")
    assert lines_of(node_text(src, two))[0] == f"w{two} = 2·w1 = 2"
    assert "constant" not in text_of(src)  # nor in the legend


def test_repeated_argument_edges_say_which_argument() -> None:
    src = av.trace("x*x", at={"x": 3}, mode="reverse").to_dot()
    assert lines_of(edge_text(src, 1, 0)) == ["∂w2/∂w1 (arg 1) = w1 = 3", "w̄1 += 1·3 = 3"]
    assert lines_of(edge_text(src, 1, 1)) == ["∂w2/∂w1 (arg 2) = w1 = 3", "w̄1 += 1·3 = 3"]


def test_fan_out_edges_tie_each_label_to_its_own_edge() -> None:
    """w1 feeds w3 and w4: each label is joined to its edge by a line (decorate)."""
    src = worked("reverse").to_dot()
    for child, pos in ((2, 0), (3, 0), (3, 1), (4, 0), (4, 1)):
        m = re.search(rf'\[id="e{child}_{pos}", label=<.*?>, decorate="true"\];', src, re.S)
        assert m, (child, pos)


# -- styles, legend, layout ---------------------------------------------------------------
def test_kinds_have_distinct_colour_blind_safe_colours_and_shapes_and_a_legend() -> None:
    src = av.trace("2*x + y", at={"x": 1, "y": 2}).to_dot()
    styles = {}
    for kind in ("input", "op", "output"):
        m = re.search(r'^\s*n\d+ \[id="n\d+", shape="(\w+)", style="([\w,]+)", '
                      rf'fillcolor="({PALETTE[kind]})"', src, re.M)
        assert m, kind
        styles[kind] = m.groups()
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert {s[2] for s in styles.values()} <= okabe_ito
    assert len({s[2] for s in styles.values()}) == 3  # three colours
    assert len({s[:2] for s in styles.values()}) == 3  # and three shapes/styles
    legend = _legend_row(src)
    assert legend == ["input", "operation", "output"]  # the kinds drawn, in their colours
    for kind in ("input", "op", "output"):
        assert f'<TD BGCOLOR="{PALETTE[kind]}"' in src
    assert _legend_row(av.trace("x*y", at={"x": 1, "y": 2}).to_dot(legend=False)) == []


def _legend_row(src: str) -> list[str]:
    """The legend's swatches: the cells of the heading's row under the title."""
    head = re.search(r"subgraph cluster_main \{\n    label=<(.*?)>; labelloc=t", src, re.S)
    assert head
    return re.findall(r'<TD BGCOLOR="#\w+" BORDER="1"[^>]*><FONT[^>]*>(\w+)</FONT>',
                      head.group(1))


def test_the_legend_is_one_small_row_below_the_title() -> None:
    src = worked("reverse").to_dot()
    head = re.search(r"subgraph cluster_main \{\n    label=<(.*?)>; labelloc=t", src, re.S)
    assert head
    rows = lines_of(text_of(head.group(1)))
    assert rows[0] == "z = sin(x1) + x1·x2 at x1=2, x2=3"  # the title first
    assert rows[1:3] == ["input operation output",  # then the legend and the key
                         "w̄ = ∂z/∂w; edges: ∂child/∂parent = local partial = value; blue: "
                         "the term it adds to the parent's adjoint"]
    assert f'<FONT POINT-SIZE="{SMALL}">input</FONT>' in head.group(1)


def test_left_to_right_by_default_and_top_to_bottom_on_request() -> None:
    t = worked()
    assert "rankdir=LR" in t.to_dot()  # the small worked example fits a slide so
    assert "rankdir=TB" in t.to_dot(rankdir="TB")
    with pytest.raises(InputError, match="rankdir"):
        t.to_dot(rankdir="diagonal")


def test_dot_source_is_ascii_with_the_notation_as_character_references() -> None:
    t = av.trace("sigmoid(a)*tanh(b) + pi*a", at={"a": 0.5, "b": -1}, mode="both",
                 notation="v", wrt="a")
    src = t.to_dot()
    assert src.isascii() and "\\frac" not in src
    assert "&#8706;v1/&#8706;v-1" in src  # ∂v1/∂v-1
    assert "∂v1/∂v-1 = σ(v-1)·(1 − σ(v-1)) = " in text_of(src)
    assert "v̄1 += " in text_of(src) and "v̇1 = " in text_of(src)  # the v notation's bar, dot


def test_ascii_labels_on_request() -> None:
    t = av.trace("sigmoid(a)*tanh(b) + pi*a", at={"a": 0.5, "b": -1}, mode="both",
                 notation="v", wrt="a")
    text = text_of(t.to_dot(ascii=True))
    assert "dv1/dv-1 = sigmoid(v-1)*(1 - sigmoid(v-1)) = " in text
    assert "dz/dv-1 += " in text and "dv1/da = " in text  # adjoints, tangents
    assert not any(c in text for c in "∂·−\u0304\u0307")
    src = worked("reverse").to_dot(ascii=True)
    assert lines_of(edge_text(src, 2, 0)) == ["dw3/dw1 = cos(w1) = -0.4161",
                                              "dz/dw1 += 1*(-0.4161) = -0.4161"]
    assert lines_of(node_text(src, 0)) == ["w1 = x1 = 2", "dz/dw1 = 2.584"]


def test_notation_and_digits_options() -> None:
    t = av.trace(EXPR, at=AT, mode="reverse", notation="u")
    assert lines_of(node_text(t.to_dot(digits=2), 2)) == ["u3 = sin(u1) = 0.91", "ū3 = 1"]
    with pytest.raises(InputError, match="digits"):
        t.to_dot(digits=0)


def test_table_and_mode_options() -> None:
    t = worked("both")
    assert "<B>node</B>" not in t.to_dot(table=False)
    forward = text_of(t.to_dot(mode="forward"))
    assert "w̄1" not in forward and "ẇ1 = 0" in forward
    with pytest.raises(InputError, match="no reverse pass"):
        worked("forward").to_dot(mode="reverse")
    with pytest.raises(InputError, match="unknown mode"):
        t.to_dot(mode="sideways")


def test_flags_are_shown_on_the_node() -> None:
    src = av.trace("relu(x)", at={"x": 0}, mode="reverse").to_dot()
    assert "! nondifferentiable" in text_of(src)


def test_array_inputs_show_arrays() -> None:
    src = av.trace("x*y", at={"x": [1, 2], "y": 3}, mode="reverse").to_dot()
    assert "w3 = w1·w2 = [3, 6]" in lines_of(text_of(src))


# -- the graph alone -------------------------------------------------------------------------
def test_graph_to_dot_shows_structure_and_partial_formulas_without_numbers() -> None:
    g = av.parse(EXPR)
    src = g.to_dot()
    assert src == graph_to_dot(g)
    assert lines_of(node_text(src, 2)) == ["w3 = sin(w1)"]
    assert lines_of(edge_text(src, 2, 0)) == ["∂w3/∂w1 = cos(w1)"]
    assert "+=" not in src and "label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\"" not in src
    assert "v1 = sin(v-1)" in text_of(g.to_dot(notation="v"))
    assert lines_of(edge_text(g.to_dot(ascii=True), 2, 0)) == ["dw3/dw1 = cos(w1)"]


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
    steps[2] = w3._replace(value=111.0, partials=(w3.partials[0]._replace(value=222.0),))
    t.__dict__["steps"] = tuple(steps)
    fwd = [s._replace(tangent=333.0) if s.node == 3 else s
           for s in t.forward_steps(0)]
    rev = []
    for s in t.reverse_steps(0):
        if s.node == 0:
            terms = tuple(x._replace(value=555.0) for x in s.terms)
            s = s._replace(adjoint=444.0, terms=terms)
        rev.append(s)
    monkeypatch.setattr(t, "forward_steps", lambda k=0: fwd)
    monkeypatch.setattr(t, "reverse_steps", lambda k=0: rev)
    monkeypatch.setattr(type(t), "jacobian", property(lambda self: {"z": {"x1": 666.0,
                                                                          "x2": 777.0}}))
    src = t.to_dot()
    assert "w3 = sin(w1) = 111" in lines_of(node_text(src, 2))
    assert "∂w3/∂w1 = cos(w1) = 222" in lines_of(edge_text(src, 2, 0))
    assert "ẇ4 = 333" in lines_of(node_text(src, 3))
    assert "w̄1 = 444" in lines_of(node_text(src, 0))
    assert lines_of(edge_text(src, 2, 0))[1].endswith("= 555")
    table = lines_of(table_text(src))
    assert "∂z/∂x1 666" in " ".join(table) and "∂z/∂x2 777" in " ".join(table)


# -- large graphs ---------------------------------------------------------------------------------
def test_edge_labels_are_dropped_past_the_threshold_with_a_note() -> None:
    chain = " + ".join(f"sin(x{i})*x{i + 1}" for i in range(1, 60))
    t = av.trace(chain, at={f"x{i}": 0.1 * i for i in range(1, 61)}, mode="reverse")
    n_edges = sum(1 for n in t.graph.nodes for q in n.parents
                  if t.graph.nodes[q].kind != "const")
    assert n_edges > MAX_EDGE_LABELS
    assert "+=" not in t.to_dot()  # compact: no edge labels, the terms in the table
    src = t.to_dot(detail="full")
    assert "+=" not in src and f"{n_edges} edges: edge labels left out" in src
    full = t.to_dot(detail="full", max_edge_labels=n_edges)  # the option raises the limit
    assert "+=" in full and "edge labels left out" not in full
