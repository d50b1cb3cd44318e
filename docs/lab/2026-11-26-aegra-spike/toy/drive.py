"""Drive the toy graph through Aegra with langgraph-sdk: thread, run, interrupt, resume, stream."""
import asyncio, sys, time
from langgraph_sdk import get_client

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:52026"
URL2 = sys.argv[2] if len(sys.argv) > 2 else URL


async def main():
    c = get_client(url=URL)
    c2 = get_client(url=URL2)
    t = await c.threads.create()
    tid = t["thread_id"]
    print("thread", tid)
    t0 = time.monotonic()
    parts = []
    async for part in c.runs.stream(tid, "toy", input={"question": "fast"},
                                    stream_mode=["updates", "custom", "values"]):
        parts.append(part.event)
        if part.event in ("updates", "custom"):
            print("  1st run:", part.event, part.data)
    print("events:", sorted(set(parts)), f"{time.monotonic()-t0:.2f}s")
    st = await c2.threads.get_state(tid)
    print("state.next", st["next"], "interrupts:", [i["value"] for task in st["tasks"] for i in task.get("interrupts", [])])
    th = await c2.threads.get(tid)
    print("thread status", th["status"])
    async for part in c2.runs.stream(tid, "toy", command={"resume": {"decisions": [{"type": "approve"}]}},
                                     stream_mode=["updates", "values"]):
        if part.event == "updates":
            print("  resume:", part.event, part.data)
    st = await c.threads.get_state(tid)
    print("final values", st["values"], "next", st["next"])
    hist = await c.threads.get_history(tid, limit=20)
    print("history checkpoints", len(hist))

asyncio.run(main())
