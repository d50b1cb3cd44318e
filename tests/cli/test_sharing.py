"""/share and upload.enabled: the redacted transcript lands in the user's private dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.sharing import NO_TOKEN, describe_sessions, flip_visibility, upload_thread
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn


async def test_share_uploads_the_thread_privately_then_flips_visibility(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm.add(Turn(content="Trained. Your token hf_SecretValueThatMustNotLeak0123 was used."))
    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_TOKEN", hub.token)
        async with open_session(fast_settings(llm.url), workspace) as session:
            await collect(session.send("train it"))
            line = await upload_thread(session)
            thread_id = session.thread_id
        assert line.startswith("Shared (private; redacted): ") and thread_id in line
        repo = hub.repos[("datasets", "alice/ml-intern-sessions")]
        assert repo.private
        stored = repo.files[f"sessions/{thread_id}.jsonl"].decode()
        assert "Trained." in stored and "hf_SecretValueThatMustNotLeak0123" not in stored
        described = await describe_sessions()
        assert described == "alice/ml-intern-sessions (1 redacted thread transcripts, now private)"
        marks = stored.count("[REDACTED")
        assert marks == 1  # the token; usage counts (`"input_tokens": 12`) are not secrets
        for line in stored.splitlines():
            json.loads(line)  # redaction keeps every record valid JSON
        checked = await describe_sessions(check_redactions=True)
        assert checked == (
            "alice/ml-intern-sessions (1 redacted thread transcripts, now private); redaction "
            f"replaced {marks} secret-looking values in 1 of them: skim them before making "
            "them public"
        )
        assert await flip_visibility(public=True) == "alice/ml-intern-sessions is now public."
        assert not repo.private
        # The next upload neither hides it again nor claims it is private.
        async with open_session(fast_settings(llm.url), workspace, thread_id="t2") as session:
            llm.add(Turn(content="second"))
            await collect(session.send("again"))
            line = await upload_thread(session)
        assert line.startswith("Shared (PUBLIC: anyone can read it; redacted): ")
        assert not repo.private
        assert await describe_sessions() == (
            "alice/ml-intern-sessions (2 redacted thread transcripts, now public)"
        )
        assert (await describe_sessions(check_redactions=True)).endswith(
            f"replaced {marks} secret-looking values in 1 of them: skim them before making "
            "them public"
        )


async def test_share_without_a_token_says_how_to_get_one(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no cached login either
    async with open_session(fast_settings(llm.url), workspace) as session:
        assert await upload_thread(session) == NO_TOKEN
