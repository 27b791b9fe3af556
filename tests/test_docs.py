"""The README documents every function of the expression language and its commands run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autodiff_viz.ops import FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_function_and_alias() -> None:
    table = README[README.index("| function | meaning |"):]
    for name in FUNCTIONS:
        assert f"`{name}" in table or f" {name} " in table or f"`{name}`" in table or \
            f" {name}`" in table, name


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    lines = README.splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    assert block[0].startswith("./scripts/setup && .venv/bin/autodiff-viz demo")
    assert block[1].startswith("./scripts/test")
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_readme_demo_output_is_what_the_demo_prints() -> None:
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "demo"], capture_output=True,
                         text=True, check=True).stdout
    shown = README[README.index("$ autodiff-viz demo\n") + len("$ autodiff-viz demo\n"):]
    shown = shown[: shown.index("```")]
    assert shown.strip() == out.strip()
