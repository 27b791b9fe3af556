"""Acceptance corpus: trace tables written the way textbooks, lecture notes and
students write them, graded through the public API only.

Layout: ``tests/textbook/<problem>/key.toml`` is the problem key (docs/checking.md,
"Problem keys"); every ``*.txt``, ``*.md`` and ``*.tex`` next to it is a CORRECT
table that must earn full marks; ``tests/textbook/<problem>/mistakes/`` holds
tables with exactly one typical mistake each, described in ``MISTAKES`` below.

Every figure in the tables was computed independently of the tool (by hand, and
checked with math/sympy); the exact values are in a comment at the top of each
key. The tables are NOT written in the tool's own output format, and were not
tuned to what the checker accepts today: failures here are work for the checker.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import autodiff_viz as av

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CORPUS = Path(__file__).parent / "textbook"
TABLE_SUFFIXES = (".txt", ".md", ".tex")
VERDICTS = {"correct", "carried", "wrong value", "invalid step", "missing term",
            "wrong partial", "wrong formula", "missing", "unreadable"}
FAILING = {"wrong value", "invalid step", "missing term", "wrong partial", "wrong formula"}


# --------------------------------------------------------------------------- helpers

def _problems() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_dir())


def _tables(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in TABLE_SUFFIXES)


def _id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


CORRECT_TABLES = [t for problem in _problems() for t in _tables(problem)]


def _key(table: Path) -> Path:
    folder = table.parent
    if folder.name == "mistakes":
        folder = folder.parent
    return folder / "key.toml"


def _line_of(table: Path, text: str) -> int:
    """The 1-based line of ``table`` holding ``text`` (which must be unique)."""
    lines = table.read_text(encoding="utf-8").splitlines()
    hits = [n for n, line in enumerate(lines, 1) if text in line]
    assert len(hits) == 1, f"corpus error: {text!r} is on lines {hits} of {_id(table)}"
    return hits[0]


def _line_starting(table: Path, prefix: str) -> int:
    """The 1-based line of ``table`` that starts with ``prefix`` (which must be unique)."""
    lines = table.read_text(encoding="utf-8").splitlines()
    hits = [n for n, line in enumerate(lines, 1) if line.startswith(prefix)]
    assert len(hits) == 1, f"corpus error: {prefix!r} starts lines {hits} of {_id(table)}"
    return hits[0]


def _show(report) -> str:
    try:
        return report.to_text()
    except Exception:  # the report's own view is not what is under test here
        return "\n".join(f"line {i.line}: {i.verdict} {i.score}/{i.max_score} {i.message}"
                         for i in report.items)


def _grade(table: Path):
    return av.check(str(_key(table)), str(table))


# Node labels in the w/v/u notations, as they appear in plain text, Unicode
# (v₋₁, v̄5, ẇ3) or LaTeX (v_{-1}, \bar{v}_0, \dot{w}_3). Leibniz symbols (dw3,
# ∂v5) mention the label after the d.
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉₋−", "0123456789--")
_LABEL = re.compile(r"(?<![A-Za-z0-9_.])([wvu]-?\d+)(?!\d)(?!\.\d)")


def _normalise_labels(text: str) -> str:
    text = unicodedata.normalize("NFD", text.translate(_SUBSCRIPTS))
    text = text.replace("\u0304", "").replace("\u0307", "").replace("\u0305", "")
    text = re.sub(r"\\(?:bar|dot|overline|hat|tilde)\s*\{\s*([A-Za-z])\s*\}", r"\1", text)
    text = re.sub(r"_\{\s*(-?\d+)\s*\}", r"\1", text)
    text = re.sub(r"_(-?\d+)", r"\1", text)
    text = re.sub(r"(?<![A-Za-z0-9_])[d∂](?=[wvu]-?\d)", " ", text)
    return text


def _labels(text: str) -> set[str]:
    return set(_LABEL.findall(_normalise_labels(text)))


def _foreign_labels(report, table: Path) -> list[tuple[int | None, str, str]]:
    """(line, label, message) for each node label a message uses that the student never wrote."""
    written = _labels(table.read_text(encoding="utf-8"))
    bad = []
    for item in report.items:
        for label in sorted(_labels(item.message or "") - written):
            bad.append((item.line, label, item.message))
    return bad


def _assert_trace_args(key_path: Path) -> tuple[str, dict, dict]:
    key = tomllib.loads(key_path.read_text(encoding="utf-8"))
    expr = key.get("expression") or key["program"]
    options: dict = {}
    for ask in key.get("ask", []):
        if ask["kind"] == "forward" and "wrt" in ask:
            options["wrt"] = ask["wrt"]
    if "output" in key:
        options["output"] = key["output"]
    if "notation" in key:
        options["notation"] = key["notation"]
    tolerance = key.get("tolerance", {})
    for name, option in (("abs", "abs_tol"), ("rel", "rel_tol"), ("rounding", "rounding"),
                         ("min_digits", "min_digits"), ("min_decimals", "min_decimals")):
        if name in tolerance:
            options[option] = tolerance[name]
    return expr, dict(key["at"]), options


# --------------------------------------------------------------------------- the corpus itself

def test_corpus_layout():
    problems = _problems()
    assert {p.name for p in problems} >= {
        "baydin_2018", "course_worked_example", "micrograd", "mlp_2_2_1",
        "logistic_unit", "softmax_xent", "equivalent_working"}
    for problem in problems:
        assert (problem / "key.toml").is_file(), problem
        assert _tables(problem), f"{problem.name} has no correct table"
    # problems 1 and 2 in every layout: plain text, Markdown, LaTeX align* and tabular
    for name in ("baydin_2018", "course_worked_example"):
        files = {t.name for t in _tables(CORPUS / name)}
        assert any(f.endswith(".txt") for f in files)
        assert "markdown.md" in files and "align.tex" in files and "tabular.tex" in files
    listed = {m.table for m in MISTAKES} | {_id(WRONG_SEED)}
    on_disk = {_id(p) for p in CORPUS.glob("*/mistakes/*") if p.suffix in TABLE_SUFFIXES}
    assert listed == on_disk, "every mistake table has exactly one MISTAKES entry"


def test_reference_figures():
    """The exact values the tables round (independent of the tool)."""
    # Baydin et al.: f = ln x1 + x1 x2 - sin x2 at (2, 5)
    assert round(math.log(2), 3) == 0.693 and round(math.sin(5), 3) == -0.959
    assert round(math.log(2) + 10 - math.sin(5), 3) == 11.652
    assert round(-math.cos(5), 3) == -0.284           # v̄0 after the first term (NOT +0.284)
    assert round(2 - math.cos(5), 3) == 1.716         # x̄2 = x1 - cos x2 (NOT 2.284)
    assert 1 / 2 + 5 == 5.5                           # x̄1 = 1/x1 + x2
    # course example at (2, 3)
    assert round(math.sin(2), 1) == 0.9 and round(6 + math.sin(2), 1) == 6.9
    assert round(math.cos(2) + 3, 2) == 2.58
    # logistic unit: p - y at a = 1.2 is -0.231 (so -0.2 is a 1-digit rounding)
    p = 1 / (1 + math.exp(-1.2))
    assert round(p - 1, 3) == -0.231 and round(-math.log(p), 3) == 0.263
    # softmax at z = (1, 2, 0.5): s - y
    s = [math.exp(z) / (math.exp(1) + math.exp(2) + math.exp(0.5)) for z in (1, 2, 0.5)]
    assert [round(s[0] - 1, 3), round(s[1], 3), round(s[2], 3)] == [-0.769, 0.629, 0.140]
    assert round(s[1] * (1 - s[1]), 3) == 0.233       # the wrong s(1 - s)
    # 2-2-1 network
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    h1, h2 = sig(1.1), sig(-1.4)
    y = 1.2 * h1 - 0.7 * h2
    da1 = (y - 1) * 1.2 * h1 * (1 - h1)
    assert f"{y:.3f}" == "0.762" and f"{da1:.3g}" == "-0.0535" and f"{da1 * 0.5:.3g}" == "-0.0268"


# --------------------------------------------------------------------------- correct tables

@pytest.mark.parametrize("table", CORRECT_TABLES, ids=_id)
def test_correct_table_gets_full_marks(table: Path):
    report = _grade(table)
    assert report.max_score > 0
    wrong = [i for i in report.items if i.max_score > 0 and i.verdict != "correct"]
    if wrong:
        first = min(wrong, key=lambda i: (i.line is None, i.line or 0))
        pytest.fail(f"{len(wrong)} item(s) of correct work marked wrong, score "
                    f"{report.score}/{report.max_score}; first: line {first.line} "
                    f"[{first.verdict}] {(first.message or '').splitlines()[0] if first.message else ''}"
                    f"\n{_show(report)}")
    assert report.score == report.max_score, _show(report)


@pytest.mark.parametrize("table", CORRECT_TABLES, ids=_id)
def test_correct_table_messages_use_the_students_labels(table: Path):
    report = _grade(table)
    foreign = _foreign_labels(report, table)
    assert not foreign, f"messages name nodes the student never wrote: {foreign}"


@pytest.mark.parametrize("table", CORRECT_TABLES, ids=_id)
def test_assert_trace_accepts_correct_table(table: Path):
    expr, at, options = _assert_trace_args(_key(table))
    text = table.read_text(encoding="utf-8")
    try:
        av.check.assert_trace(expr, at, text, **options)
    except AssertionError as exc:
        lines = str(exc).splitlines()
        flagged = [n for n, line in enumerate(lines) if line.lstrip()[:1] in ("✗", "?")]
        first = " ".join(s.strip() for s in lines[flagged[0]:flagged[0] + 2]) if flagged else lines[0]
        pytest.fail(f"assert_trace rejected a correct table; first: {first}\n{exc}")
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"assert_trace raised {type(exc).__name__} (not AssertionError): {exc}")


# --------------------------------------------------------------------------- one mistake each

@dataclass(frozen=True)
class Mistake:
    id: str
    table: str                      # relative to tests/textbook
    line: str                       # unique text of the line the mistake is on
    verdicts: frozenset             # acceptable verdicts for that line
    keyword: str | None = None      # the message must contain this (case-insensitive)
    not_in_message: str | None = None
    carried: tuple = field(default=())   # later lines that must be 'carried'
    forbidden: frozenset = frozenset()   # verdicts that must NOT appear on that line

    def path(self) -> Path:
        return CORPUS / self.table


def _v(*verdicts: str) -> frozenset:
    assert set(verdicts) <= VERDICTS
    return frozenset(verdicts)


MISTAKES = [
    Mistake("fan-out term missed (course, Leibniz)",
            "course_worked_example/mistakes/missing_fanout_term.txt",
            "dz/dw1 = dz/dw3·dw3/dw1 = 3", _v("missing term")),
    Mistake("fan-out term missed (Baydin, Markdown)",
            "baydin_2018/mistakes/missing_fanout_term.md",
            "| v\u0304-1 | v\u03042 · v0 | 5 |", _v("missing term")),
    Mistake("fan-out term missed (micrograd, d = a*b + b**3)",
            "micrograd/mistakes/missing_term.txt",
            "dg/db = dg/dd * (a + 3*b**2)", _v("missing term")),
    Mistake("wrong sign: v3-bar = +1 (Baydin)",
            "baydin_2018/mistakes/wrong_sign.txt",
            "v\u03043 = v\u03045 ∂v5/∂v3 = v\u03045 × 1 = 1", _v("wrong partial"),
            carried=("x\u03042 = v\u03040 = 2.284",)),
    Mistake("wrong sign: v3-bar = +1 (Baydin, LaTeX align*)",
            "baydin_2018/mistakes/wrong_sign_align.tex",
            r"\bar{v}_3 &= \bar{v}_5 \frac{\partial v_5}{\partial v_3} = \bar{v}_5 \times 1 = 1",
            _v("wrong partial"),
            carried=(r"\bar{x}_2 &= \bar{v}_0 = 2.284",)),
    Mistake("-cos for sin' (Baydin)",
            "baydin_2018/mistakes/minus_cos.txt",
            "v\u03040 = v\u03043 ∂v3/∂v0 = v\u03043 × (−cos v0) = 0.284", _v("wrong partial"),
            carried=("x\u03042 = v\u03040 = 2.284",)),
    Mistake("missing chain factor sigma' (2-2-1 network)",
            "mlp_2_2_1/mistakes/missing_sigmoid_factor.txt",
            "dL/da1 = dL/dh1 = -0.286", _v("wrong partial"),
            carried=("dL/dw11 = dL/da1 * x1 = -0.143",)),
    Mistake("arithmetic slip carried forward (Baydin)",
            "baydin_2018/mistakes/arithmetic_slip.txt",
            "v4 = v1 + v2 = 0.693 + 10 = 10.963", _v("wrong value"),
            carried=("v5 = v4 − v3 = 10.963 + 0.959 = 11.922",)),
    Mistake("arithmetic slip carried forward (course)",
            "course_worked_example/mistakes/arithmetic_slip.txt",
            "w3 = w1·w2 = 2·3 = 5", _v("wrong value"),
            carried=("w5 = w3 + w4 = 5 + 0.9 = 5.9",)),
    Mistake("sigma for sigma' (logistic unit)",
            "logistic_unit/mistakes/sigma_for_sigma_prime.txt",
            "dL/da = dL/dp * p = -1.30 * 0.769 = -1.00", _v("wrong partial"),
            carried=("dL/dw1 = dL/da · x1 = -1.50",), forbidden=_v("missing term")),
    Mistake("s(1-s) as the softmax cross-entropy gradient",
            "softmax_xent/mistakes/s_one_minus_s.txt",
            "dL/dz2 = s2*(1 - s2) = 0.233",
            _v("wrong value", "wrong formula", "wrong partial", "invalid step")),
    Mistake("coarse rounding under min_digits = 3 (logistic unit)",
            "logistic_unit/mistakes/coarse_rounding.txt",
            "dL/da = dL/dp · σ(a)·(1 − σ(a)) = -0.2", _v("wrong value"),
            keyword="significant", not_in_message="expected -0.2"),
    Mistake("node named e: sign slip in g = f - e (Baydin, own names)",
            "baydin_2018/mistakes/own_names_e_slip.txt",
            "g = f - e = 10.693 - 0.959 = 9.734", _v("wrong value")),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_mistake_is_caught_on_its_line(mistake: Mistake):
    table = mistake.path()
    lineno = _line_of(table, mistake.line)
    report = _grade(table)
    assert report.score < report.max_score, _show(report)
    here = [i for i in report.items if i.line == lineno]
    failed_here = [i for i in here if not i.passed]
    assert failed_here, f"nothing flagged on line {lineno} ({mistake.line!r}):\n{_show(report)}"
    assert any(i.verdict in mistake.verdicts for i in failed_here), (
        f"line {lineno}: verdicts {[i.verdict for i in failed_here]}, "
        f"expected one of {sorted(mistake.verdicts)}:\n{_show(report)}")
    wrong_kind = [i.verdict for i in here if i.verdict in mistake.forbidden]
    assert not wrong_kind, f"line {lineno} must not be called {wrong_kind}:\n{_show(report)}"
    first = report.first_error
    assert first is not None and first.line == lineno, (
        f"first error should be line {lineno}, got "
        f"{None if first is None else (first.line, first.verdict, first.message)}")
    messages = " | ".join(i.message or "" for i in failed_here if i.verdict in mistake.verdicts)
    if mistake.keyword:
        assert mistake.keyword.lower() in messages.lower(), messages
    if mistake.not_in_message:
        assert mistake.not_in_message.lower() not in messages.lower(), messages
    for later in mistake.carried:
        later_line = _line_of(table, later)
        verdicts = [i.verdict for i in report.items if i.line == later_line and i.max_score > 0]
        assert "carried" in verdicts, (
            f"line {later_line} ({later!r}) follows from the mistake: expected 'carried', "
            f"got {verdicts}:\n{_show(report)}")


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.id)
def test_mistake_messages_use_the_students_labels(mistake: Mistake):
    report = _grade(mistake.path())
    foreign = _foreign_labels(report, mistake.path())
    assert not foreign, f"messages name nodes the student never wrote: {foreign}"


WRONG_SEED = CORPUS / "baydin_2018/mistakes/wrong_seed.txt"
SEED_LINES = ("v\u0307-1 = x\u03071 = 0", "v\u03070 = x\u03072 = 1")
TANGENT_LINES = ("v\u03071 = ", "v\u03072 = ", "v\u03073 = ", "v\u03074 = ", "v\u03075 = ")
FORWARD_OPERATIONS = 5  # ln, ×, sin, +, −: one point each


def test_wrong_seed_loses_everything_the_seed_feeds():
    """Seeded on ẋ2 = 1 while the key asks for the tangents with respect to x1."""
    report = _grade(WRONG_SEED)
    seed_lines = {_line_starting(WRONG_SEED, s) for s in SEED_LINES}
    tangent_lines = {_line_starting(WRONG_SEED, t) for t in TANGENT_LINES}
    assert report.score < report.max_score, "a wrongly seeded forward trace earned full marks"
    assert report.max_score - report.score >= FORWARD_OPERATIONS, _show(report)
    for item in report.items:
        if item.line in tangent_lines:
            assert item.score == 0, (
                f"line {item.line} earned {item.score} ({item.verdict}) from the wrong seed:\n{_show(report)}")
    # nothing else is affected: the primal and reverse traces are right
    forward_lines = seed_lines | tangent_lines | {_line_starting(WRONG_SEED, "y\u0307 = v\u03075")}
    for item in report.items:
        if item.max_score > 0 and item.line not in forward_lines and item.line is not None:
            assert item.score == item.max_score, (
                f"line {item.line} ({item.verdict}) is not fed by the seed:\n{_show(report)}")
    assert report.first_error is not None and report.first_error.line in seed_lines, (
        f"the first error should be on a seed line {sorted(seed_lines)}, got "
        f"{report.first_error and (report.first_error.line, report.first_error.message)}")


ALL_WRONG = [m.path() for m in MISTAKES] + [WRONG_SEED]


@pytest.mark.parametrize("table", ALL_WRONG, ids=_id)
def test_assert_trace_rejects_wrong_table(table: Path):
    expr, at, options = _assert_trace_args(_key(table))
    text = table.read_text(encoding="utf-8")
    try:
        av.check.assert_trace(expr, at, text, **options)
    except AssertionError:
        return
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"assert_trace raised {type(exc).__name__} instead of AssertionError: {exc}")
    pytest.fail("assert_trace accepted a table with a mistake")
