"""``autodiff-viz render`` (issue 4): formats, options as in ``trace``, frames, exit codes,
and the missing-Graphviz path with PATH emptied."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff_viz as av
from autodiff_viz.cli import main
from autodiff_viz.views.dot_view import PALETTE

from test_render_dot import lines_of, node_text, table_text, text_of

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed: apt-get install graphviz")
EXPR = "sin(x1) + x1*x2"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["render", *args])
    out, err = capsys.readouterr()
    return code, out, err


def cli(args: list[str], cwd: Path, path: str | None = None) -> subprocess.CompletedProcess:
    """The real command in a fresh process (PATH as given: '' hides Graphviz)."""
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, "-m", "autodiff_viz", "render", *args], cwd=cwd,
                          env=env, capture_output=True, text=True)


def test_default_is_dot_source_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([EXPR, "--at", "x1=2,x2=3", "--wrt", "x2"], capsys)
    assert code == 0
    assert out == av.trace(EXPR, at={"x1": 2, "x2": 3}, wrt="x2").to_dot()


def test_options_as_in_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([EXPR, "--at", "x1=2,x2=3", "--mode", "reverse", "--notation", "v",
                        "--digits", "2"], capsys)
    assert code == 0
    assert lines_of(node_text(out, 2)) == ["v1 = sin(v-1) = 0.91", "v̄1 = 1"]
    code, out, _ = run([EXPR, "--at", "x1=2,x2=3", "--mode", "forward", "--seed",
                        "x1=1,x2=0.5"], capsys)
    assert code == 0 and "ż, seed x1=1, x2=0.5" in table_text(out)
    code, out, _ = run(["p = x*y; q = x + y", "--at", "x=2,y=5", "--mode", "reverse",
                        "--output", "q", "--ascii"], capsys)
    assert code == 0 and "dq/dw1 += 1*1 = 1" in out and "dp/dw1 +=" not in out


def test_render_options(capsys: pytest.CaptureFixture[str]) -> None:
    base = [EXPR, "--at", "x1=2,x2=3"]
    assert "rankdir=LR" in run(base, capsys)[1]
    assert "rankdir=TB" in run(base + ["--rankdir", "TB"], capsys)[1]
    assert "<B>node</B>" not in run(base + ["--no-table"], capsys)[1]
    swatch = f'<TD BGCOLOR="{PALETTE["input"]}" BORDER="1"'
    assert swatch in run(base, capsys)[1] and swatch in run(base + ["--legend"], capsys)[1]
    assert swatch not in run(base + ["--no-legend"], capsys)[1]
    assert "+=" not in run(base + ["--contributions", "none"], capsys)[1]
    out = run(base + ["--max-edge-labels", "2"], capsys)[1]
    assert "5 edges: edge labels left out (more than 2;" in out
    out = run(base + ["--max-table-rows", "2"], capsys)[1]
    assert "3 more nodes left out" in out


def test_picture_options_for_slides(capsys: pytest.CaptureFixture[str]) -> None:
    base = [EXPR, "--at", "x1=2,x2=3", "--mode", "reverse"]
    out = run(base, capsys)[1]
    assert "w&#772;1 += 1&#183;3 = 3" in out  # w̄1 += 1·3: full detail
    assert 'size="20,11.25"' in out  # it fits a 16:9 slide legibly, so it is kept in one
    out = run(base + ["--ascii"], capsys)[1]
    assert "dz/dw1 += 1*3 = 3" in out and "&#772;" not in out and "&#8706;" not in out
    assert 'size="20,11.25"' in run(base + ["--fit", "16:9"], capsys)[1]
    assert 'size="15,11.25"' in run(base + ["--fit", "4:3"], capsys)[1]
    assert 'size="13.333,7.5"' in run(base + ["--size", "1280x720"], capsys)[1]
    assert 'size="13.33,7.5"' in run(base + ["--size", "13.33x7.5in"], capsys)[1]
    compact = run(base + ["--detail", "compact"], capsys)[1]
    assert "+=" not in compact and not re.search(r'\[id="e\d+_\d+", label=', compact)
    # the table of steps: carried quantity, then the local partial
    assert "w̄1 = w̄4·w2 + w̄3·cos(w1) = 1·3 + 1·(−0.4161) = 2.584" in lines_of(text_of(compact))
    for bad, message in ((["--fit", "wide"], "cannot read the shape 'wide'"),
                         (["--size", "10"], "cannot read the size '10'"),
                         (["--size", "0x5"], "is not a picture size")):
        code, out, err = run(base + bad, capsys)
        assert code == 2 and out == "" and message in err and "hint:" in err


def test_help_teaches_the_picture_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--fit W:H", "--size WxH", "--detail {auto,full,compact}", "--ascii",
                   "--legend, --no-legend", "--rankdir {LR,TB}"):
        assert option in text, option
    assert "--fit 16:9 -o xor.png" in text and "--size 1280x720" in text


@pytest.mark.parametrize("suffix", ["dot", "gv"])
def test_dot_file_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    target = tmp_path / f"g.{suffix}"
    code, out, err = run([EXPR, "--at", "x1=2,x2=3", "-o", str(target)], capsys)
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert target.read_text().startswith("digraph autodiff {")


@needs_dot
@pytest.mark.parametrize("fmt_,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                        ("pdf", b"%PDF-")])
def test_image_output(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt_: str,
                      magic: bytes) -> None:
    target = tmp_path / f"graph.{fmt_}"
    code, _, _ = run([EXPR, "--at", "x1=2,x2=3", "-o", str(target)], capsys)
    assert code == 0 and target.read_bytes().startswith(magic)
    other = tmp_path / "graph"
    code, _, _ = run([EXPR, "--at", "x1=2,x2=3", "--format", fmt_, "-o", str(other)], capsys)
    assert code == 0 and other.read_bytes().startswith(magic)


@needs_dot
def test_svg_to_stdout_and_no_binary_to_a_terminal(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run([EXPR, "--at", "x1=2,x2=3", "--format", "svg"], capsys)
    assert code == 0 and "<svg" in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run([EXPR, "--at", "x1=2,x2=3", "--format", "png"], capsys)
    assert code == 2 and out == "" and "png is binary" in err and "-o graph.png" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        ([EXPR, "--at", "x1=2,x2=3", "-o", str(tmp_path / "g.png"), "--format", "svg"],
         "says png but the format is svg"),
        ([EXPR, "--at", "x1=2,x2=3", "-o", str(tmp_path / "g.jpg")], "cannot write .jpg"),
        ([EXPR, "--at", "x1=2,x2=3", "-o", str(tmp_path / "graph")], "no suffix"),
        ([EXPR, "--at", "x1=2"], "missing value for x2"),
        ([EXPR, "--at", "x1=2,x2=3", "--mode", "forward", "--frames", str(tmp_path / "f"),
          "--pass", "reverse"], "no reverse pass"),
        ([EXPR, "--at", "x1=2,x2=3", "--frames", str(tmp_path / "f"), "--format", "dot",
          "--max-frames", "2"], "more than 2 frames"),
        ([EXPR, "--at", "x1=2,x2=3", "--max-edge-labels", "-1"], "must be positive"),
    ]
    for args, message in cases:
        code, _, err = run(args, capsys)
        assert code == 2, args
        assert message in err, (args, err)
    with pytest.raises(SystemExit) as exit_:  # argparse checks --digits (as in trace)
        main(["render", EXPR, "--at", "x1=2,x2=3", "--digits", "0"])
    assert exit_.value.code == 2 and "digits" in capsys.readouterr().err


def test_frames_as_dot_and_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "slides"
    code, out, err = run([EXPR, "--at", "x1=2,x2=3", "--mode", "both", "--frames", str(folder),
                          "--format", "dot"], capsys)
    assert code == 0 and out == ""
    t = av.trace(EXPR, at={"x1": 2, "x2": 3}, wrt="x1")
    frames = sorted(folder.glob("frame_*.dot"))
    assert len(frames) == len(t.reverse_steps())  # both: the reverse pass
    assert f"wrote {len(frames)} frames to {folder}" in err
    code, _, _ = run([EXPR, "--at", "x1=2,x2=3", "--frames", str(folder), "--format", "dot",
                      "--pass", "primal"], capsys)
    assert len(sorted(folder.glob("frame_*.dot"))) == len(t.primal_steps())
    assert (folder / "index.md").read_text().count("](frame_") == len(t.primal_steps())


@needs_dot
def test_frames_as_svg_with_the_picture_too(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run([EXPR, "--at", "x1=2,x2=3", "--mode", "forward", "--wrt", "x2",
                      "--frames", str(tmp_path / "f"), "-o", str(tmp_path / "g.svg")], capsys)
    assert code == 0 and (tmp_path / "g.svg").exists()
    t = av.trace(EXPR, at={"x1": 2, "x2": 3}, mode="forward", wrt="x2")
    assert len(list((tmp_path / "f").glob("frame_*.svg"))) == len(t.forward_steps())


def test_missing_graphviz_message_and_exit_code_with_path_emptied(tmp_path: Path) -> None:
    done = cli([EXPR, "--at", "x1=2,x2=3", "-o", "graph.svg"], tmp_path, path="")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: Graphviz's 'dot' program is needed to write svg "
                                  "images, but it is not installed (not found on PATH)")
    assert "'sudo apt-get install graphviz' on Debian/Ubuntu" in done.stderr
    assert "'brew install graphviz' on macOS" in done.stderr
    assert "--format dot" in done.stderr and "works without it" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "graph.svg").exists()
    done = cli([EXPR, "--at", "x1=2,x2=3", "--frames", "f"], tmp_path, path="")
    assert done.returncode == 2 and "sudo apt-get install graphviz" in done.stderr


def test_dot_format_works_with_path_emptied(tmp_path: Path) -> None:
    done = cli([EXPR, "--at", "x1=2,x2=3", "--format", "dot", "-o", "graph.dot"], tmp_path,
               path="")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "graph.dot").read_text() == av.trace(
        EXPR, at={"x1": 2, "x2": 3}).to_dot()  # forward: every input seeded, as in trace
    done = cli([EXPR, "--at", "x1=2,x2=3", "--frames", "f", "--format", "dot"], tmp_path,
               path="")
    assert done.returncode == 0 and len(list((tmp_path / "f").glob("frame_*.dot"))) == 5


def test_render_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "render" in capsys.readouterr().out
