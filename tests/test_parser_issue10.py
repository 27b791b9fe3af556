"""Issue 10 in the parser's messages: a number with two decimal points is named as
such, and a long line is shown as a window around the error with the caret under it."""
from __future__ import annotations

import pytest

from autodiff_viz import parse
from autodiff_viz.errors import LocatedInputError, ParseError, source_excerpt


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


def caret_char(err: ParseError | LocatedInputError) -> str:
    """The character of the shown line that the caret points at."""
    lines = err.render().splitlines()
    shown, caret = lines[1], lines[2]
    return shown[caret.index("^")]


@pytest.mark.parametrize("text, column, number", [
    ("2.5.3*x", 4, "2.5.3"), ("x + 1.2.3.4", 8, "1.2.3.4"), ("2..5", 3, "2..5"),
    ("sin(0.5.)", 8, "0.5."),
])
def test_a_number_with_two_decimal_points(text: str, column: int, number: str) -> None:
    err = error(text)
    assert err.message == f"a number with two decimal points: {number!r}"
    assert (err.line, err.column) == (1, column)
    assert caret_char(err) == "."
    assert err.hint is not None and "*" not in err.hint  # no product of two numbers suggested


def test_a_decimal_point_in_an_exponent() -> None:
    err = error("1e3.5 + x")
    assert err.message == "a number's exponent must be a whole number: '1e3.5'"
    assert err.column == 4 and caret_char(err) == "."


@pytest.mark.parametrize("text", ["2.5*x", ".5*x", "2.*x", "1.5e3*x", "x.T", "(2*x).T"])
def test_numbers_and_transposes_still_parse(text: str) -> None:
    parse(text)


def test_a_long_line_is_a_window_with_the_caret_under_the_error() -> None:
    text = "x + " * 700 + "(x"  # 2,802 characters, the '(' never closed
    err = error(text)
    assert err.column == 2801
    lines = err.render().splitlines()
    assert lines[0] == "error: this '(' is never closed (line 1, column 2801)"
    assert len(lines[1]) <= 130 and len(lines[2]) <= 130
    assert lines[1].startswith("1 | ...") and caret_char(err) == "("


def test_a_long_line_with_the_error_at_the_start() -> None:
    err = error(")" + " + x" * 700)
    lines = err.render().splitlines()
    assert lines[1].endswith("...") and not lines[1].startswith("1 | ...")
    assert lines[2] == "    ^" and len(lines[1]) <= 130


def test_a_long_line_with_the_error_in_the_middle() -> None:
    text = "x + " * 300 + "+* " + "y + " * 300 + "y"
    err = error(text)
    lines = err.render().splitlines()
    assert lines[1].startswith("1 | ...") and lines[1].endswith("...")
    assert caret_char(err) == "*" and len(lines[1]) <= 130


def test_a_short_line_is_shown_whole() -> None:
    err = error("sin(x1 + 2")
    assert err.render() == ("error: this '(' is never closed (line 1, column 4)\n"
                            "1 | sin(x1 + 2\n       ^\nhint: add the missing ')'")


def test_long_tokens_are_shortened_in_messages() -> None:
    name = "a" * 500
    err = error(f"2 {name}")
    assert len(err.message) < 80 and "…" in err.message
    assert err.hint is not None and len(err.hint) < 100


def test_tabs_and_control_characters_keep_the_caret_aligned() -> None:
    err = error("x\t+\t+* 2")
    assert caret_char(err) == "*"
    err = error("x + \x1b[31m")
    shown = err.render().splitlines()[1]
    assert "\x1b" not in shown and caret_char(err) == "?"


def test_located_input_errors_use_the_same_window() -> None:
    source = "a = " + "1 + " * 400 + "\nb = 2"
    err = LocatedInputError("expected a value", path="key.toml", source=source, line=1,
                            column=1000, hint="fix it")
    lines = err.render().splitlines()
    assert len(lines[1]) <= 130 and lines[2].index("^") < len(lines[1])
    assert lines[1][lines[2].index("^")] == source[999]


def test_source_excerpt_caret_past_the_end() -> None:
    assert source_excerpt(2, "a =", 5) == "2 | a =\n        ^"
