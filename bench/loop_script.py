"""The loop benchmark's workload: a scripted model and a tool that prints a training log.

Both time themselves (`Clock`), so their own time can be subtracted from an iteration's.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

WORDS = tuple(
    [
        "epoch",
        "loss",
        "accuracy",
        "step",
        "lr",
        "warmup",
        "tokenizer",
        "batch",
        "shard",
        "dataset",
        "checkpoint",
        "eval",
        "grad",
        "norm",
        "train",
        "val",
        "split",
        "seed",
        "cuda",
        "memory",
        "allocated",
        "throughput",
        "samples",
        "sec",
        "model",
        "config",
    ]
)


@dataclass
class Clock:
    """Timestamps taken inside the fake model and tool, so their own time can be subtracted."""

    model_enter: list[float] = field(default_factory=list)
    model_enter_cpu: list[float] = field(default_factory=list)
    model_time: list[float] = field(default_factory=list)
    tool_time: list[float] = field(default_factory=list)

    def overheads(self) -> list[float]:
        """Framework seconds of iteration i (1-based), for every iteration that has a successor."""
        return [
            self.model_enter[i] - self.model_enter[i - 1]
            - self.model_time[i - 1] - self.tool_time[i - 1]
            for i in range(1, min(len(self.model_enter), len(self.tool_time) + 1))
        ]  # fmt: skip

    def cpu_overheads(self) -> list[float]:
        """CPU seconds (all threads) of iteration i: steadier than wall time on a busy machine."""
        return [
            self.model_enter_cpu[i] - self.model_enter_cpu[i - 1]
            - self.model_time[i - 1] - self.tool_time[i - 1]
            for i in range(1, min(len(self.model_enter), len(self.tool_time) + 1))
        ]  # fmt: skip


def corpus(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(WORDS) + ("\n" if rng.random() < 0.1 else " ")
        parts.append(word)
        total += len(word)
    return "".join(parts)


class Script:
    """The model and the tool of one run: N tool calls, then a final answer."""

    def __init__(self, iterations: int, size: int) -> None:
        self.iterations = iterations
        self.size = size
        self.text = corpus(size * 4)
        self.clock = Clock()

    def output(self, n: int) -> str:
        header = f"iteration {n}\n"
        start = (n * 7919) % (len(self.text) - self.size)
        return header + self.text[start : start + self.size - len(header)]

    def model(self) -> Any:
        from tests.fakes.scripted_model import ScriptedChatModel, says, tool_call

        def step(_messages: list[Any]) -> Any:
            start = time.perf_counter()
            k = len(self.clock.model_enter)
            self.clock.model_enter.append(start)
            self.clock.model_enter_cpu.append(time.process_time())
            if k < self.iterations:
                reply = says(
                    f"Step {k + 1}: calling emit.", tool_call("emit", {"n": k + 1}, f"call_{k + 1}")
                )
            else:
                reply = says("All done.")
            self.clock.model_time.append(time.perf_counter() - start)
            return reply

        return ScriptedChatModel(default=step)

    def catalog(self) -> Any:
        from langchain_core.tools import StructuredTool

        from tools.catalog import ToolCatalog, ToolSpec
        from tools.policy import always

        async def emit(n: int) -> str:
            """Print the training log of step n."""
            start = time.perf_counter()
            text = self.output(n)
            self.clock.tool_time.append(time.perf_counter() - start)
            return text

        tool = StructuredTool.from_function(coroutine=emit, name="emit")
        return ToolCatalog([ToolSpec(tool=tool, family="local", approval=always("auto"))])
