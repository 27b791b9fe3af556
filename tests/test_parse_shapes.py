"""Long programs that repeat their statements' shapes are read shape by shape.

:func:`autodiff_viz.parse_shapes.read_shapes` reads each distinct statement shape once
and replays it for every statement of that shape. The oracle is the full parser: for
every text it accepts, the two graphs are equal node for node — kind, operation,
parents, names, constants and the spans every caret message points at — and whatever
it does not accept goes to the token reader and then the full parser, whose messages
stay the same.
"""
from __future__ import annotations

import contextlib
import random
from typing import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autodiff_viz as av
from autodiff_viz.errors import AutodiffVizError
from autodiff_viz.parse_fast import parse_fast
from autodiff_viz.parse_shapes import read_shapes
from test_fuzz import fuzz
from test_parse_fast import COMMON, UNUSUAL, full
from test_parse_fast import assert_same as same_as_full


def assert_same(src: str, most: float = 1.0) -> bool:
    """Whether the shape reader took ``src``; when it did, its graph is the full one."""
    return same_as_full(src, lambda text: read_shapes(text, most=most))


@contextlib.contextmanager
def spy_on_read_shapes() -> Iterator[list[bool]]:
    """Whether each read_shapes call that parse makes returns a graph."""
    taken: list[bool] = []

    def spy(source: str, share: bool = True, most: float = 0.5) -> av.Graph | None:
        graph = read_shapes(source, share, most)
        taken.append(graph is not None)
        return graph
    with mock.patch("autodiff_viz.parse_shapes.read_shapes", spy):
        yield taken


NUMBERS = ["2", "0.5", "1e-3", ".25", "3.", "1.5e2", "7"]
INPUTS = ["x1", "x2", "w11", "b", "e", "pi", "theta"]


def generated(rng: random.Random, statements: int) -> str:
    """A program such as a generator writes: a few statement forms, each used many
    times with other names (earlier results, inputs, constants) and numbers."""
    forms = [
        "{t} = relu({a}*{b} + {c})",
        "{t} = {a}*{n} + sin({b})",
        "{t} = tanh({a}*{b} + {c}*{d} + {n})",
        "{t} = -{n}*{a} + ({b} - {c})/{d}",
        "{t} = leaky_relu({a}) + pow({b}, {n})",
        "{t} = ({a} + {b})^2 + exp(-{c})",
        "{t} = {a}",
        "{t} = tanh({s}*{a} + {s}*{b} + {s})",  # weights of either sign: one shape
        "{t} = {a} - {n} + {s}^{b} + {a}^{s}*{c} + ({s})",  # -2^x is -(2^x)
        "{t} = {a}*−{n} - -{n}",
    ]
    chosen = rng.sample(forms, rng.randint(1, 4))
    lines, made = [], []
    for k in range(statements):
        pool = made[-4:] + INPUTS
        lines.append(rng.choice(chosen).format(
            t=f"t{k}", a=rng.choice(pool), b=rng.choice(pool), c=rng.choice(pool),
            d=rng.choice(pool), n=rng.choice(NUMBERS),
            s=rng.choice(["", "-", "−"]) + rng.choice(NUMBERS)))
        made.append(f"t{k}")
    if rng.random() < 0.3:
        lines.append(f"{made[-1]} + {made[-2]}")  # a bare expression last
    return rng.choice(["\n", "; ", "\n\n", "\r\n", "  \n"]).join(lines)


@pytest.mark.parametrize("src", COMMON)
def test_every_common_form_gives_the_full_parsers_graph(src: str) -> None:
    if "#" in src:  # a comment may hold ';': left to the token reader
        assert read_shapes(src, most=1) is None
    elif src != "L = (y - h)^2; h = 0" and "\n     " not in src:  # (an error; a call over lines)
        assert assert_same(src)
    else:
        assert not assert_same(src)


@pytest.mark.parametrize("src", UNUSUAL)
def test_every_other_form_and_every_error_is_left_to_the_other_readers(src: str) -> None:
    assert not assert_same(src)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10 ** 9))
def test_random_programs_and_mangled_ones_give_the_same_graph_or_are_left_alone(
        seed: int) -> None:
    rng = random.Random(seed)
    src = fuzz.program(rng)
    assert_same(src)
    assert_same(fuzz._mangle(rng, src))


def _newline_in_parentheses(src: str) -> bool:
    depth = 0
    for c in src:
        depth += (c == "(") - (c == ")")
        if c == "\n" and depth > 0:
            return True
    return False


def test_it_takes_every_random_program_the_token_reader_takes() -> None:
    """Except one whose parentheses span lines (a statement is a line) or with a comment
    (which may hold ``;``): those are the token reader's."""
    rng = random.Random(11)
    taken = valid = 0
    for _ in range(3000):
        src = fuzz.program(rng)
        if parse_fast(src) is None or _newline_in_parentheses(src) or "#" in src:
            continue
        valid += 1
        taken += assert_same(src)
    assert valid > 1000 and taken == valid, (taken, valid)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10 ** 9), st.integers(17, 80))
def test_generated_programs_take_the_shape_reader_through_parse_and_give_the_same_graph(
        seed: int, statements: int) -> None:
    src = generated(random.Random(seed), statements)
    assert assert_same(src, most=0.5)  # the default: parse reads it this way
    with spy_on_read_shapes() as taken:
        assert av.parse(src).nodes == full(src).nodes
    assert taken == [True]


def test_a_repeated_shape_with_a_name_where_a_number_was_is_read_right() -> None:
    """A shape holds names and numbers apart: ``t1 = x*2`` and ``t2 = x*y`` differ."""
    src = "\n".join(f"t{k} = x*{'y' if k % 2 else k + 2} + t{k - 1}" if k else "t0 = x"
                    for k in range(40))
    assert assert_same(src, most=0.5)


def test_no_shape_path_when_statements_do_not_repeat() -> None:
    src = "\n".join(f"t{k} = " + "sin(" * (k + 1) + "x" + ")" * (k + 1) for k in range(20))
    with spy_on_read_shapes() as taken:
        assert av.parse(src).nodes == full(src).nodes
    assert taken == [False]  # tried (20 statements), and left to the token reader


@pytest.mark.parametrize("broken, line", [
    ("t30 = relu(t29*x1 + )", 31),
    ("t30 = relu(t29*x1 + x2", 32),  # the parenthesis is still open on the next line
    ("t30 = relu(t29*x1 x2)", 31),
    ("t30 = foo(t29)", 31),
    ("t30 = relu(t29*x1 + 1e999)", 31),
    ("t3 = relu(t29*x1 + x2)", 31),  # t3 assigned twice
])
def test_an_error_in_a_long_generated_program_keeps_the_full_parsers_message(
        broken: str, line: int) -> None:
    lines = ["t0 = x1 + x2"] + [f"t{k} = relu(t{k - 1}*x1 + x2)" for k in range(1, 40)]
    lines[30] = broken
    src = "\n".join(lines)
    assert read_shapes(src) is None
    with pytest.raises(AutodiffVizError) as got:
        av.parse(src)
    with pytest.raises(AutodiffVizError) as expected:
        full(src)
    assert got.value.render() == expected.value.render()
    assert f"line {line}" in got.value.render() and "^" in got.value.render()


def test_without_sharing_every_repeated_subexpression_is_its_own_node() -> None:
    from autodiff_viz.parser import _Parser
    src = generated(random.Random(5), 30)
    got = read_shapes(src, share=False)
    assert got is not None
    reference = _Parser(src, False).program(None)
    assert got.nodes == reference.nodes and got.outputs == reference.outputs
    assert len(got.nodes) > len(full(src).nodes)  # (the shared graph is smaller)


def test_a_scalar_expanded_network_with_weights_of_both_signs_is_read_by_its_shapes() -> None:
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_render.py"
    spec = importlib.util.spec_from_file_location("bench_render", path)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for n_in, hidden in [(3, [4, 3]), (6, [16, 16, 4]), (10, [20, 10])]:
        src = bench.mlp_program(n_in, hidden)
        assert "+ -0." in src  # (negative weights)
        assert assert_same(src, most=0.5)


@pytest.mark.parametrize("src", ["-2^x*y", "x^-2*y", "a = -3; b = a*-2.5", "x1-3", "(x)-3",
                                 "2*−3 + x", "--3*x", "-3.5*x", "x - -1e-3", "x**-2", "-3**x",
                                 "-.5*x", "x/-2", "max(x, -1)", "leaky_relu(x, -0.1)"])
def test_a_minus_before_a_number_means_what_the_token_reader_says(src: str) -> None:
    assert assert_same(src) or src in ("max(x, -1)",)  # (max: the full parser's)
