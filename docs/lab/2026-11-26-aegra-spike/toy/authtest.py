import asyncio, time
from langgraph_sdk import get_client

def cl(port, person):
    return get_client(url=f"http://127.0.0.1:{port}", headers={"x-person": person} if person else None)

async def main():
    A_alice, B_alice, B_bob = cl(52026, "alice"), cl(52027, "alice"), cl(52027, "bob")
    try:
        await cl(52026, None).threads.create(); print("no identity: accepted?!")
    except Exception as e:
        print("no identity:", str(e)[:90])
    t = await A_alice.threads.create()
    try:
        await B_bob.threads.get(t["thread_id"]); print("bob reads alice's thread: ALLOWED")
    except Exception as e:
        print("bob reads alice's thread:", str(e)[:80])
    print("bob's search sees:", len(await B_bob.threads.search()), "threads; alice's:", len(await B_alice.threads.search()))
    # cap, sequential across replicas
    threads = [(await A_alice.threads.create())["thread_id"] for _ in range(6)]
    out = []
    for i, c in enumerate([A_alice, B_alice, A_alice]):
        try:
            await c.runs.create(threads[i], "toy", input={"question": "slow8"}); out.append("ok")
        except Exception as e:
            out.append(str(e)[:40])
    print("sequential alice runs over A,B,A with cap 2:", out)
    try:
        await B_alice.runs.create(threads[0], "toy", input={"question": "fast"}); print("2nd run on busy thread: accepted")
    except Exception as e:
        print("2nd run on busy thread:", str(e)[:60])
    await asyncio.sleep(10)
    # cap, burst: 4 at once over both replicas (check-then-insert race)
    res = await asyncio.gather(*[(A_alice if i % 2 else B_alice).runs.create(threads[2 + i], "toy", input={"question": "slow8"})
                                 for i in range(4)], return_exceptions=True)
    print("burst of 4 with cap 2:", ["ok" if not isinstance(r, Exception) else r.__class__.__name__ for r in res])
    # same thread, two replicas, at once
    t2 = (await A_alice.threads.create())["thread_id"]
    await asyncio.sleep(9)
    res = await asyncio.gather(A_alice.runs.create(t2, "toy", input={"question": "slow3"}),
                               B_alice.runs.create(t2, "toy", input={"question": "slow3"}), return_exceptions=True)
    print("one thread, two replicas at once:", ["ok" if not isinstance(r, Exception) else str(r)[:30] for r in res])

asyncio.run(main())
