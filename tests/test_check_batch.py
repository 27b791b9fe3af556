"""Grading a folder: 1,000 generated submissions in parallel processes, none dropped."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

import autodiff_viz
from autodiff_viz.check import batch
from autodiff_viz.check.batch import (find_submissions, grade_folder, gradescope_file_names,
                                      gradescope_folder, gradescope_results,
                                      write_gradescope_folder)
from autodiff_viz.errors import InputError

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
    gs = gradescope_results(rows[3])  # one student's results file
    assert gs["score"] == 16 and len(gs["tests"]) == 20
    assert not any(t["name"].startswith("s0003") for t in gs["tests"])


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


def test_one_gradescope_results_file_per_submission(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    subs.mkdir()
    for p in sorted((HOMEWORK / "submissions").glob("*.txt")):
        (subs / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    (subs / "alice").mkdir()  # a student's folder
    (subs / "alice" / "hw.txt").write_text((HOMEWORK / "submissions" / "ada.txt").read_text())
    (subs / "zed.txt").write_bytes(b"\x89PNG\r\n\x00\x00")
    rows = grade_folder(KEY, subs, jobs=1).rows
    paths = write_gradescope_folder(rows, tmp_path / "results")
    assert [p.name for p in paths] == ["ada.json", "alice.json", "ben.json", "cleo.json",
                                       "zed.json"]
    written = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert written == sorted(p.name for p in paths)
    for row, path in zip(rows, paths):
        gs = json.loads(path.read_text(encoding="utf-8"))
        if row["submission"] == "zed.txt":
            assert gs["score"] == 0 and gs["tests"][0]["status"] == "failed"
            assert "the submission is a binary file, not text" in gs["tests"][0]["output"]
            continue
        source = subs / row["submission"]
        assert gs["score"] == autodiff_viz.check(KEY, source).score
        assert sum(t["score"] for t in gs["tests"]) == pytest.approx(gs["score"])
    scores = {p.stem: json.loads(p.read_text())["score"] for p in paths}
    assert scores == {"ada": 16, "alice": 16, "ben": 11, "cleo": 14.5, "zed": 0}


def test_gradescope_file_names_are_safe_and_unique() -> None:
    names = gradescope_file_names([{"submission": s} for s in (
        "ben.txt", "ben.toml", "Ben/", "x y.txt", "con.txt", "ünï.txt", ".txt", "a_b.txt",
        "a b.txt")])
    assert names == ["ben.txt.json", "ben.toml.json", "Ben.json", "x_y.json", "_con.json",
                     "ünï.json", "txt.json", "a_b.txt.json", "a_b.txt-2.json"]
    assert len({n.casefold() for n in names}) == len(names)
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


def test_gradescope_results_is_for_one_submission_only(tmp_path: Path) -> None:
    rows = grade_folder(KEY, HOMEWORK / "submissions", jobs=1).rows
    with pytest.raises(TypeError, match="per student"):
        gradescope_results(rows)  # type: ignore[arg-type]
    with pytest.raises(InputError) as err:
        gradescope_folder(tmp_path / "results.json")
    assert err.value.hint and err.value.hint.startswith("give a folder")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="existing file"):
        gradescope_folder(tmp_path / "file")
    assert not (tmp_path / "results.json").exists()
