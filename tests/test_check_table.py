"""Reading trace tables as people write them: plain lines, Markdown, Unicode and ASCII forms."""
from __future__ import annotations

import autodiff_viz as av
from autodiff_viz.check.symbols import rewrite
from autodiff_viz.check.read import read_table

KEY = {"expression": "sin(x1) + x1*x2", "at": {"x1": 2, "x2": 3},
       "ask": [{"kind": "trace"}, {"kind": "reverse"}]}


def verdicts(table: str, key: dict = KEY) -> list[tuple[int | None, str]]:
    return [(i.line, i.verdict) for i in av.check(key, table).items]


def test_parts_headings_problem_line_and_annotations() -> None:
    lines = read_table("z = sin(x1) + x1*x2 at x1=2, x2=3\n\nForward trace, seed x2=1\n"
                       "  dz/dw2 = dz/dw4*dw4/dw2 = 1*2 = 2    ∂z/∂x2\n"
                       "w3 := sin(w1) ≈ 0.91   # my comment\n")
    assert [l.kind for l in lines] == ["problem", "heading", "step", "step"]
    assert [(a.text, b.text) for a, b in lines[0].point] == [("x1", "2"), ("x2", "3")]
    assert {k: v.text for k, v in lines[1].seed.items()} == {"x2": "1"}
    assert [p.text for p in lines[2].parts] == ["dz/dw4*dw4/dw2", "1*2", "2"]
    assert [p.text for p in lines[3].parts] == ["sin(w1)", "0.91"]


def test_markdown_lists_tables_code_and_inline_code_are_read() -> None:
    table = """# Question 1

1. `w1 = x1 = 2`
2. `w2 = x2 = 3`

| node | definition | value |
|---|---|---|
| w3 | w1 · w2 | 6 |
| w4 | sin(w1) | 0.9 |

```text
w5 = w3 + w4 = 6.9
```

Then `dz/dw5 = 1`, `dz/dw4 = dz/dw5*dw5/dw4 = 1` and `dz/dw3 = dz/dw5*dw5/dw3 = 1`.

- dz/dw2 = dz/dw3*dw3/dw2 = 2
- dz/dw1 = dz/dw3*dw3/dw1 + dz/dw4*dw4/dw1 = 2.58

## Summary

| anything | here | = 5 |
"""
    r = av.check(KEY, table)
    assert r.all_correct and r.score == r.max_score == 7, r.to_text()
    lines = {i.line for i in r.items}
    assert {3, 4, 8, 9, 12, 15, 17, 18} <= lines


def test_unicode_and_ascii_derivative_notations_and_crlf() -> None:
    primal = "w1 = x1\r\nw2 = x2\r\nw3 = w1*w2 = 6\r\nw4 = sin(w1) = 0.9093\r\nw5 = w3 + w4 = 6.909\r\n"
    forms = [
        "dz/dw1 = dz/dw3*dw3/dw1 + dz/dw4*dw4/dw1 = 2.584",
        "∂z/∂w1 = ∂z/∂w3 · ∂w3/∂w1 + ∂z/∂w4 · ∂w4/∂w1 = 2.584",
        "w̄1 = w̄3·w2 + w̄4·cos(w1) = 1·3 + 1·(−0.4161) = 2.584",
        "adj_w1 = adj_w3*w2 + adj_w4*cos(w1) = 2.584",
        "w1_bar = w3_bar*w2 + w4_bar*cos(w1) = 2.584",
    ]
    for f in forms:
        key = {**KEY, "ask": [{"kind": "trace"}]}
        r = av.check(key, primal + f)
        assert r.all_correct and r.items[-1].section == "reverse", (f, r.to_text())


def test_forward_notations() -> None:
    key = {**KEY, "ask": [{"kind": "forward", "wrt": "x2"}]}
    head = "w1 = x1\nw2 = x2\nw3 = w1*w2 = 6\nw4 = sin(w1) = 0.9093\nw5 = w3 + w4 = 6.909\n"
    for body in ("dw3/dx2 = dw1/dx2*w2 + dw2/dx2*w1 = 2\ndw4/dx2 = 0\ndw5/dx2 = 2",
                 "Forward trace, seed x2=1\nẇ3 = ẇ1·w2 + ẇ2·w1 = 2\nẇ4 = 0\nẇ5 = ẇ3 + ẇ4 = 2",
                 "Forward, wrt x2\ntan_w3 = tan_w1*w2 + tan_w2*w1 = 2\ntan_w4 = 0\n"
                 "tan_w5 = tan_w3 + tan_w4 = 2",
                 "Tangents (seed x2=1)\ndot_w3 = 2\ndot_w4 = 0\ndot_w5 = 2"):
        r = av.check(key, head + body)
        assert r.all_correct and r.score == 3, (body, r.to_text())


def test_v_notation_names_with_a_minus_sign() -> None:
    key = {**KEY, "notation": "v", "ask": [{"kind": "trace"}, {"kind": "reverse"}]}
    table = """v-1 = x1 = 2
v0 = x2 = 3
v1 = v-1*v0 = 6
v2 = sin(v-1) = 0.9093
v3 = v1 + v2 = 6.909
v̄3 = 1
v̄2 = v̄3 = 1
v̄1 = v̄3 = 1
v̄0 = v̄1·v-1 = 2
v̄-1 = v̄1·v0 + v̄2·cos(v-1) = 2.584
"""
    r = av.check(key, table)
    assert r.all_correct and r.score == 7, r.to_text()


def test_rewrite_keeps_names_that_only_look_like_derivatives() -> None:
    r = rewrite("dist/depth + d/dx", {"dist", "depth", "x"}.__contains__)
    assert r.text == "dist/depth + d/dx" and not r.syms
    r = rewrite("dz/dw1", {"z", "w1"}.__contains__)
    assert r.text == "__s0" and r.syms["__s0"].a == "z"


def test_prose_lines_are_notes_not_items() -> None:
    r = av.check(KEY, "Note that x = 2 is given\nw3 = w1*w2 = 6")
    assert any("was not read as a step" in n for n in r.notes)
    assert all(i.line != 1 for i in r.items)
