"""The views behind the command line: they read trace records and never recompute.

Oracles: the hand-derived worked example (worked-examples.md), the trace's own
stored numbers, and ``views/lines.py`` (the lines the checker re-reads).
"""
from __future__ import annotations

import math
import re

import pytest

import autodiff_viz as av
from autodiff_viz import passes
from autodiff_viz.ops import OPS
from autodiff_viz.views import columns as cols
from autodiff_viz.views import formats, grad, latex, lines, step, structure, summary, table

EXPR, AT = "sin(x1) + x1*x2", {"x1": 2.0, "x2": 3.0}
SOURCES = [
    (EXPR, AT, {"wrt": "x2"}),
    (EXPR, AT, {"mode": "reverse", "notation": "v"}),
    (EXPR, AT, {"mode": "primal", "notation": "u"}),
    (EXPR, AT, {"mode": "forward", "seed": {"x1": 1, "x2": 0.5}}),
    ("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}, {"wrt": ["x", "y"]}),
    ("relu(x) + sqrt(y) + leaky_relu(x, 0.2)", {"x": 0, "y": 0}, {}),
    ("h = tanh(w*x + b); loss = (h - t)^2", {"w": 0.5, "x": [1, 2], "b": -1, "t": 1}, {}),
    ("x^2.5/y - exp(-x)*pi + max(x, y, 1)", {"x": 1.5, "y": 2}, {"notation": "v"}),
    ("sin(2) + x", {"x": 1}, {}),
]


def traces() -> list[av.Trace]:
    return [av.trace(src, at, **kw) for src, at, kw in SOURCES]


def everything(t: av.Trace) -> list[str]:
    """Every view of a trace, every step of the step-through included."""
    out = [table.render_table(t, style=s, width=w) for s in ("unicode", "text") for w in (60, 140)]
    out += [formats.render_markdown(t), formats.render_csv(t), formats.render_json(t),
            latex.render_latex(t), step.print_all(t), step.print_all(t, style="text")]
    passes_ = step.build_passes(t)
    for p in range(len(passes_)):
        for i in range(len(passes_[p].steps)):
            out.append("\n".join(step.frame_lines(t, passes_, p, i, max_rows=5, color=True)))
    if t.forward or t.reverse:
        out += [grad.render_grad_text(t), grad.render_grad_json(t), grad.render_grad_csv(t),
                grad.render_grad_markdown(t), grad.render_grad_latex(t)]
    return out


def test_views_never_recompute(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every operation and every pass made to fail, all views still render."""
    ready = traces()
    before = [everything(t) for t in ready]

    def boom(*args: object, **kw: object) -> None:
        raise AssertionError("a view recomputed mathematics")

    saved = {name: (op.fn, op.partials) for name, op in OPS.items()}
    try:
        for op in OPS.values():  # Op is frozen: poison it in place, restore below
            object.__setattr__(op, "fn", boom)
            object.__setattr__(op, "partials", tuple(boom for _ in op.partials))
        for name in ("primal", "linearize", "forward", "reverse"):
            monkeypatch.setattr(passes, name, boom)
        after = [everything(t) for t in ready]
    finally:
        for name, (fn, partials) in saved.items():
            object.__setattr__(OPS[name], "fn", fn)
            object.__setattr__(OPS[name], "partials", partials)
    assert after == before


def test_line_parts_join_to_the_lines() -> None:
    for t in traces():
        for style in ("unicode", "text"):
            for s in t.steps:
                assert lines.join(lines.primal_parts(t, s, 4, style)) == \
                    lines.primal_line(t, s, 4, style)
            for k in range(len(t.forward)):
                for s in t.forward_steps(k):
                    assert lines.join(lines.forward_parts(t, k, s, 4, style)) == \
                        lines.forward_line(t, k, s, 4, style)
            for k in range(len(t.reverse)):
                for s in t.reverse_steps(k):
                    assert lines.join(lines.reverse_parts(t, k, s, 4, style)) == \
                        lines.reverse_line(t, k, s, 4, style)


def test_v_notation_keeps_names_whole_in_unicode() -> None:
    t = av.trace(EXPR, AT, notation="v")
    s = t.reverse_steps(0)[-1]
    assert lines.reverse_line(t, 0, s) == \
        "v̄-1 = v̄2·v0 + v̄1·cos(v-1) = 1·3 + 1·(−0.4161) = 2.584"
    assert lines._restyle("-v-1 - 2*(-v0)", "unicode") == "−v-1 − 2·(−v0)"


def test_latex_partials_in_every_notation() -> None:
    """graph.partial_formula(style="latex") keeps v-1 one name (was 'v - 1')."""
    g = av.parse(EXPR)
    mul = next(n.id for n in g.nodes if n.op is not None and n.op.name == "mul")
    sin = next(n.id for n in g.nodes if n.op is not None and n.op.name == "sin")
    assert g.partial_formula(mul, 1, "v", "latex") == "v_{-1}"
    assert g.partial_formula(sin, 0, "v", "latex") == "\\cos\\left(v_{-1}\\right)"
    assert g.partial_formula(sin, 0, "w", "latex") == "\\cos\\left(w_{1}\\right)"
    assert g.partial_formula(mul, 0, "u", "latex") == "u_{2}"
    g2 = av.parse("hidden = x^y; z = hidden*y")
    assert g2.partial_formula(2, 1, "w", "latex") == "w_{1}^{w_{2}} \\cdot \\ln\\left(w_{1}\\right)"
    assert g2.partial_formula(2, 0, "v", "unicode") == "v0·v-1^(v0 − 1)"
    assert g2.partial_formula(3, 1, "v", "latex") == "\\mathrm{hidden}"


def test_markdown_code_blocks_hold_exactly_the_text_lines() -> None:
    for t in traces():
        md = formats.render_markdown(t)
        blocks = re.findall(r"```text\n(.*?)\n```", md, re.S)
        expected = [[lines.primal_line(t, s, 4, "text") for s in t.steps if s.kind != "const"]]
        expected += [[lines.forward_line(t, k, s, 4, "text") for s in t.forward_steps(k)]
                     for k in range(len(t.forward))]
        expected += [[lines.reverse_line(t, k, s, 4, "text") for s in t.reverse_steps(k)]
                     for k in range(len(t.reverse))]
        assert [b.split("\n") for b in blocks[1:]] == expected  # blocks[0] is the graph
        assert md.isascii()


def test_csv_one_row_per_node_per_pass() -> None:
    import csv
    import io

    t = av.trace("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}, wrt=["x", "y"])
    rows = list(csv.DictReader(io.StringIO(formats.render_csv(t))))
    assert all(tuple(r) == formats.CSV_COLUMNS for r in rows)
    count = {(r["pass"], r["run"]): 0 for r in rows}
    for r in rows:
        count[(r["pass"], r["run"])] += 1
    assert count == {("primal", "0"): 5, ("forward", "0"): 5, ("forward", "1"): 5,
                     ("reverse", "0"): 3, ("reverse", "1"): 4}
    dc_dx = next(r for r in rows if r["derivative"] == "dc/dx")
    assert float(dc_dx["result"]) == pytest.approx(math.cos(10) * 5, rel=1e-15)


def test_summary_and_jacobian_rows() -> None:
    t = av.trace(EXPR, AT, mode="forward", wrt="x2")
    headers, rows = summary.jacobian_rows(t)
    assert headers == ["", "∂/∂x2"] and rows == [["z", "2"]]  # forward: only the seeded column
    t = av.trace("relu(x)", {"x": 0})
    assert summary.flag_notes(t) == [
        "w2 = relu(w1): not differentiable at this point; the convention relu'(0) = 0 is used"]
    assert summary.summary_rows(t)[0][-1] == "flags"
    t = av.trace("a = x*y; b = x + y", {"x": 2, "y": 5}, mode="reverse", output="b")
    headers, rows = summary.summary_rows(t)
    assert [r[0] for r in rows if r[-1] == ""] == ["a"]  # a does not feed b: no adjoint


def test_structure_of_deep_and_wide_graphs() -> None:
    deep = av.parse("+".join(["sin("] * 3000) + "x" + ")" * 3000)
    out = structure.structure_lines(deep, max_depth=10)
    assert out[-1].endswith("…") and len(out) == 12
    wide = av.parse(" + ".join(f"sin(x{i})" for i in range(300)))
    out = structure.structure_lines(wide, max_lines=20)
    assert len(out) == 21 and out[-1].startswith("… drawing cut at 20 lines")
    shared = structure.structure_lines(av.parse("a = x*x; z = a + a*y"), style="text")
    assert shared[-1] == "shared: w1 feeds a; a feeds w4, z"
    assert "|-- a  (shared, see above)" in "\n".join(shared)


def test_columns_fit_the_width_and_count_combining_marks() -> None:
    rows = [["w̄1", "a long cell that has to wrap " * 3, "2.584"]] * 3
    for width in (40, 60, 100):
        out = cols.columns(["adjoint", "formula", "value"], rows, width=width)
        assert all(cols.display_width(line) <= width for line in out)
    assert cols.display_width("w̄1") == 2 and cols.display_width("ẇ5") == 2
    assert cols.wrap("abcdefgh", 3) == ["abc", "def", "gh"]


def test_table_colour_only_when_asked() -> None:
    t = av.trace(EXPR, AT)
    plain = table.render_table(t)
    colour = table.render_table(t, color=True)
    assert "\x1b[" not in plain and "\x1b[1m" in colour and "\x1b[32m" in colour
    assert re.sub(r"\x1b\[[0-9;]*m", "", colour) == plain


def test_latex_accent_and_partial_fraction() -> None:
    assert latex.accent("w12", "dot") == "\\dot{w}_{12}"
    assert latex.accent("theta1", "bar") == "\\bar{\\theta}_{1}"
    assert latex.accent("h", "bar") == "\\bar{h}"
    assert latex.partial_frac("z", "x1") == "\\frac{\\partial z}{\\partial x_{1}}"


def test_grad_view_counts_passes() -> None:
    t = av.trace("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5, }, mode="reverse")
    rows = grad.passes_rows(t)
    assert rows[0][:3] == ["forward", "2 (one per input)", "0"] and rows[0][3] == ""
    assert rows[1][:3] == ["reverse", "2 (one per output)", "2"]
    assert grad.verdict(av.trace("x*y", {"x": 1, "y": 2})).startswith("reverse mode needs fewer")
    assert grad.verdict(av.trace("a = x*2; b = x*3", {"x": 1})).startswith(
        "forward mode needs fewer")


def test_step_passes_and_navigation() -> None:
    from autodiff_viz.views.step_tty import Navigator

    t = av.trace("a = x*y; b = x + y; c = sin(a)", {"x": 2, "y": 5}, wrt=["x", "y"])
    ps = step.build_passes(t)
    assert [(p.kind, p.run, len(p.steps)) for p in ps] == [
        ("primal", 0, 5), ("forward", 0, 7), ("forward", 1, 7), ("reverse", 0, 3),
        ("reverse", 1, 4)]
    nav = Navigator([len(p.steps) for p in ps], [p.kind for p in ps])
    assert nav.switch("forward") == "" and (nav.p, nav.i) == (1, 0)
    assert nav.switch("forward") == "" and nav.p == 2  # f again: the next forward pass
    assert nav.switch("forward") == "" and nav.p == 1  # and round again
    assert nav.switch("reverse") == "" and nav.p == 3
    nav.p, nav.i = 4, 3
    assert nav.next().startswith("this is the last step")
    assert nav.go(0).startswith("there is no step 0")


def test_views_stay_fast_on_large_graphs() -> None:
    """Linear, not quadratic: 2,400 nodes, and one node with 799 children (this took
    minutes before Graph cached its formatted atoms and the step-through elided
    long sums)."""
    import time

    from autodiff_viz.cli.trace_cmd import render

    t = av.trace(" + ".join(f"sin(x*{k})" for k in range(1, 800)), {"x": 1})
    start = time.perf_counter()
    for fmt in ("table", "markdown", "csv", "latex"):
        render(t, fmt, 4)
    text = step.print_all(t)
    assert time.perf_counter() - start < 30
    assert "(799 terms)" in text and len(text) < 5_000_000
