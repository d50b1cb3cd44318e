"""Secrets written in base64 or hex, or split over string literals, never known to the process."""

from __future__ import annotations

import base64
import random
import string
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tools.secrets import mask_secrets
from tools.secrets.hidden import MAX_RUN, MAX_RUNS

RNG = random.Random(38)
HF = "hf_" + "".join(RNG.choices(string.ascii_letters, k=34))
GH = "ghp_" + "".join(RNG.choices(string.ascii_letters + string.digits, k=36))
SETTINGS = f"# deploy settings\nMODEL=Qwen/Qwen2.5-0.5B\nHF_TOKEN={HF}\nEPOCHS=3\n".encode()


def runs(value: str, size: int = 12) -> set[str]:
    return {value[i : i + size] for i in range(len(value) - size + 1)}


def shown(text: str) -> str:
    return mask_secrets(text, env={})


@pytest.mark.parametrize(
    ("name", "text", "hidden"),
    [
        ("base64 wrapped as `base64` prints it", base64.encodebytes(SETTINGS).decode(), HF),
        ("URL-safe base64", base64.urlsafe_b64encode(HF.encode()).decode().rstrip("="), HF),
        ("base64 of prose", base64.b64encode(f"push with {GH}.".encode()).decode(), GH),
        ("hex", f"blob {HF.encode().hex()}", HF),
        ("upper-case hex", GH.encode().hex().upper(), GH),
    ],
)
def test_a_token_in_an_encoded_run_is_masked_with_the_run(
    name: str, text: str, hidden: str
) -> None:
    masked = shown(text)
    encoded = text.removeprefix("blob ").replace("\n", "")
    assert "[REDACTED:" in masked, name
    assert not runs(encoded) & runs(masked.replace("\n", "")), masked


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("python", f'TOKEN = ("{HF[:15]}" "{HF[15:]}")'),
        (
            "python, over lines",
            f'TOKEN = (\n    "{HF[:12]}"\n    "{HF[12:25]}"\n    "{HF[25:]}"\n)',
        ),
        ("python, raw prefix", f"TOKEN = (r'{HF[:15]}' r'{HF[15:]}')"),
        ("javascript", f'const token = "{GH[:15]}" +\n  "{GH[15:]}";'),
        ("shell", f'export GH_TOKEN="{GH[:15]}"\\\n"{GH[15:]}"'),
    ],
)
def test_a_token_split_over_string_literals_is_masked(language: str, source: str) -> None:
    token = HF if HF[:12] in source else GH
    masked = shown(source)
    assert token[:12] not in masked and token[-12:] not in masked, (language, masked)


def test_what_decodes_to_text_without_a_secret_is_left_alone() -> None:
    text = base64.b64encode(b'{"pad_token": "<|endoftext|>", "eos_token": "<|im_end|>"}')
    source = 'help=("Completions per eval step; a multiple of "\n      "--num-generations.")'
    assert shown(text.decode()) == text.decode()
    assert shown(source) == source


def test_decoding_is_bounded_by_run_length_count_and_depth() -> None:
    token_b64 = base64.b64encode(HF.encode()).decode()
    long_run = (b"x" * (MAX_RUN // 2) + f" {HF} ".encode()).hex()
    assert long_run == shown(long_run), "a run over the length bound is not decoded"
    decoys = " ".join(base64.b64encode(RNG.randbytes(30)).decode() for _ in range(MAX_RUNS))
    hex_after = f"{decoys} {HF.encode().hex()}"
    assert HF.encode().hex() in shown(hex_after), "runs after the first MAX_RUNS are not decoded"
    twice = base64.b64encode(HF.encode().hex().encode()).decode()
    assert shown(twice) == twice, "depth one: what a run holds is not decoded again"
    assert token_b64 not in shown(f"{decoys} {token_b64}"), "the rule set's own base64 still runs"


async def test_the_two_planted_leaks_do_not_reach_the_model_through_bash(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    """An HF token never known to the process, in a file `base64` prints; a token split over
    two Python string literals, in a file `cat` prints."""
    (workspace / "deploy").mkdir()
    (workspace / "deploy" / "settings.txt").write_bytes(SETTINGS)
    (workspace / "push.py").write_text(f'TOKEN = ("{GH[:15]}" "{GH[15:]}")\nprint(TOKEN)\n')
    calls = [
        {"name": "bash", "id": "b1", "arguments": {"command": "base64 deploy/settings.txt"}},
        {"name": "bash", "id": "b2", "arguments": {"command": "cat push.py"}},
    ]
    llm.add(Turn(tool_calls=calls), Turn(content="read"))
    async with open_session(fast_settings(llm.url), workspace, mode="headless") as session:
        await collect(session.send("show me the deploy settings"))
    results = tool_results(llm.requests[-1])
    encoded = base64.encodebytes(SETTINGS).decode().replace("\n", "")
    assert "[REDACTED:" in results["b1"] and not runs(encoded[40:]) & runs(results["b1"])
    assert GH[:15] not in results["b2"] and GH[15:] not in results["b2"], results["b2"]
    assert "print(TOKEN)" in results["b2"]
