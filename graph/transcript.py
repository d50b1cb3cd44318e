"""Export a thread for people (markdown) and for trace viewers (Claude-Code-style JSONL).

Everything is redacted on the way out; upload goes only to the user's own private dataset.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from models.messages import is_user_message, note_kind, text_of
from nodes.history import created_at
from tools.secrets import redact, redact_data

FORMAT_VERSION = "ml-intern-1"
SESSIONS_DATASET = "ml-intern-sessions"


def jsonl_records(
    messages: Sequence[AnyMessage], *, thread_id: str, model: str = "", cwd: str = ""
) -> list[dict[str, Any]]:
    """One record per message, in the Claude Code session shape, each linked to its parent."""
    records: list[dict[str, Any]] = []
    parent: str | None = None
    for message in messages:
        record_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{thread_id}/{message.id or len(records)}"))
        base = {
            "uuid": record_id,
            "parentUuid": parent,
            "sessionId": thread_id,
            "timestamp": created_at(message),
            "cwd": cwd,
            "version": FORMAT_VERSION,
            "isSidechain": False,
            "userType": "external",
        }
        records.append({**base, **_body(message, model)})
        parent = record_id
    return redact_data(records)


def _body(message: AnyMessage, model: str) -> dict[str, Any]:
    if isinstance(message, AIMessage):
        content: list[dict[str, Any]] = []
        if text := text_of(message.content):
            content.append({"type": "text", "text": text})
        content += [
            {"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["args"]}
            for c in message.tool_calls
        ]
        usage = message.usage_metadata or {}
        return {
            "type": "assistant",
            "message": {
                "id": message.id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": "tool_use" if message.tool_calls else "end_turn",
                "usage": {
                    "input_tokens": usage.get("input_tokens", 0),
                    "output_tokens": usage.get("output_tokens", 0),
                },
            },
        }
    if isinstance(message, ToolMessage):
        result = {
            "type": "tool_result",
            "tool_use_id": message.tool_call_id,
            "content": text_of(message.content),
            "is_error": message.status == "error",
        }
        return {"type": "user", "message": {"role": "user", "content": [result]}}
    if is_user_message(message):
        return {"type": "user", "message": {"role": "user", "content": text_of(message.content)}}
    return {
        "type": "system",
        "subtype": note_kind(message) or message.type,
        "content": text_of(message.content),
    }


def to_jsonl(
    messages: Sequence[AnyMessage], *, thread_id: str, model: str = "", cwd: str = ""
) -> str:
    records = jsonl_records(messages, thread_id=thread_id, model=model, cwd=cwd)
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def to_markdown(
    messages: Sequence[AnyMessage],
    *,
    thread_id: str,
    title: str = "",
    usage: Mapping[str, Any] | None = None,
) -> str:
    lines = [f"# {title or 'ml-intern thread'}", "", f"Thread `{thread_id}`"]
    if usage:
        lines.append(
            f"Tokens: {usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out, "
            f"cost ${usage.get('cost_usd', 0.0):.4f}"
        )
    for message in messages:
        lines += ["", *_markdown_block(message)]
    return redact("\n".join(lines) + "\n")


def _markdown_block(message: AnyMessage) -> list[str]:
    stamp = f" <sub>{created_at(message)}</sub>" if created_at(message) else ""
    if isinstance(message, AIMessage):
        block = [f"## Assistant{stamp}"]
        if text := text_of(message.content):
            block += ["", text]
        for call in message.tool_calls:
            args = json.dumps(call["args"], indent=2, ensure_ascii=False)
            block += [
                "",
                f"**Tool call** `{call['name']}` (`{call['id']}`)",
                "```json",
                args,
                "```",
            ]
        return block
    if isinstance(message, ToolMessage):
        status = " (error)" if message.status == "error" else ""
        fence = "~~~~"
        return [
            f"<details><summary>Result of <code>{message.name or 'tool'}</code>{status}</summary>",
            "",
            fence,
            text_of(message.content),
            fence,
            "</details>",
        ]
    if is_user_message(message):
        return [f"## User{stamp}", "", text_of(message.content)]
    return [
        f"> *{note_kind(message) or 'note'}:* " + text_of(message.content).replace("\n", "\n> ")
    ]


@dataclass(frozen=True)
class SessionsDataset:
    """The user's sessions dataset as the Hub reports it (not as we last set it)."""

    repo_id: str
    private: bool
    threads: int
    files: tuple[str, ...] = ()


def upload_transcript(jsonl: str, thread_id: str, *, endpoint: str, token: str) -> str:
    """Put the (already redacted) JSONL in the user's own sessions dataset; returns the file URL.

    The dataset is always `{whoami}/ml-intern-sessions`, under the token owner's
    own name, created private when missing (an existing one keeps its visibility); one file
    per thread, replaced in place.
    """
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    user = api.whoami()["name"]
    repo_id = f"{user}/{SESSIONS_DATASET}"
    api.create_repo(repo_id, repo_type="dataset", private=True, exist_ok=True)
    path = f"sessions/{thread_id}.jsonl"
    api.upload_file(
        path_or_fileobj=redact(jsonl).encode(),
        path_in_repo=path,
        repo_id=repo_id,
        repo_type="dataset",
        commit_message=f"ml-intern session {thread_id}",
    )
    return f"{endpoint.rstrip('/')}/datasets/{repo_id}/blob/main/{path}"


def sessions_dataset(*, endpoint: str, token: str) -> SessionsDataset | None:
    """The user's sessions dataset with its real visibility and thread count; None if absent."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    api = HfApi(endpoint=endpoint, token=token)
    repo_id = f"{api.whoami()['name']}/{SESSIONS_DATASET}"
    try:
        info = api.repo_info(repo_id, repo_type="dataset", files_metadata=False)
    except RepositoryNotFoundError:
        return None
    files = [s.rfilename for s in info.siblings or []]
    transcripts = tuple(f for f in files if f.startswith("sessions/") and f.endswith(".jsonl"))
    return SessionsDataset(repo_id, bool(info.private), len(transcripts), transcripts)


REDACTION_MARK = "[REDACTED"
MAX_CHECKED = 200


async def count_redactions(dataset: SessionsDataset) -> tuple[int, int]:
    """(values redacted, transcripts with any) over the dataset's transcripts as stored, the
    first MAX_CHECKED of them: what making it public would show, said before it happens."""
    from urllib.parse import quote

    from tools.hub.client import hub_endpoint, hub_get

    marks = touched = 0
    base = f"{hub_endpoint()}/datasets/{dataset.repo_id}/resolve/main"
    for path in dataset.files[:MAX_CHECKED]:
        response = await hub_get(f"{base}/{quote(path)}", action=f"Reading {path}")
        found = response.text.count(REDACTION_MARK)
        marks += found
        touched += bool(found)
    return marks, touched


def set_sessions_visibility(*, public: bool, endpoint: str, token: str) -> str:
    """Flip the user's sessions dataset between private and public; returns its repo id."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    repo_id = f"{api.whoami()['name']}/{SESSIONS_DATASET}"
    api.update_repo_settings(repo_id, private=not public, repo_type="dataset")
    return repo_id
