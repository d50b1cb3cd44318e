"""GitHub tools against a local GitHub API: search, read, list, tokens, rate limits, agent run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.github_server import GitHubServer
from tools.external.family import github_specs

TRAIN = "import torch\nfrom peft import LoraConfig\n\nconfig = LoraConfig(r=16)\n" + "\n".join(
    f"# line {i}" for i in range(5, 31)
)
REPOS = {
    "acme/trainer": {
        "stars": 50,
        "forks": 3,
        "description": "Fine-tuning scripts",
        "files": {"train.py": TRAIN, "docs/README.md": "# Trainer\nUse LoraConfig.\n"},
    },
    "acme/old": {"stars": 500, "forks": 1, "files": {"a.py": "x = 1\n"}},
    "other/lora-zoo": {"stars": 5, "files": {"zoo.py": "LoraConfig zoo\n"}},
}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    with GitHubServer(repos=REPOS) as server:
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
        yield server


async def run(name: str, **args: Any) -> tuple[str, str]:
    """(content, status) of one call, as execute_tools would receive it."""
    tool = next(s.tool for s in github_specs() if s.name == name)
    message = await tool.ainvoke({"type": "tool_call", "id": "c1", "name": name, "args": args})
    return str(message.content), message.status


async def test_search_code_returns_files_with_fragments_and_sends_the_token(
    github: GitHubServer,
) -> None:
    text, status = await run("github_search_code", query="LoraConfig", language="python")
    assert status == "success"
    assert "acme/trainer:train.py" in text and "other/lora-zoo:zoo.py" in text
    assert "from peft import LoraConfig" in text  # the text-match fragment
    request = github.requests[-1]
    assert request.query["q"] == "LoraConfig language:python"
    assert request.headers["authorization"] == "Bearer ghp_test_token"
    assert "text-match" in request.headers["accept"]


async def test_search_code_qualifiers_and_no_match(github: GitHubServer) -> None:
    text, _ = await run("github_search_code", query="LoraConfig", repo="acme/trainer", path="docs")
    assert "acme/trainer:docs/README.md" in text and "train.py" not in text
    text, status = await run("github_search_code", query="nothing-like-this")
    assert status == "success" and "No code matches" in text


async def test_search_code_without_token_says_github_requires_one(
    github: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    text, status = await run("github_search_code", query="LoraConfig")
    assert status == "error"
    assert "GITHUB_TOKEN" in text and "needs a token" in text
    assert github.requests == []  # nothing was sent
    # Reading and listing still work anonymously.
    text, status = await run("github_read_file", repo="acme/trainer", path="train.py")
    assert status == "success" and "LoraConfig(r=16)" in text
    assert "authorization" not in github.requests[-1].headers


async def test_rate_limit_is_reported_with_the_reset_time(github: GitHubServer) -> None:
    github.code_searches_per_minute = 1
    await run("github_search_code", query="torch")
    text, status = await run("github_search_code", query="torch")
    assert status == "error"
    assert "rate limit" in text and "resets at" in text and "UTC" in text
    assert "(in 4" in text  # the fake resets 42 s from now


async def test_read_file_numbers_lines_and_pages(github: GitHubServer) -> None:
    text, _ = await run("github_read_file", repo="acme/trainer", path="train.py", limit=3)
    assert text.splitlines()[0] == "     1\timport torch"
    assert "lines 1-3 of 30; read on with offset=4" in text
    text, _ = await run("github_read_file", repo="acme/trainer", path="train.py", offset=29)
    assert "    29\t# line 29" in text and "read on" not in text
    assert github.requests[-1].path == "/repos/acme/trainer/contents/train.py"


async def test_read_file_lists_directories_fetches_large_files_raw_and_reports_404(
    github: GitHubServer,
) -> None:
    text, _ = await run("github_read_file", repo="acme/trainer", path="/")
    assert "directory" in text and "docs/" in text and "train.py" in text
    github.large_bytes = 10
    text, _ = await run("github_read_file", repo="acme/trainer", path="train.py", ref="main")
    assert "LoraConfig(r=16)" in text
    assert "vnd.github.raw" in github.requests[-1].headers["accept"]
    assert github.requests[-1].query == {"ref": "main"}
    text, status = await run("github_read_file", repo="acme/trainer", path="missing.py")
    assert status == "error" and "404" in text


async def test_list_repos_by_owner_sorted_and_by_query(github: GitHubServer) -> None:
    text, _ = await run("github_list_repos", owner="acme")
    lines = text.splitlines()
    assert lines[0].startswith("- acme/old (★500") and lines[1].startswith("- acme/trainer")
    assert "Fine-tuning scripts" in lines[1]
    text, _ = await run("github_list_repos", query="lora", limit=5)
    assert "other/lora-zoo" in text and "acme/old" not in text
    text, status = await run("github_list_repos", owner="acme", query="lora")
    assert status == "error" and "exactly one" in text


async def test_token_never_follows_a_redirect_to_another_host(
    github: GitHubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with GitHubServer(repos=REPOS) as elsewhere:
        github.redirects["/repos/acme/moved/contents/train.py"] = (
            f"{elsewhere.url}/repos/acme/trainer/contents/train.py"
        )
        text, status = await run("github_read_file", repo="acme/moved", path="train.py")
    assert status == "success" and "LoraConfig" in text
    assert github.requests[-1].headers["authorization"] == "Bearer ghp_test_token"
    assert "authorization" not in elsewhere.requests[-1].headers


async def test_agent_searches_github_and_reads_a_file(
    github: GitHubServer, llm: Any, workspace: Path
) -> None:
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn
    from tests.fakes.transcript_checks import tool_results
    from tools.families import build_catalog

    llm.add(
        Turn(
            tool_calls=[call("github_search_code", "s1", query="LoraConfig", repo="acme/trainer")]
        ),
        Turn(tool_calls=[call("github_read_file", "r1", repo="acme/trainer", path="train.py")]),
        Turn(content="train.py uses LoraConfig(r=16)."),
    )
    settings = fast_settings(llm.url)
    catalog = build_catalog(settings).extended(github_specs())
    async with open_session(settings, workspace, catalog=catalog) as session:
        events = await collect(session.send("How does acme/trainer configure LoRA?"))
    assert not [e for e in events if e.type == "approval_required"]  # read-only: no approval
    assert "acme/trainer:train.py" in tool_results(llm.requests[1])["s1"]
    assert "LoraConfig(r=16)" in tool_results(llm.requests[2])["r1"]
    assert events[-1].data["final_text"] == "train.py uses LoraConfig(r=16)."
    names = {t["function"]["name"] for t in llm.requests[0]["tools"]}
    assert {"github_search_code", "github_read_file", "github_list_repos"} <= names


def call(name: str, call_id: str, **args: object) -> dict[str, object]:
    return {"name": name, "id": call_id, "arguments": args}


NOTEBOOK = {
    "metadata": {"kernelspec": {"language": "python"}},
    "cells": [
        {"cell_type": "markdown", "source": ["# Fine-tune\n", "with LoRA"]},
        {
            "cell_type": "code",
            "source": ["from peft import LoraConfig\n", "print(LoraConfig(r=8).r)"],
            "outputs": [
                {"output_type": "stream", "text": ["8\n"]},
                {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo" * 500}},
            ],
        },
        {
            "cell_type": "code",
            "source": "1/0",
            "outputs": [
                {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero"}
            ],
        },
    ],
}


async def test_notebooks_read_as_markdown_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    repos = {"acme/nb": {"files": {"lora.ipynb": json.dumps(NOTEBOOK)}}}
    with GitHubServer(repos=repos) as server:
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        content, status = await run("github_read_file", repo="acme/nb", path="lora.ipynb")
    assert status == "success"
    text = "\n".join(line.split("\t", 1)[-1] for line in content.splitlines())
    assert "<!-- cell 1: markdown -->\n\n# Fine-tune\nwith LoRA" in text
    assert "```python\nfrom peft import LoraConfig\nprint(LoraConfig(r=8).r)\n```" in text
    assert "```output\n8\n```" in text and "[image/png output not shown]" in text
    assert "ZeroDivisionError: division by zero" in text and "iVBORw0KGgo" not in text
