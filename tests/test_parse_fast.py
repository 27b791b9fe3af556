"""The fast path of the parser builds exactly the graph the full parser builds.

:func:`autodiff_viz.parse_fast.parse_fast` reads the common forms in one pass and hands
everything else (and every error) to the full parser. The oracle is the full parser:
for every text the fast path accepts, the two graphs are equal node for node — kind,
operation, parents, names, constants, and the spans the error messages point at.
"""
from __future__ import annotations

import random
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.errors import AutodiffVizError
from autodiff_viz.parse_fast import parse_fast
from autodiff_viz.parser import _Parser
from test_fuzz import fuzz  # scripts/fuzz.py's random programs and mangling


def full(src: str) -> av.Graph:
    return _Parser(src, True).program(None)


def assert_same(src: str, reader: Callable[[str], av.Graph | None] = parse_fast) -> bool:
    """Whether ``reader`` (the fast path) took ``src``; when it did, its graph equals the
    full parser's."""
    fast = reader(src)
    try:
        reference = full(src)
    except AutodiffVizError:
        assert fast is None, f"the fast path accepted what the full parser rejects: {src!r}"
        return False
    if fast is None:
        return False
    assert fast.nodes == reference.nodes, src
    assert fast.outputs == reference.outputs, src
    assert fast.source == reference.source
    return True


COMMON = [
    "sin(x1) + x1*x2",
    "z = sin(x1) + x1*x2",
    "a = x1*x2; b = sin(x1); z = a + b",
    "h = relu(w11*x1 + w12*x2 + b1)\n\n# the output\ny = sigmoid(v*h + c)  # a comment",
    "f = (x1 +\n     x2) * 3",
    "2^-x + -x^2 - -3 + +x",
    "x ** 2 · y × 2 − 1",
    "pi*r^2 + e^x",
    "log(1 + exp(-y*(w1*x1 + w2*x2 + b)))",
    "pow(x, 3) / (1 - x)",
    "x*2.5e-3 + .5*x + 1.*x + 2.50",
    "W@x + c",
    "t0 = x1 + x2\nt1 = relu(t0*x1 + x2)\nt2 = relu(t1*x1 + x2)",
    "L = (y - h)^2; h = 0",  # h used before it is assigned: an input, then an error
    "x1*x2 + x2*x3 + x3*x4",
    "sinh = x + 1",
    "  x   +   y  ",
    "a = x; b = a; c = b*a",
    "leaky_relu(x) + leaky_relu(y, 0.2)",
    "x = x + 1",  # an input x, and an output named x: the full parser allows it
]

UNUSUAL = [  # each needs the full parser: a form the fast path leaves alone, or an error
    "W: 2x2\nW@x",
    "W.T@x",
    "W^T@x",
    "max(a, b, c)",
    "max(x)",
    "leaky_relu(x, alpha=0.2)",
    "sum(x, axis=0)",
    "e = c - d; f = e*2",
    "x = 1 \\\n + y",
    "sin()",
    "2.5.3*x",
    "a = ; b = 1",
    "x + ",
    "(x",
    "x)",
    "x y",
    "1e999*x",
    "foo(x)",
    "sin + 1",
    "",
    "# only a comment",
    "x\ny",
    "a = x\na = y",
    "T*x",
    "x[0]",
]


@pytest.mark.parametrize("src", COMMON)
def test_the_common_forms_take_the_fast_path_and_give_the_full_parsers_graph(src: str) -> None:
    if src == "L = (y - h)^2; h = 0":
        assert parse_fast(src) is None and not assert_same(src)  # an error: the full parser's
        return
    assert assert_same(src)


@pytest.mark.parametrize("src", UNUSUAL)
def test_every_other_form_and_every_error_goes_to_the_full_parser(src: str) -> None:
    assert parse_fast(src) is None
    assert not assert_same(src)


def test_errors_keep_their_caret_through_parse() -> None:
    with pytest.raises(av.ParseError) as err:
        av.parse("a = x1*x2\nz = a + + (b")
    assert "line 2" in err.value.render() and "^" in err.value.render()


def test_a_variable_named_like_a_constant_is_the_full_parsers() -> None:
    assert parse_fast("e*x", variables=["e"]) is None
    assert av.parse("e*x", variables=["e"]).input_names == ["e", "x"]
    assert av.parse("e*x").input_names == ["x"]  # the constant, on the fast path


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10 ** 9))
def test_random_programs_and_mangled_ones_give_the_same_graph_or_go_to_the_full_parser(
        seed: int) -> None:
    rng = random.Random(seed)
    src = fuzz.program(rng)
    assert_same(src)
    assert_same(fuzz._mangle(rng, src))


def test_the_fast_path_takes_most_valid_random_programs() -> None:
    """It must actually be used: of the fuzzer's valid programs without tensor forms, every
    one takes it."""
    rng = random.Random(7)
    taken = valid = 0
    for _ in range(3000):
        src = fuzz.program(rng)
        if any(s in src for s in (".T", "^T", "max(", "min(", "sum(", "mean(", "@")):
            continue
        try:
            full(src)
        except AutodiffVizError:
            continue
        valid += 1
        taken += assert_same(src)
    assert valid > 500 and taken == valid, (taken, valid)
