"""The progress line of the long commands (``salesctl audit``, ``salesctl demo``): a bar, the
share done, the rate and the time left, redrawn in place on standard error at most five times
a second — and only when standard error is a terminal (:func:`wanted`), so that logs and pipes
never receive it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "eta", "wanted"]


def wanted(err: TextIO, forced: bool | None = None) -> bool:
    """Whether to draw a progress line on ``err``: ``forced`` when given (``--progress`` /
    ``--no-progress``), otherwise only when ``err`` is a terminal."""
    if forced is not None:
        return forced
    isatty = getattr(err, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):
        return False


def eta(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour), ``--:--`` when unknown."""
    if seconds != seconds or seconds < 0 or seconds > 360000:  # NaN, negative, absurd
        return "--:--"
    s = int(seconds + 0.5)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class Progress:
    """A progress line on ``err``: ``[#####.....]  42%  <detail>  <rate>  ETA 0:12``.

    Args:
        err: the stream (standard error).
        clock: the time source (tests pass a fake one).
    """

    def __init__(self, err: TextIO, clock: Callable[[], float] | None = None) -> None:
        self.err = err
        self._clock = clock or time.monotonic
        self.start = self._clock()
        self.last = -1.0
        self.drawn = False

    def draw(self, frac: float, detail: str, count: float, unit: str, final: bool = False) -> None:
        """Redraw the line: ``frac`` done (0 to 1), ``detail`` (what is done so far), and
        ``count`` units done so far, from which the rate and the time left are estimated."""
        now = self._clock()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        frac = min(max(frac, 0.0), 1.0)
        elapsed = max(now - self.start, 1e-6)
        rate = count / elapsed
        left = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        width = 24
        filled = int(frac * width)
        bar = "#" * filled + "." * (width - filled)
        self.err.write(
            f"\r[{bar}] {frac:4.0%}  {detail}  {_rate(rate)} {unit}/s  "
            f"ETA {eta(0.0 if final else left)}  "
        )
        self.err.flush()
        self.drawn = True

    def close(self) -> None:
        """End the line (nothing when it was never drawn)."""
        if self.drawn:
            self.err.write("\n")
            self.err.flush()


def _rate(r: float) -> str:
    if r >= 100:
        return f"{r:,.0f}"
    return f"{r:.1f}"
