"""hf_repo_git: branches, tags, pull requests and repo settings on the Hub.

Reading and creating are free; deleting, merging, publishing and posting under the user's
name ask first (the rule is `repo_git_rule` in tools/hf_catalog.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import call_hub, hub_api, repo_url
from tools.policy import Need
from tools.result_texts import hub_files as texts
from tools.result_texts import tool_text
from tools.text import cut
from tools.tool_factory import make_tool

GitOperation = Literal[
    "create_branch", "delete_branch", "create_tag", "delete_tag", "list_refs", "create_pr",
    "list_prs", "get_pr", "merge_pr", "comment_pr", "create_repo", "update_repo",
]  # fmt: skip
MAX_PRS = 30
MAX_EVENTS = 10
MAX_DIFF_CHARS = 6000


class RepoGitArgs(BaseModel):
    """Git-level operations on a Hub repo. Branches: create_branch (from `revision`, default
    main), delete_branch. Tags: create_tag (on `revision`), delete_tag. list_refs: branches and
    tags. Pull requests: create_pr (`title`, `description`; then upload to revision
    'refs/pr/<n>' with hf_repo_files), list_prs (`status`), get_pr, merge_pr, comment_pr
    (`pr_number`, `comment`). create_repo makes a repo, private unless private=false.
    update_repo changes `private` and/or `gated`. Deleting, merging, publishing and commenting
    ask the user first."""

    operation: GitOperation
    repo_id: str = Field(description="e.g. 'username/my-model'.")
    repo_type: Literal["model", "dataset", "space"] = Field("model")
    branch: str | None = Field(None, description="create_branch/delete_branch: branch name.")
    tag: str | None = Field(None, description="create_tag/delete_tag: tag name.")
    revision: str | None = Field(None, description="Where a new branch or tag starts.")
    pr_number: int | None = Field(None, ge=1, description="get_pr/merge_pr/comment_pr.")
    title: str | None = Field(None, description="create_pr: the title.")
    description: str | None = Field(None, description="create_pr: body; create_tag: message.")
    comment: str | None = Field(None, description="comment_pr (required) or merge_pr.")
    status: Literal["open", "closed", "all"] = Field("open", description="list_prs filter.")
    private: bool | None = Field(
        None, description="create_repo: default true. update_repo: true/false."
    )
    gated: Literal["auto", "manual", "off"] | None = Field(None, description="update_repo.")
    space_sdk: Literal["gradio", "streamlit", "docker", "static"] | None = Field(
        None, description="create_repo of a space: its SDK (default gradio)."
    )


def _need(value: Any, name: str, operation: str) -> Any:
    if value is None or value == "":
        raise ToolException(tool_text("hf_repo_git", texts.NEEDS, operation=operation, name=name))
    return value


def _refs_text(repo_id: str, refs: Any) -> str:
    def line(ref: Any) -> str:
        commit = str(ref.target_commit)[:10]
        return tool_text("hf_repo_git", texts.REF, name=ref.name, commit=commit)

    lines = [tool_text("hf_repo_git", texts.BRANCHES, repo=repo_id), *map(line, refs.branches)]
    if refs.tags:
        lines += [tool_text("hf_repo_git", texts.TAGS), *map(line, refs.tags)]
    else:
        lines += [tool_text("hf_repo_git", texts.NO_TAGS)]
    return "\n".join(lines)


def _pr_line(pr: Any) -> str:
    """A pull request in one line: number, title, author, status."""
    return tool_text(
        "hf_repo_git",
        texts.PR_LINE,
        number=pr.num,
        title=pr.title,
        author=pr.author,
        status=pr.status,
    )


def _pr_text(pr: Any, repo_id: str, repo_type: str) -> str:
    url = f"{repo_url(repo_id, repo_type)}/discussions/{pr.num}"
    target = pr.target_branch
    lines = [
        tool_text("hf_repo_git", texts.PR, line=_pr_line(pr), target=target, url=url, number=pr.num)
    ]
    if pr.conflicting_files:
        conflicts = ", ".join(map(str, pr.conflicting_files))
        lines.append(tool_text("hf_repo_git", texts.CONFLICTS, files=conflicts))
    comments = [e for e in pr.events if getattr(e, "content", None)]
    for event in comments[-MAX_EVENTS:]:
        said = cut(" ".join(event.content.split()), 300)
        lines.append(tool_text("hf_repo_git", texts.COMMENT, author=event.author, text=said))
    if pr.diff:
        lines.append(tool_text("hf_repo_git", texts.DIFF, diff=cut(pr.diff, MAX_DIFF_CHARS)))
    return "\n".join(lines)


@dataclass(frozen=True)
class GitCall:
    """One hf_repo_git call: its arguments, the Hub client and what a failure says it did."""

    api: Any
    a: dict[str, Any]

    @property
    def where(self) -> dict[str, Any]:
        return {"repo_id": self.a.get("repo_id"), "repo_type": self.a.get("repo_type")}

    @property
    def act(self) -> str:
        return f"{self.a.get('operation')} on {self.a.get('repo_id')}"

    def need(self, key: str) -> Any:
        return _need(self.a.get(key), key, self.a.get("operation"))


async def _refs(g: GitCall) -> str:
    """Branches and tags: list, create, delete."""
    api, op, repo_id, revision = (
        g.api,
        g.a.get("operation"),
        g.a.get("repo_id"),
        g.a.get("revision"),
    )
    if op == "list_refs":
        return _refs_text(repo_id, await call_hub(g.act, api.list_repo_refs, **g.where))
    if op == "create_branch":
        name = g.need("branch")
        await call_hub(g.act, api.create_branch, branch=name, revision=revision, **g.where)
        return tool_text(
            "hf_repo_git",
            texts.CREATED_BRANCH,
            name=name,
            repo=repo_id,
            revision=revision or "main",
        )
    if op == "delete_branch":
        name = g.need("branch")
        await call_hub(g.act, api.delete_branch, branch=name, **g.where)
        return tool_text("hf_repo_git", texts.DELETED_BRANCH, name=name, repo=repo_id)
    name = g.need("tag")
    if op == "delete_tag":
        await call_hub(g.act, api.delete_tag, tag=name, **g.where)
        return tool_text("hf_repo_git", texts.DELETED_TAG, name=name, repo=repo_id)
    message = g.a.get("description")
    await call_hub(
        g.act, api.create_tag, tag=name, revision=revision, tag_message=message, **g.where
    )
    return tool_text(
        "hf_repo_git", texts.TAGGED, revision=revision or "main", repo=repo_id, name=name
    )


async def _list_prs(g: GitCall) -> str:
    status, repo_id = g.a.get("status") or "open", g.a.get("repo_id")
    wanted = None if status == "all" else status
    prs = await call_hub(
        g.act,
        lambda: list(
            g.api.get_repo_discussions(
                discussion_type="pull_request", discussion_status=wanted, **g.where
            )
        ),
    )
    if not prs:
        return tool_text("hf_repo_git", texts.NO_PRS, status=status, repo=repo_id)
    lines = [_pr_line(p) for p in prs[:MAX_PRS]]
    more = [tool_text("hf_repo_git", texts.MORE_PRS, count=len(prs) - MAX_PRS)]
    more = more if len(prs) > MAX_PRS else []
    head = tool_text("hf_repo_git", texts.PRS, count=len(prs), status=status, repo=repo_id)
    return "\n".join([head, *lines, *more])


async def _pull_requests(g: GitCall) -> str:
    """Open, list, read, merge and comment on pull requests."""
    api, op, repo_id, repo_type = (
        g.api,
        g.a.get("operation"),
        g.a.get("repo_id"),
        g.a.get("repo_type"),
    )
    if op == "list_prs":
        return await _list_prs(g)
    if op == "create_pr":
        title, description = g.need("title"), g.a.get("description")
        pr = await call_hub(
            g.act, api.create_pull_request, title=title, description=description, **g.where
        )
        return tool_text("hf_repo_git", texts.OPENED, pr=_pr_text(pr, repo_id, repo_type))
    number = g.need("pr_number")
    if op == "get_pr":
        pr = await call_hub(g.act, api.get_discussion_details, discussion_num=number, **g.where)
        return _pr_text(pr, repo_id, repo_type)
    if op == "merge_pr":
        comment = g.a.get("comment")
        await call_hub(
            g.act, api.merge_pull_request, discussion_num=number, comment=comment, **g.where
        )
        return tool_text("hf_repo_git", texts.MERGED, number=number, repo=repo_id)
    text = g.need("comment")
    await call_hub(g.act, api.comment_discussion, discussion_num=number, comment=text, **g.where)
    return tool_text("hf_repo_git", texts.COMMENTED, number=number, repo=repo_id)


async def _repo(g: GitCall) -> str:
    """Create a repository (private unless told otherwise) or change its visibility and gate."""
    api, repo_id, repo_type = g.api, g.a.get("repo_id"), g.a.get("repo_type") or "model"
    private, gated = g.a.get("private"), g.a.get("gated")
    if g.a.get("operation") == "create_repo":
        sdk = (g.a.get("space_sdk") or "gradio") if repo_type == "space" else None
        hidden = True if private is None else private
        url = await call_hub(
            g.act, api.create_repo, private=hidden, space_sdk=sdk, exist_ok=False, **g.where
        )
        if hidden:
            return tool_text("hf_repo_git", texts.CREATED_PRIVATE, kind=repo_type, url=url)
        return tool_text("hf_repo_git", texts.CREATED_PUBLIC, kind=repo_type, url=url)
    if private is None and gated is None:
        raise ToolException(tool_text("hf_repo_git", texts.UPDATE_NEEDS))
    gate: Any = False if gated == "off" else gated
    await call_hub(g.act, api.update_repo_settings, private=private, gated=gate, **g.where)
    changes = [
        tool_text("hf_repo_git", texts.PRIVATE_SET, private=private) if private is not None else "",
        tool_text("hf_repo_git", texts.GATED_SET, gated=gated) if gated else "",
    ]
    said = ", ".join(c for c in changes if c)
    return tool_text("hf_repo_git", texts.UPDATED, repo=repo_id, changes=said)


REFS = frozenset({"list_refs", "create_branch", "delete_branch", "create_tag", "delete_tag"})
PULL_REQUESTS = frozenset({"create_pr", "list_prs", "get_pr", "merge_pr", "comment_pr"})


async def _git(_call: CallContext, **args: Any) -> str:
    g = GitCall(hub_api(), args)
    if args["operation"] in REFS:
        return await _refs(g)
    if args["operation"] in PULL_REQUESTS:
        return await _pull_requests(g)
    return await _repo(g)


FREE_GIT = frozenset({"list_refs", "list_prs", "get_pr", "create_branch", "create_tag"})


def repo_git_rule(args: Mapping[str, Any], _workspace: Path) -> Need:
    """Deleting, merging, publishing and posting under the user's name need a human."""
    operation = args.get("operation")
    if operation in FREE_GIT:
        return "auto"
    if operation == "create_repo" and args.get("private") is not False:
        return "auto"  # private by default: nothing is published
    return "ask"


def describe_repo_git(args: Mapping[str, Any]) -> str:
    details = {
        k: v for k, v in args.items() if k not in {"operation", "repo_id"} and v not in (None, "")
    }
    extra = f" {details}" if details else ""
    return f"Hub {args.get('operation')} on {args.get('repo_type') or 'model'} repo {args.get('repo_id')}{extra}"


def repo_git_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_repo_git", RepoGitArgs, _git),
        family="hub",
        approval=repo_git_rule,
        describe=describe_repo_git,
        summary=lambda args: f"{args.get('operation')} {args.get('repo_id')}",
    )
