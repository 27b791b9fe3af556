"""The step-through in a terminal: read keys, redraw the frame, put the terminal back.

Plain line-based redraw (clear the screen, print the frame), keys read one at a
time in cbreak mode; the terminal's settings are restored however the loop ends.

>>> nav = Navigator([3, 2])        # two passes of 3 and 2 steps
>>> nav.next(), nav.next(), nav.next(), (nav.p, nav.i)
('', '', '', (1, 0))
>>> nav.back(), (nav.p, nav.i)
('', (0, 2))
>>> nav.go(9)
'there is no step 9 in this pass (1 to 3)'
"""
from __future__ import annotations

import os
import shutil
from typing import IO, Any, Sequence

from ..trace import Trace
from .arrays import MAX_MATRIX
from .step import Pass, frame_lines

KEYS = {"unicode": "Enter/n/→ next · b/← back · g N go to step N · f/r forward/reverse pass"
                   " · p primal · q quit",
        "text": "Enter/n/-> next | b/<- back | g N go to step N | f/r forward/reverse pass"
                " | p primal | q quit"}
CLEAR = "\x1b[H\x1b[2J"


class Navigator:
    """Where the student is: pass ``p``, step ``i``; moves return a message ('' if fine)."""

    def __init__(self, sizes: Sequence[int], kinds: Sequence[str] | None = None) -> None:
        self.sizes = list(sizes)
        self.kinds = list(kinds) if kinds is not None else ["primal"] * len(self.sizes)
        self.p = 0
        self.i = 0

    def next(self) -> str:
        if self.i + 1 < self.sizes[self.p]:
            self.i += 1
        elif self.p + 1 < len(self.sizes):
            self.p, self.i = self.p + 1, 0
        else:
            return "this is the last step: b goes back, q quits"
        return ""

    def back(self) -> str:
        if self.i > 0:
            self.i -= 1
        elif self.p > 0:
            self.p -= 1
            self.i = self.sizes[self.p] - 1
        else:
            return "this is the first step"
        return ""

    def go(self, n: int) -> str:
        if not 1 <= n <= self.sizes[self.p]:
            return f"there is no step {n} in this pass (1 to {self.sizes[self.p]})"
        self.i = n - 1
        return ""

    def switch(self, kind: str) -> str:
        """Go to the first step of the next pass of ``kind`` (cycling through several)."""
        found = [k for k, x in enumerate(self.kinds) if x == kind]
        if not found:
            return (f"this trace has no {kind} pass (run with --mode {kind} or --mode both)")
        later = [k for k in found if k > self.p]
        self.p = later[0] if later and self.kinds[self.p] == kind else found[0]
        self.i = 0
        return ""


def is_terminal(stream: Any) -> bool:
    """True when ``stream`` is a terminal and this system can read single keys."""
    try:
        import termios  # noqa: F401  (POSIX only)
        return bool(stream.isatty())
    except (ImportError, AttributeError, ValueError):
        return False


def read_key(fd: int) -> str:
    """One key: a character, or ``enter``, ``backspace``, ``left``, ``right``, ``esc``, ``eof``."""
    import select

    b = os.read(fd, 1)
    if not b:
        return "eof"
    if b == b"\x1b":
        seq = b""
        while len(seq) < 8 and select.select([fd], [], [], 0.05)[0]:
            c = os.read(fd, 1)
            if not c:
                break
            seq += c
            if len(seq) >= 2 and (c.isalpha() or c == b"~"):
                break
        return {b"[C": "right", b"OC": "right", b"[D": "left", b"OD": "left"}.get(seq, "esc")
    if b in (b"\r", b"\n"):
        return "enter"
    if b in (b"\x7f", b"\x08"):
        return "backspace"
    if b == b"\x04":
        return "eof"
    if b[0] >= 0x80:  # the rest of a UTF-8 character: not a key we use
        while select.select([fd], [], [], 0.01)[0] and len(b) < 4:
            b += os.read(fd, 1)
        return "other"
    return b.decode("ascii", "replace")


def interactive(t: Trace, passes: list[Pass], digits: int | None, style: str, color: bool,
                stdin: IO[str], stdout: IO[str], *,
                max_matrix: tuple[int, int] = MAX_MATRIX) -> int:
    """Run the keys until q (or end of input); returns the exit code 0. Matrices up to
    ``max_matrix`` are shown in full (see :func:`~.step.frame_lines`)."""
    import termios
    import tty

    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    nav = Navigator([len(p.steps) for p in passes], [p.kind for p in passes])
    keys = KEYS["unicode" if style == "unicode" else "text"]
    message, prompt = "", None
    try:
        tty.setcbreak(fd)
        while True:
            size = shutil.get_terminal_size((100, 30))
            lines = frame_lines(t, passes, nav.p, nav.i, digits, style, color,
                                max_rows=max(3, size.lines - 16), width=max(40, size.columns),
                                max_matrix=max_matrix)
            footer = f"go to step (1-{nav.sizes[nav.p]}): {prompt}" if prompt is not None \
                else keys
            stdout.write(CLEAR + "\n".join(lines) + "\n\n" + (message + "\n" if message else "")
                         + footer)
            stdout.flush()
            key = read_key(fd)
            message = ""
            if prompt is not None:
                if len(key) == 1 and key.isdigit() and len(prompt) < 6:
                    prompt += key
                elif key == "backspace":
                    prompt = prompt[:-1]
                elif key == "enter":
                    message = nav.go(int(prompt)) if prompt else ""
                    prompt = None
                elif key == "eof":
                    break
                else:
                    prompt = None
                continue
            if key in ("enter", "n", "right", " "):
                message = nav.next()
            elif key in ("b", "left"):
                message = nav.back()
            elif key == "g":
                prompt = ""
            elif key in ("f", "r", "p"):
                message = nav.switch({"f": "forward", "r": "reverse", "p": "primal"}[key])
            elif key in ("q", "eof"):
                break
            else:
                message = f"keys: {keys}"
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        stdout.write("\n")
        stdout.flush()
    return 0
