"""It installs like a library: the sdist and the wheel are built (``python -m build
--no-isolation``: no network), the wheel is installed into a fresh venv and used from
another folder, and the unpacked sdist's own tests pass.

The fresh venv gets the wheel without dependencies; numpy, networkx and rich come from
this interpreter's site-packages through a ``.pth`` file placed after the venv's own, so
the package that runs is the installed wheel, not this checkout.
"""
from __future__ import annotations

import email
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import autodiff_viz

ROOT = Path(__file__).resolve().parents[1]
VERSION = autodiff_viz.__version__
WHEEL_NAME = f"autodiff_viz-{VERSION}-py3-none-any.whl"
SDIST_NAME = f"autodiff-viz-{VERSION}"
# Paths inside the repository that an installed package cannot read.
REPO_PATH = re.compile(r"(?<![\w./-])(?:docs|examples|benchmarks|tests)/[\w./-]+")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it (what ``python -m build`` does)."""
    missing = [m for m in ("build", "setuptools", "wheel") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
         cwd=out, timeout=300)
    assert sorted(p.name for p in out.iterdir()) == [f"{SDIST_NAME}.tar.gz", WHEEL_NAME]
    return out


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (no pip inside: this pip installs into it)."""
    env_dir = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=env_dir)
    python = env_dir / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", "--disable-pip-version-check", str(dist / WHEEL_NAME)], cwd=env_dir)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=env_dir).stdout.strip())
    deps = ["numpy", "networkx", "rich"] + (["tomli"] if sys.version_info < (3, 11) else [])
    dirs = {str(Path(importlib.util.find_spec(d).origin).parents[1]) for d in deps}  # type: ignore[arg-type]
    (site / "_autodiff_viz_test_deps.pth").write_text("\n".join(sorted(dirs)) + "\n")
    return env_dir


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env


def test_readme_has_no_relative_links() -> None:
    """The README is the package index page (long_description), shown without the
    repository: a link or image must be absolute, and files are named in backticks."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(\s*<?([^)\s>]*)", readme)               # [text](target), ![alt](src)
    targets += re.findall(r"^\s*\[[^\]]+\]:\s*(\S+)", readme, re.M)     # [ref]: target
    targets += re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", readme)   # HTML
    relative = [t for t in targets if not re.match(r"(https?|mailto):", t)]
    assert not relative, relative


def test_wheel_holds_the_package_py_typed_and_the_license(dist: Path) -> None:
    with zipfile.ZipFile(dist / WHEEL_NAME) as whl:
        names = whl.namelist()
        info = f"autodiff_viz-{VERSION}.dist-info"
        assert "autodiff_viz/py.typed" in names
        assert "autodiff_viz/check/__init__.py" in names and "autodiff_viz/cli/__init__.py" in names
        assert {n.split("/")[0] for n in names} == {"autodiff_viz", info}
        licenses = [n for n in names if n.startswith(info) and n.endswith("/LICENSE")]
        assert licenses, names
        license_text = whl.read(licenses[0]).decode()
        meta = email.message_from_bytes(whl.read(f"{info}/METADATA"))
        sources = {n: whl.read(n).decode() for n in names if n.endswith(".py")}
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 the autodiff_viz authors" in license_text
    assert meta["License"] == "MIT" and "LICENSE" in meta.get_all("License-File", [])
    assert "License :: OSI Approved :: MIT License" in meta.get_all("Classifier", [])
    assert meta["Version"] == VERSION and meta["Requires-Python"] == ">=3.10"
    # No hint or message sends an installed package's user to a file that is not installed.
    pointing = {n: REPO_PATH.findall(text) for n, text in sources.items() if REPO_PATH.search(text)}
    assert not pointing, pointing


def test_installed_wheel_runs_from_another_folder(venv: Path, tmp_path: Path) -> None:
    env = _clean_env()
    version = _run([str(venv / "bin" / "autodiff-viz"), "--version"], tmp_path, env).stdout
    assert version.strip() == f"autodiff-viz {VERSION}"
    demo = _run([str(venv / "bin" / "autodiff-viz"), "demo"], tmp_path, env).stdout
    assert demo.startswith("z = sin(x1) + x1*x2 at x1=2, x2=3")
    assert "w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584    ∂z/∂x1" in demo
    probe = ("import sys, autodiff_viz as av\n"
             "print(av.__file__)\n"
             "print('numpy' in sys.modules, 'networkx' in sys.modules)\n"
             "print(av.trace('sin(x1) + x1*x2', at={'x1': 2, 'x2': 3}).gradient['x2'])\n"
             "print(av.check({'expression': 'x*y', 'at': {'x': 1, 'y': 2},"
             " 'ask': [{'kind': 'gradient'}]}, 'dz/dx = 2\\ndz/dy = 1').score)\n")
    lines = _run([str(venv / "bin" / "python"), "-c", probe], tmp_path, env).stdout.splitlines()
    assert Path(lines[0]).is_relative_to(venv), lines[0]
    assert lines[1:] == ["False False", "2.0", "2.0"]


def test_installed_wheel_is_typed(venv: Path, tmp_path: Path) -> None:
    """mypy finds the installed package through py.typed, and av.check(key, sub) is a
    function returning a Report (it used to type as "object" not callable)."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy not installed: pip install -e '.[test]'")
    (tmp_path / "use.py").write_text(
        "import autodiff_viz as av\n"
        "from autodiff_viz.check import Report, assert_trace\n"
        "r = av.check({'expression': 'x*y', 'at': {'x': 1, 'y': 2}}, 'dz/dx = 2')\n"
        "reveal_type(r)\n"
        "s: float = r.score\n"
        "t: av.Trace = av.trace('x*y', at={'x': 1.0, 'y': 2.0})\n"
        "reveal_type(av.gradient)\n"
        "bad: int = av.check({}, '')\n")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-executable", str(venv / "bin" / "python"),
         "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
         "--no-error-summary", "use.py"],
        cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=180)
    lines = proc.stdout.splitlines()
    assert lines[0] == 'use.py:4: note: Revealed type is "autodiff_viz.check.report.Report"', \
        proc.stdout + proc.stderr
    assert lines[1].startswith('use.py:7: note: Revealed type is "def (source: Any, at:')
    # The one error is the deliberate one: the types are real, not Any.
    assert lines[2:] == ['use.py:8: error: Incompatible types in assignment (expression has '
                         'type "Report", variable has type "int")  [assignment]'], proc.stdout


def test_sdist_carries_what_its_tests_read_and_they_pass(dist: Path, tmp_path: Path) -> None:
    with tarfile.open(dist / f"{SDIST_NAME}.tar.gz") as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path)  # noqa: S202 (our own archive)
    for needed in ("LICENSE", "README.md", "PKG-INFO", "setup.cfg", "pyproject.toml",
                   "MANIFEST.in", "scripts/setup", "scripts/test", ".ci/run",
                   "autodiff_viz/py.typed", "docs/checking.md", "docs/cli.md", "docs/render.md",
                   "examples/worked_example.py", "examples/homework", "benchmarks/bench_startup.py",
                   "tests/golden/cli", "tests/textbook", "tests/test_packaging.py"):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # Every file the tests name relative to the checkout is in the sdist.
    for test in sorted(ROOT.glob("tests/test_*.py")):
        for ref in re.findall(r'parents\[1\] / "(\w+)"', test.read_text(encoding="utf-8")):
            assert ref in {n.split("/")[0] for n in names}, (test.name, ref)

    src = tmp_path / SDIST_NAME
    env = {**_clean_env(), "PYTHONPATH": str(src)}
    where = _run([sys.executable, "-c", "import autodiff_viz; print(autodiff_viz.__file__)"],
                 src, env).stdout.strip()
    assert Path(where).is_relative_to(src)
    # A fast subset (~15 s) reading each kind of file: the examples and their homework
    # folders, the golden outputs, the textbook corpus, a benchmark, the README (its
    # doctests; scripts/ and .ci/run). The whole suite passes there too (~5 min).
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/test_examples.py", "tests/test_cli_golden.py", "tests/test_check_textbooks.py",
         "tests/test_docs.py", "tests/test_bench_tensor.py", "README.md"],
        cwd=src, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout) and " failed" not in proc.stdout
