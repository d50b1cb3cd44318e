"""Ordinary ML output comes back byte for byte: masking, the tool path, a PIN in the env."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tests.secret_corpus import ordinary_outputs
from tools.secrets import mask_secrets

# Secrets in use while ordinary output is masked: a 4-digit PIN is withheld, never masked;
# realistic random values are searched reversed, re-cased and through separators too.
_RNG = random.Random(510)
ENV = {
    "HF_TOKEN": "hf_" + "Qx" * 17,
    "PIN": "1234",
    "WANDB_API_KEY": "0f" * 20,
    "HUGGING_FACE_HUB_TOKEN": "hf_" + "".join(_RNG.choices(string.ascii_letters, k=34)),
    "KAGGLE_KEY": "".join(_RNG.choices("0123456789abcdef", k=32)),
    "OPENAI_API_KEY": "sk-proj-"
    + "".join(_RNG.choices(string.ascii_letters + string.digits, k=48)),
    "DB_PASSWORD": "Kestrel#" + "".join(_RNG.choices(string.ascii_lowercase + string.digits, k=7)),
    "SERVICE_TOKEN": "1234567890123456",
}
OUTPUTS = ordinary_outputs()


def test_there_are_at_least_twenty_kinds_of_ordinary_output() -> None:
    assert len(OUTPUTS) >= 20
    assert all(mask_secrets(v, ENV) != v for v in ENV.values() if len(v) >= 12 and not v.isdigit())


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_ordinary_output_is_left_byte_identical(name: str) -> None:
    assert mask_secrets(OUTPUTS[name], ENV) == OUTPUTS[name]


async def test_ordinary_output_reaches_the_model_unchanged_through_bash(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    names = sorted(OUTPUTS)
    for name in names:
        (workspace / f"{name}.txt").write_text(OUTPUTS[name])
    calls = [
        {"name": "bash", "id": f"c{i}", "arguments": {"command": f"cat {name}.txt"}}
        for i, name in enumerate(names)
    ]
    llm.add(Turn(tool_calls=calls), Turn(content="read"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("show the outputs"))
    results = tool_results(llm.requests[-1])
    changed = [name for i, name in enumerate(names) if OUTPUTS[name] not in results[f"c{i}"]]
    assert changed == [], [results[f"c{names.index(n)}"] for n in changed]
