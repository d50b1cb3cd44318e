"""The `github_find_examples` tool: a repository's example scripts found by fuzzy path match.

Reads the repository's tree once (`/git/trees/<ref>?recursive=1`) and ranks its files by how
well their paths match the query, favouring example, script and notebook folders, so
"sft" in huggingface/trl finds examples/scripts/sft.py. Works without GITHUB_TOKEN (GitHub's
anonymous rate limit applies) and sends the token, to the API only, when there is one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.external.github import github_get
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.github import (
    LISTING_FILES,
    NO_PATHS,
    NOT_A_REPO,
    PATH_LINE,
    PATHS,
    READ_ONE,
    READING,
    TRUNCATED,
)
from tools.tool_factory import make_tool

EXAMPLE_DIRS = frozenset({"examples", "example", "scripts", "notebooks", "recipes", "demo"})
CODE_SUFFIXES = frozenset({".py", ".ipynb", ".sh", ".md", ".yaml", ".yml", ".json", ".toml"})
MIN_SCORE = 0.6


class FindExamplesArgs(BaseModel):
    """Find example scripts, notebooks and configs in a GitHub repository by fuzzy path match,
    e.g. query 'sft' in huggingface/trl, or 'lora glue' in huggingface/peft. Works without a
    GitHub token. Lists matching paths, best first; read one with github_read_file. Use it to
    start from a maintained, working example instead of writing training code from memory."""

    repo: str = Field(description="owner/name, e.g. huggingface/trl.")
    query: str = Field(min_length=1, description="Words to match in file paths, e.g. 'dpo'.")
    ref: str | None = Field(None, description="Branch, tag or commit (default branch if unset).")
    limit: int = Field(20, ge=1, le=100, description="How many paths to list (max 100).")


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _word_score(word: str, path_words: list[str], stem_words: list[str]) -> float:
    """1 for a whole word of the file name, less for a folder, a prefix or a near spelling."""
    if word in stem_words:
        return 1.0
    if word in path_words:
        return 0.7
    if any(w.startswith(word) or word in w for w in path_words):
        return 0.6
    close = difflib.get_close_matches(word, path_words, n=1, cutoff=0.75)
    return 0.5 if close else 0.0


def score(path: str, query: str) -> float:
    """How well `path` answers `query` (0 when some word is missing entirely)."""
    pure = PurePosixPath(path)
    path_words, stem_words = _words(path), _words(pure.stem)
    per_word = [_word_score(w, path_words, stem_words) for w in _words(query)]
    if not per_word or min(per_word) == 0.0:
        return 0.0
    total = sum(per_word) / len(per_word)
    if EXAMPLE_DIRS & {part.lower() for part in pure.parts[:-1]}:
        total += 0.3
    if pure.suffix.lower() in CODE_SUFFIXES:
        total += 0.1
    return total - 0.01 * len(pure.parts)  # shallower paths first among equals


async def _tree(repo: str, ref: str | None) -> tuple[str, list[Mapping[str, Any]], bool]:
    slug = quote(repo, safe="/")
    if not ref:
        info = await github_get(f"/repos/{slug}", action=tool_text("github", READING, what=repo))
        ref = str(info.get("default_branch") or "main")
    data = await github_get(
        f"/repos/{slug}/git/trees/{quote(ref, safe='')}",
        action=tool_text("github", LISTING_FILES, repo=repo, ref=ref),
        params={"recursive": "1"},
    )
    blobs = [e for e in data.get("tree") or [] if e.get("type") == "blob"]
    return ref, blobs, bool(data.get("truncated"))


async def _find_examples(
    _call: CallContext, repo: str, query: str, ref: str | None = None, limit: int = 20
) -> str:
    if repo.count("/") != 1:
        raise ToolException(tool_text("github_find_examples", NOT_A_REPO, repo=repo))
    ref, blobs, truncated = await _tree(repo, ref)
    ranked = sorted(((score(str(e["path"]), query), e) for e in blobs), key=lambda pair: -pair[0])
    hits = [(s, e) for s, e in ranked if s >= MIN_SCORE][:limit]
    note = tool_text("github_find_examples", TRUNCATED) if truncated else ""
    total = len(blobs)
    if not hits:
        return tool_text(
            "github_find_examples",
            NO_PATHS,
            repo=repo,
            ref=ref,
            query=query,
            total=total,
            note=note,
        )
    lines = [
        tool_text("github_find_examples", PATH_LINE, path=e["path"], size=int(e.get("size") or 0))
        for _, e in hits
    ]
    head = tool_text(
        "github_find_examples",
        PATHS,
        count=len(hits),
        total=total,
        repo=repo,
        ref=ref,
        query=query,
        note=note,
    )
    tail = tool_text("github_find_examples", READ_ONE, repo=repo, ref=ref)
    return "\n".join([head, *lines, tail])


def find_examples_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("github_find_examples", FindExamplesArgs, _find_examples),
        family="external",
        kind="search",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: f"{args.get('repo')} {args.get('query')}",
    )
