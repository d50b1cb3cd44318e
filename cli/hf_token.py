"""Ask for a Hugging Face token once, when none is configured (REPL only; headless never asks).

Skipped when HF_TOKEN is set, huggingface_hub has a cached login, stdin is not a terminal,
ML_INTERN_NO_HF_PROMPT=1, or the user skipped it before (a marker file in $ML_INTERN_HOME).
A token the Hub rejects is not saved; one that cannot be checked (Hub unreachable) is used
for this session only.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Literal

from rich.console import Console
from rich.text import Text

WHOAMI_TIMEOUT_S = 5.0
SKIP_MARKER = "hf_token_prompt_skipped"
Verdict = Literal["valid", "invalid", "unreachable"]


def should_ask() -> bool:
    if os.environ.get("HF_TOKEN") or os.environ.get("ML_INTERN_NO_HF_PROMPT") == "1":
        return False
    if not sys.stdin.isatty():
        return False
    from configs.environment import ml_intern_home

    if (ml_intern_home() / SKIP_MARKER).exists():
        return False
    from huggingface_hub import get_token

    return get_token() is None


def check_token(token: str) -> Verdict:
    """Ask the Hub's whoami (HF_ENDPOINT) about the token, with a short timeout."""
    import httpx

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    try:
        response = httpx.get(
            f"{endpoint}/api/whoami-v2",
            headers={"Authorization": f"Bearer {token}"},
            timeout=WHOAMI_TIMEOUT_S,
        )
    except httpx.HTTPError:
        return "unreachable"
    if response.status_code in (401, 403):
        return "invalid"
    return "valid" if response.status_code == 200 else "unreachable"


Ask = Callable[[], Awaitable[str]]
_TOKEN_SHAPE = re.compile(r"hf_[A-Za-z0-9]{20,}")
ATTEMPTS = 3


async def _prompt_for_token() -> str:
    from prompt_toolkit import PromptSession

    try:
        return await PromptSession().prompt_async(
            "HF token › ", is_password=True, handle_sigint=False
        )
    except (KeyboardInterrupt, EOFError):
        return ""


async def maybe_ask_hf_token(console: Console, ask: Ask = _prompt_for_token) -> None:
    if not await asyncio.to_thread(should_ask):
        return
    console.print(
        "No Hugging Face token found. Hub tools (datasets, jobs, uploads) work better with one: "
        "paste a token from https://huggingface.co/settings/tokens, or press Enter to skip."
    )
    token = ""
    for _ in range(ATTEMPTS):
        token = (await ask()).strip()
        if not token or _TOKEN_SHAPE.fullmatch(token):
            break
        # Someone typing their task here must not have it stored as their token.
        console.print(
            Text(
                "That is not a Hugging Face token (they look like hf_ followed by letters and "
                "digits); it was not used. Paste a token, or press Enter to skip: your task "
                "goes at the next prompt.",
                style="yellow",
            )
        )
        token = ""
    if not token:
        from configs.environment import ml_intern_home

        home = ml_intern_home()
        home.mkdir(parents=True, exist_ok=True)
        (home / SKIP_MARKER).touch()
        console.print(Text("Skipped; set HF_TOKEN or run `hf auth login` later.", style="dim"))
        return
    verdict = await asyncio.to_thread(check_token, token)
    if verdict == "invalid":
        console.print(Text("The Hub rejected that token; it was not saved.", style="red"))
        return
    os.environ["HF_TOKEN"] = token
    if verdict == "unreachable":
        console.print(
            Text("Could not reach the Hub to check it; using it for this session only.", "yellow")
        )
        return
    await asyncio.to_thread(save_token, token, console)


def save_token(token: str, console: Console) -> None:
    from huggingface_hub import login

    try:
        login(token=token, add_to_git_credential=False, skip_if_logged_in=False)
    except Exception as error:  # saving is a convenience; the token works for this session
        console.print(Text(f"Token valid but not saved ({error}).", style="yellow"))
        return
    console.print(Text("Token saved with huggingface_hub.", style="green"))


def token_for(model: str) -> str | None:
    """The HF token, looked up only for a model that goes through the router."""
    from configs.model_profile import profile_of

    if not profile_of(model).needs_hf_token:
        return None
    from tools.hub.client import hf_token

    return hf_token()
