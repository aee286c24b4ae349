"""Axis extents on nice ticks; a percent axis ends at 100 unless a value exceeds it."""

from __future__ import annotations

import math

from ..analysis import fmt_number
from .spec import Axis, Fit
from .text import text_em

# --------------------------------------------------------------------------- axes


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k step that cuts ``span`` into at most ``max_ticks`` intervals."""
    span = abs(span) or 1.0
    raw = span / max(max_ticks, 1)
    k = 10 ** math.floor(math.log10(raw))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= raw * (1 - 1e-9))


def nice_axis(lo: float, hi: float, *, percent: bool, label: str, max_ticks: int = 6,
              zero: bool = True) -> Axis:
    """Axis from ``lo`` to ``hi`` on nice ticks; a percent axis ends at 100 unless a value exceeds it."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if zero and lo > 0:
        lo = 0.0
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    if percent and zero and 0 <= lo and hi <= 100:
        return Axis(0.0, 100.0, _ticks(0.0, 100.0, nice_step(100, max_ticks)), label, True)
    step = nice_step(hi - lo, max_ticks)
    lo_n = math.floor(lo / step + 1e-9) * step
    hi_n = math.ceil(hi / step - 1e-9) * step
    ticks = _ticks(lo_n, hi_n, step)
    if percent and hi <= 100 < hi_n:  # a share needs no axis beyond 100 %
        hi_n, ticks = 100.0, [t for t in ticks if t <= 100]
    return Axis(_clean(lo_n), _clean(hi_n), ticks, label, percent)


def _clean(x: float) -> float:
    return float(f"{x:.10g}")


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    n = int(round((hi - lo) / step))
    return [_clean(lo + i * step) for i in range(n + 1)]


def _max_ticks(hi: float, fit: Fit) -> int:
    widest = text_em(fmt_number(hi)) * 0.6 * fit.font_pt + 10
    return max(2, min(6, int(fit.plot_pt / widest / 1.6)))
