"""examples/homework: the reports there are what the tool prints for the submissions there."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HOMEWORK = Path(__file__).resolve().parents[1] / "examples" / "homework"


def test_the_stored_reports_are_what_the_tool_prints_now(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(HOMEWORK / "make_reports.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines() == ["ada: exit 0", "ben: exit 1", "cleo: exit 1"]
    stored = sorted(p.name for p in (HOMEWORK / "reports").iterdir())
    assert stored == sorted(p.name for p in tmp_path.iterdir())
    for name in stored:
        assert (tmp_path / name).read_text() == (HOMEWORK / "reports" / name).read_text(), name


def test_the_three_submissions_show_what_they_are_for() -> None:
    rows = {r["student"]: r for r in json.loads(
        (HOMEWORK / "reports" / "summary.json").read_text())["rows"]}
    assert rows["ada"]["all_correct"] and rows["ada"]["score"] == 16
    ben = [i for i in rows["ben"]["report"]["items"] if not i["passed"]]
    assert [i["verdict"] for i in ben] == ["missing term", "wrong value", "wrong formula"]
    assert "child w4 = sin(w1)" in ben[0]["message"]
    cleo = [i for i in rows["cleo"]["report"]["items"] if not i["passed"]]
    assert [(i["line"], i["verdict"]) for i in cleo] == [(7, "wrong value"), (8, "carried")]
    assert rows["cleo"]["score"] == 14.5  # the carried step earns half
    ada = (HOMEWORK / "reports" / "ada.txt").read_text()
    assert "w4 = sin(w1) = 0.9" in ada and "score 16 / 16" in ada  # 0.9, 6.9, 2.58 accepted
