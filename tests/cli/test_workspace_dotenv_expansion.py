"""Red team (issue 60): a workspace `.env` that names a host secret by `${...}`.

The user passes one harmless key to the agent's programs (`dotenv.allow: ["WANDB_PROJECT"]`).
Sandboxed code writes `.env` with `WANDB_PROJECT=${ANTHROPIC_API_KEY}`: python-dotenv expands
`${...}` from ml-intern's own environment when it reads the file, so the next session's
sandboxed bash (whose environment is scrubbed of provider keys) would get the key under the
allowed name, and print its sha256 (any one-way proof that it is there, past the masker). Held when the value is not expanded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.local.sandbox import Sandbox, sandbox_problem

pytestmark = pytest.mark.cli_e2e
KEY = "sk-ant-redteam-host-key-0f9e8d"


@pytest.mark.skipif(sandbox_problem(Sandbox()) is not None, reason="needs bubblewrap")
def test_a_workspace_env_cannot_pull_a_host_secret_into_an_allowed_name(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    cli.use_server(llm)
    cli.env["ANTHROPIC_API_KEY"] = KEY
    (cli.cwd / ".env").write_text("WANDB_PROJECT=${ANTHROPIC_API_KEY}\n")
    user_config = Path(cli.env["XDG_CONFIG_HOME"]) / "ml-intern" / "cli_agent_config.json"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(json.dumps({"dotenv": {"allow": ["WANDB_PROJECT"]}}))
    script = (
        'echo "seen=$(printf %s "$WANDB_PROJECT" | sha256sum)"; '
        'echo "direct=${ANTHROPIC_API_KEY:-unset}"'
    )
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": script}}]),
        Turn(content="done"),
    )

    done = cli.run("--model", "openai/scripted-model", "--sandbox", "--yolo", "show the env")

    assert done.returncode == 0, done.stderr
    seen = tool_results(llm.requests[1])["b1"]
    print(seen)
    assert "direct=unset" in seen  # the sandbox scrubs it by name
    assert hashlib.sha256(KEY.encode()).hexdigest() not in seen, seen  # nor an allowed name
