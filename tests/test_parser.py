"""The expression language: grammar, programs, outputs, and every syntax error
with its line, column and caret."""
from __future__ import annotations

import math

import pytest

import autodiff_viz as av


def value(expr: str, **at: float) -> float:
    return av.trace(expr, at, mode="primal").value


@pytest.mark.parametrize("expr,expected", [
    ("2 + 3*4", 14), ("2^3^2", 512), ("2**3", 8), ("-2^2", -4), ("(-2)^2", 4),
    ("2^-1", 0.5), ("8/4/2", 1), ("10 - 4 - 3", 3), ("-3*-2", 6), ("+5 - +2", 3),
    ("1.5e3", 1500), ("2E-2", 0.02), (".5", 0.5), ("3.", 3), ("2·3", 6), ("2×3", 6),
    ("5 − 2", 3), ("2*pi", 2 * math.pi), ("ln(e)", 1), ("max(1, 5, 3)", 5),
    ("min(4, 2, 9)", 2), ("pow(2, 10)", 1024), ("leaky_relu(-2)", -0.02),
    ("leaky_relu(-2, alpha=0.5)", -1), ("leaky_relu(-2, 0.5)", -1), ("σ(0)", 0.5),
    ("sig(0)", 0.5), ("hard_tanh(3)", 1), ("abs(-2) # a comment", 2),
    ("(1 +\n 2)", 3),
])
def test_grammar(expr: str, expected: float) -> None:
    assert value(expr) == pytest.approx(expected, rel=1e-15)


def test_identifiers_greek_and_underscores() -> None:
    g = av.parse("θ*x_2 + theta + w + b + α")
    assert g.input_names == ["θ", "x_2", "theta", "w", "b", "α"]


def test_identical_subexpressions_shared_by_default_and_optionally_not() -> None:
    shared = av.parse("sin(x)*sin(x) + x")
    assert shared.op_count == 3  # sin, mul, add
    assert [len(k) for k in shared.children][:1] == [2]  # x feeds sin and add
    separate = av.parse("sin(x)*sin(x) + x", share=False)
    assert separate.op_count == 4 and len(separate.inputs) == 1  # x stays one node
    for g in (shared, separate):
        assert av.gradient(g, {"x": 0.7})["x"] == pytest.approx(
            2 * math.sin(0.7) * math.cos(0.7) + 1, rel=1e-15)


def test_x_plus_x_uses_one_node_twice_and_both_terms_are_summed() -> None:
    t = av.trace("x*x", {"x": 3.0}, mode="reverse")
    step = t.reverse_steps()[-1]
    assert [term.value for term in step.terms] == [3.0, 3.0] and step.adjoint == 6.0


def test_programs_outputs_and_names() -> None:
    g = av.parse("a = x1*x2\nb = sin(x1); c = a + b\nd = a - b")
    assert g.output_names == ["c", "d"]
    assert av.jacobian(g, {"x1": 1.0, "x2": 2.0})["d"]["x2"] == 1.0
    assert av.parse("a = x*y; b = a + 1", outputs=["a", "b"]).output_names == ["a", "b"]
    with pytest.raises(av.InputError, match="unknown output 'q'"):
        av.parse("a = x*y", outputs=["q"])
    with pytest.raises(av.InputError, match="2 outputs"):
        av.gradient(g, {"x1": 1.0, "x2": 2.0})
    assert av.gradient(g, {"x1": 1.0, "x2": 2.0}, output="c")["x2"] == 1.0
    # a bare final expression is an output named z
    assert av.parse("a = x*y; a + 1").output_names == ["z"]
    assert av.parse("z = x*y; z + 1").output_names == ["f"]


def test_python_function_front_end_multiple_outputs_and_errors() -> None:
    g = av.trace_function(lambda x, y: {"s": x + y, "p": x * y})
    assert g.output_names == ["s", "p"]
    g2 = av.trace_function(lambda x, y: (x * 2, av.max(x, y, 1.0)))
    assert g2.output_names == ["z1", "z2"]
    with pytest.raises(av.InputError, match="cannot be compared"):
        av.trace_function(lambda x: x if x > 0 else -x)
    with pytest.raises(av.InputError, match="truth value"):
        av.trace_function(lambda x: x and 1)
    with pytest.raises(av.InputError, match="does not depend on the inputs"):
        av.trace_function(lambda x: 3.0)
    with pytest.raises(av.InputError, match="av.sin"):
        av.trace_function(lambda x: math.sin(x))


def caret(err: av.ParseError) -> str:
    return err.render().splitlines()[2]


@pytest.mark.parametrize("src,msg,line,col,hint", [
    ("sinn(x)", "unknown function 'sinn'", 1, 1, "did you mean 'sin'?"),
    ("sigmod(x)", "unknown function 'sigmod'", 1, 1, "did you mean 'sigmoid'?"),
    ("sin(x1 + (2*x2)", "this '(' is never closed", 1, 4, "add the missing ')'"),
    ("a = 1\nb = (x + (y*2) + 3", "this '(' is never closed", 2, 5, None),
    ("x + 2)", "this ')' has no matching '('", 1, 6, None),
    ("2 x", "missing operator before 'x'", 1, 3, "write 2*x"),
    ("x +", "ends too early", 1, 4, None),
    ("", "empty expression", 1, 1, None),
    ("x $ 2", "unexpected character '$'", 1, 3, None),
    ("f(x) = x^2", "unknown function 'f'", 1, 1, None),
    ("x = 1; x = 2", "'x' is already assigned (line 1)", 1, 8, None),
    ("a = x\nx = 2", "'x' was already used as an input", 2, 1, None),
    ("sin = 2", "'sin' is a function name", 1, 1, None),
    ("2*sin", "'sin' is a function", 1, 3, None),
    ("max(x, y, axis=0)", "argument 'axis' given twice: max(x, axis) already takes its argument 2, 'y', as axis", 1, 11, None),
    ("sin(x, y)", "sin() takes 1 argument (x), got 2", 1, 1, None),
    ("leaky_relu(x, beta=2)", "has no argument 'beta'", 1, 15, None),
    ("sin()", "sin() needs arguments", 1, 1, None),
    ("()", "empty parentheses", 1, 1, None),
    ("1, 2", "',' outside a function call", 1, 2, None),
    ("x*y\nx+1", "not assigned to a name", 1, 1, None),
    ("a = ", "nothing after '='", 1, 3, None),
    ("1e999", "too large", 1, 1, None),
    ("x[1]", "unexpected character '['", 1, 2, "round parentheses"),
])
def test_syntax_errors_have_line_column_caret_and_hint(src, msg, line, col, hint) -> None:
    with pytest.raises(av.ParseError) as info:
        av.parse(src)
    err = info.value
    assert msg in err.message
    assert (err.line, err.column) == (line, col)
    shown = caret(err)
    assert shown.index("^") == len(f"{line} | ") + col - 1
    if hint:
        assert hint in (err.hint or "")
    assert err.exit_code == 2


def test_caret_render_example() -> None:
    with pytest.raises(av.ParseError) as info:
        av.parse("z = sin(x1 + 2")
    assert info.value.render() == (
        "error: this '(' is never closed (line 1, column 8)\n"
        "1 | z = sin(x1 + 2\n"
        "           ^\n"
        "hint: add the missing ')'")


def test_pathological_inputs_give_results_or_clear_errors_never_recursion() -> None:
    deep = "(" * 10_000 + "x" + ")" * 10_000
    assert av.gradient(deep, {"x": 2.0}) == {"x": 1.0}
    deep_fn = "sin(" * 5_000 + "x" + ")" * 5_000
    t = av.trace(deep_fn, {"x": 0.5}, mode="both")
    x = 0.5
    d = 1.0
    for _ in range(5_000):
        d *= math.cos(x)
        x = math.sin(x)
    assert t.value == pytest.approx(x, rel=1e-12) and t.gradient["x"] == pytest.approx(d, rel=1e-9)
    assert len(t.graph.expressions()) == 5_001  # long expressions are capped, not expanded
    many = " + ".join(f"x{k}" for k in range(100_000))
    g = av.parse(many)
    assert len(g.inputs) == 100_000 and g.op_count == 99_999
    with pytest.raises(av.ParseError, match="too large"):
        av.parse("1" * 400)
    unclosed = "(" * 10_000 + "x"
    with pytest.raises(av.ParseError, match="never closed"):
        av.parse(unclosed)


def test_exponential_dag_expression_text_is_capped() -> None:
    prog = "\n".join(["a0 = x"] + [f"a{k} = a{k - 1}*a{k - 1}" for k in range(1, 60)])
    g = av.parse(prog)
    exprs = g.expressions(limit=120)
    assert exprs[-1] is None and exprs[1] == "x*x" and exprs[2] == "x*x*(x*x)"
    small = "\n".join(prog.splitlines()[:8])  # x^(2^7)
    assert av.gradient(small, {"x": 1.0001})["x"] == pytest.approx(
        2 ** 7 * 1.0001 ** (2 ** 7 - 1), rel=1e-12)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = ["x", "y1", "2", "0.5", "1e3", "+", "-", "*", "/", "^", "**", "(", ")", ",", "=",
          ";", "\n", " ", "sin", "max", "leaky_relu", "alpha", "pi", "a", "z", "σ", "$", "."]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25))
def test_any_text_parses_or_raises_a_parse_error(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        g = av.parse(text)
    except av.ParseError as err:
        rendered = err.render()
        assert f"(line {err.line}, column {err.column})" in rendered and "^" in rendered
        return
    except av.InputError:
        return
    assert av.parse(g.to_program()).structure() == g.structure()
