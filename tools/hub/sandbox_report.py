"""How hf_sandbox reports on sandboxes: ready, listed with their cost, or in detail.

`list_text` and `status_text` ask the Hub for each Space's stage (a sleeping sandbox is not
woken to answer) and the runtime for its work directory, Python and GPUs when it runs. A host
is shown only as the Hub gave it to an open client; otherwise only the Space's Hub page.
"""

from __future__ import annotations

import asyncio

from langchain_core.tools import ToolException

from tools.hub.client import repo_url
from tools.hub.sandbox_client import SandboxClient
from tools.hub.sandbox_lifecycle import READY, stage_of
from tools.hub.sandbox_records import SandboxRecord, price_text, sandbox_line, sleep_text


async def ready_text(record: SandboxRecord) -> str:
    facts = f"{price_text(record.price_per_hour)}; {sleep_text(record.sleep_time_s)}"
    host, health = await runtime_facts(record)
    page = f"Hub page: {repo_url(record.repo_id, 'space')}"
    return "\n".join(
        [
            f"It runs on {record.flavor} ({facts}; its files are lost when it sleeps).",
            f"Host: {host} · {page}" if host else page,
            health,
            f"Run commands with operation='exec', sandbox='{record.repo_id}'.",
        ]
    )


async def runtime_facts(record: SandboxRecord) -> tuple[str, str]:
    """The host the Hub gave ("" if the client could not open) and a line on the runtime."""
    host = ""
    try:
        async with SandboxClient(record) as client:
            host = client.url
            health = await client.health()
    except ToolException as exc:
        return host, f"Its runtime did not answer: {exc}"
    gpu = "; ".join(health.get("gpu") or []) or "none"
    line = f"Work directory {health.get('workdir')} · Python {health.get('python')} · GPU: {gpu}"
    return host, line


async def list_text(records: list[SandboxRecord]) -> str:
    if not records:
        return "This thread has no sandboxes. Create one with operation='create'."

    async def stage(record: SandboxRecord) -> str:
        try:
            return str((await stage_of(record.repo_id)).stage)
        except ToolException:
            return "stage unknown"

    stages = await asyncio.gather(*(stage(r) for r in records))
    lines = [sandbox_line(r, s) for r, s in zip(records, stages, strict=True)]
    running = sum(r.price_per_hour or 0 for r, s in zip(records, stages, strict=True) if s in READY)
    return "\n".join(
        [
            f"{len(records)} sandbox{'es' if len(records) > 1 else ''} in this thread:",
            *lines,
            f"Running now: ${running:.2f}/h",
        ]
    )


async def status_text(record: SandboxRecord) -> str:
    runtime = await stage_of(record.repo_id)
    hardware = runtime.hardware or runtime.requested_hardware or record.flavor
    host, health = await runtime_facts(record) if runtime.stage in READY else ("", "")
    where = f"host {host}" if host else f"Hub page {repo_url(record.repo_id, 'space')}"
    lines = [
        f"Sandbox {record.repo_id}: {runtime.stage} on {hardware} "
        f"({price_text(record.price_per_hour)}; {sleep_text(runtime.sleep_time)}).",
        f"Created {record.created} · {where}",
    ]
    return "\n".join([*lines, health] if health else lines)
