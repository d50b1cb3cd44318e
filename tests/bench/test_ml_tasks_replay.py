"""The replay screen: a kept request is sent again, as it was or changed as asked, to a model
server on loopback, and each reply is a row saying whether it repeats the request's last call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.ml_tasks import replay
from tests.fakes.llm_server import ScriptedLLMServer, Turn

FAILING = {"command": "python3 - <<'EOF'\nprint(x.sqrt())\nEOF\n"}
FIXED = {"command": "python3 - <<'EOF'\nprint(x ** 0.5)\nEOF\n"}


def _kept(folder: Path) -> Path:
    """A kept request after one failing call, as bench/recording_proxy.py writes it."""
    call = {"id": "c1", "type": "function",
            "function": {"name": "bash", "arguments": json.dumps(FAILING)}}  # fmt: skip
    messages = [
        {"role": "system", "content": "You are an agent."},
        {"role": "user", "content": "What is the RMSE?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "AttributeError: sqrt\n[exit code: 1]"},
    ]
    path = folder / "03-request.json"
    body = {"model": "local", "messages": messages, "temperature": 0.0, "stream": True,
            "stream_options": {"include_usage": True}}  # fmt: skip
    path.write_text(json.dumps(body))
    return path


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_reply_is_a_row_saying_whether_it_resends_the_failing_call(tmp_path: Path) -> None:
    kept, out = _kept(tmp_path), tmp_path / "replays.jsonl"
    turns = [Turn(tool_calls=[{"name": "bash", "arguments": FAILING}]),
             Turn(tool_calls=[{"name": "bash", "arguments": FIXED}])]  # fmt: skip
    with ScriptedLLMServer(turns) as llm:
        replay.main([str(kept), "--base-url", llm.url, "--times", "2", "--out", str(out)])
        sent = llm.requests

    rows = _rows(out)
    assert [row["same_call"] for row in rows] == [True, False]
    assert rows[1]["calls"] == [{"name": "bash", "arguments": FIXED}]
    assert rows[0]["change"] == {} and rows[0]["temperature"] == 0.0
    assert rows[0]["commit"] and rows[0]["request"] == str(kept)
    # Sent as kept, but answered at once: the reply is read whole, not streamed.
    assert all(not request["stream"] and "stream_options" not in request for request in sent)
    assert sent[0]["messages"] == json.loads(kept.read_text())["messages"]


def test_a_change_reaches_the_model_as_asked(tmp_path: Path) -> None:
    kept, out = _kept(tmp_path), tmp_path / "replays.jsonl"
    args = ["--base-url", "", "--times", "1", "--out", str(out), "--temperature", "0.8"]
    with ScriptedLLMServer([Turn(content="7.65"), Turn(content="7.65")]) as llm:
        args[1] = llm.url
        replay.main([str(kept), *args, "--append", "Line 2 failed: print(x.sqrt())"])
        replay.main([str(kept), *args, "--upto", "2", "--say", "Use numpy."])
        first, second = (request["messages"] for request in llm.requests)

    assert first[-1]["content"].endswith("[exit code: 1]\nLine 2 failed: print(x.sqrt())")
    assert [m["role"] for m in second] == ["system", "user", "user"]
    assert second[-1]["content"] == "Use numpy."
    rows = _rows(out)
    assert rows[1]["change"] == {"upto": 2, "say": "Use numpy."}
    assert rows[1]["temperature"] == 0.8 and rows[1]["text"] == "7.65"
    # Nothing to repeat once the call is cut away, nothing repeated by an answer in words.
    assert [row["same_call"] for row in rows] == [None, None]


def test_a_refusing_server_or_an_empty_request_is_a_clear_error(tmp_path: Path) -> None:
    kept, out = _kept(tmp_path), tmp_path / "replays.jsonl"
    with ScriptedLLMServer([Turn(status=400, error_message="over the window")]) as llm:
        with pytest.raises(SystemExit, match=r"answered 400: .*over the window"):
            replay.main([str(kept), "--base-url", llm.url, "--out", str(out)])
        with pytest.raises(SystemExit, match="--upto leaves no message"):
            replay.main([str(kept), "--base-url", llm.url, "--upto", "0", "--out", str(out)])
    assert not out.exists()  # nothing half-written
