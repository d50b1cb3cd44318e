"""How hf_jobs shows a job, a listing of jobs and the hardware (tools/hub/jobs.py), in the
catalogue's words (tools/result_texts/hub_jobs.py)."""

from __future__ import annotations

import shlex
from typing import Any

from tools.result_texts import hub_jobs as texts
from tools.result_texts import tool_text
from tools.text import cut


def when(value: Any) -> str:
    """A time as the job listings show it (minutes, no zone), or - when there is none."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def stage_of(status: Any) -> str:
    """A job's stage, with the Hub's message when it gives one."""
    said = tool_text("hf_jobs", texts.STAGE_MESSAGE, message=status.message)
    return status.stage + (said if status.message else "")


def job_text(job: Any) -> str:
    """One job: what, where, when, its environment's names and its URL."""
    times = tool_text(
        "hf_jobs",
        texts.TIMES,
        created=when(job.created_at),
        started=when(getattr(job, "started_at", None)),
        finished=when(getattr(job, "finished_at", None)),
    )
    command, image = cut(shlex.join(job.command or []), 200), job.docker_image or job.space_id
    lines = [
        tool_text(
            "hf_jobs",
            texts.JOB,
            id=job.id,
            stage=stage_of(job.status),
            flavor=job.flavor,
            image=image,
            command=command,
            times=times,
        )
    ]
    if job.environment:
        lines.append(tool_text("hf_jobs", texts.ENV, names=", ".join(sorted(job.environment))))
    if job.secrets:
        lines.append(tool_text("hf_jobs", texts.SECRETS, names=", ".join(sorted(job.secrets))))
    lines.append(job.url)
    return "\n".join(lines)


def ps_line(job: Any) -> str:
    """One job of a listing."""
    name = (job.labels or {}).get("name", "")
    return tool_text(
        "hf_jobs",
        texts.PS_LINE,
        id=job.id,
        stage=job.status.stage,
        flavor=job.flavor,
        name=name,
        created=when(job.created_at),
        command=cut(shlex.join(job.command or []), 60),
    )


def scheduled_line(job: Any) -> str:
    """One scheduled job of a listing."""
    if job.suspend:
        state = tool_text("hf_jobs", texts.SUSPENDED)
    else:
        state = tool_text("hf_jobs", texts.ACTIVE)
    last = job.status.last_job.id if job.status.last_job else "-"
    spec = job.job_spec
    return tool_text(
        "hf_jobs",
        texts.SCHEDULED_LINE,
        id=job.id,
        schedule=job.schedule,
        state=state,
        next=when(job.status.next_job_run_at),
        last=last,
        flavor=spec.flavor,
        image=spec.docker_image or spec.space_id,
    )


def hardware_text(items: list[Any]) -> str:
    """The flavors cheapest first: a pick is the first row that fits."""
    lines = [tool_text("hf_jobs", texts.HARDWARE_HEAD)]
    for per_hour, hw in sorted(((per_hour_of(hw), hw) for hw in items), key=lambda row: row[0]):
        card = hw.accelerator
        gpu = (
            tool_text(
                "hf_jobs", texts.GPU, quantity=card.quantity, model=card.model, vram=card.vram
            )
            if card
            else "-"
        )
        lines.append(
            tool_text(
                "hf_jobs",
                texts.HARDWARE_ROW,
                name=hw.name,
                pretty=hw.pretty_name,
                cpu=hw.cpu,
                ram=hw.ram,
                gpu=gpu,
                price=per_hour,
            )
        )
    return "\n".join(lines)


def per_hour_of(hw: Any) -> float:
    """A flavor's price in USD per hour."""
    return float(hw.unit_cost_usd) * (60 if hw.unit_label == "minute" else 1)
