"""Per-student problems (issue 15): templates, rosters, determinism, uniqueness, the written
layout, and the round trip (a solution sheet scores full marks against its key; one changed
number loses exactly that line's points)."""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import autodiff_viz as av
from autodiff_viz.check import load_key
from autodiff_viz.parser import parse
from autodiff_viz.problems import TemplateError, generate, load_roster, load_template
from autodiff_viz.problems.document import markdown
from autodiff_viz.problems.formula import derivative_formula
from autodiff_viz.problems.handout import sheet
from autodiff_viz.problems.write import write

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "problems" / "template.toml"
ROSTER = ROOT / "examples" / "problems" / "roster.csv"
FIXED = {"title": "Q1", "expression": "sin(x1) + x1*x2", "point": {"range": [1, 3]},
         "ask": [{"kind": "trace"}, {"kind": "reverse"}, {"kind": "gradient", "points": 2}]}


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- templates and rosters -----------------------------------------------------------------
@pytest.mark.parametrize("text, message, line", [
    ('expression = "x*y"\ncolour = 1\n[[ask]]\nkind = "gradient"\n',
     "unknown field 'colour'", 2),
    ('[generate]\ninputs = 2\nops = ["add", "relu"]\n[[ask]]\nkind = "reverse"\n',
     "[generate] ops: 'relu' cannot be used in generated problems (its derivative is 0 for "
     "a < 0)", 3),
    ('[generate]\ndepth = 9\n[[ask]]\nkind = "reverse"\n',
     "[generate] depth must be a whole number from 1 to 6", 2),
    ('expression = "x*y"\n[point]\nranges = { z = [1, 2] }\n[[ask]]\nkind = "gradient"\n',
     "[point] ranges: 'z' is not an input", 3),
    ('expression = "x*y"\n[[ask]]\nkind = "gradiant"\n', "ask #1: unknown kind 'gradiant'", 3),
    ('expression = "x*y"\n[[ask]]\nkind = "forward"\nwrt = "q"\n',
     "ask #1: wrt 'q' is not an input", 4),
    ('expression = "sin(x"\n[[ask]]\nkind = "gradient"\n', "the expression does not parse", 1),
    ('expression = "x*y"\n[[ask]]\nkind = "adjoint"\nnode = "x*y"\n',
     "ask #1: 'node' cannot be used in a problem template", 4),
    ('expression = "x*y"\n[[ask]]\nkind = "jacobian"\n',
     "ask #1: a handout cannot ask for kind 'jacobian' yet", 3),
])
def test_template_errors_say_what_and_where(text: str, message: str, line: int) -> None:
    with pytest.raises(TemplateError) as err:
        load_template(text)
    assert message in err.value.message
    assert err.value.line == line


def test_template_needs_one_kind_of_expression_and_an_ask() -> None:
    with pytest.raises(TemplateError, match="exactly one of 'expression'"):
        load_template({"ask": [{"kind": "gradient"}]})
    with pytest.raises(TemplateError, match="asks for nothing"):
        load_template({"expression": "x*y"})


def test_roster_errors_name_the_row(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("id,name\n1001,Ada\n../x,Eve\n")
    with pytest.raises(TemplateError) as err:
        load_roster(tmp_path / "r.csv")
    assert "row 3: the student id '../x' cannot name a file" in err.value.message
    assert err.value.line == 3
    with pytest.raises(TemplateError, match="no id column"):
        load_roster("name,email\nAda,a@b\n")
    with pytest.raises(TemplateError, match="cannot read the roster: No such file"):
        load_roster(tmp_path / "missing.csv")


def test_av_problems_is_a_lazy_submodule() -> None:
    problems = av.problems.generate(FIXED, ["1001"], seed=1)
    assert problems[0].expression == "sin(x1) + x1*x2"


# -- determinism, independence, uniqueness --------------------------------------------------
def test_same_seed_and_roster_give_identical_bytes(tmp_path: Path) -> None:
    for run in ("a", "b"):
        write(generate(TEMPLATE, ROSTER, seed=2026), tmp_path / run)
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert a == b
    expected = {f"{d}/{i}.{e}" for i in ("1001", "1002", "1003", "1004")
                for d, e in (("handouts", "md"), ("handouts", "html"), ("keys", "toml"),
                             ("solutions", "md"))}
    assert expected <= set(a)
    if shutil.which("pdflatex"):
        assert "handouts/1001.pdf" in a
    if shutil.which("dot"):
        assert "solutions/1001.svg" in a
    other = [p.describe() for p in generate(TEMPLATE, ROSTER, seed=2027)]
    assert other != [p.describe() for p in generate(TEMPLATE, ROSTER, seed=2026)]


def test_adding_a_student_at_the_end_changes_nobody_else() -> None:
    ids = [f"s{i}" for i in range(12)]
    before = [p.signature for p in generate(TEMPLATE, ids, seed=5)]
    after = [p.signature for p in generate(TEMPLATE, ids + ["new"], seed=5)]
    assert after[:12] == before
    alone = generate(TEMPLATE, ["s7"], seed=5)[0].signature
    assert alone == before[7]  # a student's problem depends on (seed, id) only


def test_no_two_students_get_the_same_problem() -> None:
    # a fixed expression on an 11 x 11 grid of points: 60 students must all differ
    t = {**FIXED, "point": {"range": [1, 2], "decimals": 1}}
    problems = generate(t, [str(i) for i in range(60)], seed=3)
    assert len({p.signature for p in problems}) == 60
    # a grid of 4 points cannot serve 5 students: the error says why
    t = {**FIXED, "point": {"ranges": {"x1": [1, 2], "x2": [1, 2]}, "decimals": 0}}
    with pytest.raises(TemplateError, match="the same problem as another student's"):
        generate(t, [str(i) for i in range(5)], seed=3)


def test_the_same_seed_gives_the_same_problem_to_the_same_id_whatever_its_place() -> None:
    a = generate(FIXED, ["x", "y", "z"], seed=11)
    b = generate(FIXED, ["z", "y", "x"], seed=11)
    assert {p.student.id: p.point for p in a} == {p.student.id: p.point for p in b}


# -- derivative formulas (independent oracle: central differences) --------------------------
def test_derivative_formulas_match_finite_differences() -> None:
    problems = generate({**load_template(TEMPLATE).key_fields, "generate": {
        "inputs": 2, "depth": [2, 4], "fanouts": [0, 2],
        "ops": ["add", "sub", "mul", "div", "sin", "exp", "log", "sqrt", "square", "tanh"]},
        "point": {"range": [0.5, 2.5]}, "ask": [{"kind": "formula", "wrt": "x1"}]},
        [str(i) for i in range(60)], seed=9)
    h = 1e-6
    for p in problems:
        g = parse(p.expression)
        f = parse(derivative_formula(g, "x1"))
        at = p.at
        got = av.trace(f, {n: at[n] for n in f.input_names}, mode="primal").value \
            if f.input_names else float(derivative_formula(g, "x1"))
        up = av.trace(g, {**at, "x1": at["x1"] + h}, mode="primal").value
        down = av.trace(g, {**at, "x1": at["x1"] - h}, mode="primal").value
        assert got == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-6), p.expression


# -- round trip: the solution sheet is a submission with full marks --------------------------
@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("problems")
    template = {**dict(load_template(TEMPLATE).key_fields), "generate": {
        "inputs": 2, "depth": 3, "fanouts": [1, 2],
        "ops": ["add", "sub", "mul", "sin", "cos", "exp", "log", "square"]},
        "point": {"range": [0.5, 2.5]}, "ask": [
            *load_template(TEMPLATE).asks, {"kind": "formula", "wrt": "x2", "points": 2}]}
    write(generate(template, [f"{1000 + i}" for i in range(8)], seed=4), out, pdf=False,
          pictures=False)
    return out


def test_every_solution_sheet_scores_full_marks_against_its_key(written: Path) -> None:
    for key_file in sorted((written / "keys").glob("*.toml")):
        key = load_key(key_file)
        report = av.check(key, written / "solutions" / f"{key_file.stem}.md")
        assert report.score == report.max_score > 0, report.to_text()
        assert report.student == key_file.stem


def test_one_changed_number_loses_exactly_that_lines_points(written: Path) -> None:
    key = load_key(written / "keys" / "1003.toml")
    lines = (written / "solutions" / "1003.md").read_text().split("\n")
    full = av.check(key, "\n".join(lines)).max_score
    rows = [i for i, line in enumerate(lines) if re.match(r"\| (w\d+|dz/dw\d+|dw\d+/dx\d) \|", line)
            and line.split("|")[2].strip() not in ("", "x1", "x2")]  # steps worth points
    for i in rows[::3]:
        changed = list(lines)
        cells = changed[i].split("|")
        cells[3] = f" {float(cells[3]) * 1.5 + 1:.4g} "
        changed[i] = "|".join(cells)
        report = av.check(key, "\n".join(changed))
        wrong = [it for it in report.items if not it.passed]
        assert [it.line for it in wrong if it.max_score] in ([i + 1], [i + 1, i + 1]), \
            (changed[i], report.to_text())
        line_points = sum(it.max_score for it in wrong)
        assert report.score == full - line_points


def test_a_blank_handout_grades_to_zero_without_errors(written: Path) -> None:
    key = load_key(written / "keys" / "1001.toml")
    report = av.check(key, written / "handouts" / "1001.md")
    assert report.score == 0 and report.max_score > 0
    assert report.student == "1001"


def test_handout_shows_the_problem_and_blank_rows() -> None:
    p = generate(FIXED, [{"id": "1001", "name": "Ada"}], seed=1)[0]
    text = markdown(sheet(p))
    assert "Student: 1001\n\nName: Ada\n" in text
    assert p.describe() in text
    assert "| w1 | x1 | " in text and "| w3 |  |  |" in text and "| dz/dw5 |  | 1 |" in text
    assert "| dz/dx1 |  |" in text


def test_handout_html_and_latex_escape_what_they_show(tmp_path: Path) -> None:
    from autodiff_viz.problems.document import Para, html, latex

    doc = [Para("a <b> & c_1^2 {x}")]
    assert "a &lt;b&gt; &amp; c_1^2" in html(doc, "t")
    assert r"a <b> \& c\_1\textasciicircum{}2 \{x\}" in latex(doc)


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (scripts/test installs texlive-latex-base)")
def test_pdf_handouts_compile_and_are_reproducible(tmp_path: Path) -> None:
    problems = generate(FIXED, ["1001"], seed=1)
    write(problems, tmp_path / "a", pictures=False)
    write(problems, tmp_path / "b", pictures=False)
    a = (tmp_path / "a" / "handouts" / "1001.pdf").read_bytes()
    assert a.startswith(b"%PDF") and a == (tmp_path / "b" / "handouts" / "1001.pdf").read_bytes()


def test_without_pdflatex_the_pdf_is_skipped_with_a_reason(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import autodiff_viz.problems.write as w

    monkeypatch.setattr(w.shutil, "which", lambda name: None)
    result = write(generate(FIXED, ["1001"], seed=1), tmp_path, pictures=False)
    assert not (tmp_path / "handouts" / "1001.pdf").exists()
    assert any("pdflatex is not installed" in n for n in result.notes)


def test_random_points_stay_in_range_with_the_decimals() -> None:
    t = {**FIXED, "point": {"ranges": {"x1": [0.5, 1.5]}, "range": [2, 3], "decimals": 2}}
    for p in generate(t, [str(i) for i in range(40)], seed=2):
        assert 0.5 <= p.at["x1"] <= 1.5 and 2 <= p.at["x2"] <= 3
        assert all(round(v, 2) == v for v in p.at.values())


def test_generated_problems_have_the_templates_shape() -> None:
    from autodiff_viz.problems.expressions import shape_of

    t = load_template(TEMPLATE)
    for p in generate(TEMPLATE, [str(i) for i in range(200)], seed=8):
        depth, fanouts, used = shape_of(parse(p.expression))
        assert t.depth[0] <= depth <= t.depth[1]
        assert t.fanouts[0] <= fanouts <= t.fanouts[1]
        assert used == ("x1", "x2")
        assert np.isfinite(av.trace(p.expression, p.at).value)


VARIANTS = {
    "notation v, a direction seed, the value": {
        "expression": "sin(x1) + x1*x2", "notation": "v", "point": {"range": [1, 3]},
        "ask": [{"kind": "trace"}, {"kind": "forward", "seed": {"x1": 1, "x2": 0.5}},
                {"kind": "reverse"}, {"kind": "value"}]},
    "notation u, two decimals, a formula": {
        "expression": "exp(a*b)/b + a", "notation": "u",
        "point": {"range": [0.5, 2], "decimals": 2},
        "ask": [{"kind": "reverse"}, {"kind": "gradient"}, {"kind": "formula", "wrt": "b"},
                {"kind": "forward", "wrt": "a"}]},
    "three inputs, 3 digits": {
        "generate": {"inputs": 3, "depth": [3, 4], "fanouts": [1, 3],
                     "ops": ["add", "mul", "div", "tanh", "sigmoid", "sqrt", "cube", "neg"]},
        "point": {"range": [0.5, 2]}, "digits": 3,
        "ask": [{"kind": "trace"}, {"kind": "reverse"}, {"kind": "gradient"},
                {"kind": "formula", "wrt": "x3"}]},
    "one input": {
        "generate": {"inputs": 1, "depth": 2, "fanouts": 0,
                     "ops": ["sin", "exp", "log", "square", "mul"]},
        "point": {"range": [0.5, 2]},
        "ask": [{"kind": "trace"}, {"kind": "forward"}, {"kind": "reverse"},
                {"kind": "formula"}]},
}


@pytest.mark.parametrize("name", VARIANTS)
def test_solutions_score_full_marks_in_every_notation_and_kind(name: str) -> None:
    from autodiff_viz.problems.solution import solution

    for p in generate(VARIANTS[name], [str(i) for i in range(6)], seed=1):
        report = av.check(p.key(), markdown(solution(p)))
        assert report.score == report.max_score > 0, report.to_text()


def test_keys_of_students_not_on_the_roster_are_pointed_out(tmp_path: Path) -> None:
    write(generate(FIXED, ["a", "b"], seed=1), tmp_path, pdf=False, pictures=False)
    again = write(generate(FIXED, ["a"], seed=1), tmp_path, pdf=False, pictures=False)
    assert any("also holds keys of students not on this roster (b)" in n for n in again.notes)
