"""The wire's figures: the model server's own speed is read off llama.cpp's timings, so a row
taken while the machine was loaded shows a lower generation rate."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ml_tasks.wire import sent_temperature, server_speed


def test_server_speed_sums_the_calls_streamed_or_not(tmp_path: Path) -> None:
    first = {"timings": {"prompt_ms": 1000.0, "predicted_n": 20, "predicted_ms": 1000.0}}
    second = {"timings": {"prompt_ms": 500.0, "predicted_n": 10, "predicted_ms": 1500.0}}
    (tmp_path / "01-response.txt").write_text(json.dumps(first))
    stream = "data: " + json.dumps({"choices": []}) + "\n\ndata: " + json.dumps(second) + "\n\n"
    (tmp_path / "02-response.txt").write_text(stream + "data: [DONE]\n")
    assert server_speed(tmp_path) == {"model_s": 4.0, "gen_tok_s": 12.0}


def test_a_server_without_timings_gives_no_speed(tmp_path: Path) -> None:
    (tmp_path / "01-response.txt").write_text(json.dumps({"usage": {"prompt_tokens": 3}}))
    assert server_speed(tmp_path) == {"model_s": None, "gen_tok_s": None}


def test_the_sampling_sent_is_read_per_chat_completion(tmp_path: Path) -> None:
    def call(n: int, body: dict) -> None:
        (tmp_path / f"{n:02d}-request.json").write_text(json.dumps(body))
        (tmp_path / f"{n:02d}-reply.txt").write_text("ok")

    assert sent_temperature(tmp_path) is None  # no call
    (tmp_path / "01-request.json").write_text("{}")  # a request with no reply: not a call
    assert sent_temperature(tmp_path) is None
    call(2, {"messages": [], "temperature": 0})
    assert sent_temperature(tmp_path) == 0.0
    call(3, {"messages": []})
    assert sent_temperature(tmp_path) == [0.0, "server default"]
