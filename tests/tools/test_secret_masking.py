"""Planted secrets never reach the model, whatever tool shows them; ordinary ML output is
left alone."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.secrets import mask_secrets

PLANTED = {
    "aws-secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "aws-id": "AKIAIOSFODNN7EXAMPLE",
    "password-var": "correct-horse-battery",
    "url-password": "s3cr3t-db-pw",
    "private-key": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
    "hf": "hf_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",
    "openai": "sk-proj-" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4",
    "anthropic": "sk-ant-api03-" + "Z9x8C7v6B5n4M3a2S1d0F9g8",
    "github": "ghp_" + "R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1",
    "slack": "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKl",
    "stripe": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "google": "AIza" + "SyD-1234567890abcdefghijklmnopqrstu",
    "api-key-var": "k9-Very-Private-Value",
}
FILE = f"""[default]
aws_access_key_id = {PLANTED["aws-id"]}
aws_secret_access_key = {PLANTED["aws-secret"]}
DB_PASSWORD={PLANTED["password-var"]}
DATABASE_URL=postgres://app:{PLANTED["url-password"]}@db.internal:5432/prod
-----BEGIN OPENSSH PRIVATE KEY-----
{PLANTED["private-key"]}
-----END OPENSSH PRIVATE KEY-----
HF={PLANTED["hf"]} OPENAI={PLANTED["openai"]} ANTHROPIC={PLANTED["anthropic"]}
gh {PLANTED["github"]} slack {PLANTED["slack"]} stripe {PLANTED["stripe"]}
maps {PLANTED["google"]}
MY_SERVICE_API_KEY: {PLANTED["api-key-var"]}
"""
ML_OUTPUT = """\
{'loss': 1.2034, 'grad_norm': 0.873, 'learning_rate': 2e-05, 'epoch': 0.12}
max_new_tokens: 1024    eos_token: <|endoftext|>    pad_token: <|pad|>
sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1d2a0b3c4d5e6f7a8b9c0d1e2f  model.safetensors
commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main, origin/main)
weights: AAAAAIA/AACAPwAAAEAAAEBAAACAQAAAoEAAAMBAAADgQA==
{"messages": [{"role": "user", "content": "What is the secret of good bread?"}]}
tokenizer_config.json  special_tokens_map.json  https://huggingface.co/Qwen/Qwen2.5-0.5B
"""


def test_every_planted_shape_is_masked_and_named() -> None:
    masked = mask_secrets(FILE, env={})
    leaked = [kind for kind, value in PLANTED.items() if value in masked]
    assert leaked == []
    assert masked.count("[REDACTED:") >= len(PLANTED) - 1  # the key block is one mask
    assert "postgres://app:[REDACTED:url-password]@db.internal" in masked


def test_ordinary_ml_output_is_left_alone() -> None:
    assert mask_secrets(ML_OUTPUT, env={}) == ML_OUTPUT


async def test_no_tool_path_shows_the_model_a_planted_secret(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "creds.txt").write_text(FILE)

    def tool(name: str, call_id: str, **args: str) -> dict:
        return {"name": name, "id": call_id, "arguments": args}

    llm.add(
        Turn(
            tool_calls=[
                tool("bash", "b1", command="cat creds.txt"),
                tool("read", "r1", path="creds.txt"),
                tool("grep", "g1", pattern="KEY|PASSWORD|sk", path="."),
            ]
        ),
        Turn(content="looked"),
    )
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("look at the credentials"))
        stored = json.dumps([m.model_dump() for m in await session.messages()], default=str)
    sent = json.dumps(llm.requests)
    assert [k for k, v in PLANTED.items() if v in sent] == []  # the model saw none
    assert [k for k, v in PLANTED.items() if v in stored] == []  # nor the thread on disk
    assert sent.count("[REDACTED:") >= 3 * (len(PLANTED) - 1)


async def test_mcp_output_and_job_logs_are_masked_too(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch
) -> None:
    """Two more paths into the context: an MCP server's answer and a followed job's log."""
    import sys

    from tests.fakes.hub_server import hub_env
    from tools.external.mcp import open_mcp
    from tools.families import build_catalog

    root = Path(__file__).resolve().parents[2]
    server = {
        "command": sys.executable,
        "args": ["-m", "tests.fakes.mcp_stdio_server"],
        "cwd": str(root),
        "env": {"LEAKY": PLANTED["stripe"]},  # the server has a secret and will print it
        "approval": "auto",
    }
    llm.add(
        Turn(
            tool_calls=[
                {"name": "fake__env", "id": "m1", "arguments": {"name": "LEAKY"}},
                {
                    "name": "hf_jobs",
                    "id": "j1",
                    "arguments": {"operation": "uv", "script": "print(1)", "wait": True},
                },
            ]
        ),
        Turn(content="checked"),
    )
    with hub_env(monkeypatch) as hub:
        hub.job_logs = ["loading", f"pushing with {PLANTED['hf']}", "Training done"]
        settings = fast_settings(llm.url)
        async with open_mcp({"fake": server}) as mcp:
            catalog = build_catalog(settings).extended(mcp.specs())
            async with open_session(settings, workspace, catalog=catalog, mode="headless") as s:
                events = await collect(s.send("check the server and run the job"))
    assert events[-1].data["stop_reason"] == "done"
    sent = json.dumps(llm.requests)
    # The server's configured env is a known secret: masked by the variable's name.
    assert PLANTED["stripe"] not in sent and "[REDACTED:LEAKY]" in sent
    assert PLANTED["hf"] not in sent and "Training done" in sent
    shown = json.dumps([e.data for e in events], default=str)  # the UI, stream-json, Slack
    assert PLANTED["hf"] not in shown and PLANTED["stripe"] not in shown


DOTENV = """\
# odd quoting, export, comments, multi-line: python-dotenv's parsing decides the values
export DEPLOY_HOOK='x8Kd92jfLq0aPz7Rw3Tq'
WEBHOOK_SIGNING="v1,whsec_Mq9 spaced \\"quoted\\" part"
PLAIN_SALT=nacl-9f8e7d6c
MODEL=Qwen/Qwen2.5-0.5B-Instruct
RUN_ID=3f2b8c1e-7d4a-4e9b-a1c2-5d6e7f8a9b0c
DATA_DIR=/data/cache/2024
EPOCHS=3
"""


async def test_values_from_a_loaded_env_file_are_masked(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    """Token-like values a loaded `.env` defines are masked whatever their names; settings
    such as a model id or a data path stay readable."""
    import os

    from configs.environment import DOTENV_NAMES, load_dotenv_files

    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(DOTENV)
    names = [
        "DEPLOY_HOOK",
        "WEBHOOK_SIGNING",
        "PLAIN_SALT",
        "MODEL",
        "RUN_ID",
        "DATA_DIR",
        "EPOCHS",
    ]
    script = f"import os; print(*(os.environ[n] for n in {names!r}), sep='|')"
    llm.add(
        Turn(
            tool_calls=[
                {"name": "bash", "id": "b1", "arguments": {"command": f'python -c "{script}"'}}
            ]
        ),
        Turn(content="ok"),
    )
    try:
        load_dotenv_files(project)
        async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
            await collect(session.send("print the settings"))
    finally:
        for name in names:
            os.environ.pop(name, None)
            DOTENV_NAMES.discard(name)
    sent = json.dumps(llm.requests)
    output = tool_results(llm.requests[1])["b1"]
    assert "x8Kd92jfLq0aPz7Rw3Tq" not in sent and "whsec_Mq9" not in sent and "nacl-9f" not in sent
    assert output.startswith(
        "[REDACTED:DEPLOY_HOOK]|[REDACTED:WEBHOOK_SIGNING]|[REDACTED:PLAIN_SALT]|"
        "Qwen/Qwen2.5-0.5B-Instruct|3f2b8c1e-7d4a-4e9b-a1c2-5d6e7f8a9b0c|/data/cache/2024|3"
    ), output


async def test_a_fetched_web_page_with_secrets_reaches_the_model_masked(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    from tests.fakes.web_server import Page, WebServer

    html = "<html><body><h1>Leaked config</h1><pre>" + FILE + "</pre></body></html>"
    with WebServer() as web:
        web.routes["/leak"] = Page(html)
        llm.add(
            Turn(
                tool_calls=[
                    {"name": "web_fetch", "id": "w1", "arguments": {"url": f"{web.url}/leak"}}
                ]
            ),
            Turn(content="read it"),
        )
        settings = fast_settings(llm.url, web={"allow_private_addresses": True})
        async with open_session(settings, workspace, mode="headless") as session:
            await collect(session.send("read that page"))
    fetched = tool_results(llm.requests[1])["w1"]
    assert "Leaked config" in fetched and "external, untrusted" in fetched
    sent = json.dumps(llm.requests)
    assert [k for k, v in PLANTED.items() if v in sent] == []
