"""`ml-intern threads list/show/delete/export` on a thread made by a headless run."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.cli.conftest import Cli, lines_of
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e
SECRET = "hf_" + "abcdefghijklmnopqrstuvwxyzABCD"


def test_threads_list_show_export_delete(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(
            content="Looking.", tool_calls=[{"name": "bash", "arguments": {"command": "echo 42"}}]
        ),
        Turn(content="The answer is **42**."),
    )
    prompt = f"what is the answer? (my token is {SECRET})"
    done = cli.run("--model", "openai/scripted-model", "--thread-id", "t-1", prompt)
    assert done.returncode == 0, done.stderr

    listed = cli.run("threads", "list")
    assert listed.returncode == 0
    assert "t-1" in listed.stdout and "what is the answer?" in listed.stdout
    assert SECRET not in listed.stdout
    elsewhere = cli.cwd.parent / "elsewhere"
    elsewhere.mkdir()
    cli.cwd, here = elsewhere, cli.cwd
    assert "No threads in this directory" in cli.run("threads", "list").stdout
    rows = json.loads(cli.run("threads", "list", "--all", "--json").stdout)
    cli.cwd = here
    assert [r["thread_id"] for r in rows] == ["t-1"]
    assert rows[0]["model"] == "openai/scripted-model" and rows[0]["cwd"] == str(here.resolve())

    shown = cli.run("threads", "show", "t-1")
    assert shown.returncode == 0, shown.stderr
    assert "## User" in shown.stdout and "The answer is **42**." in shown.stdout
    assert "`bash`" in shown.stdout and "echo 42" in shown.stdout
    assert SECRET not in shown.stdout and "[REDACTED]" in shown.stdout

    markdown = cli.run("threads", "export", "t-1", "--format", "md", "-o", "t1.md")
    assert markdown.returncode == 0, markdown.stderr
    assert (cli.cwd / "t1.md").read_text() == shown.stdout

    exported = cli.run("threads", "export", "t-1", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    assert SECRET not in exported.stdout
    records = [json.loads(line) for line in lines_of(exported.stdout)]
    assert [r["type"] for r in records] == ["user", "assistant", "user", "assistant"]
    assert all(r["sessionId"] == "t-1" and r["timestamp"] for r in records)
    call = records[1]["message"]["content"][-1]
    assert call["type"] == "tool_use" and call["name"] == "bash"
    result = records[2]["message"]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == call["id"]
    assert "42" in result["content"]
    final = records[3]["message"]
    assert final["model"] == "openai/scripted-model" and final["usage"]["input_tokens"] > 0

    pruned = cli.run("threads", "prune", "t-1", "--keep", "1")
    assert pruned.returncode == 0, pruned.stderr
    assert "Pruned 1 thread(s)" in pruned.stdout
    db = sqlite3.connect(cli.home / "threads.sqlite")
    kept = db.execute("SELECT count(*) FROM checkpoints WHERE thread_id = 't-1'").fetchone()[0]
    db.close()
    assert 1 <= kept <= 2  # the latest, and the one undo forks from
    assert cli.run("threads", "show", "t-1").stdout == shown.stdout  # nothing visible is lost

    deleted = cli.run("threads", "delete", "t-1")
    assert deleted.returncode == 0 and "Deleted thread t-1" in deleted.stdout
    assert json.loads(cli.run("threads", "list", "--all", "--json").stdout) == []
    db = sqlite3.connect(cli.home / "threads.sqlite")
    left = db.execute("SELECT count(*) FROM checkpoints WHERE thread_id = 't-1'").fetchone()
    db.close()
    assert left == (0,)
    missing = cli.run("threads", "show", "t-1")
    assert missing.returncode == 2 and "No thread 't-1'" in missing.stderr
