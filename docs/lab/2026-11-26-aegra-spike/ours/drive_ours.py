"""Our graph factory (serve/studio.py make_graph, langgraph.json) under Aegra on Python 3.12,
driven by langgraph-sdk against the scripted LLM: run -> approval interrupt -> resume."""
import asyncio, json, os, subprocess, sys, time, urllib.request
from pathlib import Path

REPO = Path("/work/aegra-spike/repo312")
sys.path.insert(0, str(REPO))
from tests.fakes.llm_server import ScriptedLLMServer, Turn  # noqa: E402

SCRATCH = Path("/tmp/aegra-ours"); SCRATCH.mkdir(exist_ok=True)
HOME = SCRATCH / "home"; WS = SCRATCH / "workspace"; WS.mkdir(exist_ok=True); HOME.mkdir(exist_ok=True)
PG = "postgresql://postgres@127.0.0.1:55432/ours"
use_our_db = "--ml-db" in sys.argv


def call(name, cid, **args):
    return {"name": name, "id": cid, "arguments": args}


async def drive(url, llm):
    from langgraph_sdk import get_client
    llm.add(Turn(tool_calls=[call("bash", "b1", command="touch from-aegra && ls from-*")]),
            Turn(content="made it on aegra"))
    c = get_client(url=url)
    t = await c.threads.create(); tid = t["thread_id"]
    ctx = {"workspace": str(WS), "mode": "interactive"}
    user = {"messages": [{"role": "user", "content": "make a file", "type": "human"}]}
    t0 = time.monotonic()
    events = []
    async for p in c.runs.stream(tid, "ml_intern", input=user, context=ctx, stream_mode=["updates", "custom"]):
        events.append(p.event)
        if p.event == "error":
            print("ERROR EVENT", p.data)
    print("first run events", sorted(set(events)), f"{time.monotonic()-t0:.2f}s")
    st = await c.threads.get_state(tid)
    ints = st.get("interrupts") or [i for t_ in st["tasks"] for i in t_.get("interrupts", [])]
    print("interrupt:", json.dumps(ints[0]["value"])[:300] if ints else None, "next", st["next"])
    r = await c.runs.wait(tid, "ml_intern", command={"resume": {"decisions": [{"type": "approve"}]}},
                          config={"configurable": {"workspace": str(WS)}})
    st = await c.threads.get_state(tid)
    msgs = st["values"].get("messages", [])
    print("after resume: file exists:", (WS / "from-aegra").exists(), "| last message:",
          (msgs[-1].get("content") if msgs else None), "| n messages", len(msgs))
    import urllib.request as u
    print("server's saver:", u.urlopen(url + "/web/saver").read().decode())
    return tid


async def cli_continues(tid, llm):
    """The CLI side: a Session on ML_INTERN_DATABASE_URL continues the thread the server made."""
    from tests.fakes.agent import collect, fast_settings, open_session
    llm.add(Turn(content="continued in the CLI"))
    async with open_session(fast_settings(llm.url), WS, thread_id=tid) as session:
        events = await collect(session.send("and now?"))
        messages = await session.messages()
    print("CLI continued:", events[-1].data.get("final_text"), [m.content for m in messages if m.type == "human"])


def main():
    with ScriptedLLMServer() as llm:
        cfg = SCRATCH / "config.json"
        cfg.write_text(json.dumps({"model_name": "openai/scripted-model", "api_base": llm.url, "stream": False}))
        env = {**os.environ, "ML_INTERN_HOME": str(HOME), "ML_INTERN_CLI_CONFIG": str(cfg),
               "ML_INTERN_WORKSPACE": str(WS), "OPENAI_API_KEY": "sk-test", "LANGSMITH_TRACING": "false",
               "XDG_CONFIG_HOME": str(SCRATCH / "xdg"),
               "AEGRA_CONFIG": os.environ.get("AEGRA_CONFIG_OVERRIDE", "/work/aegra-spike/ours/aegra.json"), "DATABASE_URL": PG,
               "REDIS_BROKER_ENABLED": "true", "REDIS_URL": "redis://127.0.0.1:56379/1",
               "WORKER_QUEUE_KEY": "ours:jobs", "REDIS_CHANNEL_PREFIX": "ours:run:",
               "WORKER_COUNT": "1", "SPIKE_OUR_SAVER": os.environ.get("SPIKE_OUR_SAVER", "0"), "CRON_ENABLED": "false"}
        if use_our_db:
            env["ML_INTERN_DATABASE_URL"] = PG
        log = open(SCRATCH / "aegra-ours.log", "w")
        t0 = time.monotonic()
        srv = subprocess.Popen([str(REPO / ".venv/bin/python"), "-m", "uvicorn", "aegra_api.main:app",
                                "--host", "127.0.0.1", "--port", "52030"], cwd=REPO, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = "http://127.0.0.1:52030"
        try:
            while True:
                if srv.poll() is not None:
                    print("server exited", srv.returncode); print(open(SCRATCH / "aegra-ours.log").read()[-4000:]); return
                try:
                    urllib.request.urlopen(url + "/health", timeout=1); break
                except OSError:
                    time.sleep(0.3)
            print(f"aegra serving our graph: healthy after {time.monotonic()-t0:.1f}s")
            tid = asyncio.run(drive(url, llm))
            import psycopg
            with psycopg.connect(PG) as db:
                try:
                    rows = db.execute("SELECT thread_id, title FROM ml_intern_threads WHERE thread_id = %s", (tid,)).fetchall()
                except Exception as e:
                    rows = f"no index table: {type(e).__name__}"
            print("our thread index row in PostgreSQL:", rows)
            if use_our_db:
                os.environ.update({"ML_INTERN_HOME": str(HOME), "ML_INTERN_DATABASE_URL": PG, "OPENAI_API_KEY": "sk-test",
                                   "XDG_CONFIG_HOME": str(SCRATCH / "xdg")})
                asyncio.run(cli_continues(tid, llm))
        finally:
            os.killpg(srv.pid, 15); srv.wait(20); log.close()


main()
