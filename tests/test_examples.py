"""Every script in examples/ runs and prints the numbers the course material gives."""
from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", line)]


def test_worked_example_prints_the_rounded_course_figures() -> None:
    out = run("worked_example.py")
    assert "z = 6.9, dz/dx1 = 2.58, dz/dx2 = 2" in out
    assert "w3 = sin(w1) = sin(2) = 0.9093" in out
    assert "w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584" in out


def test_xor_gives_0_1_1_0() -> None:
    out = run("xor.py")
    assert "f(X)   = [0.0, 1.0, 1.0, 0.0]" in out
    assert "XW + c = [[0.0, -1.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]]" in out
    assert "ReLU   = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]]" in out


def test_logistic_unit_gradient_is_p_minus_y() -> None:
    out = run("logistic_unit.py")
    h = 0.5 * 2.0 + (-1.0) * 1.0 + 0.1
    p = 1 / (1 + math.exp(-h))
    line = next(x for x in out.splitlines() if x.startswith("dL/dh"))
    got, expected = numbers(line)[0], numbers(line)[1]
    assert got == pytest.approx(p - 1, abs=1e-6) and expected == pytest.approx(p - 1, abs=1e-6)
    assert numbers(next(x for x in out.splitlines() if x.startswith("dL/dw1")))[-1] == \
        pytest.approx((p - 1) * 2.0, abs=1e-6)


def test_softmax_gradient_and_full_jacobian() -> None:
    out = run("softmax_cross_entropy.py")
    z = [1.0, 2.0, 0.5]
    e = [math.exp(v) for v in z]
    s = [v / sum(e) for v in e]
    y = [0, 1, 0]
    for k in range(3):
        line = next(x for x in out.splitlines() if x.startswith(f"dL/dz{k + 1}"))
        assert numbers(line)[1] == pytest.approx(s[k] - y[k], abs=1e-6)
    row = next(x for x in out.splitlines() if x.startswith("softmax Jacobian"))
    assert numbers(row)[-3:] == pytest.approx([s[0] - s[0] ** 2, -s[0] * s[1], -s[0] * s[2]],
                                              abs=1e-6)
    assert "loss unchanged by adding 10 to every z: True" in out


def test_mlp_matches_the_textbook_backward_algorithm() -> None:
    out = run("mlp.py")
    diff = numbers(out.splitlines()[-1])[-1]
    assert diff < 1e-12


def test_python_function_front_end() -> None:
    out = run("python_function.py")
    assert out.splitlines()[-1] == "True"
    assert "'x2': 2.0" in out
