"""Spike: identity from a header, isolation by Aegra's user_id, and the guards Aegra lacks
(a per-person cap across replicas, one run per thread) built on its @auth.on hook."""
from langgraph_sdk import Auth
from sqlalchemy import func, select
from aegra_api.core.orm import Run as RunORM, _get_session_maker

auth = Auth()
CAP = 2
ACTIVE = ("pending", "running")


@auth.authenticate
async def who(headers: dict) -> dict:
    person = headers.get("x-person")
    if not person:
        raise Auth.exceptions.HTTPException(status_code=401, detail="who are you?")
    return {"identity": person, "is_authenticated": True}


@auth.on.threads.create_run
async def guard(ctx: Auth.types.AuthContext, value: dict) -> None:
    if not value.get("_spike_guard", True):
        return
    thread_id = value.get("thread_id")
    async with _get_session_maker()() as s:
        mine = await s.scalar(select(func.count()).select_from(RunORM)
                              .where(RunORM.user_id == ctx.user.identity, RunORM.status.in_(ACTIVE)))
        busy = await s.scalar(select(func.count()).select_from(RunORM)
                              .where(RunORM.thread_id == str(thread_id), RunORM.status.in_(ACTIVE))) if thread_id else 0
    if busy:
        raise Auth.exceptions.HTTPException(status_code=409, detail="this thread has a run")
    if mine >= CAP:
        raise Auth.exceptions.HTTPException(status_code=429, detail=f"at your cap of {CAP} runs")
