"""docs/problems.md shows real output: its ``console`` blocks are run in order in a folder
holding a copy of examples/problems/ (stderr merged, as on a terminal) and compared, and
its ``pycon`` blocks run as doctests there."""
from __future__ import annotations

import doctest
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "problems.md"
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
PYCON = re.compile(r"^```pycon\n(.*?)^```$", re.S | re.M)


def test_every_command_of_the_page_gives_the_output_shown(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for f in (ROOT / "examples" / "problems").iterdir():
        shutil.copy(f, tmp_path / f.name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "autodiff-viz"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m autodiff_viz "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    text = DOC.read_text(encoding="utf-8")
    ran = 0
    for block in CONSOLE.findall(text):
        pairs: list[tuple[str, list[str]]] = []
        for line in block.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                pairs.append((line[2:], []))
            else:
                pairs[-1][1].append(line)
        for cmd, expected in pairs:
            done = subprocess.run(["bash", "-c", "{ " + cmd + "\n} 2>&1"], capture_output=True,
                                  text=True, cwd=tmp_path, env=env, timeout=300)
            assert done.stdout.rstrip("\n") == "\n".join(expected), cmd
            ran += 1
        if ran == 1:  # the problems are written: the Python examples read the same files
            monkeypatch.chdir(tmp_path)
            for body in PYCON.findall(text):
                test = doctest.DocTestParser().get_doctest(body, {}, "problems.md", str(DOC), 0)
                runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
                runner.run(test)
                assert runner.failures == 0
    assert ran >= 10
