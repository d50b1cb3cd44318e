"""N runs at once of the 3 x 0.6 s bench graph, spread over the replicas, each streamed by its client.
Reports wall vs model time and server CPU per step (both replicas' utime+stime, plus redis and postgres)."""
import asyncio, os, sys, time, subprocess
from langgraph_sdk import get_client
N = int(sys.argv[1]); PIDS = [int(p) for p in sys.argv[2].split(",")]; PORTS = [int(x) for x in os.environ.get("PORTS", "52026,52027").split(",")][:len(PIDS)]
TICK = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK

def pg_redis_cpu():
    pids = subprocess.run(["pgrep", "-u", "postgres", "-f", "postgres"], capture_output=True, text=True).stdout.split()
    pids += [open("/tmp/aegra-redis/redis.pid").read().strip()]
    tot = 0.0
    for p in pids:
        try: tot += cpu(int(p))
        except Exception: pass
    return tot

async def one(c, lat):
    t = (await c.threads.create())["thread_id"]
    t0 = time.monotonic(); n = 0
    async for p in c.runs.stream(t, "bench", input={"log": []}, stream_mode=["updates"]):
        n += 1
    lat.append(time.monotonic() - t0)
    return n

async def main():
    clients = [get_client(url=f"http://127.0.0.1:{p}") for p in PORTS]
    await asyncio.gather(*[one(clients[i % len(clients)], []) for i in range(4)])  # warm
    c0 = sum(cpu(p) for p in PIDS); d0 = pg_redis_cpu(); t0 = time.monotonic(); lat = []
    res = await asyncio.gather(*[one(clients[i % len(clients)], lat) for i in range(N)], return_exceptions=True)
    wall = time.monotonic() - t0; c1 = sum(cpu(p) for p in PIDS); d1 = pg_redis_cpu()
    errs = [r for r in res if isinstance(r, Exception)]
    lat.sort()
    print(f"N={N} replicas={len(PIDS)}: wall {wall:.2f}s vs model 1.8s ({wall/1.8:.2f}x); "
          f"p50 run {lat[len(lat)//2]:.2f}s p95 {lat[int(len(lat)*0.95)-1]:.2f}s; "
          f"aegra CPU/step {1000*(c1-c0)/(3*N):.1f} ms, +pg/redis {1000*(d1-d0)/(3*N):.1f} ms; errors {len(errs)} {[str(e)[:60] for e in errs[:2]]}")
asyncio.run(main())
