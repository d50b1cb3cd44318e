"""What one run needs, declared once: LangGraph's `context_schema` for the agent graph.

The CLI passes it with every invocation (``graph.astream(..., context=RunContext(...))``);
a LangGraph server run passes the same fields as its ``context`` (or, for older clients, as
``config["configurable"]``, which the server copies into the context). Unknown keys are
ignored, so a server's extra configurable entries never break a run::

    >>> RunContext.model_validate({"workspace": "/tmp/ws", "mode": "headless", "x": 1}).mode
    'headless'

Unset limits (None) mean "the settings' default": `with_defaults` fills them in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from configs.advice import Advice, FrontEnd

if TYPE_CHECKING:
    from configs.settings import Settings

Mode = Literal["interactive", "headless"]


class RunContext(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # Where tools run and relative paths resolve; None: the server's current directory.
    workspace: Path | None = None
    # interactive asks a human at decision points; headless approves what it may and ends turns.
    mode: Mode = "interactive"
    # Filled from the checkpoint config when a server run does not name it.
    thread_id: str | None = None
    max_iterations: int | None = None
    max_cost_usd: float | None = None
    # Where the person is, for the words of a fix (configs/advice.py); None: the graph's own
    # (the server's is Studio's, the CLI's the terminal's).
    front_end: FrontEnd | None = None

    @property
    def advice(self) -> Advice:
        return Advice(self.front_end or "cli", self.mode)

    def with_defaults(
        self,
        settings: Settings,
        *,
        workspace: Path | None = None,
        thread_id: str | None = None,
        front_end: FrontEnd = "cli",
    ) -> RunContext:
        """Every field set: the run's own values first, then these fallbacks and settings."""
        return self.model_copy(
            update={
                "workspace": Path(self.workspace or workspace or Path.cwd()).expanduser(),
                "thread_id": self.thread_id or thread_id or "default",
                "front_end": self.front_end or front_end,
                "max_iterations": self.max_iterations or settings.max_iterations,
                "max_cost_usd": (
                    self.max_cost_usd if self.max_cost_usd is not None else settings.max_cost_usd
                ),
            }
        )
