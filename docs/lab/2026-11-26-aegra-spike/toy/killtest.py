import asyncio, os, signal, time
from langgraph_sdk import get_client

async def main():
    A, B = get_client(url="http://127.0.0.1:52026"), get_client(url="http://127.0.0.1:52027")
    t = await A.threads.create(); tid = t["thread_id"]
    run = await A.runs.create(tid, "toy", input={"question": "slow20"})
    t0 = time.monotonic()
    while not os.path.exists("/tmp/aegra-toy-slow-starts.log"):
        await asyncio.sleep(0.2)
    q, pid = open("/tmp/aegra-toy-slow-starts.log").read().split()
    await asyncio.sleep(2)
    os.kill(int(pid), signal.SIGKILL)
    print(f"killed worker process {pid} at {time.monotonic()-t0:.1f}s")
    survivor = B if pid == str(open("/dev/null") and 0) else None
    for c in (A, B):
        try:
            await c.threads.get(tid); survivor = c; break
        except Exception:
            pass
    while True:
        r = await survivor.runs.get(tid, run["run_id"])
        if r["status"] not in ("pending", "running"):
            break
        await asyncio.sleep(2)
    print(f"run {r['status']} at {time.monotonic()-t0:.1f}s")
    print("slow node starts:", open("/tmp/aegra-toy-slow-starts.log").read().split("\n"))
    st = await survivor.threads.get_state(tid)
    print("state next", st["next"], "values", st["values"])

asyncio.run(main())
