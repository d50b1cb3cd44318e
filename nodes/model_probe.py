"""One cheap request that tells whether a model id works before a thread switches to it."""

from __future__ import annotations

import asyncio

from langchain_core.messages import HumanMessage

from nodes.deps import AgentDeps
from nodes.provider_errors import describe

PROBE_TIMEOUT_S = 30.0


async def probe_model(deps: AgentDeps, model_id: str) -> str | None:
    """None when `model_id` answers a one-token request; else one line saying why not."""
    try:
        model = deps.chat_model(model_id, with_tools=False)
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            await model.ainvoke([HumanMessage(content="Reply with OK.")], max_tokens=1)
    except TimeoutError:
        return f"{model_id} did not answer within {PROBE_TIMEOUT_S:g} s."
    except Exception as error:  # providers raise many classes; describe() words them
        return describe(error, model_id)
    return None
