"""``autodiff-viz problems`` and ``autodiff-viz check KEYS/ SUBMISSIONS/`` (issue 15): the
layout, grading each submission against its own key (by file name or a ``Student:`` line),
missing keys and submissions reported, and the Gradescope autograder run in a folder laid
out as Gradescope lays it out."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "examples" / "problems" / "template.toml"
ROSTER = ROOT / "examples" / "problems" / "roster.csv"


def run(*args: str, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autodiff_viz", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300, env=env)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    r = run("problems", str(TEMPLATE), "--roster", str(ROSTER), "--seed", "2026", "-o",
            str(folder / "out"), "--no-pdf", "--no-picture")
    assert r.returncode == 0, r.stderr
    assert "4 problems for roster.csv, seed 2026:" in r.stdout
    return folder / "out"


def test_the_layout_is_handouts_keys_solutions(out: Path) -> None:
    for sid in ("1001", "1002", "1003", "1004"):
        assert (out / "handouts" / f"{sid}.md").is_file()
        assert (out / "handouts" / f"{sid}.html").read_text().startswith("<!DOCTYPE html>")
        assert (out / "keys" / f"{sid}.toml").is_file()
        assert (out / "solutions" / f"{sid}.md").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["handouts", "keys", "solutions"]


def _class(out: Path, tmp_path: Path) -> Path:
    """1001 by file name, 1002 under another name with a Student: line, 1004 with one
    wrong number, a stranger without a key, a binary file; 1003 hands in nothing."""
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(out / "solutions" / "1001.md", subs / "1001.md")
    shutil.copy(out / "solutions" / "1002.md", subs / "homework4.md")
    lines = (out / "solutions" / "1004.md").read_text().split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("| w3 |"))
    cells = lines[i].split("|")
    cells[3] = " 99.5 "
    lines[i] = "|".join(cells)
    (subs / "1004.md").write_text("\n".join(lines))
    (subs / "stranger.txt").write_text("w3 = 2\n")
    (subs / "broken.md").write_bytes(b"Student: 1001\x00\x01")
    (subs / "1001.svg").write_text("<svg/>")  # a picture: skipped, not graded
    return subs


def test_check_matches_each_submission_to_its_key_and_reports_the_rest(out: Path,
                                                                     tmp_path: Path) -> None:
    subs = _class(out, tmp_path)
    r = run("check", str(out / "keys"), str(subs), "--csv", str(tmp_path / "s.csv"),
            "--json", str(tmp_path / "s.json"))
    assert r.returncode == 1, r.stderr
    assert r.stderr == ""
    text = r.stdout
    assert "✓ 1001.md" in text and "✓ homework4.md" in text
    assert "✗ 1004.md" in text and "99.5" in text
    assert "! stranger.txt  error: no key matches this submission" in text
    assert "! broken.md" in text and "binary file" in text
    assert "? 1003" in text and "missing: no submission for student 1003 (key 1003.toml)" in text
    assert re.search(r"^- 1001\.svg +skipped: not a submission \(\.svg file\)", text, re.M)
    rows = {r["submission"] or r["student"]: r for r in
            csv.DictReader((tmp_path / "s.csv").open())}
    assert rows["homework4.md"]["student"] == "1002"
    assert rows["homework4.md"]["score"] == rows["homework4.md"]["max_score"]
    assert float(rows["1004.md"]["score"]) == float(rows["1004.md"]["max_score"]) - 1
    assert rows["1003"]["status"] == "missing"
    summary = json.loads((tmp_path / "s.json").read_text())
    assert [m["student"] for m in summary["missing"]] == ["1003"]
    assert {r["key"] for r in summary["rows"] if r["status"] == "graded"} == {
        "1001.toml", "1002.toml", "1004.toml"}


def test_check_with_a_folder_of_keys_needs_a_folder_of_submissions(out: Path) -> None:
    r = run("check", str(out / "keys"), str(out / "solutions" / "1001.md"))
    assert r.returncode == 2 and "a folder of keys grades a folder of submissions" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--seed", "1", "-o", "o"], "the following arguments are required: --roster"),
    (["--roster", "missing.csv", "--seed", "1", "-o", "o"], "cannot read the roster"),
    (["--roster", str(ROSTER), "--seed", "1", "-o", "o", "--gradescope", "a.tar"],
     "the Gradescope autograder is a zip file"),
    (["--roster", str(ROSTER), "--seed", "1", "-o", "o", "--no-wheel"],
     "--wheel and --no-wheel go with --gradescope"),
])
def test_problems_errors_are_messages_with_exit_2(tmp_path: Path, args: list[str],
                                                 message: str) -> None:
    r = run("problems", str(TEMPLATE), *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_bad_template_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text('title = "x"\n[generate]\ninputs = 2\nops = ["add", "mull"]'
                                     '\n[[ask]]\nkind = "reverse"\n')
    r = run("problems", "t.toml", "--roster", str(ROSTER), "--seed", "1", "-o", "o",
            cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("error: [generate] ops: 'mull' cannot be used in generated "
                               "problems (t.toml, line 4, column")
    assert "hint: did you mean 'mul'?" in r.stderr


# -- Gradescope -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(folder), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.skip(f"the wheel cannot be built here: {done.stderr[-300:]}")
    return next(folder.glob("autodiff_viz-*.whl"))


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    folder = tmp_path_factory.mktemp("gs")
    r = run("problems", str(TEMPLATE), "--roster", str(ROSTER), "--seed", "2026", "-o",
            str(folder / "out"), "--no-pdf", "--no-picture", "--gradescope",
            str(folder / "autograder.zip"), "--wheel", str(wheel))
    assert r.returncode == 0, r.stderr
    assert f"setup.sh installs the bundled {wheel.name}" in r.stdout
    return folder


def _gradescope(tmp: Path, zip_path: Path, site: Path, files: dict[str, bytes],
                users: list[dict[str, str]]) -> dict:
    """Lay a run out as Gradescope does and run run_autograder (with AUTOGRADER_ROOT)."""
    root = tmp / "autograder"
    for d in ("source", "submission", "results"):
        (root / d).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root / "source")
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    (root / "submission_metadata.json").write_text(json.dumps(
        {"users": users, "assignment": {"title": "HW4"}, "id": 1}))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHONPATH": str(site),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, autograder: Path) -> Path:
    """setup.sh's install step, offline: the bundled wheel without its dependencies (numpy,
    networkx and rich come from this venv); run_autograder then runs the wheel's code."""
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(autograder / "autograder.zip") as z:
        whl = next(n for n in z.namelist() if n.endswith(".whl"))
        z.extract(whl, target / "zip")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                           "-q", "--target", str(target / "lib"), str(target / "zip" / whl)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    where = subprocess.run([sys.executable, "-c", "import autodiff_viz; print(autodiff_viz.__file__)"],
                           env={**os.environ, "PYTHONPATH": str(target / "lib")},
                           capture_output=True, text=True, cwd=target)
    assert where.stdout.startswith(str(target / "lib"))
    return target / "lib"


def test_the_zip_holds_setup_run_autograder_keys_roster_and_the_wheel(autograder: Path) -> None:
    with zipfile.ZipFile(autograder / "autograder.zip") as z:
        names = z.namelist()
        setup = z.read("setup.sh").decode()
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    assert names[:3] == ["setup.sh", "run_autograder", "roster.json"]
    assert {f"keys/{i}.toml" for i in ("1001", "1002", "1003", "1004")} <= set(names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "pip install" in setup
    assert subprocess.run(["bash", "-n", "-c", setup]).returncode == 0


def test_run_autograder_grades_the_upload_against_the_uploaders_key(
        autograder: Path, site: Path, tmp_path: Path) -> None:
    zip_path = autograder / "autograder.zip"
    solution = (autograder / "out" / "solutions" / "1002.md").read_bytes()
    ok = _gradescope(tmp_path / "a", zip_path, site, {"trace.md": solution},
                     [{"sid": "1002", "email": "ben@example.edu", "name": "Ben"}])
    full = sum(t["max_score"] for t in ok["tests"])
    assert ok["score"] == full > 0
    # found by email when the sid is not the roster's; graded against 1002's key: not 1001's
    by_email = _gradescope(tmp_path / "b", zip_path, site, {"trace.md": solution},
                           [{"sid": "", "email": "BEN@example.edu", "name": "Ben"}])
    assert by_email["score"] == full
    other = _gradescope(tmp_path / "c", zip_path, site, {"trace.md": solution},
                        [{"sid": "1001", "email": "ada@example.edu", "name": "Ada"}])
    assert other["score"] < full and "the file says it is student 1002's" in other["output"]
    nobody = _gradescope(tmp_path / "d", zip_path, site, {"trace.md": solution},
                         [{"sid": "9", "email": "x@y", "name": "X"}])
    assert nobody["score"] == 0 and "no problem key for this submission's student" in \
        nobody["output"]
    empty = _gradescope(tmp_path / "e", zip_path, site, {},
                        [{"sid": "1002", "email": "", "name": "Ben"}])
    assert empty["score"] == 0 and "no file was uploaded" in empty["output"]


def test_setup_sh_installs_the_bundled_wheel(autograder: Path, tmp_path: Path) -> None:
    """setup.sh's commands, with a python3 that records what it is asked (no network)."""
    with zipfile.ZipFile(autograder / "autograder.zip") as z:
        z.extractall(tmp_path / "source")
    fake = tmp_path / "bin" / "python3"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/log"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(tmp_path / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "log").read_text().splitlines()
    assert re.fullmatch(r"-m pip install \./autodiff_viz-[\w.]+-py3-none-any\.whl", log[0])
    assert log[1].startswith("-c import autodiff_viz")


def test_the_same_problems_and_wheel_give_the_same_zip(autograder: Path, wheel: Path,
                                                        tmp_path: Path) -> None:
    from autodiff_viz.problems import generate
    from autodiff_viz.problems.gradescope import write_autograder

    problems = generate(TEMPLATE, ROSTER, seed=2026)
    write_autograder(problems, tmp_path / "again.zip", wheel=wheel)
    assert (tmp_path / "again.zip").read_bytes() == (autograder / "autograder.zip").read_bytes()
