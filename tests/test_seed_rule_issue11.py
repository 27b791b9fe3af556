"""Issue 11: one rule for which inputs forward mode seeds.

Without ``wrt``/``--wrt`` and ``seed``/``--seed``, the library and the command line
both run one forward pass per input, each input seeded in turn, so forward mode gives
the whole gradient as reverse mode does. ``demo`` alone seeds x2 (the course's choice)
and says so. The expected derivatives of f = x*y + sin(z) at (1, 2, 3) are by hand:
∂f/∂x = y = 2, ∂f/∂y = x = 1, ∂f/∂z = cos 3.
"""
from __future__ import annotations

import json
import math

import pytest

import autodiff_viz as av
from autodiff_viz.cli import main

EXPR = "x*y + sin(z)"
AT = {"x": 1.0, "y": 2.0, "z": 3.0}
BY_HAND = {"x": 2.0, "y": 1.0, "z": math.cos(3)}


def _cli_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["trace", EXPR, "--at", "x=1,y=2,z=3", "--format", "json", *extra]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


@pytest.mark.parametrize("mode", ["forward", "both"])
def test_library_seeds_every_input_in_turn(mode: str) -> None:
    t = av.trace(EXPR, at=AT, mode=mode)
    assert [f.seed for f in t.forward] == [{"x": 1.0}, {"y": 1.0}, {"z": 1.0}]
    for k, name in enumerate("xyz"):  # pass k's output tangent is ∂f/∂(input k)
        assert t.forward_steps(k)[-1].tangent == pytest.approx(BY_HAND[name], rel=1e-15)
    assert t.cost["forward"]["passes"] == 3


@pytest.mark.parametrize("mode", ["forward", "both"])
def test_command_line_seeds_every_input_in_turn(mode: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    d = _cli_json(capsys, "--mode", mode)
    assert [f["seed"] for f in d["forward"]] == [{"x": 1.0}, {"y": 1.0}, {"z": 1.0}]
    for f, name in zip(d["forward"], "xyz"):
        assert f["steps"][-1]["tangent"] == pytest.approx(BY_HAND[name], rel=1e-15)
    assert d["cost"]["forward"]["passes"] == 3
    # the same passes as the library's, number for number
    assert d["forward"] == av.trace(EXPR, at=AT, mode=mode).to_dict()["forward"]


def test_wrt_and_seed_still_choose(capsys: pytest.CaptureFixture[str]) -> None:
    d = _cli_json(capsys, "--mode", "forward", "--wrt", "z")
    assert [f["seed"] for f in d["forward"]] == [{"z": 1.0}]
    assert d["forward"][0]["steps"][-1]["tangent"] == pytest.approx(math.cos(3), rel=1e-15)
    d = _cli_json(capsys, "--mode", "forward", "--wrt", "y,x")
    assert [f["seed"] for f in d["forward"]] == [{"y": 1.0}, {"x": 1.0}]
    d = _cli_json(capsys, "--mode", "forward", "--seed", "x=1,z=2")
    assert len(d["forward"]) == 1  # one direction: y·1 + cos(3)·2
    assert d["forward"][0]["steps"][-1]["tangent"] == pytest.approx(2 + 2 * math.cos(3))
    assert [f.seed for f in av.trace(EXPR, at=AT, mode="forward", wrt="y").forward] == \
        [{"y": 1.0}]


def test_table_shows_one_forward_trace_per_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", EXPR, "--at", "x=1,y=2,z=3", "--mode", "forward"]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("Forward trace")] == [
        f"Forward trace, seed {n}=1 (inputs to output)" for n in "xyz"]
    assert "Gradient of f" in out  # every input has its entry: a gradient


def test_help_and_demo_state_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: every input in turn, one pass each" in text
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "--wrt x2, as the course does" in " ".join(capsys.readouterr().out.split())
    assert main(["demo", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [f["seed"] for f in d["forward"]] == [{"x2": 1.0}]
