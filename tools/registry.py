"""The tool catalog: every tool the model can call, with its approval rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.policy import BUILTIN_RULES, ApprovalRule

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

    from configs.settings import Settings


Describer = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class ToolSpec:
    tool: BaseTool
    approval: ApprovalRule | None
    # What a human needs to judge a call of this tool (the approval prompt); None: generic.
    describe: Describer | None = None

    @property
    def name(self) -> str:
        return self.tool.name


class ToolCatalog:
    """Tools by name, in a stable order (the order the model sees them in)."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"two tools are named {spec.name!r}")
            self._specs[spec.name] = spec

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    @property
    def tools(self) -> list[BaseTool]:
        return [spec.tool for spec in self._specs.values()]

    def schemas(self) -> list[dict[str, Any]]:
        """The tool schemas in OpenAI function format, as the model receives them."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return [convert_to_openai_tool(tool) for tool in self.tools]


def builtin_spec(tool: BaseTool) -> ToolSpec:
    return ToolSpec(tool=tool, approval=BUILTIN_RULES.get(tool.name))


def build_catalog(settings: Settings, workspace: Path | None = None) -> ToolCatalog:
    """The default toolset for these settings: local files and shell, plan, Hugging Face."""
    from tools.external.family import external_specs
    from tools.hub.family import make_hf_specs
    from tools.local.files import make_local_tools
    from tools.local.plan import make_plan_tool

    tools = [*make_local_tools(workspace), make_plan_tool()]
    return ToolCatalog(
        [
            *(builtin_spec(tool) for tool in tools),
            *make_hf_specs(settings),
            *external_specs(settings),
        ]
    )
