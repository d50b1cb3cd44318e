"""The kept transcripts: a reader sees, per model call, what reached the model since its last reply
and what it wrote back, with long texts cut and every line at most 100 characters."""

from __future__ import annotations

import json
from pathlib import Path

from bench.ml_tasks import transcripts


def _run(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "01-request.json").write_text("")  # a probe of the server, not a model call
    system = {"role": "system", "content": "You are an agent. " * 50}
    user = {"role": "user", "content": "How many rows does sales.csv have?"}
    first = {"model": "local", "messages": [system, user]}
    (folder / "02-request.json").write_text(json.dumps(first))
    (folder / "02-reply.txt").write_text('[native call bash] {"command": "wc -l sales.csv"}')
    call = {"function": {"name": "bash", "arguments": '{"command": "wc -l sales.csv"}'}}
    assistant = {"role": "assistant", "content": "", "tool_calls": [call]}
    result = {"role": "tool", "content": "60 sales.csv\n" + "x" * 5000}
    second = {"model": "local", "messages": [system, user, assistant, result]}
    (folder / "03-request.json").write_text(json.dumps(second))
    (folder / "03-reply.txt").write_text("sales.csv has 59 rows of data and a header line.")
    (folder / "04-request.json").write_text(json.dumps({**second, "messages": [system, user]}))


def test_a_page_shows_each_call_its_new_messages_and_the_reply(tmp_path: Path) -> None:
    _run(tmp_path / "ex" / "csv-count" / "0")
    rows = tmp_path / "rows.jsonl"
    row = {"task": "csv-count", "repeat": 0, "solved": True, "why": "gives 59", "model_calls": 2}
    rows.write_text(json.dumps(row) + "\n" + json.dumps({**row, "repeat": 1}) + "\n")
    out = tmp_path / "page.md"
    transcripts.main([str(tmp_path / "ex"), str(rows), str(out), "--cut", "300"])
    page = out.read_text()

    assert page.count("## csv-count") == 1  # only the repeat asked for
    assert "solved: gives 59; 2 calls" in page
    assert "**Call 1** (2 messages, system prompt 900 characters)" in page
    assert "You are an agent." not in page  # the system prompt is given by its size only
    assert "How many rows does sales.csv have?" in page
    call_two = page.split("**Call 2**")[1]
    assert "How many rows" not in call_two.split("**Call 3**")[0]  # only what is new
    assert "60 sales.csv" in call_two and "[... 4713 more characters]" in call_two
    assert "sales.csv has 59 rows" in call_two
    assert "*no reply recorded*" in page.split("**Call 3**")[1]
    assert all(len(line) <= 100 for line in page.splitlines())


def test_a_task_without_kept_exchanges_says_so(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"task": "csv-count", "repeat": 0, "solved": False}) + "\n")
    out = tmp_path / "page.md"
    transcripts.main([str(tmp_path / "none"), str(rows), str(out)])
    assert "not solved" in out.read_text() and "(no exchanges kept)" in out.read_text()
