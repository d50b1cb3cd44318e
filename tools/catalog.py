"""ToolSpec and ToolCatalog: everything the system knows about a tool, in one record.

A leaf: it imports no tool. Each tool module builds its own `ToolSpec` (schema and handler
in `tool`, approval rule, whether it only reads, how an approval describes a call, which
argument the CLI shows); its family module lists it; `tools.families.build_catalog` joins
the families. Nothing elsewhere keys facts by a tool's name.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tools.policy import ApprovalRule, CodeRule
from tools.text import one_line

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool

Family = Literal["local", "hub", "external", "research", "mcp"]
# How a tool changes the workspace, so undo can put it back (store/workspace_journal.py):
# "none": it changes no local file; "paths": only the files `changed_paths` names from its
# arguments; "programs": it runs programs, so the workspace tree is compared around the call.
WorkspaceEffect = Literal["none", "paths", "programs"]
# What kind of action a call is, in the words editors use (the Agent Client Protocol's kinds).
CallKind = Literal["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "other"]
Describer = Callable[[Mapping[str, Any]], str]
# (thread id, the thread's current messages) -> lines for the runtime note
RuntimeLines = Callable[[str, Sequence[Any]], Awaitable[list[str]]]
SUMMARY_CHARS = 90


def compact_json(args: Mapping[str, Any], limit: int = 2000) -> str:
    return json.dumps(dict(args), ensure_ascii=False, default=str)[:limit]


@dataclass(frozen=True)
class ToolSpec:
    tool: BaseTool
    family: Family
    # What the tool asks for by itself (a policy.Need), per call and operation.
    # A tool that runs programs on this machine has the one rule for code (policy.CodeRule).
    approval: ApprovalRule
    # What kind of action a call is, so an editor can show it (cli/acp); None: "other".
    kind: CallKind | None = None
    # The argument naming the one local file a call reads or changes, so an editor links to it.
    path_arg: str | None = None
    # True: the tool never changes anything (the research sub-agent and read-only modes use it).
    read_only: bool = False
    # What a human needs to judge a call (the approval request); None: name and arguments.
    describe: Describer | None = None
    # The argument the CLI shows on a call's one-line summary, or a function making that line.
    summary: str | Describer | None = None
    # True: the tool keeps its own time limit (a sub-agent's budget, a followed job), so the
    # generic `tool_timeout_s` does not cut it off with nothing returned.
    own_deadline: bool = False
    # Lines the tool adds to the runtime note once a compaction has shortened the history
    # (`experiments`: one per run the thread launched), so what was measured is not lost.
    runtime_lines: RuntimeLines | None = None
    # What undo must record around a call (see WorkspaceEffect).
    workspace_effect: WorkspaceEffect = "none"
    # With workspace_effect "paths": the paths (as the model wrote them) a call may change.
    changed_paths: Callable[[Mapping[str, Any]], list[str]] | None = None
    # What ends the processes the tool keeps between calls (a kernel per thread); called
    # once, when the session that built the catalog closes. Tools may share one.
    close: Callable[[], Awaitable[None]] | None = None
    # (label, text) for `/status` about a thread (a kernel's memory); tools may share one.
    status: Callable[[str], tuple[str, str]] | None = None
    # Told that a thread's conversation went back (undo): what the tool keeps for it, such
    # as a kernel's variables, may no longer match. It may run in another process than the
    # tool's next call (the web's undo), so it leaves its mark on disk. Tools may share one.
    rewound: Callable[[str], None] | None = None
    # The optional arguments a lean request shows (tools/lean_schema.py); None: every one.
    # The tool still takes the others: a call naming one runs as it would.
    lean_args: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return self.tool.name

    @property
    def runs_code(self) -> bool:
        """Whether the tool runs programs on this machine: its calls pass the one rule for
        code (tools/policy.py), which never claims that code it cannot read is safe."""
        return isinstance(self.approval, CodeRule)

    def describe_call(self, args: Mapping[str, Any]) -> str:
        if self.describe is not None:
            return self.describe(args)
        return f"Call {self.name} with {compact_json(args)}"

    def summarize(self, args: Mapping[str, Any]) -> str:
        """The call's arguments in one short line (the CLI's tool-call line)."""
        if callable(self.summary):
            text = self.summary(args)
        elif isinstance(self.summary, str) and isinstance(args.get(self.summary), str):
            text = args[self.summary]
        else:
            text = compact_json(args)
        return one_line(text, SUMMARY_CHARS)


class ToolCatalog:
    """Tools by name, in a stable order (the order the model sees them in)."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"two tools are named {spec.name!r}")
            self._specs[spec.name] = spec

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def changes(self, name: str) -> bool:
        """Whether the tool `name` may change the workspace (an unknown one runs nothing)."""
        spec = self._specs.get(name)
        return spec is not None and spec.workspace_effect != "none"

    @property
    def tools(self) -> list[BaseTool]:
        return [spec.tool for spec in self]

    def extended(self, specs: Iterable[ToolSpec]) -> ToolCatalog:
        """A new catalog: these tools, then those of `specs` not already here."""
        return ToolCatalog([*self, *(s for s in specs if s.name not in self._specs)])

    async def aclose(self) -> None:
        """End what the tools keep running (each shared `close` once)."""
        closers = {id(spec.close): spec.close for spec in self if spec.close is not None}
        for close in closers.values():
            await close()

    def status_rows(self, thread_id: str) -> list[tuple[str, str]]:
        """What the tools say about `thread_id` for `/status` (each shared `status` once)."""
        reporters = {id(spec.status): spec.status for spec in self if spec.status is not None}
        return [report(thread_id) for report in reporters.values()]

    def rewound(self, thread_id: str, undone: set[str]) -> None:
        """Tell the tools that keep state for `thread_id` that its conversation went back
        over calls of the tools named `undone` ("" for a call whose tool is not known)."""
        told = {
            id(spec.rewound): spec.rewound
            for spec in self
            if spec.rewound is not None and (spec.name in undone or "" in undone)
        }
        for tell in told.values():
            tell(thread_id)

    def only(self, keep: Callable[[ToolSpec], bool]) -> ToolCatalog:
        return ToolCatalog(spec for spec in self if keep(spec))

    def summarize(self, name: str, args: Mapping[str, Any]) -> str:
        spec = self.get(name)
        return spec.summarize(args) if spec else one_line(compact_json(args), SUMMARY_CHARS)

    def schemas(self) -> list[dict[str, Any]]:
        """The tool schemas in OpenAI function format, as the model receives them."""
        from tools.openai_schema import openai_schema

        return [openai_schema(tool) for tool in self.tools]
