import asyncio, sys
from langgraph_sdk import get_client
async def main(tid):
    c = get_client(url="http://127.0.0.1:52026", headers={"x-person": "alice"})
    await c.threads.create(thread_id=tid, if_exists="do_nothing")
    st = await c.threads.get_state(tid); print("after POST /threads {thread_id}: next", st["next"], "values", st["values"])
    print("thread status:", (await c.threads.get(tid))["status"])
    try:
        r = await c.runs.wait(tid, "toy", command={"resume": {"decisions": [{"type": "reject"}]}}); print("resume:", r)
    except Exception as e:
        print("resume ->", str(e)[:120])
    r = await c.runs.wait(tid, "toy", command={"resume": {"decisions": [{"type": "reject"}]}}, input=None) if False else None
asyncio.run(main(sys.argv[1]))
