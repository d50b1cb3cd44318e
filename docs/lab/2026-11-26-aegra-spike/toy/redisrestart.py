import asyncio, subprocess, time
from langgraph_sdk import get_client

def redis(up):
    if up:
        subprocess.run(["redis-server", "--port", "56379", "--bind", "127.0.0.1", "--dir", "/tmp/aegra-redis", "--daemonize", "yes",
                        "--pidfile", "/tmp/aegra-redis/redis.pid", "--logfile", "/tmp/aegra-redis/redis.log", "--save", ""], check=True)
    else:
        pid = int(open("/tmp/aegra-redis/redis.pid").read()); subprocess.run(["kill", str(pid)]); time.sleep(1)

async def main():
    A = get_client(url="http://127.0.0.1:52026", headers={"x-person": "rita"})
    t1 = (await A.threads.create())["thread_id"]
    r1 = await A.runs.create(t1, "toy", input={"question": "slow6"})   # in flight when Redis goes
    await asyncio.sleep(1.5)
    redis(False); t0 = time.monotonic(); print("redis stopped")
    t2 = (await A.threads.create())["thread_id"]
    try:
        r2 = await A.runs.create(t2, "toy", input={"question": "fast"}); print("run created while Redis down:", r2["status"])
    except Exception as e:
        r2 = None; print("run create while Redis down:", str(e)[:80])
    await asyncio.sleep(5)
    redis(True); print(f"redis back after {time.monotonic()-t0:.1f}s")
    for _ in range(60):
        s1 = (await A.runs.get(t1, r1["run_id"]))["status"]
        s2 = (await A.runs.get(t2, r2["run_id"]))["status"] if r2 else "-"
        if s1 not in ("pending", "running") and s2 not in ("pending", "running"):
            break
        await asyncio.sleep(2)
    print(f"at {time.monotonic()-t0:.0f}s: in-flight run {s1}; run made during outage {s2}")
    t3 = (await A.threads.create())["thread_id"]
    n = 0
    async for p in A.runs.stream(t3, "toy", input={"question": "fast"}, stream_mode=["updates"]):
        n += 1
    print("a fresh streamed run after restart:", n, "events")

asyncio.run(main())
