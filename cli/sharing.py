"""Opt-in sharing: the redacted transcript goes to the user's own sessions dataset (created
private); what is reported is the dataset's real visibility, read back from the Hub."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.session import Session

NO_TOKEN = "No Hugging Face token: set HF_TOKEN or run `hf auth login`, then /share again."


async def upload_thread(session: Session) -> str:
    """Upload (or update) this thread's transcript; one line saying where it went or why not."""
    from graph.transcript import sessions_dataset, to_jsonl, upload_transcript
    from tools.hub.client import explain, hf_token, hub_endpoint

    token = hf_token()
    if not token:
        return NO_TOKEN
    info = session.info()
    jsonl = to_jsonl(
        await session.messages(),
        thread_id=session.thread_id,
        model=info.model if info else "",
        cwd=info.cwd if info else "",
    )
    try:
        url = await asyncio.to_thread(
            upload_transcript, jsonl, session.thread_id, endpoint=hub_endpoint(), token=token
        )
        found = await asyncio.to_thread(sessions_dataset, endpoint=hub_endpoint(), token=token)
    except Exception as error:
        return f"Upload failed: {explain(error, 'upload the transcript')}"
    # What the Hub says now, not what we asked for: a dataset made public stays public.
    seen = "PUBLIC: anyone can read it" if found and not found.private else "private"
    return f"Shared ({seen}; redacted): {url}"


async def describe_sessions(*, check_redactions: bool = False) -> str | None:
    """One line on the user's sessions dataset for a confirmation, or None if there is none;
    with `check_redactions`, also what redaction replaced in the stored transcripts."""
    from graph.transcript import MAX_CHECKED, count_redactions, sessions_dataset
    from tools.hub.client import hf_token, hub_endpoint

    token = hf_token()
    if not token:
        return None
    found = await asyncio.to_thread(sessions_dataset, endpoint=hub_endpoint(), token=token)
    if found is None:
        return None
    now = "private" if found.private else "public"
    line = f"{found.repo_id} ({found.threads} redacted thread transcripts, now {now})"
    if not check_redactions or not found.threads:
        return line
    marks, touched = await count_redactions(found)
    checked = "" if found.threads <= MAX_CHECKED else f" (of the first {MAX_CHECKED} checked)"
    if not marks:
        return f"{line}; redaction found no secrets in them{checked}"
    return (
        f"{line}; redaction replaced {marks} secret-looking values in {touched} of them"
        f"{checked}: skim them before making them public"
    )


async def flip_visibility(*, public: bool) -> str:
    from graph.transcript import set_sessions_visibility
    from tools.hub.client import explain, hf_token, hub_endpoint

    token = hf_token()
    if not token:
        return NO_TOKEN
    try:
        repo_id = await asyncio.to_thread(
            set_sessions_visibility, public=public, endpoint=hub_endpoint(), token=token
        )
    except Exception as error:
        return f"Could not change visibility: {explain(error, 'change the dataset visibility')}"
    return f"{repo_id} is now {'public' if public else 'private'}."
