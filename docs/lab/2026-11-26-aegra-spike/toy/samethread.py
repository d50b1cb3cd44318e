import asyncio, httpx
from langgraph_sdk import get_client
async def main():
    A = get_client(url="http://127.0.0.1:52026", headers={"x-person": "carol"})
    B = get_client(url="http://127.0.0.1:52027", headers={"x-person": "carol"})
    for n in range(3):
        t = (await A.threads.create())["thread_id"]
        res = await asyncio.gather(A.runs.create(t, "toy", input={"question": "slow2"}),
                                   B.runs.create(t, "toy", input={"question": "slow2"}), return_exceptions=True)
        print("one thread, two replicas at once:", ["ok" if not isinstance(r, Exception) else str(r)[:60] for r in res])
        await asyncio.sleep(3)
        print("  thread status after:", (await A.threads.get(t))["status"], [r["status"] for r in await A.runs.list(t)])
asyncio.run(main())
