"""The command line's entry points, help texts, and lazy start-up.

Timing itself is measured by ``benchmarks/bench_startup.py`` (machine-dependent,
so not asserted here unless ``RUN_STARTUP_BENCH=1``); what is asserted always is
that the trace and grad commands import nothing graphviz or networkx related
(nor rich: the terminal tables are drawn by ``views/columns.py``).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff_viz

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"
ROOT = Path(__file__).resolve().parents[1]

PROBE = """\
import contextlib, io, sys
from autodiff_viz.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'graphviz', 'networkx', 'rich'})
print(code, ' '.join(heavy) or '-')
"""


@pytest.mark.parametrize("extra", [[], ["--format", "json"], ["--format", "markdown"],
                                   ["--format", "latex"], ["--format", "csv"], ["--step"],
                                   ["--mode", "reverse", "--ascii"]])
def test_trace_imports_nothing_heavy(extra: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, "trace", EXPR, "--at", AT, *extra],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == ["0", "-"]


def test_grad_imports_nothing_heavy() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, "grad", EXPR, "--at", AT],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == ["0", "-"]


def test_python_dash_m_and_console_script_agree() -> None:
    a = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", EXPR, "--at", AT],
                       capture_output=True, text=True, timeout=60)
    assert a.returncode == 0 and "∂z/∂x1 = 2.584" in a.stdout
    script = Path(sys.executable).with_name("autodiff-viz")
    if not script.exists():
        pytest.skip("the console script is not installed next to this Python")
    b = subprocess.run([str(script), "trace", EXPR, "--at", AT], capture_output=True, text=True,
                       timeout=60)
    assert b.returncode == 0 and b.stdout == a.stdout


def _help(*argv: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", *argv, "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    return proc.stdout


def test_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"autodiff-viz {autodiff_viz.__version__}"


def test_main_help_lists_the_commands() -> None:
    text = _help()
    for word in ("trace", "grad", "--version", "--debug", 'autodiff-viz trace "sin(x1) + x1*x2"'):
        assert word in text


def test_trace_help_shows_the_worked_example_and_every_option() -> None:
    text = _help("trace")
    assert 'autodiff-viz trace "sin(x1) + x1*x2" --at x1=2,x2=3 --wrt x2' in text
    assert "w̄1        w̄4·w2 + w̄3·cos(w1)   1·3 + 1·(−0.4161)   2.584   ∂z/∂x1" in text
    assert "∂z/∂x1 = 2.584" in text
    for option in ("--at", "--mode", "--wrt", "--seed", "--output", "--notation", "--digits",
                   "--format", "--width", "--color", "--ascii", "--step", "--no-share",
                   "exit codes"):
        assert option in text


def test_trace_help_example_is_real_output() -> None:
    """The lines quoted in the help are lines the command prints."""
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", EXPR, "--at", AT,
                          "--wrt", "x2", "--width", "100"], capture_output=True, text=True,
                         timeout=60).stdout
    text = _help("trace")
    quoted = text[text.index("  $ autodiff-viz trace"):text.index("more:")].splitlines()[1:]
    shown = [line[2:] for line in quoted if line.strip() and line.strip() != "..."]
    assert len(shown) == 5 and all(line in out.splitlines() for line in shown)


def test_grad_help_shows_the_worked_example_as_printed() -> None:
    text = _help("grad")
    out = subprocess.run([sys.executable, "-m", "autodiff_viz", "grad", EXPR, "--at", AT],
                         capture_output=True, text=True, timeout=60).stdout
    quoted = text[text.index("  $ autodiff-viz grad"):text.index("more:")]
    shown = [line[2:] for line in quoted.splitlines()[1:]]
    assert "\n".join(shown).strip() == out.strip()


@pytest.mark.skipif(os.environ.get("RUN_STARTUP_BENCH") != "1",
                    reason="timing is machine-dependent: set RUN_STARTUP_BENCH=1 to run it")
def test_startup_within_twice_numpy_import() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_startup.py"),
                           "--runs", "11", "--check", "2.0"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_trace_imports_only_what_it_uses() -> None:
    """argparse's own help formatter imports shutil (and bz2, lzma) for the terminal
    width, the command line's HelpFormatter finds it with os; the full parser loads only
    for a text the fast path leaves to it; the table of operations is not a dataclass."""
    unwanted = "{'shutil', 'bz2', 'lzma', 'dataclasses', 'autodiff_viz.parser'}"
    probe = PROBE.replace("{m.split('.')[0] for m in sys.modules} & {'graphviz', 'networkx', "
                          "'rich'}", f"set(sys.modules) & {unwanted}")
    assert probe != PROBE
    out = subprocess.run([sys.executable, "-c", probe, "trace", EXPR, "--at", AT],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == ["0", "-"]
    out = subprocess.run([sys.executable, "-c", probe, "trace", "max(x1, x2, 3)", "--at", AT],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == ["0", "autodiff_viz.parser"]  # (the probe itself sees it)


@pytest.mark.parametrize("columns", ["57", "120", None, "not a number", "0"])
def test_help_is_wrapped_as_argparses_own_formatter_wraps_it(
        monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    import argparse

    from autodiff_viz.cli import build_parser
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    for parser in [build_parser(), *build_parser().commands.values()]:
        ours = parser.format_help()
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        assert parser.format_help() == ours
