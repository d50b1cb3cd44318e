"""A sandbox Space's life on the Hub: create it, wait until it runs, wake it, delete it.

Creating one is: a private docker Space on the chosen hardware (with a short sleep time on paid
hardware, so a forgotten sandbox stops billing; cpu-basic is free and the Hub fixes its sleep at
48 h), its random access key as the Space secret ML_INTERN_SANDBOX_KEY, the record written at
once (tools/hub/sandbox_records.py), then one commit with the app (README.md, Dockerfile and
tools/hub/sandbox_app.py as server.py), then waiting for the Space's stage to be RUNNING.
Every wait is bounded by START_WAIT_S: a Space that never starts ends in a clear error, never
a hang. A sleeping sandbox is woken (restarted) before it is used; a paused one is left alone.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.hub.client import (
    call_hub,
    explain,
    hf_token,
    hub_api,
    hub_endpoint,
    hub_get,
    repo_url,
)
from tools.hub.sandbox_records import SandboxRecord, forget, now_iso, remember
from tools.result_texts import hub_sandbox as texts
from tools.result_texts import tool_text

KEY_SECRET = "ML_INTERN_SANDBOX_KEY"
APP_PORT = 7860
START_WAIT_S = 600.0  # longest wait for a Space to build and start (tests lower it)
POLL_S = 3.0
CPU_IMAGE = "python:3.12"
GPU_IMAGE = "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-devel"  # torch and nvcc for CUDA checks
READY = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})
FAILED = frozenset({"BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR"})
STOPPED = frozenset({"PAUSED", "STOPPED", "DELETING"})
_IMAGE = re.compile(r"^[A-Za-z0-9][\w./:@-]*$")

# The Hub's list prices for Spaces hardware (USD per hour; https://huggingface.co/docs/hub/
# spaces-gpus). An approval shows these (it may not call the network); a created sandbox
# records the price the Hub's /api/spaces/hardware gives at that moment.
LIST_PRICES: dict[str, float] = {
    "cpu-basic": 0.0, "cpu-upgrade": 0.03, "t4-small": 0.40, "t4-medium": 0.60,
    "l4x1": 0.80, "l4x4": 3.80, "l40sx1": 1.80, "l40sx4": 8.30, "l40sx8": 23.50,
    "a10g-small": 1.00, "a10g-large": 1.50, "a10g-largex2": 3.00, "a10g-largex4": 5.00,
    "a100-large": 2.50, "a100x4": 10.00, "a100x8": 20.00,
}  # fmt: skip


def is_free(flavor: str) -> bool:
    return flavor == "cpu-basic"


def app_files(image: str, thread_id: str) -> dict[str, bytes]:
    """What the Space repo holds: its card (docker SDK, port), Dockerfile and the runtime."""
    readme = (
        f"---\ntitle: ml-intern sandbox\nsdk: docker\napp_port: {APP_PORT}\npinned: false\n---\n\n"
        f"A private sandbox ml-intern created for thread {thread_id}. Delete it when done.\n"
    )
    dockerfile = (
        f"FROM {image}\n"
        "COPY server.py /opt/ml-intern/server.py\n"
        "ENV PYTHONUNBUFFERED=1 HOME=/tmp/home ML_INTERN_SANDBOX_WORKDIR=/tmp/work\n"
        f"EXPOSE {APP_PORT}\n"
        'CMD ["python3", "/opt/ml-intern/server.py"]\n'
    )
    server = Path(__file__).with_name("sandbox_app.py").read_bytes()
    return {"README.md": readme.encode(), "Dockerfile": dockerfile.encode(), "server.py": server}


async def hourly_price(flavor: str) -> float | None:
    """The Hub's current price for `flavor` on Spaces, else its list price."""
    try:
        response = await hub_get(
            f"{hub_endpoint()}/api/spaces/hardware", action="Reading Spaces hardware prices"
        )
        items = response.json()
    except (ToolException, ValueError):
        items = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("name") == flavor:
            per = {"second": 3600, "minute": 60, "hour": 1}.get(str(item.get("unitLabel")))
            cost = item.get("unitCostUSD")
            if per and isinstance(cost, int | float):
                return round(float(cost) * per, 4)
    return LIST_PRICES.get(flavor)


async def _username() -> str:
    if not hf_token():
        raise ToolException(tool_text("hf_sandbox", texts.NEEDS_TOKEN))
    me = await call_hub("Finding your username", hub_api().whoami)
    return str(me["name"])


async def create_space(
    call: CallContext,
    home: Path,
    *,
    flavor: str,
    name: str | None,
    image: str | None,
    sleep_time_s: int,
) -> SandboxRecord:
    """Create the Space, record it, upload its app (it then builds on its own)."""
    image = image or (CPU_IMAGE if flavor.startswith("cpu") else GPU_IMAGE)
    if not _IMAGE.match(image):
        raise ToolException(tool_text("hf_sandbox", texts.NOT_AN_IMAGE, image=image))
    name = name or f"ml-intern-sandbox-{secrets.token_hex(3)}"
    repo_id = name if "/" in name else f"{await _username()}/{name}"
    price = await hourly_price(flavor)
    key = secrets.token_urlsafe(24)
    sleep = None if is_free(flavor) else sleep_time_s
    api = hub_api()
    await call_hub(
        f"Creating sandbox Space {repo_id}",
        api.create_repo,
        repo_id,
        repo_type="space",
        space_sdk="docker",
        private=True,
        space_hardware=flavor,
        space_sleep_time=sleep,
        space_secrets=[{"key": KEY_SECRET, "value": key}],
    )
    record = SandboxRecord(repo_id, flavor, price, sleep, now_iso(), key, call.tool_call_id)
    remember(home, call.thread_id, record)
    await upload_app(repo_id, image, call.thread_id)
    return record


async def upload_app(repo_id: str, image: str, thread_id: str) -> None:
    from huggingface_hub import CommitOperationAdd

    operations = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=data)
        for path, data in app_files(image, thread_id).items()
    ]
    try:
        await call_hub(
            "Uploading the sandbox app",
            hub_api().create_commit,
            repo_id,
            operations,
            commit_message="ml-intern sandbox runtime",
            repo_type="space",
        )
    except ToolException as exc:
        raise ToolException(tool_text("hf_sandbox", texts.NO_APP, error=exc, id=repo_id)) from None


async def stage_of(repo_id: str) -> Any:
    """The Space's runtime (stage, hardware, sleep time) as the Hub reports it."""
    return await call_hub(
        f"Checking sandbox {repo_id}", hub_api().get_space_runtime, repo_id=repo_id
    )


async def still_exists(repo_id: str) -> bool:
    """False when the Space is gone (deleted outside ml-intern); other failures raise."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        await asyncio.to_thread(hub_api().get_space_runtime, repo_id=repo_id)
    except RepositoryNotFoundError:
        return False
    except Exception as exc:
        raise explain(exc, f"Checking sandbox {repo_id}") from exc
    return True


async def wait_until_running(call: CallContext, record: SandboxRecord) -> Any:
    """Poll the stage until RUNNING (waking a sleeping Space once); bounded by START_WAIT_S."""
    repo_id, started, woke, last = record.repo_id, time.monotonic(), False, ""
    while True:
        runtime = await stage_of(repo_id)
        stage = str(runtime.stage)
        if stage in READY:
            return runtime
        if stage in FAILED:
            raise ToolException(_start_failed(repo_id, stage, runtime))
        if stage in STOPPED:
            url = repo_url(repo_id, "space")
            raise ToolException(
                tool_text("hf_sandbox", texts.STOPPED, id=repo_id, stage=stage.lower(), url=url)
            )
        if stage == "SLEEPING" and not woke:
            await call_hub(f"Waking sandbox {repo_id}", hub_api().restart_space, repo_id=repo_id)
            woke = True
        if stage != last:
            call.progress(line=f"sandbox {repo_id}: {stage}", sandbox=repo_id)
            last = stage
        waited = time.monotonic() - started
        if waited >= START_WAIT_S:
            url = repo_url(repo_id, "space")
            raise ToolException(
                tool_text(
                    "hf_sandbox",
                    texts.STILL_STARTING,
                    id=repo_id,
                    stage=stage,
                    waited=waited,
                    url=url,
                )
            )
        await asyncio.sleep(min(POLL_S, max(0.0, START_WAIT_S - waited)))


def _start_failed(repo_id: str, stage: str, runtime: Any) -> str:
    said = (runtime.raw or {}).get("errorMessage") or ""
    said = tool_text("hf_sandbox", texts.START_SAID, said=said[:300]) if said else ""
    url = repo_url(repo_id, "space")
    return tool_text("hf_sandbox", texts.START_FAILED, id=repo_id, stage=stage, said=said, url=url)


async def delete_sandbox(home: Path, thread_id: str, repo_id: str) -> str:
    """Delete the sandbox Space (gone already is fine) and forget it; a sentence saying so.

    The end of a thread calls this for each sandbox the user chose to delete."""
    await call_hub(
        f"Deleting sandbox {repo_id}",
        hub_api().delete_repo,
        repo_id,
        repo_type="space",
        missing_ok=True,
    )
    forget(home, thread_id, repo_id)
    return tool_text("hf_sandbox", texts.DELETED, id=repo_id)
