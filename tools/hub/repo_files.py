"""hf_repo_files: list, read, upload and delete files in a Hub repo.

Reads go through `hub_get` (the token only to the Hub; a redirect to a CDN is followed without
it); uploads and deletes are one commit through `HfApi.create_commit`, or a pull request.
"""

from __future__ import annotations

import asyncio
import fnmatch
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import (
    call_hub,
    hub_api,
    hub_get,
    human_size,
    repo_url,
)
from tools.local.file_checks import opened_file, place_of
from tools.policy import Need
from tools.result_texts import hub_files as texts
from tools.result_texts import tool_text
from tools.text import cut
from tools.tool_factory import make_tool

LIST_ALL_UP_TO = 200
READ_MAX_BYTES = 100_000
READ_MAX_CHARS = 30_000
UPLOAD_MAX_BYTES = 50_000_000


class RepoFilesArgs(BaseModel):
    """Files of a Hub repo. `list`: files and sizes (big repos are summarised; `path` limits it
    to a folder, `patterns` to matching names). `read`: a text file's content (capped), or the
    size of a binary. `upload`: write one file from `content` (text) or `local_path` (a file on
    this machine), as a commit or, with create_pr, a pull request. `delete`: remove `path` (a
    folder if it ends with '/') or every file matching `patterns`. Upload and delete ask the user."""

    operation: Literal["list", "read", "upload", "delete"]
    repo_id: str = Field(description="e.g. 'username/my-model'.")
    repo_type: Literal["model", "dataset", "space"] = Field(
        "model", description="model, dataset or space."
    )
    path: str | None = Field(None, description="File (or folder for list) inside the repo.")
    content: str | None = Field(None, description="upload: the text to write to `path`.")
    local_path: str | None = Field(None, description="upload: a local file to send instead.")
    revision: str | None = Field(None, description="Branch, tag or commit (default main).")
    patterns: list[str] | None = Field(None, description="Glob patterns, e.g. ['*.safetensors'].")
    commit_message: str | None = Field(None, description="upload/delete: the commit message.")
    create_pr: bool = Field(False, description="upload/delete: open a pull request instead.")

    @field_validator("patterns", mode="before")
    @classmethod
    def _one_pattern(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def _matches(path: str, patterns: list[str] | None) -> bool:
    if not patterns:
        return True
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(name, p) for p in patterns)


async def _repo_files(
    repo_id: str, repo_type: str, path: str | None, revision: str | None
) -> list[Any]:
    api = hub_api()
    entries = await call_hub(
        f"Listing files of {repo_id}",
        lambda: list(
            api.list_repo_tree(
                repo_id, path or None, recursive=True, revision=revision, repo_type=repo_type
            )
        ),
    )
    from huggingface_hub.hf_api import RepoFile

    return [e for e in entries if isinstance(e, RepoFile)]


def summarise_files(files: list[Any]) -> str:
    """All files when few; for big repos, totals per folder and extension, then the largest."""
    total = sum(f.size or 0 for f in files)
    head = tool_text("hf_repo_files", texts.FILE_COUNT, count=len(files), size=human_size(total))
    if len(files) <= LIST_ALL_UP_TO:
        return "\n".join(
            [
                head,
                *(
                    tool_text(
                        "hf_repo_files", texts.FILE_LINE, path=f.path, size=human_size(f.size)
                    )
                    for f in files
                ),
            ]
        )
    folders: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for f in files:
        top = f.path.split("/", 1)[0] + "/" if "/" in f.path else "(root)"
        folders[top] += 1
        sizes[top] += f.size or 0
    exts = Counter(f.path.rsplit(".", 1)[-1] if "." in f.path else "(none)" for f in files)
    lines = [tool_text("hf_repo_files", texts.SUMMARISED, head=head)]
    lines += [
        tool_text("hf_repo_files", texts.FOLDER_LINE, folder=d, count=n, size=human_size(sizes[d]))
        for d, n in folders.most_common(30)
    ]
    counts = ", ".join(
        tool_text("hf_repo_files", texts.EXTENSION, extension=e, count=n)
        for e, n in exts.most_common(15)
    )
    lines.append(tool_text("hf_repo_files", texts.BY_EXTENSION, counts=counts))
    lines.append(tool_text("hf_repo_files", texts.LARGEST))
    largest = sorted(files, key=lambda f: -(f.size or 0))[:20]
    lines += [
        tool_text("hf_repo_files", texts.LARGE_LINE, path=f.path, size=human_size(f.size))
        for f in largest
    ]
    return "\n".join(lines)


async def _read_file(repo_id: str, repo_type: str, path: str, revision: str | None) -> str:
    rev = quote(revision or "main", safe="")
    url = f"{repo_url(repo_id, repo_type)}/resolve/{rev}/{quote(path)}"
    response = await hub_get(
        url,
        action=f"Reading {path} in {repo_id}",
        headers={"Range": f"bytes=0-{READ_MAX_BYTES - 1}"},
    )
    data = response.content
    total = response.headers.get("content-range", "").rpartition("/")[2]
    size = int(total) if total.isdigit() else len(data)
    if b"\0" in data[:8192]:
        return tool_text(
            "hf_repo_files", texts.BINARY, path=path, size=human_size(size), bytes=size
        )
    text = data.decode("utf-8", errors="replace")
    note = (
        tool_text("hf_repo_files", texts.FIRST_BYTES, shown=len(data), total=size)
        if size > len(data)
        else ""
    )
    shown = cut(text, READ_MAX_CHARS)
    return tool_text(
        "hf_repo_files", texts.READ, path=path, size=human_size(size), text=shown, note=note
    )


def _upload_source(
    call: CallContext, content: str | None, local_path: str | None
) -> tuple[Any, int]:
    if (content is None) == (local_path is None):
        raise ToolException(tool_text("hf_repo_files", texts.ONE_SOURCE))
    if content is not None:
        data = content.encode()
        return data, len(data)
    place = place_of(call, local_path or "", "read", None)
    with opened_file(place, tool_text("hf_repo_files", texts.CHECK_PATH), None) as file:
        size = file.st.st_size
        if size > UPLOAD_MAX_BYTES:
            raise ToolException(
                tool_text(
                    "hf_repo_files",
                    texts.TOO_BIG,
                    path=place.target,
                    size=human_size(size),
                    limit=human_size(UPLOAD_MAX_BYTES),
                )
            )
        data = file.read()  # the bytes checked, not whatever the name holds at upload time
    return data, size


def _commit_note(info: Any, what: str, repo_id: str) -> str:
    commit = str(getattr(info, "oid", ""))[:10]
    text = tool_text(
        "hf_repo_files",
        texts.COMMITTED,
        what=what,
        repo=repo_id,
        commit=commit,
        url=info.commit_url,
    )
    if getattr(info, "pr_url", None):
        text += tool_text("hf_repo_files", texts.OPENED_PR, url=info.pr_url)
    return text


async def _commit(
    repo_id: str,
    repo_type: str,
    operations: list[Any],
    message: str,
    revision: str | None,
    pr: bool,
) -> Any:
    api = hub_api()
    return await call_hub(
        f"Committing to {repo_id}",
        api.create_commit,
        repo_id,
        operations,
        commit_message=message,
        repo_type=repo_type,
        revision=revision,
        create_pr=pr,
    )


async def _files(
    call: CallContext,
    operation: str,
    repo_id: str,
    repo_type: str,
    path: str | None,
    content: str | None,
    local_path: str | None,
    revision: str | None,
    patterns: list[str] | None,
    commit_message: str | None,
    create_pr: bool,
) -> str:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    if operation == "list":
        found = await _repo_files(repo_id, repo_type, path, revision)
        files = [f for f in found if _matches(f.path, patterns)]
        if not files:
            folder = tool_text("hf_repo_files", texts.IN_FOLDER, path=path) if path else ""
            return tool_text(
                "hf_repo_files", texts.NO_MATCH, repo=repo_id, path=folder, patterns=patterns or "*"
            )
        listed = summarise_files(files)
        return tool_text("hf_repo_files", texts.LISTING, repo=repo_id, kind=repo_type, files=listed)
    if not path and operation != "delete":
        raise ToolException(tool_text("hf_repo_files", texts.NEEDS_PATH, operation=operation))
    if operation == "read":
        return await _read_file(repo_id, repo_type, path or "", revision)
    if operation == "upload":
        source, size = await asyncio.to_thread(_upload_source, call, content, local_path)
        message = commit_message or f"Upload {path} with ml-intern"
        add = CommitOperationAdd(path_in_repo=path or "", path_or_fileobj=source)
        info = await _commit(repo_id, repo_type, [add], message, revision, create_pr)
        uploaded = tool_text("hf_repo_files", texts.UPLOADED, path=path, size=human_size(size))
        return _commit_note(info, uploaded, repo_id)
    targets = [path] if path else []
    if patterns:
        found = await _repo_files(repo_id, repo_type, None, revision)
        targets += [f.path for f in found if _matches(f.path, patterns)]
    if not targets:
        raise ToolException(tool_text("hf_repo_files", texts.NOTHING_TO_DELETE, repo=repo_id))
    deletes = [CommitOperationDelete(path_in_repo=t, is_folder=t.endswith("/")) for t in targets]
    message = commit_message or f"Delete {', '.join(targets[:3])} with ml-intern"
    info = await _commit(repo_id, repo_type, deletes, message, revision, create_pr)
    more = (
        tool_text("hf_repo_files", texts.MORE, count=len(targets) - 20) if len(targets) > 20 else ""
    )
    deleted = tool_text("hf_repo_files", texts.DELETED, paths=", ".join(targets[:20]), more=more)
    return _commit_note(info, deleted, repo_id)


READ_FILES = frozenset({"list", "read"})


def repo_files_rule(args: Mapping[str, Any], _workspace: Path) -> Need:
    return "auto" if args.get("operation") in READ_FILES else "ask"


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


def repo_files_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_repo_files", RepoFilesArgs, _files),
        family="hub",
        approval=repo_files_rule,
        describe=describe_repo_files,
        summary=lambda args: (
            f"{args.get('operation')} {args.get('repo_id')} {args.get('path') or ''}"
        ),
    )
