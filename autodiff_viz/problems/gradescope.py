"""A ready Gradescope autograder (a zip to upload as the assignment's autograder).

The zip holds ``setup.sh`` (Gradescope runs it once to build the image: it installs
this package, from the wheel in the zip when there is one, else from PyPI),
``run_autograder`` (run for each submission: :mod:`.autograder` grades the uploaded
file against the uploader's key and writes ``/autograder/results/results.json``),
``keys/<id>.toml`` and ``roster.json`` (ids, names and emails: Gradescope gives the
uploader's ``sid`` and ``email``). Its entries are in a fixed order with a fixed
date, so the same problems and wheel give the same zip.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Sequence

from .. import __version__
from ..errors import InputError
from .generate import Problem
from .keyfile import toml_text

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image.
# It installs autodiff-viz: from the wheel in this zip when there is one, else from PyPI.
set -euo pipefail
cd "$(dirname "$0")"
install() {
  python3 -m pip install "$@" || python3 -m pip install --break-system-packages "$@"
}
wheel=$(ls ./*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$wheel" ]; then
  install "$wheel"
else
  install "autodiff-viz==__VERSION__"
fi
python3 -c "import autodiff_viz; print('autodiff-viz', autodiff_viz.__version__, 'installed')"
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade the uploaded file against the
# uploading student's key (source/keys/<id>.toml) and write results/results.json.
# AUTOGRADER_ROOT (default /autograder) moves Gradescope's folder, for tests.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if ! python3 -c "import autodiff_viz" 2>/dev/null; then
  mkdir -p "$ROOT/results"
  echo '{"score": 0, "output": "The autograder is not set up (autodiff_viz is not installed: see setup.sh). Please tell your instructor."}' > "$ROOT/results/results.json"
  exit 0
fi
exec python3 -m autodiff_viz.problems.autograder --root "$ROOT"
"""

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def source_root() -> Path | None:
    """The source tree this package runs from (with pyproject.toml), if it does."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "autodiff_viz").is_dir() \
        else None


def build_wheel(folder: Path) -> Path:
    """Build this package's wheel from its source tree (``pip wheel --no-deps``) into
    ``folder``; InputError when it runs from an installed copy or the build fails."""
    root = source_root()
    if root is None:
        raise InputError("cannot build a wheel: autodiff-viz runs from an installed copy, "
                         "not its source tree",
                         hint="give one with --wheel FILE.whl, or --no-wheel to install "
                              "autodiff-viz from PyPI in setup.sh")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--quiet", "-w", str(folder), str(root)],
                          capture_output=True, text=True, env=env, check=False, timeout=600)
    wheels = sorted(folder.glob("autodiff_viz-*.whl"))
    if done.returncode != 0 or not wheels:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise InputError(f"building the wheel failed:\n{tail}",
                         hint="give one with --wheel FILE.whl, or --no-wheel")
    return wheels[-1]


def _entry(z: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    z.writestr(info, data)


def write_autograder(problems: Sequence[Problem], path: str | os.PathLike[str], *,
                     wheel: str | os.PathLike[str] | None = None, build: bool = True) -> list[str]:
    """Write the autograder zip; returns notes (how setup.sh installs the package).

    ``wheel``: a wheel to bundle; else with ``build`` one is built from the source tree.
    """
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="autodiff-viz-wheel-") as tmp:
        whl: Path | None = Path(wheel) if wheel else None
        if whl is not None and (not whl.is_file() or whl.suffix != ".whl"):
            raise InputError(f"the wheel {whl} is not a .whl file",
                             hint="build one with: python -m pip wheel --no-deps .")
        if whl is None and build:
            whl = build_wheel(Path(tmp))
        if whl is None:
            notes.append(f"setup.sh installs autodiff-viz=={__version__} from PyPI (no wheel "
                         "bundled)")
        else:
            notes.append(f"setup.sh installs the bundled {whl.name}")
        roster = {"students": [{"id": p.student.id, "name": p.student.name,
                                "email": p.student.email} for p in problems]}
        target = Path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(target, "w") as z:
                _entry(z, "setup.sh", SETUP.replace("__VERSION__", __version__).encode(), True)
                _entry(z, "run_autograder", RUN.encode(), True)
                _entry(z, "roster.json", (json.dumps(roster, indent=2, ensure_ascii=False)
                                          + "\n").encode())
                for p in problems:
                    _entry(z, f"keys/{p.student.id}.toml",
                           toml_text(p.key_data(), f"Problem key for student {p.student.id}")
                           .encode())
                if whl is not None:
                    _entry(z, whl.name, whl.read_bytes())
        except OSError as err:
            raise InputError(f"cannot write {path} ({err.strerror or err})",
                             hint="check the path and that you may write there") from None
    return notes
