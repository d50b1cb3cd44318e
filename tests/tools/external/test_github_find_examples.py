"""github_find_examples against a local GitHub API: fuzzy path matches, with and without a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.github_server import GitHubServer
from tests.fakes.tool_calls import call_tool
from tools.external.family import github_specs
from tools.external.github_find_examples import score

TRL = {
    "files": {
        "README.md": "# TRL\n",
        "examples/scripts/sft.py": "from trl import SFTTrainer\n",
        "examples/scripts/dpo.py": "from trl import DPOTrainer\n",
        "examples/scripts/sft_vlm.py": "# vision\n",
        "examples/notebooks/sft_with_lora.ipynb": "{}",
        "trl/trainer/sft_trainer.py": "class SFTTrainer: ...\n",
        "trl/trainer/sft_config.py": "class SFTConfig: ...\n",
        "tests/test_dpo_trainer.py": "def test(): ...\n",
    }
}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    with GitHubServer(repos={"huggingface/trl": TRL}) as server:
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        yield server


async def find(**args: object) -> tuple[str, str]:
    tool = next(s.tool for s in github_specs() if s.name == "github_find_examples")
    message = await call_tool(tool, dict(args), as_tool_call=True)
    return str(message.content), message.status


async def test_finds_the_example_script_first_without_a_token(github: GitHubServer) -> None:
    text, status = await find(repo="huggingface/trl", query="sft")
    assert status == "success"
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- examples/scripts/sft.py")
    assert any("trl/trainer/sft_trainer.py" in line for line in lines)
    assert not any("dpo" in line for line in lines)
    assert "huggingface/trl@main" in text and "github_read_file" in text
    assert all("authorization" not in r.headers for r in github.requests)


async def test_several_words_must_all_match_and_the_token_goes_to_the_api(
    github: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
    text, _ = await find(repo="huggingface/trl", query="sft lora", ref="main")
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert [line.split(" ")[1] for line in lines] == ["examples/notebooks/sft_with_lora.ipynb"]
    assert github.requests[-1].headers["authorization"] == "Bearer ghp_test_token"
    assert [r.path for r in github.requests] == ["/repos/huggingface/trl/git/trees/main"]


async def test_no_match_and_unknown_repo_are_clear(github: GitHubServer) -> None:
    text, status = await find(repo="huggingface/trl", query="grpo")
    assert status == "success" and "No paths in huggingface/trl@main match 'grpo'" in text
    text, status = await find(repo="nobody/nothing", query="sft")
    assert status == "error" and "nobody/nothing" in text
    text, status = await find(repo="trl", query="sft")
    assert status == "error" and "owner/name" in text


@pytest.mark.parametrize(
    ("path", "query", "better_than"),
    [
        ("examples/scripts/sft.py", "sft", "trl/trainer/sft_trainer.py"),
        ("examples/scripts/dpo.py", "dpo", "tests/test_dpo_trainer.py"),
        ("examples/scripts/sft.py", "sfts", "README.md"),  # a near spelling still counts
    ],
)
def test_ranking(path: str, query: str, better_than: str) -> None:
    assert score(path, query) > score(better_than, query)
