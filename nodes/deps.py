"""What the nodes need besides state and config: settings, tools and the model."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nodes.provider_errors import ProviderError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from configs.advice import FrontEnd
    from configs.prompt import Role
    from configs.settings import Settings
    from tools.catalog import ToolCatalog
    from tools.editor_files import EditorFiles

ChatModelFactory = Callable[[str], "BaseChatModel"]


class WorkspaceRecorder(Protocol):
    """Keeps what tool calls change in the workspace, for undo (store/workspace_journal.py).
    Both methods block: call them off the event loop."""

    def start(
        self, effect: str, paths: list[str], *, thread_id: str, call_id: str, workspace: Path
    ) -> Any: ...

    def finish(self, recording: Any) -> None: ...

    def forget_thread(self, thread_id: str) -> None: ...

    def copy_thread(self, source: str, target: str, root: Path | None = None) -> None: ...


def litellm_chat_model(settings: Settings) -> ChatModelFactory:
    """The chat model for a model id: our own OpenAI-compatible path where it serves
    (nodes/openai_chat_model.py), else ChatLiteLLM; retries are ours (call_model), so
    litellm's are off."""

    def make(model_id: str) -> BaseChatModel:
        import litellm
        from langchain_litellm import ChatLiteLLM

        from configs.model_profile import profile_of
        from nodes import (
            json_request_body,
            litellm_overheads,
            openai_chat_model,
            openai_request_path,
            tool_schema_walk,
        )
        from tools.hub.client import hf_token
        from tools.hub.user_tokens import people_sign_in

        litellm.suppress_debug_info = True  # its banners would land in the user's stdout
        profile = profile_of(model_id, settings)
        if profile.needs_hf_token and not people_sign_in():  # the HF token, for the router only
            profile = profile_of(model_id, settings, hf_token=hf_token())
        if openai_chat_model.serves(profile, settings):  # our own path, litellm's answers
            return openai_chat_model.openai_chat_model(profile, settings)
        skip_logging_scan()
        litellm_overheads.install()  # pricing ml-intern does itself, and the like
        json_request_body.install()  # httpx's json= bodies (Anthropic's) through orjson
        defer_default_tokenizer()
        if openai_request_path.serves(profile.provider):
            openai_request_path.install()
            tool_schema_walk.install()
        target = profile.route
        keys = {"api_key": target.api_key, "openai_api_key": target.api_key}
        sampling = {} if profile.temperature is None else {"temperature": profile.temperature}
        return ChatLiteLLM(
            model=target.model,
            api_base=target.api_base,
            streaming=settings.stream,
            **(keys if target.api_key else {}),
            **sampling,
            max_retries=1,
            request_timeout=(
                settings.local_request_timeout_s if profile.local else settings.request_timeout_s
            ),
            model_kwargs={"max_retries": 0, **profile.cache_kwargs()},
        )

    return make


def skip_logging_scan() -> None:
    """After each call litellm copies every message to shorten base64 data URIs in its logging
    payload, which ml-intern sends nowhere: a walk of the whole history per step (~4% of a
    300-step run's CPU). 0 is litellm's own "off" (`MAX_BASE64_LENGTH_FOR_LOGGING`, an
    environment variable read when litellm is imported, which is before any config is)."""
    from litellm.litellm_core_utils import logging_utils

    logging_utils.MAX_BASE64_LENGTH_FOR_LOGGING = 0  # type: ignore[misc]


class LazyTokenizer:
    """litellm's default tokenizer (tiktoken's cl100k), loaded on its first use."""

    def __getattr__(self, name: str) -> Any:
        from litellm._lazy_imports import _get_default_encoding

        return getattr(_get_default_encoding(), name)


def defer_default_tokenizer() -> None:
    """litellm's Anthropic path loads its default tokenizer (~37 MB) on the first call only to
    hand it on, for counting a reply that comes without usage; Anthropic always sends usage.
    The tokenizer now loads when something first counts with it."""
    import litellm.main

    if getattr(litellm.main, "_encoding_cache", object()) is None:
        litellm.main._encoding_cache = LazyTokenizer()  # type: ignore[assignment]


def _tool_name(tool: Any) -> str:
    return tool["function"]["name"] if isinstance(tool, dict) else tool.name


class SignedOut(ProviderError, RuntimeError):
    """A run on a server where people sign in outlived its person's sign-in. A RuntimeError
    too, so the LangGraph server shows its sentence instead of hiding it as internal."""


@dataclass
class AgentDeps:
    settings: Settings
    catalog: ToolCatalog
    home: Path
    chat_model_factory: ChatModelFactory | None = None
    # Where tools run when the run's config names no workspace (Studio runs).
    workspace: Path = field(default_factory=Path.cwd)
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    # Which system prompt the model gets: the main agent's or the research sub-agent's.
    role: Role = "agent"
    # Where a run that does not say comes from, for the words of a fix (configs/advice.py).
    front_end: FrontEnd = "cli"
    # Where tool calls' workspace changes are kept for undo; None: not recorded.
    workspace_recorder: WorkspaceRecorder | None = None
    # The editor serving the file tools' text (an ACP client's buffers); None: the disk.
    editor: EditorFiles | None = None
    _bound: dict[tuple[str, tuple[str, ...] | None], Any] = field(default_factory=dict, repr=False)

    def chat_model(
        self, model_id: str, *, with_tools: bool = True, tools: Sequence[Any] | None = None
    ) -> Any:
        """The model for `model_id`, tools bound when asked (`tools`, default the catalog's);
        cached per model and toolset. On a server where people sign in, a router model gets
        the run's person's token with each call (never cached: signed out or expired, it is
        gone), and without one it refuses to run."""
        return self._per_person(model_id, self._bound_model(model_id, with_tools, tools))

    def _bound_model(
        self, model_id: str, with_tools: bool = True, tools: Sequence[Any] | None = None
    ) -> Any:
        offered = self.catalog.tools if tools is None else list(tools)
        key = (model_id, tuple(_tool_name(t) for t in offered) if with_tools else None)
        if key not in self._bound:
            factory = self.chat_model_factory or litellm_chat_model(self.settings)
            model = factory(model_id)
            self._bound[key] = model.bind_tools(offered) if with_tools else model
        return self._bound[key]

    @staticmethod
    def _per_person(model_id: str, model: Any) -> Any:
        from configs.model_profile import profile_of
        from tools.hub import user_tokens

        if not (user_tokens.people_sign_in() and profile_of(model_id).needs_hf_token):
            return model
        token = user_tokens.run_token()
        if token is None:
            raise SignedOut(
                f"{model_id} goes through the Hugging Face router with your own token, and you "
                "are signed out (or your sign-in expired): sign in again, then send your "
                "message again.",
                kind="auth",
            )
        return model.bind(api_key=token)

    def warm_up(self) -> None:
        """Do the slow, blocking first-use work now (imports, tokenizer files), off the event loop."""
        from configs.prompt import render_system_prompt
        from configs.skills import scan_skills
        from nodes.usage import count_tokens

        # Not per person: a server where people sign in has nobody's token at start.
        self._bound_model(self.settings.model_name)
        render_system_prompt(
            mode="interactive",
            model=self.settings.model_name,
            tools=self.catalog.names,
            skills=scan_skills(self.workspace).skills,  # and yaml, imported on first use
        )
        from langchain_core.messages import HumanMessage

        count_tokens(self.settings.model_name, [HumanMessage(content="warm up")])
        import huggingface_hub.hf_api  # noqa: F401  (its first import reads the cwd)

    @property
    def spill_dir(self) -> Path:
        return self.home / "spill"
