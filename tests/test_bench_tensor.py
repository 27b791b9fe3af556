"""benchmarks/bench_tensor.py runs (--quick) and checks the tool's gradients against numpy.

No timing threshold here: the times and the ratio are measured by the benchmark itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_tensor.py"


def test_quick_benchmark_runs_and_agrees_with_numpy() -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    correct = [line for line in lines if line.startswith("correctness:")]
    assert len(correct) == 1 and "(ok:" in correct[0], proc.stdout
    ratio = [line for line in lines if line.startswith("ratio: autodiff_viz / numpy = ")]
    assert len(ratio) == 1, proc.stdout
