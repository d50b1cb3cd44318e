"""What the nodes need besides state and config: settings, tools and the model."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from models.chat_model import ChatModelFactory, litellm_chat_model
from models.provider_errors import ProviderError
from tools.openai_schema import openai_schema

if TYPE_CHECKING:
    from configs.advice import FrontEnd
    from configs.prompt import Role
    from configs.settings import Settings
    from tools.catalog import ToolCatalog
    from tools.editor_files import EditorFiles


class WorkspaceRecorder(Protocol):
    """Keeps what tool calls change in the workspace, for undo (store/workspace_journal.py).
    Both methods block: call them off the event loop."""

    def start(
        self, effect: str, paths: list[str], *, thread_id: str, call_id: str, workspace: Path
    ) -> Any: ...

    def finish(self, recording: Any) -> None: ...

    def forget_thread(self, thread_id: str) -> None: ...

    def copy_thread(self, source: str, target: str, root: Path | None = None) -> None: ...


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

    async def achat_model(
        self, model_id: str, *, with_tools: bool = True, tools: Sequence[Any] | None = None
    ) -> Any:
        """`chat_model` from the event loop: where people sign in, a router model's token may be
        read from the shared sign-in store (a database query), so it is fetched in a thread,
        which carries the run's context (whose run it is)."""
        from tools.hub import user_tokens

        if not user_tokens.people_sign_in():
            return self.chat_model(model_id, with_tools=with_tools, tools=tools)
        return await asyncio.to_thread(
            self.chat_model, model_id, with_tools=with_tools, tools=tools
        )

    def _bound_model(
        self, model_id: str, with_tools: bool = True, tools: Sequence[Any] | None = None
    ) -> Any:
        offered = self.catalog.tools if tools is None else list(tools)
        key = (model_id, tuple(_tool_name(t) for t in offered) if with_tools else None)
        if key not in self._bound:
            factory = self.chat_model_factory or litellm_chat_model(self.settings)
            model = factory(model_id)
            self._bound[key] = (
                model.bind_tools([openai_schema(t) for t in offered]) if with_tools else model
            )
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
        from adaptations.installed import installed
        from configs.prompt import render_system_prompt
        from models.usage import count_tokens
        from tools.skills import scan_skills

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

        installed()  # the rules installed packages add: their files read, their modules imported

    @property
    def spill_dir(self) -> Path:
        return self.home / "spill"
