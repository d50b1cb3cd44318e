import asyncio, subprocess, time
from langgraph_sdk import get_client
PGCTL = "su postgres -s /bin/sh -c '/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/aegra-pg/data -m fast -w restart -o \"-p 55432 -k /tmp/aegra-pg -c listen_addresses=127.0.0.1 -c max_connections=200\" -l /tmp/aegra-pg/pg.log'"
async def main():
    A = get_client(url="http://127.0.0.1:52026", headers={"x-person": "pete"})
    t1 = (await A.threads.create())["thread_id"]
    r1 = await A.runs.create(t1, "toy", input={"question": "slow6"})
    await asyncio.sleep(1.5)
    t0 = time.monotonic(); subprocess.run(PGCTL, shell=True, capture_output=True); print(f"postgres restarted in {time.monotonic()-t0:.1f}s")
    for _ in range(40):
        try:
            s = await A.runs.get(t1, r1["run_id"])
            if s["status"] not in ("pending", "running"): break
        except Exception as e:
            print("get failed:", str(e)[:60])
        await asyncio.sleep(2)
    print(f"in-flight run across a PostgreSQL restart: {s['status']} at {time.monotonic()-t0:.0f}s")
    st = await A.threads.get_state(t1); print("  state next:", st["next"], "steps:", st["values"].get("steps"))
    t2 = (await A.threads.create())["thread_id"]
    n = 0
    async for p in A.runs.stream(t2, "toy", input={"question": "fast"}, stream_mode=["updates"]): n += 1
    print("fresh run after restart:", n, "events")
asyncio.run(main())
