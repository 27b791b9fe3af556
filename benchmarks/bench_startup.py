"""Start-up of ``autodiff-viz trace`` on the worked example vs ``python -c "import numpy"``.

Both commands run in the same session, interleaved, several times each; the
script prints the median wall time of each and their ratio (target: at most
1.2, issue 13). It also checks that nothing graphviz or networkx related is imported.

By default the commands run with Python's bytecode cache enabled in a
temporary directory (PYTHONPYCACHEPREFIX), as for an installed package:
``PYTHONDONTWRITEBYTECODE=1`` would otherwise make every run recompile the
package's sources, which numpy (compiled at install) never pays. ``--as-is``
measures with the environment unchanged.

    .venv/bin/python benchmarks/bench_startup.py [--runs 21] [--check 2.0] [--as-is]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"


def subject_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m autodiff_viz``."""
    script = Path(sys.executable).with_name("autodiff-viz")
    if script.exists():
        return [str(script), "trace", EXPR, "--at", AT]
    return [sys.executable, "-m", "autodiff_viz", "trace", EXPR, "--at", AT]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return time.perf_counter() - start


def heavy_imports(cmd: list[str], env: dict[str, str]) -> list[str]:
    """Top-level graphviz/networkx modules the command imports (from ``-X importtime``)."""
    py = [sys.executable, "-X", "importtime"] + (cmd[1:] if cmd[0] == sys.executable
                                                else [cmd[0]] + cmd[1:])
    err = subprocess.run(py, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env=env, check=True).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if "|" in line}
    return sorted(n for n in names if n.split(".")[0] in ("graphviz", "networkx"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=21, help="runs of each command (default 21)")
    ap.add_argument("--check", type=float, default=None, metavar="RATIO",
                    help="exit 1 when the ratio is above RATIO")
    ap.add_argument("--as-is", action="store_true",
                    help="keep the environment's bytecode settings")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    cache = None
    if not args.as_is:
        cache = tempfile.mkdtemp(prefix="autodiff_viz_pyc_")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    baseline = [sys.executable, "-c", "import numpy"]
    subject = subject_command()
    try:
        for _ in range(3):  # warm the file cache (and the bytecode cache)
            wall(baseline, env)
            wall(subject, env)
        base_t, subj_t = [], []
        for _ in range(args.runs):
            base_t.append(wall(baseline, env))
            subj_t.append(wall(subject, env))
        heavy = heavy_imports(subject, env)
    finally:
        if cache:
            shutil.rmtree(cache, ignore_errors=True)
    b, s = statistics.median(base_t), statistics.median(subj_t)
    ratio = s / b
    shown = f'autodiff-viz trace "{EXPR}" --at {AT}'
    print(f"start-up, median of {args.runs} interleaved runs "
          f"({'bytecode cache as is' if args.as_is else 'bytecode cached, as installed'}):")
    base_shown = 'python -c "import numpy"'
    print(f"  baseline  {base_shown:<52} {b * 1000:7.1f} ms")
    print(f"  command   {shown:<52} {s * 1000:7.1f} ms")
    print(f"  ratio     {ratio:.2f}  (target: at most 1.2, issue 13)")
    print(f"  graphviz/networkx imported: {', '.join(heavy) if heavy else 'none'}")
    if args.check is not None and ratio > args.check:
        print(f"FAIL: ratio {ratio:.2f} is above {args.check}", file=sys.stderr)
        return 1
    return 1 if heavy and args.check is not None else 0


if __name__ == "__main__":
    raise SystemExit(main())
