"""The fuzzer of scripts/fuzz.py, bounded, in the suite: no crash, no unflagged inf/nan.

Each case (a seed) makes a random program over the whole operation table or a
mangled one, a point with extreme values, traces it in a random mode, renders every
view (the JSON parsed strictly) and grades the view's table and a mangled copy.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fuzz.py"
_spec = importlib.util.spec_from_file_location("autodiff_viz_fuzz", SCRIPT)
assert _spec and _spec.loader
fuzz = importlib.util.module_from_spec(_spec)
sys.modules["autodiff_viz_fuzz"] = fuzz
_spec.loader.exec_module(fuzz)


@settings(max_examples=600, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10 ** 9))
def test_a_fuzzed_case_never_crashes_and_flags_every_non_finite_result(seed: int) -> None:
    out = fuzz.run_case(seed)
    assert out.kind in ("ok", "error"), f"seed {seed}: {out.kind}: {out.detail}"


def test_the_fuzzer_reaches_every_stage() -> None:
    """Not vacuous: many cases trace and render, many are refused with the project's error."""
    kinds = [fuzz.run_case(seed).kind for seed in range(300)]
    assert kinds.count("ok") > 60 and kinds.count("error") > 30
    assert set(kinds) <= {"ok", "error"}, [s for s, k in enumerate(kinds) if k not in ("ok", "error")]


def test_the_fuzzer_detects_a_crash_and_an_unflagged_result(monkeypatch) -> None:
    """The oracle can fail: a view that raises is a crash; an inf value without a flag is reported."""
    import autodiff_viz as av

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(fuzz, "_views", broken)
    kinds = {fuzz.run_case(seed).kind for seed in range(40)}
    assert "crash" in kinds
    t = av.trace("exp(x)*y", {"x": 1000.0, "y": 2.0}, mode="both")
    assert t.flags and fuzz.unflagged(t) == ""  # exp(1000) = inf, flagged where it is stored
    monkeypatch.setattr(type(t), "flags", property(lambda self: {}))
    assert fuzz.unflagged(t).startswith("value of")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10 ** 9))
def test_a_fuzzed_command_line_never_ends_in_a_traceback(tmp_path_factory, monkeypatch,
                                                        seed: int) -> None:
    tmp = tmp_path_factory.getbasetemp() / "cli-fuzz"
    if not (tmp / "key.toml").exists():
        tmp.mkdir(exist_ok=True)
        fuzz.cli_fixtures(tmp)
    monkeypatch.chdir(tmp)  # check's default summary files are written here
    import random
    argv = fuzz.command_line(random.Random(seed), tmp)
    out = fuzz.run_command(argv)
    assert out.kind in ("ok", "error"), f"seed {seed}: {out.detail}"


def test_the_command_line_fuzzer_sees_successes_and_refusals(tmp_path, monkeypatch) -> None:
    import random
    fuzz.cli_fixtures(tmp_path)
    monkeypatch.chdir(tmp_path)
    kinds = [fuzz.run_command(fuzz.command_line(random.Random(seed), tmp_path)).kind
             for seed in range(200)]
    assert kinds.count("ok") > 15 and kinds.count("error") > 50 and "crash" not in kinds
    assert fuzz.run_command(["trace", "x/0", "--at", "x=[1,2]"]).kind == "error"
