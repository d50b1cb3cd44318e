"""Cross-replica: join a run's stream on the other replica, cancel from the other replica,
and two runs on one thread at once."""
import asyncio, sys, time
from langgraph_sdk import get_client


async def join_and_cancel():
    A, B = get_client(url="http://127.0.0.1:52026"), get_client(url="http://127.0.0.1:52027")
    t = await A.threads.create(); tid = t["thread_id"]
    run = await A.runs.create(tid, "toy", input={"question": "slow"}, stream_mode=["updates", "custom"])
    t0 = time.monotonic()
    seen = []
    async def joiner():
        async for p in B.runs.join_stream(tid, run["run_id"], stream_mode=["updates", "custom"]):
            seen.append((round(time.monotonic() - t0, 2), p.event, str(p.data)[:80]))
    j = asyncio.create_task(joiner())
    await asyncio.sleep(2)
    print("status on B after 2s:", (await B.runs.get(tid, run["run_id"]))["status"])
    await B.runs.cancel(tid, run["run_id"])
    print("cancel from B sent at", round(time.monotonic() - t0, 2))
    await asyncio.wait_for(j, 20)
    print("joined stream on B:", seen)
    for _ in range(10):
        r = await A.runs.get(tid, run["run_id"])
        if r["status"] not in ("pending", "running"):
            break
        await asyncio.sleep(0.5)
    print("status after cancel:", r["status"], "at", round(time.monotonic() - t0, 2),
          "thread:", (await A.threads.get(tid))["status"])
    st = await A.threads.get_state(tid)
    print("values after cancel:", st["values"], "next", st["next"])


async def two_runs_one_thread():
    A, B = get_client(url="http://127.0.0.1:52026"), get_client(url="http://127.0.0.1:52027")
    t = await A.threads.create(); tid = t["thread_id"]
    r1, r2 = await asyncio.gather(
        A.runs.create(tid, "toy", input={"question": "slow"}, multitask_strategy="reject"),
        B.runs.create(tid, "toy", input={"question": "slow"}, multitask_strategy="reject"),
        return_exceptions=True)
    print("two creates:", [type(r).__name__ if isinstance(r, Exception) else r["status"] for r in (r1, r2)],
          [str(r)[:120] for r in (r1, r2) if isinstance(r, Exception)])
    await asyncio.sleep(9)
    runs = await A.runs.list(tid)
    print("runs on thread:", [(r["run_id"][:8], r["status"]) for r in runs])
    st = await A.threads.get_state(tid)
    print("steps counter (1 if one run executed, 2 if both):", st["values"].get("steps"), "next", st["next"])
    hist = await A.threads.get_history(tid, limit=50)
    print("checkpoints:", len(hist), [h["metadata"].get("run_id", "")[:8] for h in hist])
    # third: a run while the thread is busy, sequential
    r3 = await A.runs.create(tid, "toy", input={"question": "slow"}, multitask_strategy="reject")
    await asyncio.sleep(0.5)
    try:
        r4 = await B.runs.create(tid, "toy", input={"question": "fast"}, multitask_strategy="reject")
        print("second run on a busy thread accepted:", r4["status"])
    except Exception as e:
        print("second run on busy thread refused:", str(e)[:150])

async def main():
    if "join" in sys.argv: await join_and_cancel()
    if "two" in sys.argv: await two_runs_one_thread()
asyncio.run(main())
