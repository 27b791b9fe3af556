"""docs/render.md: its examples run, and what it says matches the code."""
from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autodiff_viz.views import dot_fit, dot_render, dot_view, frames, graphviz, notebook

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "render.md"
TEXT = DOC.read_text(encoding="utf-8")


def test_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the examples write graph.dot and slides/
    text = re.sub(r"^```.*$", "", TEXT, flags=re.M)  # a fence ends an example's output
    test = doctest.DocTestParser().get_doctest(text, {}, "render.md", str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 10 and result.failed == 0


def test_command_examples_run(tmp_path: Path) -> None:
    block = TEXT[TEXT.index("## The command\n\n```bash\n") + len("## The command\n\n```bash\n"):]
    lines = block[: block.index("```")].strip().splitlines()
    assert len(lines) == 6
    for line in lines:
        args = shlex.split(line)
        assert args[:2] == ["autodiff-viz", "render"]
        if shutil.which("dot") is None and "dot" not in args:
            continue  # svg/png/pdf need Graphviz
        done = subprocess.run([sys.executable, "-m", "autodiff_viz", *args[1:]], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr)
    assert (tmp_path / "graph.dot").exists() and len(list((tmp_path / "slides").iterdir())) == 7
    if shutil.which("dot") is not None:  # --fit 16:9 at 150 dpi: at most 3000x1688 pixels
        png = (tmp_path / "xor.png").read_bytes()
        assert int.from_bytes(png[16:20], "big") <= 3000
        assert int.from_bytes(png[20:24], "big") <= 1688


def test_missing_graphviz_message_is_the_real_one(tmp_path: Path) -> None:
    shown = TEXT[TEXT.index("$ autodiff-viz render"):]
    shown = shown[: shown.index("```")].splitlines()
    env = dict(os.environ, PATH="")
    args = shlex.split(shown[0][2:])[1:]
    done = subprocess.run([sys.executable, "-m", "autodiff_viz", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == shown[1:]


def test_documented_thresholds_and_limits_are_the_code_defaults() -> None:
    assert graphviz.MAX_EDGE_LABELS == 150 and "past **150 labelled edges**" in TEXT
    assert graphviz.MAX_TABLE_ROWS == 60 and "past **60 rows**" in TEXT
    assert graphviz.BIG_GRAPH == 300 and "from **300 nodes** on" in TEXT
    assert dot_render.PNG_MAX_INCHES == 40 and "at most 40 inches" in TEXT
    assert dot_render.TIMEOUT == 120 and "(default 120)" in TEXT
    assert frames.MAX_FRAMES == 200 and "(default\n  200)" in TEXT
    assert notebook.TIMEOUT == 30 and "more than 30\nseconds" in TEXT
    assert dot_view.COMPACT_FROM == 13 and "from **13 nodes** on" in TEXT
    assert dot_fit.MIN_PX == 12 and round(dot_fit.MIN_SCALE, 2) == 0.82
    assert "shrunk to 82% at most, so that\nits smallest text stays at least 12 pixels" in TEXT
    assert dot_render.fit_box("16:9") == (20, 11.25) and "(20 x 11.25 inches)" in TEXT


def test_documented_images_exist() -> None:
    for name in re.findall(r"\]\((images/[\w.]+\.png)\)", TEXT):
        data = (ROOT / "docs" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert len(data) < 300_000, name  # small enough for the README and the docs
