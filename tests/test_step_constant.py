"""The step-through view of a program with no inputs (a constant) has a step to show."""
from __future__ import annotations

import autodiff_viz as av
from autodiff_viz.views.step import build_passes, frame_lines, print_all


def test_a_constant_program_steps_through_its_value_without_an_error() -> None:
    t = av.trace("2*3", {}, mode="reverse")
    passes = build_passes(t)
    assert [p.kind for p in passes] == ["primal", "reverse"]
    assert all(p.steps for p in passes)
    out = print_all(t, 4, "unicode")
    assert "stores     w1 = 2·3 = 6" in out
    for k, p in enumerate(passes):
        assert frame_lines(t, passes, k, 0, 4, "unicode", False)


def test_a_bare_number_is_a_program_too() -> None:
    t = av.trace("3", {}, mode="reverse")
    assert t.value == 3
    assert all(p.steps for p in build_passes(t))
    assert "== Reverse pass for z" in print_all(t, 4, "text")
