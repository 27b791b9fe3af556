"""``autodiff-viz check``: exit codes, reports, folders, summaries, Gradescope, bad input."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HOMEWORK = Path(__file__).resolve().parents[1] / "examples" / "homework"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autodiff_viz", "check", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture()
def hw(tmp_path: Path) -> Path:
    shutil.copytree(HOMEWORK, tmp_path / "hw", ignore=shutil.ignore_patterns("reports"))
    return tmp_path / "hw"


def test_exit_codes_0_all_correct_1_some_wrong(hw: Path) -> None:
    ok = run("key.toml", "submissions/ada.txt", cwd=hw)
    assert ok.returncode == 0 and ok.stderr == ""
    assert "score 16 / 16" in ok.stdout
    bad = run("key.toml", "submissions/ben.txt", cwd=hw)
    assert bad.returncode == 1 and bad.stderr == ""
    assert "first wrong step: line 22: dz/dw1 = dz/dw3*dw3/dw1 = 1*3 = 3 — misses the term " \
           "from child w4 = sin(w1)" in bad.stdout


def test_exit_code_2_for_a_bad_key_with_line_and_caret_and_no_traceback(hw: Path) -> None:
    (hw / "bad.toml").write_text('expression = "sin(x1 + x1*x2"\nat = { x1 = 2, x2 = 3 }\n'
                                 '[[ask]]\nkind = "gradient"\n')
    r = run("bad.toml", "submissions/ada.txt", cwd=hw)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "error: the expression does not parse: this '(' is never closed (bad.toml, line 1, "
        "column 18)",
        '1 | expression = "sin(x1 + x1*x2"',
        "                     ^",
        "hint: add the missing ')'"]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("content,message", [
    (b"\x89PNG\r\n\x00\x00", "the submission is a binary file, not text"),
    (b"", "the submission is empty"),
    (b"w1 = x1 = \xff\xfe2\n", "not UTF-8 text (byte 0xff) (sub.txt, line 1, column 11)"),
])
def test_exit_code_2_for_a_submission_that_cannot_be_read(hw: Path, content: bytes,
                                                          message: str) -> None:
    (hw / "sub.txt").write_bytes(content)
    r = run("key.toml", "sub.txt", cwd=hw)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_a_malformed_toml_submission_points_at_the_line(hw: Path) -> None:
    (hw / "sub.toml").write_text('gradient = { x1 = 2.58,\nx2 = 2 }\n')
    r = run("key.toml", "sub.toml", cwd=hw)
    assert r.returncode == 2
    assert r.stderr.startswith("error: invalid TOML:") and "(sub.toml, line 1, column" in r.stderr
    r = run("key.toml", "missing.txt", cwd=hw)
    assert r.returncode == 2 and "cannot read the submission" in r.stderr


def test_report_formats(hw: Path) -> None:
    j = json.loads(run("key.toml", "submissions/cleo.txt", "--format", "json", cwd=hw).stdout)
    assert j["schema"] == "autodiff_viz.check.report" and (j["score"], j["max_score"]) == (14.5, 16)
    assert j["first_error"]["line"] == 7 and j["first_error"]["expected"] == pytest.approx(0.909297, abs=1e-6)
    md = run("key.toml", "submissions/cleo.txt", "--format", "markdown", cwd=hw).stdout
    assert md.startswith("### Homework 3, question 1 — z = sin(x1) + x1*x2 at x1=2, x2=3")
    assert "**Score: 14.5 / 16**" in md
    hidden = run("key.toml", "submissions/cleo.txt", "--hide-expected", cwd=hw).stdout
    assert "0.91" not in hidden and "wrong value" in hidden
    rich = run("key.toml", "submissions/cleo.txt", "--format", "rich", cwd=hw).stdout
    assert "follows from the earlier error" in rich and "14.5 / 16" in rich
    details = run("key.toml", "submissions/ada.txt", "--details", cwd=hw).stdout
    assert "(0.909297 rounded to 1 decimal)" in details


def test_a_folder_is_graded_with_error_rows_and_summaries(hw: Path) -> None:
    subs = hw / "submissions"
    (subs / "dan.toml").write_text('student = "dan"\ngradient = { x1 = 2.58, x2 = 2 }\n'
                                   'formula_x1 = "cos(x1) + x2"\n')
    (subs / "eve.toml").write_text("gradient = { x1 = \n")
    (subs / "fay.txt").write_bytes(b"\x00\x01\x02")
    (subs / "gus").mkdir()
    (subs / "gus" / "a.txt").write_text("w1 = x1 = 2\n")
    (subs / "gus" / "b.txt").write_text("w1 = x1 = 2\n")
    (subs / "hal").mkdir()
    (subs / "hal" / "answer.txt").write_text("dz/dx1 = 2.58\ndz/dx2 = 2\n")
    r = run("key.toml", "submissions", "--jobs", "2", "--gradescope", "results",
            "--reports", "reports", cwd=hw)
    assert r.returncode == 1, r.stderr
    assert r.stderr == ""
    rows = list(csv.DictReader((hw / "check-summary.csv").open()))
    assert [(x["submission"], x["status"]) for x in rows] == [
        ("ada.txt", "graded"), ("ben.txt", "graded"), ("cleo.txt", "graded"),
        ("dan.toml", "graded"), ("eve.toml", "error"), ("fay.txt", "error"), ("gus/", "error"),
        ("hal/answer.txt", "graded")]
    err = {x["submission"]: x["error"] for x in rows}
    assert err["eve.toml"].startswith("invalid TOML: Invalid value (submissions/eve.toml, line 1")
    assert err["fay.txt"].startswith("the submission is a binary file")
    assert "the folder holds 2 files (a.txt, b.txt)" in err["gus/"]
    assert [x["score"] for x in rows[:4]] == ["16.0", "11.0", "14.5", "6.0"]
    summary = json.loads((hw / "check-summary.json").read_text())
    assert summary["count"] == 8 and summary["errors"] == 3 and summary["all_correct"] == 1
    assert summary["rows"][0]["report"]["items"][0]["verdict"] == "correct"
    # one Gradescope results file per submission, none lost, each with its own score
    files = sorted(p.name for p in (hw / "results").iterdir())
    assert files == ["ada.json", "ben.json", "cleo.json", "dan.json", "eve.json", "fay.json",
                     "gus.json", "hal.json"]
    for x in rows:
        gs = json.loads((hw / "results" / files[rows.index(x)]).read_text())
        assert set(gs) >= {"score", "tests", "output"}
        assert gs["score"] == float(x["score"])
        assert all(t["status"] in ("passed", "failed") for t in gs["tests"])
    eve = json.loads((hw / "results" / "eve.json").read_text())
    assert [t["name"] for t in eve["tests"]] == ["submission can be read"]
    assert "invalid TOML" in eve["tests"][0]["output"]
    assert "wrote 8 Gradescope results files to results/" in r.stdout
    assert (hw / "reports" / "ben.txt.md").read_text().startswith("### Homework 3")
    assert "8 submissions: 1 all correct, 4 with mistakes, 3 could not be graded" in r.stdout


def test_gradescope_results_for_one_submission(hw: Path) -> None:
    out = hw / "results.json"
    r = run("key.toml", "submissions/ben.txt", "--gradescope", str(out), cwd=hw)
    assert r.returncode == 1
    gs = json.loads(out.read_text())
    assert gs["score"] == 11 and gs["output_format"] == "md"
    failed = [t for t in gs["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["line 22: dz/dw1 = dz/dw3*dw3/dw1 = 1*3 = 3",
                                           "line 22: ∂z/∂x1", "line 24: ∂z/∂x1 formula"]
    assert failed[0]["max_score"] == 1 and failed[0]["score"] == 0
    (hw / "broken.txt").write_bytes(b"\x00")
    r = run("key.toml", "broken.txt", "--gradescope", str(out), cwd=hw)
    assert r.returncode == 2
    gs = json.loads(out.read_text())  # the autograder still gets a results file
    assert gs["score"] == 0 and gs["tests"][0]["status"] == "failed"
    assert "binary file" in gs["tests"][0]["output"]
    # an existing folder for one submission: that student's file in it
    (hw / "results").mkdir()
    r = run("key.toml", "submissions/ben.txt", "--gradescope", "results", cwd=hw)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert json.loads((hw / "results" / "ben.json").read_text())["score"] == 11


def test_per_student_points(tmp_path: Path) -> None:
    key = tmp_path / "key.toml"
    key.write_text('expression = "x*y + sin(x)"\n[random]\nseed = 5\nranges = { x = [0, 2] }\n'
                   'decimals = 1\n[[ask]]\nkind = "gradient"\n')
    r = run(str(key), "--point-for", "alice")
    assert r.returncode == 0 and r.stdout.startswith("x=") and "y=" in r.stdout
    point = dict(p.split("=") for p in r.stdout.strip().split(", "))
    import autodiff_viz as av
    g = av.gradient("x*y + sin(x)", {k: float(v) for k, v in point.items()})
    (tmp_path / "alice.toml").write_text(f"gradient = {{ x = {g['x']}, y = {g['y']} }}\n")
    assert run(str(key), str(tmp_path / "alice.toml")).returncode == 0
    (tmp_path / "bob.toml").write_text(f"gradient = {{ x = {g['x']}, y = {g['y']} }}\n")
    assert run(str(key), str(tmp_path / "bob.toml")).returncode == 1  # bob's point differs


def test_usage_errors(hw: Path) -> None:
    r = run("key.toml", cwd=hw)
    assert r.returncode == 2 and "give a submission" in r.stderr
    empty = hw / "empty"
    empty.mkdir()
    r = run("key.toml", "empty", cwd=hw)
    assert r.returncode == 2 and "no submissions in empty" in r.stderr


def test_gradescope_for_a_folder_writes_one_results_file_per_submission(hw: Path) -> None:
    import autodiff_viz

    (hw / "class").mkdir()
    for name in ("ben", "cleo"):
        shutil.copy(hw / "submissions" / f"{name}.txt", hw / "class")
    (hw / "class" / "dan.txt").write_bytes(b"\x00PK\x03\x04 not text")
    r = run("key.toml", "class/", "--gradescope", "results/", "--no-summary", cwd=hw)
    assert r.returncode == 1 and r.stderr == ""
    assert r.stdout.rstrip().endswith("wrote 3 Gradescope results files to results/")
    assert sorted(p.name for p in (hw / "results").iterdir()) == ["ben.json", "cleo.json",
                                                                  "dan.json"]
    for name in ("ben", "cleo"):  # each file holds that student's grade, and only theirs
        gs = json.loads((hw / "results" / f"{name}.json").read_text())
        expected = autodiff_viz.check(hw / "key.toml", hw / "class" / f"{name}.txt")
        assert gs["score"] == expected.score
        assert len(gs["tests"]) == len(expected.items)
        assert sum(t["score"] for t in gs["tests"]) == pytest.approx(expected.score)
        assert sum(t["max_score"] for t in gs["tests"]) == pytest.approx(expected.max_score)
        assert [t["status"] == "passed" for t in gs["tests"]] == [i.passed for i in expected.items]
        assert all(set(t) == {"name", "score", "max_score", "status", "output", "output_format"}
                   and t["output_format"] == "md" for t in gs["tests"])
        assert not any(t["name"].startswith(("ben", "cleo", "dan")) for t in gs["tests"])
    assert json.loads((hw / "results" / "ben.json").read_text())["score"] == 11
    assert json.loads((hw / "results" / "cleo.json").read_text())["score"] == 14.5
    dan = json.loads((hw / "results" / "dan.json").read_text())
    assert dan["score"] == 0 and len(dan["tests"]) == 1
    assert dan["tests"][0]["status"] == "failed" and dan["tests"][0]["max_score"] == 16
    assert "the submission is a binary file, not text" in dan["tests"][0]["output"]
    assert "could not be graded" in dan["output"]


@pytest.mark.parametrize("target", ["results.json", "existing-file"])
def test_gradescope_refuses_one_file_for_a_folder_before_grading(hw: Path, target: str) -> None:
    if target == "existing-file":
        (hw / target).write_text("keep me\n")
    r = run("key.toml", "submissions/", "--gradescope", target, cwd=hw)
    assert r.returncode == 2 and r.stdout == ""  # nothing graded, nothing printed
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in r.stderr
    assert lines[0].startswith(f"error: the Gradescope results path {target} ")
    assert "one results file per student" in lines[0]
    assert lines[1].startswith("hint: give a folder: --gradescope results/")
    assert not (hw / "check-summary.csv").exists() and not (hw / "check-summary.json").exists()
    if target == "existing-file":
        assert (hw / target).read_text() == "keep me\n"
    else:
        assert not (hw / target).exists()
