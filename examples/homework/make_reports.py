"""Grade the worked homework with the command line and write every report into reports/.

Run:  .venv/bin/python examples/homework/make_reports.py [OUT_DIR]

The reports in reports/ are this script's output (tests/test_check_examples.py
checks that running it again gives the same files).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def autodiff_viz(*args: str, stdout: Path | None = None) -> int:
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", *args], cwd=HERE,
                          capture_output=True, text=True, timeout=120)
    if proc.stderr:
        sys.stderr.write(proc.stderr)
    if stdout is not None:
        stdout.write_text(proc.stdout, encoding="utf-8")
    return proc.returncode


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("ada", "ben", "cleo"):  # one right, one missing a child's term, one rounding
        code = autodiff_viz("check", "key.toml", f"submissions/{name}.txt", "--format", "plain",
                            stdout=out / f"{name}.txt")
        print(f"{name}: exit {code}")
    autodiff_viz("check", "key.toml", "submissions/ben.txt", "--format", "markdown",
                 stdout=out / "ben.md")
    autodiff_viz("check", "key.toml", "submissions/ben.txt", "--gradescope",
                 str(out / "ben.gradescope.json"), "--format", "plain")
    autodiff_viz("check", "key.toml", "submissions/", "--jobs", "1",
                 "--csv", str(out / "summary.csv"), "--json", str(out / "summary.json"))


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE / "reports")
