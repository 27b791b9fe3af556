"""docs/checking.md shows real output: the files it shows are written into one scratch
directory, every ``$`` command of its ``console`` blocks is run there (stderr merged, as
on a terminal) and compared, and its ``pycon`` blocks run as doctests in that directory.

After an intended change of output, refresh the page and review the diff:
``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_check_docs.py``.
"""
from __future__ import annotations

import doctest
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "checking.md"
FILE = re.compile(r"<!-- file: (\S+) -->\n(`{3,})\w*\n(.*?)^\2$", re.S | re.M)
BLOCK = re.compile(r"^(`{3,})(console|pycon)\n(.*?)^\1$", re.S | re.M)


def page() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("checkdocs")
    for name, _, body in FILE.findall(page()):
        (work / name).write_text(body, encoding="utf-8")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "autodiff-viz"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m autodiff_viz "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    py = bin_dir / "python"
    py.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    py.chmod(py.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return work, env


def run(cmd: str, work: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-c", "{ " + cmd + "\n} 2>&1"], capture_output=True,
                          text=True, cwd=work, env=env, timeout=120)
    return proc.stdout.rstrip("\n")


def run_pycon(body: str, work: Path, globs: dict) -> doctest.TestResults:
    test = doctest.DocTestParser().get_doctest(body, globs, "checking.md", str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    here = os.getcwd()
    os.chdir(work)
    try:
        runner.run(test, out=lambda s: print(s, end=""))
    finally:
        os.chdir(here)
    return runner.summarize(verbose=False)


def blocks() -> list[tuple[str, str]]:
    return [(kind, body) for _, kind, body in BLOCK.findall(page())]


@pytest.mark.skipif(os.environ.get("UPDATE_GOLDEN") != "1", reason="UPDATE_GOLDEN=1 refreshes")
def test_refresh_the_page(shell: tuple[Path, dict[str, str]]) -> None:
    work, env = shell

    def fill(m: re.Match[str]) -> str:
        if m.group(2) != "console":
            run_pycon(m.group(3), work, {})
            return m.group(0)
        out = []
        for line in m.group(3).split("\n"):
            if line.startswith("$ "):
                out.append(line)
                res = run(line[2:], work, env)
                if res:
                    out.append(res)
        fence = m.group(1) if "```" not in "\n".join(out) else "````"
        return f"{fence}console\n" + "\n".join(out) + f"\n{fence}"

    DOC.write_text(BLOCK.sub(fill, page()), encoding="utf-8")


def test_the_page_has_examples() -> None:
    kinds = [k for k, _ in blocks()]
    assert kinds.count("console") >= 8 and kinds.count("pycon") >= 5
    assert len(FILE.findall(page())) >= 5


def test_every_example_is_real(shell: tuple[Path, dict[str, str]]) -> None:
    work, env = shell
    globs: dict = {}
    for kind, body in blocks():  # in page order: later blocks use files earlier ones made
        if kind == "pycon":
            assert run_pycon(body, work, globs).failed == 0, body
            continue
        pairs: list[tuple[str, list[str]]] = []
        for line in body.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                pairs.append((line[2:], []))
            else:
                pairs[-1][1].append(line)
        for cmd, expected in pairs:
            assert run(cmd, work, env) == "\n".join(expected), f"$ {cmd}"
