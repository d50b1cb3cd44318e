"""Per-run options read from the LangGraph config, with defaults from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.policy import Mode

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from configs.settings import Settings


@dataclass(frozen=True)
class RunOptions:
    thread_id: str
    mode: Mode
    workspace: Path
    max_iterations: int
    max_cost_usd: float | None

    @classmethod
    def of(
        cls, config: RunnableConfig | None, settings: Settings, workspace: Path | None = None
    ) -> RunOptions:
        conf: dict[str, Any] = dict((config or {}).get("configurable") or {})
        mode = conf.get("mode", "interactive")
        return cls(
            thread_id=str(conf.get("thread_id", "default")),
            mode="headless" if mode == "headless" else "interactive",
            workspace=Path(conf.get("workspace") or workspace or Path.cwd()),
            max_iterations=int(conf.get("max_iterations") or settings.max_iterations),
            max_cost_usd=conf.get("max_cost_usd", settings.max_cost_usd),
        )
