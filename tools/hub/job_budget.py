"""A compute budget for a run: a paid Job counts its worst case before it starts.

The worst case of a job is its hardware's hourly price times its timeout (a job without one
stops after the Hub's default of 30 minutes). Jobs already started in the thread count
theirs (summed in the thread's usage as `job_cost_usd`); a launch that would pass
`max_job_cost` (config, `--max-job-cost`, default $10) is refused with the estimate and the
setting to change. Headless and yolo runs approve Jobs on their own, so this limit is what
keeps a confused run from spending real money.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.hub.client import call_hub, hub_api
from tools.result_texts import tool_text
from tools.result_texts.hub_jobs import OVER_BUDGET

DEFAULT_TIMEOUT_H = 0.5  # the Hub stops a job without a timeout after 30 minutes
BUDGETED = frozenset({"run", "uv"})
_UNITS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def timeout_hours(timeout: str | None) -> float:
    """'30m', '2h', '1d' or plain seconds, in hours."""
    match = _DURATION.match(timeout or "")
    if match is None:
        return DEFAULT_TIMEOUT_H
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


async def hourly_price(flavor: str) -> float:
    """The Hub's price for `flavor` on Jobs, USD per hour (0 when it lists none)."""
    items = await call_hub("Reading Jobs hardware prices", hub_api().list_jobs_hardware)
    for hw in items:
        if hw.name == flavor:
            return float(hw.unit_cost_usd) * (60 if hw.unit_label == "minute" else 1)
    return 0.0


def within_budget(
    handler: Callable[..., Awaitable[str]],
    max_job_cost: float,
    default_timeout: Callable[[str], str | None],
) -> Callable[..., Awaitable[tuple[str, Any]]]:
    """`handler` (the hf_jobs tool) with run/uv refused past the budget; a started job's worst
    case comes back as usage for the thread to sum."""

    async def run(call: CallContext, **a: Any) -> tuple[str, Any]:
        if a.get("operation") not in BUDGETED:
            return await handler(call, **a), None
        timeout = a.get("timeout") or default_timeout(a.get("flavor") or "cpu-basic")
        price = await hourly_price(a.get("flavor") or "cpu-basic")
        worst = round(price * timeout_hours(timeout), 4)
        spent = call.job_spent_usd
        if spent + worst > max_job_cost:
            raise ToolException(
                tool_text(
                    "hf_jobs",
                    OVER_BUDGET,
                    worst=worst,
                    flavor=a.get("flavor"),
                    price=price,
                    timeout=timeout or "30m",
                    spent=spent,
                    budget=max_job_cost,
                )
            )
        return await handler(call, **a), {"usage": {"job_cost_usd": worst}}

    return run
