"""A thread made outside the server (as the CLI does with --db URL: checkpoints only) - does Aegra see it?"""
import asyncio, uuid, sys
sys.path.insert(0, ".")
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph_sdk import get_client
from graph import graph

async def main():
    tid = str(uuid.uuid4())
    async with AsyncPostgresSaver.from_conn_string("postgresql://postgres@127.0.0.1:55432/aegra") as saver:
        g = graph.copy(update={"checkpointer": saver})
        await g.ainvoke({"question": "fast"}, {"configurable": {"thread_id": tid}})
        print("made in-process; next:", (await g.aget_state({"configurable": {"thread_id": tid}})).next)
    c = get_client(url="http://127.0.0.1:52026", headers={"x-person": "alice"})
    await c.threads.create(thread_id=tid, metadata={"graph_id": "toy"}); print("adopted with metadata graph_id")
    for what, coro in [("get", c.threads.get(tid)), ("state", c.threads.get_state(tid)),
                       ("resume run", c.runs.wait(tid, "toy", command={"resume": {"decisions": [{"type": "reject"}]}}))]:
        try:
            r = await coro; print(what, "OK", str(r)[:100])
        except Exception as e:
            print(what, "->", str(e)[:100])
    try:
        r = await c.runs.wait(tid, "toy", command={"resume": {"decisions": [{"type": "reject"}]}}, if_not_exists="create")
        print("resume with if_not_exists=create ->", str(r)[:120])
    except Exception as e:
        print("resume with if_not_exists=create ->", str(e)[:100])
asyncio.run(main())
