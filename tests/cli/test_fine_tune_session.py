"""A realistic fine-tune through the real CLI (headless) against the local Hub and the
scripted model: skill, dataset check, train.py, local smoke test, one Job that pushes,
followed to its end, and an answer with the Hub URL. Asserts what each tool got and gave."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import assert_valid_tool_pairing, tool_results

pytestmark = pytest.mark.cli_e2e

TRAIN = """\
# /// script
# dependencies = ["trl", "peft", "trackio"]
# ///
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--max-steps", type=int, default=-1)
parser.add_argument("--dry-run", action="store_true")
args = parser.parse_args()
config = dict(
    output_dir="out", max_steps=args.max_steps, logging_steps=10, report_to="trackio",
    push_to_hub=True, hub_model_id="alice/qwen-chat-sft", hub_strategy="checkpoint",
)
if args.dry_run:
    print(f"smoke ok: {args.max_steps} steps, pushes to {config['hub_model_id']}")
"""
URL = "https://huggingface.co/alice/qwen-chat-sft"


def call(tool: str, call_id: str, **args: Any) -> dict[str, Any]:
    return {"name": tool, "id": call_id, "arguments": args}


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


def test_a_fine_tune_from_skill_to_hub_url(cli: Cli, llm: ScriptedLLMServer, hub: FakeHub) -> None:
    llm.add(
        Turn(tool_calls=[call("skill", "k1", name="sft-trl")]),
        Turn(tool_calls=[call("hf_inspect_dataset", "d1", dataset="acme/chat-data")]),
        Turn(tool_calls=[call("write", "w1", path="train.py", content=TRAIN)]),
        Turn(tool_calls=[call("bash", "b1", command="python train.py --max-steps 2 --dry-run")]),
        Turn(
            tool_calls=[
                call(
                    "hf_jobs",
                    "j1",
                    operation="uv",
                    script="train.py",
                    flavor="a10g-small",
                    timeout="3h",
                    wait=True,
                )
            ]
        ),
        Turn(content=f"Trained and pushed: {URL} (loss 1.20)."),
    )
    cli.use_server(llm)
    cli.env.pop("HF_HUB_OFFLINE", None)
    cli.env.update(HF_ENDPOINT=hub.url, ML_INTERN_DATASETS_SERVER_URL=hub.url, HF_TOKEN=hub.token)
    done = cli.run(
        "--model", "openai/scripted-model", "--output-format", "json",
        "Fine-tune Qwen on acme/chat-data and push it to the Hub",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["exit_reason"] == "done" and URL in result["result"]

    seen: dict[str, str] = {}
    for request in llm.requests:
        assert_valid_tool_pairing(request["messages"])
        seen.update(tool_results(request))
    assert "Hugging Face user: alice" in llm.requests[0]["messages"][0]["content"]
    assert seen["k1"].startswith("# Skill: sft-trl") and "train_sft.py" in seen["k1"]
    assert "messages: keys ['content', 'role']" in seen["d1"]
    assert (cli.cwd / "train.py").read_text() == TRAIN and "train.py" in seen["w1"]
    assert "smoke ok: 2 steps, pushes to alice/qwen-chat-sft" in seen["b1"]
    assert "[exit code: 0]" in seen["b1"]

    (job,) = hub.jobs.values()
    sent = base64.b64decode(job["environment"]["ML_INTERN_SCRIPT_B64"]).decode()
    assert sent == TRAIN  # the script that was smoke-tested is the one that ran
    assert job["flavor"] == "a10g-small" and "HF_TOKEN" in job["secrets"]  # it can push
    assert job["owner"]["name"] == "alice"
    assert seen["j1"].startswith(f"Job {job['id']} finished: COMPLETED.")
    assert "Training done" in seen["j1"]
    assert hub.token not in json.dumps(llm.requests)  # the token went to the Hub only
