"""Grading a folder: 1,000 generated submissions in parallel processes, none dropped."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from autodiff_viz.check import batch
from autodiff_viz.check.batch import find_submissions, grade_folder, gradescope_results

HOMEWORK = Path(__file__).resolve().parents[1] / "examples" / "homework"
KEY = HOMEWORK / "key.toml"
NUMBER = re.compile(r"(?<![\w.\u0300-\u036f])\d+\.?\d*")


def generate(folder: Path, n: int, seed: int = 0) -> dict[str, str]:
    """``n`` submissions: right ones, ones with one changed number, and broken files.

    Returns what each file is, by name.
    """
    rng = random.Random(seed)
    bases = {p.stem: p.read_text(encoding="utf-8") for p in (HOMEWORK / "submissions").glob("*.txt")}
    kinds: dict[str, str] = {}
    for i in range(n):
        name = f"s{i:04d}"
        r = i % 20
        if r == 0:
            (folder / f"{name}.txt").write_bytes(b"\x00PK\x03\x04 not a text file")
            kinds[f"{name}.txt"] = "binary"
        elif r == 1:
            (folder / f"{name}.toml").write_text("gradient = { x1 = 2.58, x2 = \n")
            kinds[f"{name}.toml"] = "bad toml"
        elif r == 2:
            (folder / f"{name}.toml").write_text(
                f'student = "{name}"\ngradient = {{ x1 = 2.58, x2 = 2 }}\n'
                'formula_x1 = "cos(x1) + x2"\n')
            kinds[f"{name}.toml"] = "answers"
        elif r == 3:
            (folder / f"{name}.txt").write_text(bases["ada"].replace("student: ada", ""))
            kinds[f"{name}.txt"] = "right"
        else:
            text = bases[rng.choice(sorted(bases))]
            m = rng.choice(list(NUMBER.finditer(text)))
            text = text[:m.start()] + str(rng.randint(0, 9)) + text[m.end():]
            (folder / f"{name}.txt").write_text(text.replace("student: ", "# was: "))
            kinds[f"{name}.txt"] = "changed"
    return kinds


def test_a_thousand_generated_submissions(tmp_path: Path) -> None:
    kinds = generate(tmp_path, 1000)
    result = grade_folder(KEY, tmp_path, jobs=2)
    rows = result.rows
    assert len(rows) == 1000  # no submission silently dropped, in file order
    assert [r["submission"] for r in rows] == sorted(kinds)
    for r in rows:
        kind = kinds[r["submission"]]
        if kind in ("binary", "bad toml"):
            assert r["status"] == "error" and r["score"] == 0 and r["max_score"] == 16
            assert r["error"].startswith("the submission is a binary file" if kind == "binary"
                                         else "invalid TOML")
        else:
            assert r["status"] == "graded", r["error"]
            assert r["student"] == Path(r["submission"]).stem
        if kind == "right":
            assert r["all_correct"] and r["score"] == 16
        if kind == "answers":
            assert r["score"] == 6 and r["missing"] == 3  # the three tables are missing
    assert len(result.errors) == 100
    assert result.per_second > 0
    gs = gradescope_results(rows[:3])
    assert len(gs["tests"]) > 3 and gs["tests"][0]["name"].startswith("s0000.txt: ")


def test_a_bug_while_grading_one_submission_is_an_error_row(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path, 4)
    real = batch.check

    def flaky(key, path, student=None):  # a bug that only this submission triggers
        if Path(path).name == "s0003.txt":
            raise RuntimeError("boom")
        return real(key, path, student=student)

    monkeypatch.setattr(batch, "check", flaky)
    rows = grade_folder(KEY, tmp_path, jobs=1).rows
    assert [r["status"] for r in rows] == ["error", "error", "graded", "error"]
    assert rows[3]["error"] == ("internal error while grading (RuntimeError: boom); "
                                "please report it")


def test_finding_submissions(tmp_path: Path) -> None:
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "summary.csv").write_text("x")
    (tmp_path / "bo").mkdir()
    (tmp_path / "bo" / "answers.toml").write_text("x")
    (tmp_path / "bo" / ".DS_Store").write_text("x")
    (tmp_path / "cy").mkdir()
    found = find_submissions(tmp_path, exclude=[tmp_path / "summary.csv"])
    assert [(n, s, p.name if p else None, e) for n, s, p, e in found] == [
        ("a.txt", "a", "a.txt", None), ("bo/answers.toml", "bo", "answers.toml", None),
        ("cy/", "cy", None, "the folder is empty")]
