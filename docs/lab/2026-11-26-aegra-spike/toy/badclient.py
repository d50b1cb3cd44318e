"""A client that opens N streams of one chatty run and never reads them; meanwhile a good
client on the same replica runs and streams. Measures the replica's RSS and Redis clients."""
import asyncio, os, socket, subprocess, sys, time
from langgraph_sdk import get_client

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
PORT, PID = 52027, int(sys.argv[2])

def rss(pid):
    return int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0]) // 1024

def redis_clients():
    out = subprocess.run(["redis-cli", "-p", "56379", "info", "clients"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if l.startswith("connected_clients")][0]

async def main():
    H = {"x-person": "mallory"}
    bad = get_client(url="http://127.0.0.1:52026", headers=H)
    good = get_client(url=f"http://127.0.0.1:{PORT}", headers={"x-person": "gina"})
    t = (await bad.threads.create())["thread_id"]
    run = await bad.runs.create(t, "toy", input={"question": "chatty600"})
    print("before: RSS", rss(PID), "MB;", redis_clients())
    socks = []
    req = (f"GET /threads/{t}/runs/{run['run_id']}/stream HTTP/1.1\r\nHost: x\r\nx-person: mallory\r\n"
           "Accept: text/event-stream\r\n\r\n").encode()
    t0 = time.monotonic()
    for i in range(N):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", PORT)); s.sendall(req); socks.append(s)
    print(f"opened {N} never-read streams in {time.monotonic()-t0:.1f}s")
    await asyncio.sleep(3)
    print("with bad streams: RSS", rss(PID), "MB;", redis_clients())
    t1 = time.monotonic()
    gt = (await good.threads.create())["thread_id"]
    evs = 0
    try:
        async for p in good.runs.stream(gt, "toy", input={"question": "chatty100"}, stream_mode=["custom"]):
            evs += 1
        print(f"good client on the same replica: {evs} events in {time.monotonic()-t1:.1f}s")
    except Exception as e:
        print("good client FAILED:", type(e).__name__, str(e)[:200])
    await asyncio.sleep(10)
    print("after run ends: RSS", rss(PID), "MB;", redis_clients(), "run:", (await bad.runs.get(t, run["run_id"]))["status"])
    for s in socks: s.close()
    await asyncio.sleep(3)
    print("after closing: RSS", rss(PID), "MB;", redis_clients())

asyncio.run(main())
