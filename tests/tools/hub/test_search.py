"""hf_search, hf_repo_details, hf_repo_files and hf_repo_git against the local Hub; errors; approvals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from configs.settings import Settings
from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tools.hub.family import hub_specs
from tools.hub.repo_details import repo_details_spec
from tools.hub.repo_files import repo_files_spec
from tools.hub.repo_git import repo_git_spec
from tools.hub.search import search_spec
from tools.policy import PolicyContext, decide


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


SEARCH, DETAILS = search_spec().tool, repo_details_spec().tool
FILES = repo_files_spec().tool
GIT = repo_git_spec().tool


async def test_search_lists_models_with_the_token_sent_as_bearer(hub: FakeHub) -> None:
    result = await invoke(SEARCH, query="tiny", sort="likes")
    assert result.status == "success"
    lines = result.content.splitlines()
    assert lines[0].startswith("2 models")
    assert lines[1].startswith("- acme/tiny-bert · fill-mask · transformers · ↓12,345 · ♥67")
    assert "region:us" not in result.content  # noise tags are dropped
    request = hub.sent_to(r"^/api/models$")[-1]
    assert request.headers["authorization"] == f"Bearer {hub.token}"
    assert request.query["search"] == ["tiny"] and request.query["sort"] == ["likes"]


async def test_search_datasets_by_tag_and_spaces_by_likes(hub: FakeHub) -> None:
    result = await invoke(SEARCH, repo_type="dataset", filter="arxiv:2401.00001")
    assert "acme/imdb-mini" in result.content and "acme/chat-data" not in result.content
    spaces = await invoke(SEARCH, repo_type="space")
    assert "acme/demo · sdk gradio" in spaces.content and "by likes" in spaces.content
    assert hub.sent_to("/api/spaces")[-1].query["sort"] == ["likes"]
    none = await invoke(SEARCH, query="zzz-nothing")
    assert "No models match" in none.content


async def test_details_show_card_summary_parameters_and_files(hub: FakeHub) -> None:
    result = await invoke(DETAILS, repo_ids="acme/tiny-bert")
    text = result.content
    assert "## acme/tiny-bert (model)" in text
    assert "parameters: 4,400,000" in text
    assert "card: license: mit; language: en; datasets: acme/imdb-mini" in text
    assert "summary: Tiny BERT is a 4-layer BERT" in text
    assert "files (3, 2.7 KB): model.safetensors 2.4 KB" in text


async def test_details_of_several_repos_report_a_missing_one_inline(hub: FakeHub) -> None:
    result = await invoke(DETAILS, repo_ids=["acme/chat-data", "nope/missing"], repo_type="dataset")
    assert result.status == "success"
    assert "## acme/chat-data (dataset)" in result.content
    assert "## nope/missing (dataset)\nGetting nope/missing failed: it was not found (404)" in (
        result.content
    )


async def test_list_read_and_binary_files(hub: FakeHub) -> None:
    listed = await invoke(FILES, operation="list", repo_id="acme/tiny-bert")
    assert "3 files, 2.7 KB" in listed.content and "config.json  43 B" in listed.content
    text = await invoke(FILES, operation="read", repo_id="acme/tiny-bert", path="config.json")
    assert '"model_type": "bert"' in text.content
    binary = await invoke(
        FILES, operation="read", repo_id="acme/tiny-bert", path="model.safetensors"
    )
    assert "binary file (2.4 KB, 2,400 bytes)" in binary.content
    missing = await invoke(FILES, operation="read", repo_id="acme/tiny-bert", path="nope.txt")
    assert missing.status == "error" and "not found (404)" in missing.content


async def test_big_repos_are_summarised(hub: FakeHub) -> None:
    files = {f"shards/part-{i:04d}.bin": b"x" * 10 for i in range(300)}
    hub.add_repo("models", "acme/big", files={**files, "README.md": b"# big"})
    result = await invoke(FILES, operation="list", repo_id="acme/big")
    assert "301 files" in result.content and "summarised" in result.content
    assert "shards/  300 files" in result.content
    only = await invoke(FILES, operation="list", repo_id="acme/big", patterns="*.md")
    assert only.content.endswith("README.md  5 B")


async def test_upload_text_and_a_local_file_then_delete_by_pattern(
    hub: FakeHub, workspace: Path
) -> None:
    done = await invoke(
        FILES, operation="upload", repo_id="acme/tiny-bert", path="train.py", content="print(1)\n"
    )
    assert done.status == "success" and "Uploaded train.py (9 B)" in done.content
    (workspace / "eval.py").write_text("print(2)\n")
    local = await invoke(
        FILES,
        workspace,
        operation="upload",
        repo_id="acme/tiny-bert",
        path="scripts/eval.py",
        local_path="eval.py",
        commit_message="Add eval",
    )
    assert local.status == "success"
    repo = hub.repo("models", "acme/tiny-bert")
    assert (
        repo.files["train.py"] == b"print(1)\n" and repo.files["scripts/eval.py"] == b"print(2)\n"
    )
    commit = hub.sent_to("/commit/main")[-1].body.decode()
    assert '"summary": "Add eval"' in commit
    gone = await invoke(FILES, operation="delete", repo_id="acme/tiny-bert", patterns=["*.py"])
    assert "Deleted scripts/eval.py, train.py" in gone.content
    assert not {"train.py", "scripts/eval.py"} & set(repo.files)


async def test_upload_as_pull_request_and_bad_upload_arguments(hub: FakeHub) -> None:
    result = await invoke(
        FILES,
        operation="upload",
        repo_id="acme/tiny-bert",
        path="a.txt",
        content="a",
        create_pr=True,
    )
    assert "Opened pull request http" in result.content and "/discussions/1" in result.content
    both = await invoke(FILES, operation="upload", repo_id="acme/tiny-bert", path="a.txt")
    assert both.status == "error" and "exactly one of `content`" in both.content
    nothing = await invoke(FILES, operation="delete", repo_id="acme/tiny-bert", patterns=["*.zip"])
    assert nothing.status == "error" and "Nothing to delete" in nothing.content


async def test_file_redirected_to_another_host_is_read_without_the_token(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub(token="other-host-token") as cdn:
        cdn.pages["/blob/weights.txt"] = {"text/plain": "from the cdn"}
        hub.repo("models", "acme/tiny-bert").redirects["config.json"] = (
            f"{cdn.url}/blob/weights.txt"
        )
        result = await invoke(FILES, operation="read", repo_id="acme/tiny-bert", path="config.json")
    assert "from the cdn" in result.content
    assert hub.sent_to("/resolve/")[-1].headers["authorization"] == f"Bearer {hub.token}"
    assert cdn.bearers() == {None}  # the CDN never saw a token


async def test_branches_tags_and_refs(hub: FakeHub) -> None:
    where = {"repo_id": "acme/tiny-bert"}
    assert (
        "Created branch dev"
        in (await invoke(GIT, operation="create_branch", branch="dev", **where)).content
    )
    assert "as v1" in (await invoke(GIT, operation="create_tag", tag="v1", **where)).content
    refs = (await invoke(GIT, operation="list_refs", **where)).content
    assert "  dev  " in refs and "  v1  " in refs
    again = await invoke(GIT, operation="create_branch", branch="dev", **where)
    assert again.status == "error" and "conflicts with what exists (409)" in again.content
    await invoke(GIT, operation="delete_branch", branch="dev", **where)
    await invoke(GIT, operation="delete_tag", tag="v1", **where)
    repo = hub.repo("models", "acme/tiny-bert")
    assert set(repo.branches) == {"main"} and not repo.tags
    missing = await invoke(GIT, operation="create_branch", **where)
    assert missing.status == "error" and "needs `branch`" in missing.content


async def test_pull_request_lifecycle(hub: FakeHub) -> None:
    where = {"repo_id": "acme/tiny-bert"}
    opened = await invoke(
        GIT, operation="create_pr", title="Better card", description="Hi", **where
    )
    assert "Opened PR #1 'Better card'" in opened.content and "refs/pr/1" in opened.content
    await invoke(GIT, operation="comment_pr", pr_number=1, comment="looks good", **where)
    detail = (await invoke(GIT, operation="get_pr", pr_number=1, **where)).content
    assert "- alice: looks good" in detail and "diff:" in detail
    listed = (await invoke(GIT, operation="list_prs", **where)).content
    assert "#1 'Better card' by alice · open" in listed
    await invoke(GIT, operation="merge_pr", pr_number=1, **where)
    assert "No open pull requests" in (await invoke(GIT, operation="list_prs", **where)).content


async def test_create_repo_is_private_by_default_and_update_changes_visibility(
    hub: FakeHub,
) -> None:
    made = await invoke(GIT, operation="create_repo", repo_id="alice/new-model")
    assert made.content.startswith("Created private model repo")
    assert hub.sent_to("/api/repos/create")[-1].json()["visibility"] == "private"
    await invoke(
        GIT, operation="update_repo", repo_id="alice/new-model", private=False, gated="auto"
    )
    repo = hub.repo("models", "alice/new-model")
    assert repo.private is False and repo.meta["gated"] == "auto"
    space = await invoke(GIT, operation="create_repo", repo_id="alice/app", repo_type="space")
    assert "space repo" in space.content and hub.repo("spaces", "alice/app").meta["sdk"] == "gradio"


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (403, {}, "not allowed to do this (403)"),
        (402, {}, "payment is required (402)"),
        (
            429,
            {"Retry-After": "17"},
            "rate-limiting these requests (429) (the server said: slow down). Wait 17 s",
        ),
        (500, {}, "server had an error (500)"),
    ],
)
async def test_hub_errors_become_one_actionable_sentence(
    hub: FakeHub, status: int, headers: dict[str, str], expected: str
) -> None:
    hub.fail(r"^/api/models/acme/tiny-gpt$", status, "slow down", headers=headers)
    result = await invoke(DETAILS, repo_ids=["acme/tiny-gpt"])
    assert expected in result.content
    assert "Traceback" not in result.content and result.content.count("\n") == 1


async def test_a_rejected_token_says_how_to_fix_it(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    result = await invoke(SEARCH, query="tiny")
    assert result.status == "error"
    assert "did not accept the credentials (401)" in result.content
    assert "HF_TOKEN" in result.content and "hf_wrong" not in result.content


async def test_an_unreachable_hub_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeHub() as hub:
        dead = hub.url
    monkeypatch.setenv("HF_ENDPOINT", dead)
    monkeypatch.setenv("HF_TOKEN", "hf_x")
    result = await invoke(SEARCH, query="tiny")
    assert result.status == "error" and "could not reach 127.0.0.1" in result.content


# --- approvals ------------------------------------------------------------------------------

RULES = {spec.name: spec.approval for spec in hub_specs(Settings())}
CPU_FREE = {
    spec.name: spec.approval for spec in hub_specs(Settings(approval={"confirm_cpu_jobs": False}))
}

# (tool, args, interactive, headless)
APPROVALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("hf_search", {"query": "x"}, "auto", "auto"),
    ("hf_repo_details", {"repo_ids": ["a/b"]}, "auto", "auto"),
    ("hf_inspect_dataset", {"dataset": "a/b"}, "auto", "auto"),
    ("hf_papers", {"operation": "read"}, "auto", "auto"),
    ("hf_docs_search", {"query": "x"}, "auto", "auto"),
    ("hf_docs_fetch", {"url": "x"}, "auto", "auto"),
    ("hf_repo_files", {"operation": "list"}, "auto", "auto"),
    ("hf_repo_files", {"operation": "read"}, "auto", "auto"),
    ("hf_repo_files", {"operation": "upload"}, "ask", "auto"),
    ("hf_repo_files", {"operation": "delete"}, "ask", "auto"),
    ("hf_repo_git", {"operation": "list_refs"}, "auto", "auto"),
    ("hf_repo_git", {"operation": "create_branch"}, "auto", "auto"),
    ("hf_repo_git", {"operation": "create_repo"}, "auto", "auto"),
    ("hf_repo_git", {"operation": "create_repo", "private": False}, "ask", "auto"),
    ("hf_repo_git", {"operation": "delete_branch"}, "ask", "auto"),
    ("hf_repo_git", {"operation": "delete_tag"}, "ask", "auto"),
    ("hf_repo_git", {"operation": "merge_pr"}, "ask", "auto"),
    ("hf_repo_git", {"operation": "update_repo"}, "ask", "auto"),
    ("hf_repo_git", {"operation": "comment_pr"}, "ask", "auto"),
    ("hf_jobs", {"operation": "uv"}, "ask", "auto"),
    ("hf_jobs", {"operation": "run", "flavor": "a10g-large"}, "ask", "auto"),
    ("hf_jobs", {"operation": "ps"}, "auto", "auto"),
    ("hf_jobs", {"operation": "logs"}, "auto", "auto"),
    ("hf_jobs", {"operation": "inspect"}, "auto", "auto"),
    ("hf_jobs", {"operation": "cancel"}, "auto", "auto"),
    ("hf_jobs", {"operation": "hardware"}, "auto", "auto"),
    ("hf_jobs", {"operation": "scheduled_run"}, "ask", "deny"),
    ("hf_jobs", {"operation": "scheduled_ps"}, "ask", "deny"),
    ("hf_jobs", {"operation": "scheduled_delete"}, "ask", "deny"),
]


@pytest.mark.parametrize(("tool", "args", "interactive", "headless"), APPROVALS)
def test_approval_table(tool: str, args: dict[str, Any], interactive: str, headless: str) -> None:
    rule = RULES[tool]
    assert decide(tool, args, rule, PolicyContext(mode="interactive")) == interactive
    assert decide(tool, args, rule, PolicyContext(mode="headless")) == headless


def test_scheduled_jobs_are_never_auto_even_in_yolo() -> None:
    yolo = PolicyContext(mode="interactive", yolo=True, overrides={"hf_jobs": "auto"})
    assert decide("hf_jobs", {"operation": "scheduled_resume"}, RULES["hf_jobs"], yolo) == "ask"


def test_cpu_jobs_run_without_asking_when_confirm_cpu_jobs_is_off() -> None:
    ctx = PolicyContext(mode="interactive")
    cpu, gpu = {"operation": "uv"}, {"operation": "uv", "flavor": "t4-small"}
    assert decide("hf_jobs", cpu, CPU_FREE["hf_jobs"], ctx) == "auto"
    assert decide("hf_jobs", gpu, CPU_FREE["hf_jobs"], ctx) == "ask"
    assert decide("hf_jobs", cpu, RULES["hf_jobs"], ctx) == "ask"


async def test_huggingface_hub_drops_the_token_on_a_redirect_to_another_host(
    hub: FakeHub,
) -> None:
    with FakeHub(token="not-the-hub") as other:
        hub.redirects["/api/models/acme/renamed"] = f"{other.url}/api/models/acme/tiny-gpt"
        result = await invoke(DETAILS, repo_ids=["acme/renamed"])
    assert "## acme/tiny-gpt (model)" in result.content  # followed, as a public request
    assert hub.sent_to("/api/models/acme/renamed")[-1].headers["authorization"] == (
        f"Bearer {hub.token}"
    )
    assert other.bearers() == {None}
