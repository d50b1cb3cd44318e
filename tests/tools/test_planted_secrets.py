"""51 realistic fake secrets planted everywhere a tool can show them; none reaches the model.

One headless session reads them through every path: bash (cat, env, head, sort, base64, fold),
read with offset and limit, grep, glob (a token in a file name), an MCP tool, a Hub job's log,
a research sub-agent's report, a fetched web page, a skill, and AGENTS.md in the system prompt.
No value, nor any 12 characters of one, may appear in a request the provider receives, in the
thread database, spill files, MCP logs, exported transcripts, events or log records.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tests.secret_corpus import Planted, pem_body, planted

ROOT = Path(__file__).resolve().parents[2]


def runs(value: str, size: int = 12) -> set[str]:
    return {value[i : i + size] for i in range(max(1, len(value) - size + 1))}


def leaks(secrets: list[Planted], blob: str) -> list[str]:
    """The kinds whose value, or any 12 characters of it, are in `blob`."""
    return [p.kind for p in secrets if any(run in blob for run in runs(p.value))]


def call(tool: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": tool, "id": call_id, "arguments": args}


def plant(workspace: Path, secrets: list[Planted]) -> dict[str, str]:
    """Files, a skill, AGENTS.md; returns the environment variables to set."""
    by = {p.kind: p for p in secrets}
    csv = by["aws-console-password"]  # the console's download, as AWS names it
    files = [p.text for p in secrets if p.where == "file" and p.text and p is not csv]
    (workspace / "credentials.csv").write_text(by["aws-console-password"].text + "\n")
    (workspace / "creds.txt").write_text("\n\n".join(files) + "\n")
    (workspace / ".env").write_text(
        f"# odd quoting\nexport SECRET_KEY='{by['env-secret-key'].value}'\nEPOCHS=3\n"
    )
    (workspace / "config").mkdir()
    (workspace / "config" / ".env.production").write_text(
        f'ANALYTICS_WRITE="{by["nested-env"].value}"\nMODEL=Qwen/Qwen2.5-0.5B-Instruct\n'
    )
    (workspace / "credentials").write_text(f"{by['credentials-file'].text}\n")
    (workspace / f"backup-{by['gitlab-in-name'].value}.txt").write_text("old notes\n")
    lines = ["-----BEGIN RSA PRIVATE KEY-----", *pem_body(__import__("random").Random(5))]
    (workspace / "deploy_key").write_text("\n".join([*lines, "-----END RSA PRIVATE KEY-----"]))
    (workspace / "AGENTS.md").write_text(
        f"# Project notes\nPush checkpoints with the token {by['agents-md-token'].value}.\n"
    )
    skill = workspace / ".ml-intern" / "skills" / "deploy"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text(
        "---\nname: deploy\ndescription: Deploy the model.\n---\n"
        f"Clone with `git clone https://{by['skill-token'].value}@github.com/org/repo`.\n"
    )
    return {
        "KAGGLE_KEY": by["kaggle-key"].value,
        "DEPLOY_SECRET": by["b64-known"].value,
        "SPLIT_TOKEN": by["split-known"].value,
    }


@pytest.fixture
def secrets() -> list[Planted]:
    return planted(seed=11)


async def test_no_planted_secret_reaches_the_model_or_anything_stored(
    llm: ScriptedLLMServer,
    workspace: Path,
    isolated_home: Path,
    secrets: list[Planted],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from graph.research_agent import with_research
    from graph.transcript import to_jsonl, to_markdown
    from tests.fakes.hub_server import hub_env
    from tests.fakes.web_server import Page, WebServer
    from tools.external.mcp import open_mcp
    from tools.families import build_catalog

    caplog.set_level(logging.INFO)
    by = {p.kind: p for p in secrets}
    assert len(secrets) >= 40
    for name, value in plant(workspace, secrets).items():
        monkeypatch.setenv(name, value)
    server = {
        "command": sys.executable,
        "args": ["-m", "tests.fakes.mcp_stdio_server"],
        "cwd": str(ROOT),
        "env": {"LEAKY": by["mcp-env-secret"].value, "GL_DEPLOY": by["gitlab-in-mcp"].value},
        "approval": "auto",
    }
    with hub_env(monkeypatch) as hub, WebServer() as web:
        hub.job_logs = ["loading", f"pushing with {by['job-log-token'].value}", "Training done"]
        web.routes["/leak"] = Page(
            f"<html><body><p>slack {by['web-page-token'].value}</p></body></html>"
        )
        llm.add(
            Turn(
                tool_calls=[
                    call("bash", "b1", command="cat creds.txt credentials.csv"),
                    call("bash", "b2", command="env"),
                    call("bash", "b3", command="cat .env config/.env.production credentials"),
                    call("bash", "b4", command="head -2 deploy_key; sort deploy_key"),
                    call(
                        "bash",
                        "b5",
                        command='printf %s "$DEPLOY_SECRET" | base64; echo "$SPLIT_TOKEN" | fold -w 20',
                    ),
                    call("read", "r1", path="creds.txt"),
                    call("read", "r2", path="deploy_key", offset=1, limit=2),
                    call("grep", "g1", pattern="=|:", path="."),
                    call("glob", "gl1", pattern="*"),
                    call("fake__env", "m1", name="LEAKY"),
                    call("fake__env", "m2", name="GL_DEPLOY"),
                    call("hf_jobs", "j1", operation="uv", script="print(1)", wait=True),
                    call("web_fetch", "w1", url=f"{web.url}/leak"),
                    call("skill", "s1", name="deploy"),
                    call("research", "x1", task="Where do we push checkpoints?"),
                ]
            ),
            Turn(content=f"Report: the deploy uses {by['research-token'].value}."),  # sub-agent
            Turn(content="done"),
        )
        settings = fast_settings(
            llm.url, tool_output_max_chars=1500, web={"allow_private_addresses": True}
        )
        async with open_mcp({"fake": server}) as mcp:
            catalog = with_research(
                build_catalog(settings).extended(mcp.specs()), settings, isolated_home
            )
            async with open_session(settings, workspace, catalog=catalog, mode="headless") as s:
                events = await collect(s.send("look at everything"))
                messages = await s.messages()

    results = tool_results(llm.requests[-1])
    assert results["b1"].startswith("aws_access_key_id = ") and "Training done" in results["j1"]
    assert "Report:" in results["x1"] and "old notes" not in results["gl1"]
    sent = json.dumps(llm.requests)
    assert "[REDACTED:" in sent and "Push checkpoints with the token" in sent
    places = {
        "provider requests": sent,
        "events": json.dumps([e.data for e in events], default=str),
        "thread (messages)": json.dumps([m.model_dump() for m in messages], default=str),
        "transcript jsonl": to_jsonl(messages, thread_id="t"),
        "transcript markdown": to_markdown(messages, thread_id="t"),
        "log records": caplog.text,
    }
    for path in isolated_home.rglob("*"):  # the thread database, spill files, MCP logs
        if path.is_file():
            places[str(path.relative_to(isolated_home))] = path.read_bytes().decode("latin-1")
    assert any("spill" in place for place in places)  # outputs were long enough to spill
    found = {place: leaks(secrets, blob) for place, blob in places.items()}
    leaked = sorted({kind for kinds in found.values() for kind in kinds})
    where = "\n".join(f"{place}: {kinds}" for place, kinds in found.items() if kinds)
    assert leaked == [], f"{len(leaked)} of {len(secrets)} leaked:\n{where}"
