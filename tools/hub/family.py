"""The Hugging Face tools with their approval rules, ready for the tool catalog.

| tool | auto | ask | never_auto |
|---|---|---|---|
| hf_search, hf_repo_details, hf_inspect_dataset, hf_papers, hf_docs_* | always | | |
| hf_repo_files | list, read | upload, delete | |
| hf_repo_git | list_refs, list_prs, get_pr, create_branch, create_tag, private create_repo | the rest | |
| hf_jobs | ps, logs, inspect, cancel, hardware; CPU run/uv if confirm_cpu_jobs is false | run, uv | scheduled_* |
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.policy import ApprovalRule, Need, always
from tools.registry import ToolSpec

if TYPE_CHECKING:
    from configs.settings import Settings

READ_FILES = frozenset({"list", "read"})
FREE_GIT = frozenset({"list_refs", "list_prs", "get_pr", "create_branch", "create_tag"})
FREE_JOBS = frozenset({"ps", "logs", "inspect", "cancel", "hardware"})


def repo_files_rule(args: Mapping[str, Any], _workspace: Path) -> Need:
    return "auto" if args.get("operation") in READ_FILES else "ask"


def repo_git_rule(args: Mapping[str, Any], _workspace: Path) -> Need:
    """Deleting, merging, publishing and posting under the user's name need a human."""
    operation = args.get("operation")
    if operation in FREE_GIT:
        return "auto"
    if operation == "create_repo" and args.get("private") is not False:
        return "auto"  # private by default: nothing is published
    return "ask"


def jobs_rule(confirm_cpu_jobs: bool) -> ApprovalRule:
    """Jobs cost money: running asks (CPU too unless confirm_cpu_jobs is false), schedules
    always need a human, even in yolo or headless mode."""

    def rule(args: Mapping[str, Any], _workspace: Path) -> Need:
        from tools.hub.jobs import is_cpu

        operation = str(args.get("operation") or "")
        if operation.startswith("scheduled_"):
            return "never_auto"
        if operation in FREE_JOBS:
            return "auto"
        if operation in {"run", "uv"} and not confirm_cpu_jobs and is_cpu(args.get("flavor")):
            return "auto"
        return "ask"

    return rule


def describe_repo_files(args: Mapping[str, Any]) -> str:
    target = f"{args.get('repo_type') or 'model'} repo {args.get('repo_id')}"
    where = f" at {args.get('path')}" if args.get("path") else ""
    pr = " as a pull request" if args.get("create_pr") else ""
    size = (
        f" ({len(str(args.get('content') or '')):,} characters)"
        if args.get("operation") == "upload"
        else ""
    )
    return f"{str(args.get('operation')).capitalize()} on the Hub{pr}: {target}{where}{size}"


def describe_repo_git(args: Mapping[str, Any]) -> str:
    details = {
        k: v for k, v in args.items() if k not in {"operation", "repo_id"} and v not in (None, "")
    }
    extra = f" {details}" if details else ""
    return f"Hub {args.get('operation')} on {args.get('repo_type') or 'model'} repo {args.get('repo_id')}{extra}"


def describe_job(args: Mapping[str, Any]) -> str:
    """Hardware, duration, and the full script or command: what the user pays for."""
    operation = args.get("operation")
    lines = [
        f"Hugging Face Jobs {operation} on {args.get('flavor') or 'cpu-basic'}"
        + (f", timeout {args['timeout']}" if args.get("timeout") else "")
        + (f", schedule {args['schedule']}" if args.get("schedule") else "")
    ]
    if args.get("dependencies"):
        lines.append(f"dependencies: {', '.join(args['dependencies'])}")
    if args.get("image"):
        lines.append(f"image: {args['image']}")
    if args.get("command"):
        lines.append(f"command: {' '.join(map(str, args['command']))}")
    if args.get("script"):
        lines.append(f"script:\n{args['script']}")
    if args.get("job_id"):
        lines.append(f"job: {args['job_id']}")
    return "\n".join(lines)


def make_hf_specs(settings: Settings) -> list[ToolSpec]:
    """Every Hugging Face tool, in the order the model sees them."""
    from tools.hub.datasets import make_datasets_tool
    from tools.hub.docs import make_docs_tools
    from tools.hub.jobs import make_jobs_tool
    from tools.hub.papers import make_papers_tool
    from tools.hub.repo_files import make_repo_files_tool
    from tools.hub.repo_git import make_repo_git_tool
    from tools.hub.search import make_hub_tools

    search, details = make_hub_tools()
    docs_search, docs_fetch = make_docs_tools()
    auto = always("auto")
    return [
        ToolSpec(search, auto),
        ToolSpec(details, auto),
        ToolSpec(make_datasets_tool(), auto),
        ToolSpec(make_papers_tool(), auto),
        ToolSpec(docs_search, auto),
        ToolSpec(docs_fetch, auto),
        ToolSpec(make_repo_files_tool(), repo_files_rule, describe_repo_files),
        ToolSpec(make_repo_git_tool(), repo_git_rule, describe_repo_git),
        ToolSpec(
            make_jobs_tool(settings.tool_timeout_s),
            jobs_rule(settings.approval.confirm_cpu_jobs),
            describe_job,
        ),
    ]
