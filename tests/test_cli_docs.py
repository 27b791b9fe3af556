"""docs/cli.md shows real output: every ``$`` command of its ``console`` blocks is run
(in order, in one scratch directory, stderr merged as on a terminal) and its
output compared; the step-through screen is rebuilt from the same code.

After an intended change of output, refresh the page's outputs and review the
diff: ``UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_cli_docs.py``.
"""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
BLOCK = re.compile(r"^(`{3,})console\n(.*?)^\1$", re.S | re.M)  # ```` when output has ```
FRAME = re.compile(r"<!-- step-frame: (\w+) (\d+) -->\n```text\n(.*?)\n```", re.S)


def blocks() -> list[list[tuple[str, str]]]:
    """Each console block as (command, expected output) pairs."""
    out = []
    for m in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        pairs: list[tuple[str, list[str]]] = []
        for line in m.group(2).rstrip("\n").split("\n"):
            if line.startswith("$ "):
                pairs.append((line[2:], []))
            else:
                pairs[-1][1].append(line)
        out.append([(cmd, "\n".join(lines)) for cmd, lines in pairs])
    return out


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A scratch directory and an environment where ``autodiff-viz`` is this checkout."""
    work = tmp_path_factory.mktemp("docs")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "autodiff-viz"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m autodiff_viz "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR",
                                                            "FORCE_COLOR")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return work, env


def run(cmd: str, work: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-c", "{ " + cmd + "\n} 2>&1"], capture_output=True,
                          text=True, cwd=work, env=env, timeout=120)
    return proc.stdout.rstrip("\n")


def frame_text(kind: str, n: int) -> str:
    import autodiff_viz as av
    from autodiff_viz.views.step import build_passes, frame_lines
    from autodiff_viz.views.step_tty import KEYS

    t = av.trace("sin(x1) + x1*x2", {"x1": 2, "x2": 3}, wrt="x1")
    ps = build_passes(t)
    p = next(k for k, q in enumerate(ps) if q.kind == kind)
    return "\n".join(frame_lines(t, ps, p, n - 1, width=100) + ["", KEYS["unicode"]])


@pytest.mark.skipif(os.environ.get("UPDATE_GOLDEN") != "1", reason="UPDATE_GOLDEN=1 refreshes")
def test_refresh_the_page(shell: tuple[Path, dict[str, str]]) -> None:
    """Rewrite every console block's output and every step frame from the real code."""
    work, env = shell

    def fill(m: re.Match[str]) -> str:
        cmds = [line[2:] for line in m.group(2).split("\n") if line.startswith("$ ")]
        lines = []
        for cmd in cmds:
            lines.append("$ " + cmd)
            out = run(cmd, work, env)
            if out:
                lines.append(out)
        return f"{m.group(1)}console\n" + "\n".join(lines) + f"\n{m.group(1)}"

    text = BLOCK.sub(fill, DOC.read_text(encoding="utf-8"))
    text = FRAME.sub(lambda m: f"<!-- step-frame: {m.group(1)} {m.group(2)} -->\n```text\n"
                               f"{frame_text(m.group(1), int(m.group(2)))}\n```", text)
    DOC.write_text(text, encoding="utf-8")


def test_the_page_has_examples() -> None:
    assert len(blocks()) >= 15 and FRAME.search(DOC.read_text(encoding="utf-8"))


@pytest.mark.parametrize("index", range(len(blocks())))
def test_console_block_is_real_output(index: int, shell: tuple[Path, dict[str, str]]) -> None:
    work, env = shell
    for cmd, expected in blocks()[index]:
        assert run(cmd, work, env) == expected, f"$ {cmd}"


def test_step_frame_is_what_the_step_through_draws() -> None:
    for kind, n, shown in FRAME.findall(DOC.read_text(encoding="utf-8")):
        assert shown == frame_text(kind, int(n))
