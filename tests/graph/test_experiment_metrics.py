"""Metrics from log lines: the three shapes, bad input as clear states, bounded memory."""

from __future__ import annotations

import json
import math

import pytest

from graph.experiment_metrics import MAX_METRICS, MAX_POINTS, RunMetrics, main_metric, parse_line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{'loss': 1.23, 'learning_rate': 2e-05, 'epoch': 0.5}",
         {"loss": 1.23, "learning_rate": 2e-05, "epoch": 0.5}),
        ('{"eval_accuracy": 0.91, "step": 200}', {"eval_accuracy": 0.91, "step": 200.0}),
        ("step 3/3 loss=1.20 lr=3e-4", {"loss": 1.2, "lr": 3e-4}),
        ("100%|####| 3/3 [00:01<00:00, 2.9it/s]", {}),
        ("\x00\xff garbage {{{ ::: === }", {}),
        ("GET https://hf.co/api?limit=10&page=2", {}),  # a URL's query is not a metric
        ("{'loss': 'high', 'note': 'x'}", {}),
        ("", {}),
    ],
)  # fmt: skip
def test_lines_give_their_metrics(line: str, expected: dict[str, float]) -> None:
    assert parse_line(line) == expected


def test_nan_and_inf_are_gaps_never_the_best() -> None:
    metrics = RunMetrics()
    for line in ["loss=2.0", "{'loss': nan}", "loss=inf", "loss=1.5", "loss=-inf"]:
        metrics.add(line)
    data = metrics.to_json()["series"]["loss"]
    assert [p[1] for p in data["points"]] == [2.0, None, None, 1.5, None]
    assert data["best"] == 1.5 and data["nonfinite"] == 3
    assert data["final"] is None and data["final_state"] == "nan"
    assert json.dumps(metrics.to_json(), allow_nan=False)  # strict JSON: no NaN literal
    assert math.isnan(metrics.series["loss"].last or 0)


def test_higher_is_better_for_accuracy_lower_for_loss() -> None:
    metrics = RunMetrics()
    for acc, loss in [(0.5, 2.0), (0.9, 1.0), (0.7, 1.5)]:
        metrics.add(f'{{"eval_accuracy": {acc}, "eval_loss": {loss}}}')
    series = metrics.to_json()["series"]
    assert series["eval_accuracy"]["best"] == 0.9 and series["eval_loss"]["best"] == 1.0
    assert main_metric(list(series)) == "eval_loss"


def test_a_log_without_metrics_says_so() -> None:
    metrics = RunMetrics()
    for line in ["Installing dependencies", "Downloading model", "done"]:
        metrics.add(line)
    assert metrics.to_json() == {"lines": 3, "dropped": 0, "main": None, "series": {}}


def test_memory_stays_bounded_however_long_the_log() -> None:
    metrics = RunMetrics()
    for step in range(50_000):
        metrics.add(f"{{'loss': {1 / (step + 1)}, 'step': {step}}}")
    for i in range(MAX_METRICS + 10):
        metrics.add(f"metric_{i}=1.0")
    loss = metrics.series["loss"]
    assert len(loss.points) <= MAX_POINTS and loss.seen == 50_000
    assert loss.points[0] == [0.0, 1.0] and loss.points[-1] == [49_999.0, 1 / 50_000]
    assert len(metrics.series) == MAX_METRICS and metrics.dropped > 0
