"""The step-through (``trace --step``) in a real pseudo-terminal, driven with pexpect;
one test reads the screen of a real terminal emulator (tmux) when it is installed.

Each key redraws the whole screen (clear, then the frame), so the screen is the
text after the last clear sequence.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

EXPR, AT = "sin(x1) + x1*x2", "x1=2,x2=3"
CLEAR = "\x1b[H\x1b[2J"
FOOTER = re.compile(r"p primal [·|] q quit|go to step \(1-\d+\): \d*")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS",
                                                          "LINES")}
    e.update(TERM="xterm", LANG="C.UTF-8", PYTHONIOENCODING="utf-8")
    return e


class Term:
    """A step-through running in a pseudo-terminal."""

    def __init__(self, *extra: str, rows: int = 40, cols: int = 120) -> None:
        self.child = pexpect.spawn(
            sys.executable, ["-m", "autodiff_viz", "trace", EXPR, "--at", AT, *extra, "--step"],
            dimensions=(rows, cols), encoding="utf-8", timeout=20, env=env())
        self.screen = self._frame()

    def _frame(self) -> str:
        self.child.expect(FOOTER)
        raw = self.child.before + self.child.after
        return ANSI.sub("", raw.split(CLEAR)[-1]).replace("\r\n", "\n")

    def press(self, keys: str) -> str:
        """Send the keys (one redraw each) and return the screen after the last."""
        for k in _split(keys):
            self.child.send(k)
            self.screen = self._frame()
        return self.screen

    def header(self) -> str:
        return next(line for line in self.screen.splitlines() if ": step " in line)

    def table(self) -> list[str]:
        lines = self.screen.splitlines()
        start = lines.index("Stored values") + 3  # title, header, rule
        return [line for line in lines[start:] if line.strip()][:-1]  # minus the footer

    def quit(self) -> int:
        self.child.send("q")
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


def _split(keys: str) -> list[str]:
    """Arrow keys stay whole: ESC [ C is one key."""
    return re.findall(r"\x1b\[[A-D]|.", keys, re.S)


RIGHT, LEFT = "\x1b[C", "\x1b[D"


def test_first_frame_shows_the_node_the_values_used_and_the_footer() -> None:
    term = Term("--color", "never", "--wrt", "x2")
    s = term.screen
    assert s.startswith("z = sin(x1) + x1*x2 at x1=2, x2=3\n")
    assert "passes: [primal] · forward x2=1 · reverse z" in s
    assert term.header() == "Primal pass (inputs to output): step 1 of 5, w1"
    assert "  node       w1 = x1  (input)\n  stores     w1 = 2" in s
    assert s.rstrip().endswith("Enter/n/→ next · b/← back · g N go to step N · "
                               "f/r forward/reverse pass · p primal · q quit")
    assert [r.split() for r in term.table()] == [["▶", "w1", "x1", "2"]]
    assert term.quit() == 0


def test_keys_move_through_the_passes_and_the_table_grows() -> None:
    term = Term("--color", "never", "--wrt", "x2")
    term.press("n")
    assert term.header().endswith("step 2 of 5, w2") and len(term.table()) == 2
    term.press("\r")  # Enter
    assert term.header().endswith("step 3 of 5, w3")
    assert "  uses       w1 = 2\n  stores     w3 = sin(2) = 0.9093" in term.screen
    # ▶ the node being computed, • the stored values it uses
    assert [r.split()[:2] for r in term.table()] == [["•", "w1"], ["w2", "x2"], ["▶", "w3"]]
    term.press(RIGHT)
    assert term.header().endswith("step 4 of 5, w4") and len(term.table()) == 4
    assert "stores     w4 = 2·3 = 6" in term.screen
    term.press("b")
    assert term.header().endswith("step 3 of 5, w3") and len(term.table()) == 3
    term.press(LEFT)
    assert term.header().endswith("step 2 of 5, w2")
    term.press("g")
    assert "go to step (1-5): " in term.screen
    term.press("5\r")
    assert term.header().endswith("step 5 of 5, w5")
    assert "stores     w5 = 0.9093 + 6 = 6.909" in term.screen
    term.press("n")  # the end of a pass leads into the next
    assert term.header() == "Forward pass, seed x2=1 (inputs to output): step 1 of 7, ẇ1"
    assert "passes: primal · [forward x2=1] · reverse z" in term.screen
    term.press("g6\r")  # ẇ5, its first term
    assert term.header().endswith("step 6 of 7, ẇ5, term 1 of 2")
    # each term as tangent · partial, the tangent first (ẇ3 = 0, ∂w5/∂w3 = 1)
    assert "  so far     ẇ5 = 0·1 + …   (more terms to come)" in term.screen
    term.press("n")
    assert ("  adds term  ẇ4·1 = 2·1 = 2\n"
            "  result     ẇ5 = 0·1 + 2·1 = 2   = ∂z/∂x2 (derivative with respect to x2)"
            in term.screen)
    assert term.quit() == 0


def test_reverse_pass_one_term_at_a_time() -> None:
    term = Term("--color", "never")
    term.press("r")
    assert term.header() == "Reverse pass for z (output to inputs): step 1 of 6, w̄5"
    assert "seed       w̄5 = 1" in term.screen
    # every value is stored; only w̄5 has an adjoint yet
    assert [r.split()[-1] for r in term.table()] == ["2", "3", "0.9093", "6", "1"]
    assert term.table()[-1].split()[:2] == ["▶", "w5"]
    term.press("g5\r")
    s = term.screen
    assert term.header().endswith("step 5 of 6, w̄1, term 1 of 2")
    assert "node       w̄1 = w̄4·w2 + w̄3·cos(w1)   (sum over its children w4, w3)" in s
    assert "uses       w̄4 = 1 (adjoint of the child w4), ∂w4/∂w1 = w2 = 3" in s
    assert "adds term  w̄4·w2 = 1·3 = 3" in s
    assert "so far     w̄1 = 1·3 + …" in s
    table = term.table()
    assert table[0].split()[:2] == ["▶", "w1"] and table[0].split()[-1] == "…"  # in progress
    assert table[3].split()[:2] == ["•", "w4"]  # the child whose adjoint is used
    assert [r.split()[-1] for r in table[1:]] == ["2", "1", "1", "1"]
    s = term.press(RIGHT)
    assert term.header().endswith("step 6 of 6, w̄1, term 2 of 2")
    assert "adds term  w̄3·cos(w1) = 1·(−0.4161) = −0.4161" in s
    assert "result     w̄1 = 1·3 + 1·(−0.4161) = 2.584   = ∂z/∂x1 (gradient)" in s
    assert term.table()[0].split()[-1] == "2.584" and term.table()[1].split()[-1] == "2"
    s = term.press("n")
    assert "this is the last step: b goes back, q quits" in s
    term.press("f")
    assert term.header().startswith("Forward pass, seed x1=1 (inputs to output): step 1 of 7")
    term.press("p")
    assert term.header().startswith("Primal pass")
    assert term.quit() == 0


def test_messages_for_keys_that_cannot_move() -> None:
    term = Term("--color", "never", "--mode", "reverse")
    assert "this is the first step" in term.press("b")
    assert "there is no step 9 in this pass (1 to 5)" in term.press("g9\r")
    assert term.header().endswith("step 1 of 5, w1")
    assert "this trace has no forward pass (run with --mode forward or --mode both)" in \
        term.press("f")
    assert "keys: Enter/n/→ next" in term.press("x")
    assert term.quit() == 0


def test_ascii_keys_footer_and_colour() -> None:
    term = Term("--ascii", "--color", "always")
    raw = term.child.before
    assert "\x1b[7m" in raw  # the current row is highlighted (inverse video)
    assert "Enter/n/-> next | b/<- back" in term.screen
    term.press("r")
    assert "dz/dw5 = 1" in term.screen
    assert term.quit() == 0


def test_ctrl_c_quits_with_130_and_restores_the_terminal() -> None:
    child = pexpect.spawn("/bin/bash", ["--norc", "--noprofile", "-c",
                                        f"{sys.executable} -m autodiff_viz trace '{EXPR}' "
                                        f"--at {AT} --step --color never; echo EXIT=$?; "
                                        "stty -a"],
                          dimensions=(40, 120), encoding="utf-8", timeout=20, env=env())
    child.expect("q quit")
    child.sendintr()
    child.expect(r"EXIT=(\d+)")
    assert child.match.group(1) == "130"
    child.expect(pexpect.EOF)
    settings = child.before
    assert re.search(r"(?<!-)icanon", settings) and re.search(r"(?<!-)echo\b", settings)


def test_quit_restores_the_terminal() -> None:
    child = pexpect.spawn("/bin/bash", ["--norc", "--noprofile", "-c",
                                        f"{sys.executable} -m autodiff_viz trace '{EXPR}' "
                                        f"--at {AT} --step --color never; echo EXIT=$?; "
                                        "stty -a"],
                          dimensions=(40, 120), encoding="utf-8", timeout=20, env=env())
    child.expect("q quit")
    child.send("q")
    child.expect(r"EXIT=(\d+)")
    assert child.match.group(1) == "0"
    child.expect(pexpect.EOF)
    assert re.search(r"(?<!-)icanon", child.before) and re.search(r"(?<!-)echo\b", child.before)


def test_small_terminal_windows_the_table() -> None:
    wide = " + ".join(f"x1*{k}" for k in range(2, 30))
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_viz", "trace", wide, "--at", "x1=1",
                                           "--step", "--color", "never"],
                          dimensions=(24, 100), encoding="utf-8", timeout=20, env=env())
    child.expect("q quit")
    child.send("g")
    child.expect("go to step")
    child.send("40\r")
    child.expect("q quit")
    screen = ANSI.sub("", child.before.split(CLEAR)[-1]).replace("\r\n", "\n")
    assert "rows above" in screen and len(screen.splitlines()) <= 24
    child.send("q")
    child.expect(pexpect.EOF)


def test_stdin_not_a_terminal_prints_every_step_without_waiting() -> None:
    """stdout is a terminal but stdin is not: no keys can be read, so print it all."""
    child = pexpect.spawn("/bin/bash", ["--norc", "--noprofile", "-c",
                                        f"{sys.executable} -m autodiff_viz trace '{EXPR}' "
                                        f"--at {AT} --step --color never < /dev/null"],
                          dimensions=(40, 120), encoding="utf-8", timeout=20, env=env())
    child.expect(pexpect.EOF)
    out = child.before.replace("\r\n", "\n")
    assert CLEAR not in out and "q quit" not in out
    headers = [line for line in out.splitlines() if ": step " in line]
    # primal 5, a forward pass per input (no --wrt: x1, then x2) of 7 terms each, reverse 6
    assert len(headers) == 5 + 7 + 7 + 6
    assert sum("Forward pass, seed x1=1" in h for h in headers) == 7
    assert sum("Forward pass, seed x2=1" in h for h in headers) == 7
    assert headers[0].endswith("step 1 of 5, w1")
    assert headers[-1].endswith("step 6 of 6, w̄1, term 2 of 2")
    assert "result     w̄1 = 1·3 + 1·(−0.4161) = 2.584   = ∂z/∂x1 (gradient)" in out


def test_stdout_not_a_terminal_prints_every_step() -> None:
    proc = subprocess.run([sys.executable, "-m", "autodiff_viz", "trace", EXPR, "--at", AT,
                           "--step"], capture_output=True, text=True, timeout=60, env=env())
    assert proc.returncode == 0 and proc.stderr == ""
    # primal 5, forward 7 seeded on x1 and 7 on x2 (no --wrt: every input), reverse 6
    assert proc.stdout.count(": step ") == 5 + 7 + 7 + 6 and "\x1b" not in proc.stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_screen_of_a_real_terminal_emulator(tmp_path: "os.PathLike[str]") -> None:
    """tmux renders the escape sequences; capture-pane gives the visible screen."""
    sock = str(tmp_path) + "/tmux.sock"
    tmux = ["tmux", "-S", sock, "-f", "/dev/null"]
    cmd = (f"env TERM=xterm LANG=C.UTF-8 {sys.executable} -m autodiff_viz trace '{EXPR}' "
           f"--at {AT} --step --color never; sleep 30")
    subprocess.run(tmux + ["new-session", "-d", "-x", "110", "-y", "40", cmd], check=True,
                   env=env())

    def screen(until: str) -> str:
        deadline = time.monotonic() + 20
        text = ""
        while time.monotonic() < deadline:
            text = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                  text=True).stdout
            if until in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{until!r} never appeared on the screen:\n{text}")

    try:
        first = screen("q quit")
        assert first.splitlines()[0] == "z = sin(x1) + x1*x2 at x1=2, x2=3"
        subprocess.run(tmux + ["send-keys", "r"], check=True)
        subprocess.run(tmux + ["send-keys", "g", "6", "Enter"], check=True)
        s = screen("step 6 of 6")
        assert "result     w̄1 = 1·3 + 1·(−0.4161) = 2.584   = ∂z/∂x1 (gradient)" in s
        assert "Primal pass" not in s  # the screen was redrawn, not appended to
        subprocess.run(tmux + ["send-keys", "Left"], check=True)
        assert "so far     w̄1 = 1·3 + …" in screen("step 5 of 6")
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


@pytest.mark.parametrize("no_color", [False, True])
def test_table_is_coloured_on_a_terminal_unless_no_color(no_color: bool) -> None:
    e = env()
    if no_color:
        e["NO_COLOR"] = "1"
    child = pexpect.spawn(sys.executable, ["-m", "autodiff_viz", "trace", EXPR, "--at", AT],
                          dimensions=(40, 150), encoding="utf-8", timeout=20, env=e)
    child.expect(pexpect.EOF)
    out = child.before
    assert ("\x1b[1m" in out) != no_color  # bold titles only with colour
    assert "∂z/∂x1 = 2.584" in ANSI.sub("", out)
    # the terminal's width is used: the summary row fits on one line at 150 columns
    assert "∂w4/∂w1 = w2 = 3" in ANSI.sub("", out)
