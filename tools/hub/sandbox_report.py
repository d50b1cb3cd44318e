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
from tools.result_texts import hub_sandbox as texts
from tools.result_texts import tool_text


async def ready_text(record: SandboxRecord) -> str:
    price, sleep = price_text(record.price_per_hour), sleep_text(record.sleep_time_s)
    host, health = await runtime_facts(record)
    page = tool_text("hf_sandbox", texts.HUB_PAGE, url=repo_url(record.repo_id, "space"))
    return "\n".join(
        [
            tool_text("hf_sandbox", texts.RUNS_ON, flavor=record.flavor, price=price, sleep=sleep),
            tool_text("hf_sandbox", texts.HOST, host=host, page=page) if host else page,
            health,
            tool_text("hf_sandbox", texts.RUN_WITH, id=record.repo_id),
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
        return host, tool_text("hf_sandbox", texts.NO_ANSWER, error=exc)
    gpu = "; ".join(health.get("gpu") or []) or "none"
    workdir, python = health.get("workdir"), health.get("python")
    return host, tool_text("hf_sandbox", texts.HEALTH, workdir=workdir, python=python, gpu=gpu)


async def list_text(records: list[SandboxRecord]) -> str:
    if not records:
        return tool_text("hf_sandbox", texts.NO_SANDBOXES)

    async def stage(record: SandboxRecord) -> str:
        try:
            return str((await stage_of(record.repo_id)).stage)
        except ToolException:
            return tool_text("hf_sandbox", texts.STAGE_UNKNOWN)

    stages = await asyncio.gather(*(stage(r) for r in records))
    lines = [sandbox_line(r, s) for r, s in zip(records, stages, strict=True)]
    running = sum(r.price_per_hour or 0 for r, s in zip(records, stages, strict=True) if s in READY)
    count = len(records)
    head = (
        tool_text("hf_sandbox", texts.MANY, count=count)
        if count > 1
        else tool_text("hf_sandbox", texts.ONE, count=count)
    )
    return "\n".join([head, *lines, tool_text("hf_sandbox", texts.RUNNING_NOW, cost=running)])


async def status_text(record: SandboxRecord) -> str:
    runtime = await stage_of(record.repo_id)
    hardware = runtime.hardware or runtime.requested_hardware or record.flavor
    host, health = await runtime_facts(record) if runtime.stage in READY else ("", "")
    where = (
        tool_text("hf_sandbox", texts.AT_HOST, host=host)
        if host
        else tool_text("hf_sandbox", texts.AT_PAGE, url=repo_url(record.repo_id, "space"))
    )
    price, sleep = price_text(record.price_per_hour), sleep_text(runtime.sleep_time)
    lines = [
        tool_text(
            "hf_sandbox",
            texts.STATUS,
            id=record.repo_id,
            stage=runtime.stage,
            hardware=hardware,
            price=price,
            sleep=sleep,
        ),
        tool_text("hf_sandbox", texts.CREATED_WHERE, created=record.created, where=where),
    ]
    return "\n".join([*lines, health] if health else lines)
