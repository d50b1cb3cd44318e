"""Exported transcripts: readable, in the trace-viewer shape, and free of secrets."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from graph.transcript import to_jsonl, to_markdown
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn

HF_SECRET = "hf_PlantedSecretValue1234567890abcd"
ENV_SECRET = "value-of-my-custom-token-42"


async def run_thread_with_secrets(llm: ScriptedLLMServer, workspace: Path) -> tuple[str, list]:
    (workspace / "creds.txt").write_text(f"HF_TOKEN={HF_SECRET}\nSERVICE={ENV_SECRET}\n")
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": "cat creds.txt"}}]),
        Turn(content=f"Found the token {HF_SECRET}; training done."),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send(f"use my token {HF_SECRET} and Bearer {ENV_SECRET} to train"))
        return session.thread_id, await session.messages()


@pytest.fixture
def planted_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", ENV_SECRET)


async def test_jsonl_export_is_a_linked_claude_code_style_session(
    llm: ScriptedLLMServer, workspace: Path, planted_env: None
) -> None:
    thread_id, messages = await run_thread_with_secrets(llm, workspace)
    text = to_jsonl(
        messages, thread_id=thread_id, model="openai/scripted-model", cwd=str(workspace)
    )
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["type"] for r in records] == ["user", "assistant", "user", "assistant"]
    assert records[0]["parentUuid"] is None
    assert all(r["parentUuid"] == p["uuid"] for p, r in itertools.pairwise(records))
    assert all(r["sessionId"] == thread_id and r["timestamp"] for r in records)
    tool_use = records[1]["message"]["content"][0]
    assert tool_use == {
        "type": "tool_use",
        "id": "b1",
        "name": "bash",
        "input": {"command": "cat creds.txt"},
    }
    result = records[2]["message"]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "b1"
    assert records[3]["message"]["usage"]["output_tokens"] > 0
    assert records[3]["message"]["model"] == "openai/scripted-model"
    assert HF_SECRET not in text and ENV_SECRET not in text
    assert "[REDACTED]" in result["content"]


async def test_markdown_export_reads_like_a_conversation_without_secrets(
    llm: ScriptedLLMServer, workspace: Path, planted_env: None
) -> None:
    thread_id, messages = await run_thread_with_secrets(llm, workspace)
    text = to_markdown(messages, thread_id=thread_id, title="train with my token")
    assert text.startswith("# train with my token")
    assert "## User" in text and "## Assistant" in text and "**Tool call** `bash`" in text
    assert "training done." in text
    assert HF_SECRET not in text and ENV_SECRET not in text


async def test_upload_goes_redacted_to_the_users_own_private_dataset_and_visibility_flips(
    llm: ScriptedLLMServer, workspace: Path, planted_env: None
) -> None:
    from graph.transcript import SESSIONS_DATASET, set_sessions_visibility, upload_transcript
    from tests.fakes.hub_server import FakeHub

    thread_id, messages = await run_thread_with_secrets(llm, workspace)
    jsonl = to_jsonl(messages, thread_id=thread_id)
    with FakeHub() as hub:
        url = upload_transcript(jsonl, thread_id, endpoint=hub.url, token=hub.token)
        upload_transcript(jsonl, thread_id, endpoint=hub.url, token=hub.token)  # updated in place
        repos = [
            r
            for (kind, _), r in hub.repos.items()
            if kind == "datasets" and r.id.endswith(SESSIONS_DATASET)
        ]
        assert len(repos) == 1
        repo = repos[0]
        assert repo.private is True
        assert repo.id == f"alice/{SESSIONS_DATASET}"  # the token owner's own namespace, not an org
        stored = repo.files[f"sessions/{thread_id}.jsonl"].decode()
        assert [f for f in repo.files if f.startswith("sessions/")] == [
            f"sessions/{thread_id}.jsonl"
        ]
        assert url.endswith(f"/datasets/{repo.id}/blob/main/sessions/{thread_id}.jsonl")
        sent = b"".join(r.body for r in hub.requests)
        assert HF_SECRET.encode() not in sent and ENV_SECRET.encode() not in sent
        assert json.loads(stored.splitlines()[0])["sessionId"] == thread_id
        assert set_sessions_visibility(public=True, endpoint=hub.url, token=hub.token) == repo.id
        assert repo.private is False
