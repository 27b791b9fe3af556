"""Issue 10 for the checker: nothing crashes, nothing is silently wrong, nothing given is lost.

assert_trace grades as ``check`` does; binary content, devices, FIFOs, deep nesting and
huge lines get a reason (in bounded time); a folder with link loops, odd names, hidden
files and interruptions still ends with every submission in the outputs exactly once.
"""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.check import assert_trace, batch, load_key
from autodiff_viz.check.batch import (BatchInterrupted, BatchOutputs, MAX_TESTS,
                                      find_submissions, grade_folder, gradescope_results)
from autodiff_viz.check.grade import check as check_submission
from autodiff_viz.check.read import MAX_LINE_CHARS, MAX_LINES, read_table
from autodiff_viz.check.submission import load_submission
from autodiff_viz.cli import main
from autodiff_viz.errors import InputError, ProblemKeyError, SubmissionError
from autodiff_viz.readfile import MAX_DEPTH, nesting_depth, read_bytes

HOMEWORK = Path(__file__).resolve().parents[1] / "examples" / "homework"
KEY = HOMEWORK / "key.toml"
SUBS = HOMEWORK / "submissions"
EXPR, AT = "sin(x1) + x1*x2", {"x1": 2, "x2": 3}
TABLE_ASKS = ("trace", "forward", "reverse", "formula_x1")


def ada() -> str:
    return (SUBS / "ada.txt").read_text(encoding="utf-8")


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    p = tmp_path / "pipe.txt"
    os.mkfifo(p)
    return p


def finishes(fn, seconds: float = 10.0):
    """``fn()``'s result or exception, failing the test if it takes longer (a FIFO that
    blocks would hang the whole run otherwise)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            box["error"] = err

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


# -- 1. assert_trace grades through the same path as check --------------------------------
def test_assert_trace_passes_the_table_check_gives_full_marks() -> None:
    assert av.check(KEY, SUBS / "ada.txt").score == 16
    assert_trace(EXPR, AT, ada())  # the formula line dz/dx1 = cos(x1) + x2 is a formula


def test_assert_trace_grades_the_formula_line_as_check_does() -> None:
    table = ada().replace("dz/dx1 = cos(x1) + x2", "dz/dx1 = cos(x1) + x1")
    with pytest.raises(AssertionError) as info:
        assert_trace(EXPR, AT, table)
    assert "wrong formula" in str(info.value) and "line 25" in str(info.value)
    report = av.check(KEY, table)
    assert [(i.line, i.verdict) for i in report.items if i.ask == "formula_x1"] == [
        (25, "wrong formula")]


@pytest.mark.parametrize("name", ["ada", "ben", "cleo"])
def test_assert_trace_and_check_agree_on_the_tables(name: str) -> None:
    text = (SUBS / f"{name}.txt").read_text(encoding="utf-8")
    report = av.check(KEY, text)
    wrong = sorted({i.line for i in report.items if i.ask in TABLE_ASKS and not i.passed})
    try:
        assert_trace(EXPR, AT, text)
        failed: list[int] = []
    except AssertionError as err:
        failed = sorted({int(w.split()[2]) for w in str(err).splitlines()
                         if w.lstrip().startswith(("✗", "↳", "?")) and " line " in w})
    assert failed == wrong


# -- 2. binary content: a reason, never ValueError -----------------------------------------
def test_a_short_file_with_a_nul_byte_gets_a_reason(tmp_path: Path) -> None:
    p = tmp_path / "ann.txt"
    p.write_bytes(b"w1 = x1 = 2\nw2 \x00= 3\n")
    with pytest.raises(SubmissionError) as info:
        av.check(KEY, p)
    assert "binary file, not text: it contains a NUL byte at offset 15 (line 2, column 4)" \
        in info.value.message


@pytest.mark.parametrize("text", ["w1\x00", "abc\x00", "w1 = 2\x00", "x" * 9000 + "\x00 = 1\n"])
def test_text_with_a_nul_byte_is_a_submission_error_not_value_error(text: str) -> None:
    with pytest.raises(SubmissionError, match="NUL byte at offset"):
        av.check(KEY, text)


def test_a_nul_byte_late_in_a_file_is_found(tmp_path: Path) -> None:
    p = tmp_path / "late.txt"
    p.write_bytes(ada().encode() + b"#" * 20_000 + b"\x00\n")
    with pytest.raises(SubmissionError, match="NUL byte at offset"):
        av.check(KEY, p)


def test_control_characters_make_a_file_binary(tmp_path: Path) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes(bytes(range(1, 9)) * 20 + b"w1 = 2\n")
    with pytest.raises(SubmissionError, match="binary file, not text: it contains .* control"):
        av.check(KEY, p)


def test_a_key_with_a_nul_byte_is_a_key_error() -> None:
    with pytest.raises(ProblemKeyError):
        load_key("key\x00.toml")


def test_a_nul_byte_in_a_folder_gives_an_error_row(tmp_path: Path) -> None:
    (tmp_path / "ann.txt").write_bytes(b"w1 = 2\x00")
    (row,) = grade_folder(KEY, tmp_path, jobs=1).rows
    assert row["status"] == "error" and "NUL byte at offset 6" in row["error"]


# -- 2. grading time is bounded -------------------------------------------------------------
def test_a_20_mb_line_is_not_read_and_says_so() -> None:
    start = time.perf_counter()
    report = av.check(KEY, "w1 = " + "x1+" * 7_000_000)
    assert time.perf_counter() - start < 10
    assert report.notes[0] == ("line 1 was not read: it is 21,000,005 characters long (a line "
                               f"is read up to {MAX_LINE_CHARS:,} characters)")


def test_a_long_line_among_good_ones_costs_nothing_else() -> None:
    report = av.check(KEY, ada() + "\nw1 = " + "x1+" * 10_000 + "\n")
    assert report.score == 16 and "line 27 was not read" in report.notes[0]


@pytest.mark.parametrize("line", [
    "w1 = " + " " * 1990 + "2",            # a run of spaces (regexes were quadratic in it)
    "w1 = 2" + "\t" * 1990 + "= 3",
    "z = x1 " + " " * 1980 + "at x1=2",
    "w̄1 = " + "w̄2·" * 490 + "1",         # a chain-rule line of 490 terms
    "dz/dw1 = " + "dz/dw2*" * 280 + "1",
])
def test_a_line_at_the_limit_is_graded_quickly(line: str) -> None:
    assert len(line) <= MAX_LINE_CHARS
    start = time.perf_counter()
    av.check(KEY, line)
    assert time.perf_counter() - start < 2


def test_reading_is_linear_in_pathological_text() -> None:
    from autodiff_viz.check.read import _work

    start = time.perf_counter()
    _work("w1 = " + " " * 200_000 + "x ∂")
    read_table("w_1 = \\alpha\n" + "  + b\n" * 100_000)  # a LaTeX statement over many lines
    load_submission("student: a" + " " * 200_000 + "b\nw1 = 2")
    assert time.perf_counter() - start < 5


def test_a_100000_line_file_is_read_up_to_the_limit(tmp_path: Path) -> None:
    p = tmp_path / "long.txt"
    p.write_text("".join(f"dz/dw{i} = {i}\n" for i in range(1, 100_000)))  # 1.8 MB
    start = time.perf_counter()
    report = av.check(KEY, p)
    assert time.perf_counter() - start < 20
    assert report.notes[0] == (f"lines {MAX_LINES + 1:,} to 100,000 were not read (94,999 with "
                               f"text): a table is read up to {MAX_LINES:,} lines")


def test_a_2_mb_file_of_dense_lines_is_graded_in_bounded_time(tmp_path: Path) -> None:
    line = "w1 = " + "(x1+" * 390 + "x1" + ")" * 390  # 1,957 characters
    p = tmp_path / "dense.txt"
    p.write_text("\n".join(f"{line} # {i}" for i in range(900)))
    start = time.perf_counter()
    report = av.check(KEY, p)
    assert time.perf_counter() - start < 20
    assert any("a table is read up to 200,000 characters" in n for n in report.notes)


# -- 3. a folder: every submission once, with a grade or a reason ----------------------------
def odd_folder(root: Path) -> Path:
    """Good files, a link loop, a broken link, a FIFO, names that are not UTF-8 or hold a
    newline, hidden files, folders with no or two files, a binary file."""
    d = root / "class"
    d.mkdir()
    for name in ("ada", "ben"):
        (d / f"{name}.txt").write_text((SUBS / f"{name}.txt").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    os.symlink("loop", d / "loop")
    os.symlink("nowhere.txt", d / "broken.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(d / "pipe.txt")
    with open(os.path.join(os.fsencode(str(d)), b"caf\xe9.txt"), "w") as f:  # not UTF-8
        f.write(ada())
    (d / "two\nlines.txt").write_text(ada())
    (d / ".hidden.txt").write_text(ada())
    (d / "__MACOSX").mkdir()
    (d / "two").mkdir()
    (d / "two" / "a.txt").write_text("w1 = 2")
    (d / "two" / "b.txt").write_text("w1 = 2")
    (d / "empty").mkdir()
    (d / "dan.txt").write_bytes(b"\x00\x01")
    return d


def test_find_submissions_survives_link_loops_and_odd_names(tmp_path: Path) -> None:
    d = odd_folder(tmp_path)
    skipped: list[tuple[str, str]] = []
    found = {n: e for n, s, p, e in find_submissions(d, skipped=skipped)}
    assert found["loop"].startswith("a symbolic link loop")
    assert found["broken.txt"].startswith("a broken symbolic link (it points to nowhere.txt")
    assert found["caf\\xe9.txt"] is None and found["two\\nlines.txt"] is None
    assert found["two/"].startswith("the folder holds 2 files")
    assert found["empty/"] == "the folder is empty"
    if hasattr(os, "mkfifo"):
        assert "FIFO" in found["pipe.txt"]
    assert [n for n, _ in skipped] == [".hidden.txt", "__MACOSX"]


def test_every_submission_is_in_every_output_exactly_once(tmp_path: Path) -> None:
    d = odd_folder(tmp_path)
    out = tmp_path / "out"
    outputs = BatchOutputs(csv=out / "s.csv", json=out / "s.json", reports=out / "reports",
                           gradescope=out / "gs")
    out.mkdir()
    result = grade_folder(KEY, d, jobs=1, outputs=outputs)
    names = sorted(os.listdir(d))
    text = (out / "s.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(text.splitlines()) == len(rows) + 1  # one physical line per row
    assert len(rows) == len(names)  # every name, once (hidden ones as skipped rows)
    assert len({r["submission"] for r in rows}) == len(rows)
    by = {r["submission"]: r for r in rows}
    assert by["caf\\xe9.txt"]["status"] == "graded" and by["caf\\xe9.txt"]["score"] == "16.0"
    assert by["two\\nlines.txt"]["score"] == "16.0"
    assert by[".hidden.txt"]["status"] == "skipped" and "hidden file" in by[".hidden.txt"]["error"]
    assert by["__MACOSX"]["status"] == "skipped"
    assert by["dan.txt"]["status"] == "error" and "NUL byte" in by["dan.txt"]["error"]
    assert by["loop"]["status"] == "error" and by["broken.txt"]["status"] == "error"
    summary = json.loads((out / "s.json").read_text(encoding="utf-8"))
    assert summary["complete"] and len(summary["rows"]) == len(result.rows) == len(names) - 2
    assert [r["submission"] for r in summary["skipped"]] == [".hidden.txt", "__MACOSX"]
    assert len(os.listdir(out / "gs")) == len(result.rows)
    assert len(os.listdir(out / "reports")) == len(result.rows)
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


def test_the_command_line_writes_a_summary_for_odd_names(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    d = odd_folder(tmp_path)
    code, out, err = cli(["check", str(KEY), str(d), "--jobs", "1", "--csv",
                          str(tmp_path / "s.csv"), "--json", str(tmp_path / "s.json")], capsys)
    assert code == 1 and "Traceback" not in err, err
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text(encoding="utf-8"))))
    assert all(len(r) == 12 for r in rows)
    assert "caf\\xe9.txt" in out and "two\\nlines.txt" in out


def test_escaped_names_stay_distinct() -> None:
    from autodiff_viz.check.batch import display_name

    names = ["a\\xff", "a\udcff", "a\n", "a\\n"]
    assert len({display_name(n) for n in names}) == 4
    assert all(display_name(n).isprintable() for n in names)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads every file")
def test_an_unreadable_file_gets_a_row(tmp_path: Path) -> None:
    p = tmp_path / "ann.txt"
    p.write_text("w1 = 2")
    p.chmod(0)
    (row,) = grade_folder(KEY, tmp_path, jobs=1).rows
    assert row["status"] == "error" and "Permission denied" in row["error"]


# -- 3. interrupted and resumed ------------------------------------------------------------
def ten(folder: Path) -> list[str]:
    folder.mkdir()
    names = []
    for i in range(10):
        text = (SUBS / ("ada.txt", "ben.txt", "cleo.txt")[i % 3]).read_text(encoding="utf-8")
        (folder / f"s{i}.txt").write_text(text.replace("student: ", "# "))
        names.append(f"s{i}.txt")
    return names


def counting(monkeypatch: pytest.MonkeyPatch, stop_after: int | None = None) -> list[str]:
    """Count the submissions graded; raise KeyboardInterrupt after ``stop_after``."""
    real = check_submission
    calls: list[str] = []

    def check(key, path, student=None):
        if stop_after is not None and len(calls) == stop_after:
            raise KeyboardInterrupt
        calls.append(Path(path).name)
        return real(key, path, student=student)

    monkeypatch.setattr(batch, "check", check)
    return calls


def outputs_in(folder: Path) -> BatchOutputs:
    return BatchOutputs(csv=folder / "s.csv", json=folder / "s.json",
                        gradescope=folder / "gs", reports=folder / "reports")


def csv_names(path: Path) -> list[str]:
    return [r["submission"] for r in csv.DictReader(io.StringIO(path.read_text()))]


def test_an_interrupt_keeps_what_was_graded_and_a_rerun_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ten(tmp_path / "class")
    out = outputs_in(tmp_path)
    counting(monkeypatch, stop_after=3)
    with pytest.raises(BatchInterrupted) as info:
        grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    err = info.value
    assert err.exit_code == 130 and len(err.result.rows) == 3
    assert err.message.startswith("interrupted: 3 of 10 submissions graded; their results are "
                                  f"in {out.csv}, {out.json}")
    assert "run the same command again to grade the other 7" in err.hint
    assert csv_names(tmp_path / "s.csv") == names[:3]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["complete"] is False and summary["submissions"] == 10
    assert len(os.listdir(tmp_path / "gs")) == len(os.listdir(tmp_path / "reports")) == 3

    calls = counting(monkeypatch)  # the rerun grades only the other seven
    result = grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    assert calls == names[3:] and result.kept == 3
    assert csv_names(tmp_path / "s.csv") == names  # each student exactly once
    assert json.loads((tmp_path / "s.json").read_text())["complete"] is True
    assert len(os.listdir(tmp_path / "gs")) == 10
    assert "3 submissions unchanged since" in result.notes[0]

    (tmp_path / "class" / "s4.txt").write_text(ada() + "\n# changed\n")
    calls = counting(monkeypatch)
    grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    assert calls == ["s4.txt"]  # only the changed file is graded again
    calls = counting(monkeypatch)
    grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out, resume=False)
    assert calls == names


def test_a_changed_key_grades_everything_again(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    names = ten(tmp_path / "class")
    out = outputs_in(tmp_path)
    grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    key = tmp_path / "key.toml"
    key.write_text(KEY.read_text().replace("carried_credit = 0.5", "carried_credit = 1"))
    calls = counting(monkeypatch)
    grade_folder(key, tmp_path / "class", jobs=1, outputs=out)
    assert calls == names


def test_error_rows_are_graded_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "a.txt").write_bytes(b"\x00")
    out = outputs_in(tmp_path)
    grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    calls = counting(monkeypatch)
    grade_folder(KEY, tmp_path / "class", jobs=1, outputs=out)
    assert calls == ["a.txt"]


def test_an_interrupt_stops_the_worker_processes_promptly(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    text = ada().replace("student: ", "# ")
    for i in range(400):
        (folder / f"s{i:03d}.txt").write_text(text)
    seen: list[dict] = []

    def on_row(row: dict) -> None:
        seen.append(row)
        if len(seen) == 40:
            raise KeyboardInterrupt

    out = outputs_in(tmp_path)
    start = time.perf_counter()
    with pytest.raises(BatchInterrupted) as info:
        grade_folder(KEY, folder, jobs=2, outputs=out, on_row=on_row)
    assert time.perf_counter() - start < 30
    done = info.value.result.rows
    assert 40 <= len(done) < 400
    assert csv_names(tmp_path / "s.csv") == [r["submission"] for r in done]
    result = grade_folder(KEY, folder, jobs=2, outputs=out)
    assert result.kept == len(done) and len(result.rows) == 400
    assert csv_names(tmp_path / "s.csv") == sorted(os.listdir(folder))


def test_ctrl_c_on_the_command_line_stops_at_once_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    text = ada().replace("student: ", "# ")
    for i in range(3000):
        (folder / f"s{i:04d}.txt").write_text(text.replace("= 6.9", f"= {i % 7}.9"))
    p = subprocess.Popen([sys.executable, "-m", "autodiff_viz", "check", str(KEY), str(folder),
                          "--jobs", "2", "--no-summary"], cwd=tmp_path, start_new_session=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    if p.poll() is not None:
        pytest.skip("graded everything before the interrupt")
    os.killpg(p.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the workers too
    start = time.monotonic()
    out, err = p.communicate(timeout=60)
    assert time.monotonic() - start < 10
    assert p.returncode == 130, err
    assert "interrupted:" in err and "of 3000 submissions graded" in err
    assert "Traceback" not in err


# -- 3. Gradescope: a bounded number of tests ---------------------------------------------
def test_a_huge_submission_gets_a_bounded_number_of_gradescope_tests(tmp_path: Path) -> None:
    p = tmp_path / "huge.txt"
    p.write_text(ada() + "\n" + "w1 = x1 = 2\n" * 100_000)
    (row,) = grade_folder(KEY, tmp_path, jobs=1).rows
    gs = gradescope_results(row)
    assert len(gs["tests"]) <= MAX_TESTS
    assert sum(t["score"] for t in gs["tests"]) == pytest.approx(gs["score"]) == 16
    assert gs["tests"][-1]["name"].startswith("lines worth no points")
    assert len(json.dumps(gs)) < 200_000


def test_a_small_submission_keeps_one_test_per_item() -> None:
    report = av.check(KEY, SUBS / "ben.txt")
    row = batch.row_for("ben.txt", "ben", report, None, report.max_score)
    assert len(gradescope_results(row)["tests"]) == len(report.items)


# -- 4. bounded reads: devices, FIFOs, deep nesting ----------------------------------------
def test_a_device_is_refused_not_read() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(SubmissionError, match="character device, not a regular file"):
        finishes(lambda: av.check(KEY, "/dev/zero"))


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(SubmissionError, match="FIFO"):
        finishes(lambda: av.check(KEY, fifo))
    key = fifo.with_name("key.toml")
    os.mkfifo(key)
    with pytest.raises(ProblemKeyError, match="FIFO"):
        finishes(lambda: load_key(key))


def test_the_byte_limit_holds_whatever_the_size_says(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"x" * 1001)
    assert read_bytes(p, limit=1001) == b"x" * 1001
    with pytest.raises(InputError, match="too large"):
        read_bytes(p, limit=1000)


@pytest.mark.parametrize("argv", [["trace", "@/dev/zero", "--at", "x=1"],
                                  ["trace", "x^2", "--at", "@/dev/zero"],
                                  ["check", str(KEY), "/dev/zero"]])
def test_the_command_line_refuses_devices(argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    code, _, err = finishes(lambda: cli(argv, capsys))
    assert code == 2 and "/dev/zero" in err and "not a regular file" in err


def test_the_command_line_refuses_fifos(fifo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["trace", f"@{fifo}", "--at", "x=1"], ["trace", "x^2", "--at", f"@{fifo}"],
                 ["check", str(KEY), str(fifo)]):
        code, _, err = finishes(lambda: cli(argv, capsys))
        assert code == 2 and "FIFO" in err, err


@pytest.mark.parametrize("suffix,text", [
    (".json", '{"gradient": ' + "[" * 10_000 + "]" * 10_000 + "}"),
    (".toml", "gradient = " + "[" * 10_000 + "]" * 10_000),
    (".toml", "gradient = " + "{a = " * 3_000 + "1" + "}" * 3_000),
])
def test_deep_nesting_is_refused_with_the_file_and_the_limit(tmp_path: Path, suffix: str,
                                                             text: str) -> None:
    p = tmp_path / f"deep{suffix}"
    p.write_text(text)
    with pytest.raises(SubmissionError) as info:
        av.check(KEY, p)
    msg = info.value.render()
    assert f"nested too deeply: more than {MAX_DEPTH} levels" in msg and str(p) in msg
    assert "line 1" in msg


def test_deep_json_text_and_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="nested too deeply"):
        av.check(KEY, '{"gradient": ' + "[" * 5000 + "]" * 5000 + "}")
    key = tmp_path / "key.json"
    key.write_text('{"expression": "x", "at": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(ProblemKeyError, match="nested too deeply"):
        load_key(key)


def test_a_deep_point_file_is_an_input_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for suffix, text in ((".json", '{"x": ' + "[" * 5000 + "]" * 5000 + "}"),
                         (".toml", "x = " + "[" * 5000 + "]" * 5000)):
        p = tmp_path / f"point{suffix}"
        p.write_text(text)
        code, _, err = cli(["trace", "x", "--at", f"@{p}"], capsys)
        assert code == 2 and "nested too deeply" in err and str(p) in err
        assert "Traceback" not in err


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    assert nesting_depth('a = "[[[[" # [[[[\nb = [[1]]\nc = """\n[[[[\n"""', "toml") == 2
    assert nesting_depth('{"a": "\\"[[[", "b": [1]}', "json") == 2
    assert nesting_depth("[[ask]]\nkind = 'x[['", "toml") == 2


def test_the_command_line_keeps_what_was_graded_and_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from autodiff_viz.cli import main

    names = ten(tmp_path / "class")
    (tmp_path / "class" / ".hidden.txt").write_text("w1 = 2")
    monkeypatch.chdir(tmp_path)
    argv = ["check", str(KEY), "class", "--jobs", "1", "--gradescope", "gs/"]
    counting(monkeypatch, stop_after=4)
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted: 4 of 10 submissions graded" in err and "Traceback" not in err
    assert csv_names(tmp_path / "check-summary.csv")[:4] == names[:4]
    assert len(os.listdir(tmp_path / "gs")) == 4

    calls = counting(monkeypatch)
    main(argv)
    out = capsys.readouterr().out
    assert calls == names[4:]  # the rerun grades only the six left
    assert "4 submissions unchanged since" in out
    assert "- .hidden.txt" in out and "skipped" in out  # named, not silently dropped
    graded = [n for n in csv_names(tmp_path / "check-summary.csv") if n != ".hidden.txt"]
    assert graded == names and len(os.listdir(tmp_path / "gs")) == 10

    calls = counting(monkeypatch)
    main(argv + ["--no-resume"])
    assert calls == names
