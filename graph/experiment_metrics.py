"""Metrics read from a run's log lines, in bounded memory whatever the log's length.

Three shapes are recognised, anywhere in a line: the dicts transformers' Trainer prints
(``{'loss': 1.23, 'learning_rate': 2e-05, 'epoch': 0.5}``), JSON lines
(``{"eval_accuracy": 0.91, "step": 200}``) and ``key=value`` pairs (``step 3/3 loss=1.20``).
Nothing is evaluated: a pattern picks out names and numbers, so a garbage line yields nothing.
NaN and infinity are kept as gaps (``None``) and counted, never as a best value::

    >>> m = RunMetrics(); m.add("{'loss': 2.0, 'epoch': 0.5}"); m.add("loss=nan"); m.final("loss")
    'nan'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

LINE_CHARS = 4096  # only the start of a very long line is read
MAX_POINTS = 1000  # per metric; past it every other point is dropped (first and last kept)
MAX_METRICS = 64
AXES = ("step", "global_step", "epoch")
NOT_MAIN = frozenset({*AXES, "learning_rate", "lr", "grad_norm", "total_flos", "num_tokens"})
MAIN_ORDER = ("eval_loss", "loss", "train_loss")
LOWER_IS_BETTER = ("loss", "error", "perplexity", "ppl", "wer", "cer", "mse", "mae", "rmse")

_NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|NaN|inf|Infinity)"
_NAME = r"[A-Za-z_][\w./-]{0,63}"
_IN_BRACES = re.compile(rf"""['"]({_NAME})['"]\s*:\s*({_NUMBER})(?![\w.])""")
_PAIR = re.compile(rf"""(?<![\w./?&-])({_NAME})\s*=\s*({_NUMBER})(?![\w.])""")


def parse_line(line: str) -> dict[str, float]:
    """The metrics one log line reports ({} for a line with none)."""
    text = line[:LINE_CHARS]
    pattern = _IN_BRACES if "{" in text and ":" in text else _PAIR
    found = {name: _number(value) for name, value in pattern.findall(text)}
    return found if found or pattern is _PAIR else dict(_pairs(text))


def _pairs(text: str) -> list[tuple[str, float]]:
    return [(name, _number(value)) for name, value in _PAIR.findall(text)]


def _number(text: str) -> float:
    lowered = text.lower().lstrip("+")
    if lowered in {"nan", "-nan"}:
        return math.nan
    if lowered.lstrip("-") in {"inf", "infinity"}:
        return -math.inf if lowered.startswith("-") else math.inf
    return float(text)


def lower_is_better(name: str) -> bool:
    return any(word in name.lower() for word in LOWER_IS_BETTER)


@dataclass
class Series:
    """One metric: sampled points [x, value or None], the exact final and best values."""

    lower: bool = False  # lower values are better (a loss, an error rate)
    points: list[list[float | None]] = field(default_factory=list)
    stride: int = 1
    seen: int = 0
    nonfinite: int = 0
    last: float | None = None
    best: float | None = None

    def add(self, x: float, value: float) -> None:
        self.seen += 1
        finite = math.isfinite(value)
        self.nonfinite += not finite
        self.last = value if finite else math.nan
        if finite and (
            self.best is None or (value < self.best if self.lower else value > self.best)
        ):
            self.best = value
        if (self.seen - 1) % self.stride == 0:
            self.points.append([x, value if finite else None])
            if len(self.points) > MAX_POINTS:
                self.points = self.points[::2]
                self.stride *= 2
        elif self.points:
            self.points[-1] = [x, value if finite else None]  # the latest point stays shown

    def to_json(self) -> dict[str, Any]:
        last = None if self.last is None or math.isnan(self.last) else self.last
        return {
            "points": self.points,
            "stride": self.stride,
            "seen": self.seen,
            "nonfinite": self.nonfinite,
            "final": last,
            "final_state": "nan" if self.last is not None and math.isnan(self.last) else None,
            "best": self.best,
        }


@dataclass
class RunMetrics:
    """Every metric of one run, fed line by line."""

    series: dict[str, Series] = field(default_factory=dict)
    lines: int = 0
    dropped: int = 0  # values of metrics past MAX_METRICS

    def add(self, line: str) -> bool:
        """Read one line; True when it held a metric."""
        self.lines += 1
        found = parse_line(line)
        if not found:
            return False
        x = next((found[a] for a in AXES if a in found and math.isfinite(found[a])), None)
        for name, value in found.items():
            if name in AXES and name != "epoch":
                continue
            series = self.series.get(name)
            if series is None:
                if len(self.series) >= MAX_METRICS:
                    self.dropped += 1
                    continue
                series = self.series[name] = Series(lower=lower_is_better(name))
            series.add(float(series.seen) if x is None else x, value)
        return True

    def final(self, name: str) -> float | str | None:
        series = self.series.get(name)
        if series is None or series.last is None:
            return None
        return "nan" if math.isnan(series.last) else series.last

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "dropped": self.dropped,
            "main": main_metric(list(self.series)),
            "series": {name: s.to_json() for name, s in self.series.items()},
        }


def main_metric(names: list[str]) -> str | None:
    """The metric a table shows for a run: eval loss, else loss, else the first one logged."""
    for name in MAIN_ORDER:
        if name in names:
            return name
    return next((n for n in names if n not in NOT_MAIN), None)
