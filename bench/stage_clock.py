"""A stage clock for a profile of one step: thread CPU per stage, from PEP 669 events on the
stages' own code objects only (bench/step_profile.py), and the window of model requests it
counts between."""

from __future__ import annotations

import asyncio
import concurrent.futures.thread
import contextvars
import functools
import importlib
import resource
import sys
import threading
import time
import types
from typing import Any


def code_of(target: str) -> types.CodeType:
    """The code object of "module:qualname" (a closure through `<locals>`)."""
    module_name, qualname = target.split(":")
    found: Any = importlib.import_module(module_name)
    parts = qualname.split(".")
    while parts:
        part = parts.pop(0)
        if part == "<locals>":
            name = parts.pop(0)
            code = _code(found)
            found = next(c for c in code.co_consts if getattr(c, "co_name", None) == name)
        else:
            found = getattr(found, part)
    return _code(found)


def _code(found: Any) -> types.CodeType:
    if isinstance(found, types.CodeType):
        return found
    return getattr(found, "__code__", None) or found.__func__.__code__


class StageClock:
    """Thread CPU per stage from PEP 669 events on the stages' own code objects, plus the two
    places work changes hands: an event loop running a callback (`Handle._run`: a task's
    step, in that task's context) and an executor thread running a work item (`to_thread`
    and LangGraph's `run_in_executor` copy the caller's context). A context variable holds
    the open stages, so a task or thread started inside a stage (a model call's `gather`, a
    `to_thread`) counts as that stage."""

    TOOL = 3  # sys.monitoring's tool id for profilers

    def __init__(self, stages: dict[str, tuple[str, ...]]) -> None:
        self.stage_of = {code_of(t): s for s, targets in stages.items() for t in targets}
        self.spent: dict[str, float] = dict.fromkeys(stages, 0.0)
        self.open: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
            "stages", default=()
        )
        self.threads: dict[int, list[Any]] = {}  # thread -> [since (thread CPU), its stage]
        self.lock = threading.Lock()
        self.handle_run = asyncio.events.Handle._run.__code__
        self.work_item_run = concurrent.futures.thread._WorkItem.run.__code__

    def _switch(self, stage: str | None) -> None:
        """Charge this thread's CPU since its last switch to the stage it was in."""
        now, me = time.thread_time(), threading.get_ident()
        state = self.threads.get(me)
        if state is None:
            self.threads[me] = [now, stage]
            return
        if state[1] is not None:
            with self.lock:
                self.spent[state[1]] += now - state[0]
        state[0], state[1] = now, stage

    def _top(self) -> str | None:
        found = self.open.get()
        return found[-1] if found else None

    def enter(self, code: types.CodeType, *_: Any) -> None:
        self.entered(code, sys._getframe(1))

    def entered(self, code: types.CodeType, frame: types.FrameType) -> None:
        """`code` starts or resumes in `frame`."""
        if code is self.handle_run or code is self.work_item_run:
            self._switch(_context_stage(frame, self.open))
            return
        stage = self.stage_of.get(code)
        if stage is not None:
            self.open.set((*self.open.get(), stage))
            self._switch(stage)

    def leave(self, code: types.CodeType, *_: Any) -> None:
        if code is self.handle_run or code is self.work_item_run:
            self._switch(None)  # the loop's or the pool's own code
            return
        if code in self.stage_of and (found := self.open.get()):
            self.open.set(found[:-1])
            self._switch(found[-2] if len(found) > 1 else None)

    def restart(self) -> None:
        """Zero the figures (the window begins): every thread counts from its next switch."""
        self._switch(self._top())
        with self.lock:
            self.spent = dict.fromkeys(self.spent, 0.0)

    def install(self) -> None:
        mon = sys.monitoring
        mon.use_tool_id(self.TOOL, "ml-intern step profile")
        events = mon.events
        mon.register_callback(self.TOOL, events.PY_START, self.enter)
        mon.register_callback(self.TOOL, events.PY_RESUME, self.enter)
        mon.register_callback(self.TOOL, events.PY_RETURN, self.leave)
        mon.register_callback(self.TOOL, events.PY_YIELD, self.leave)
        mon.register_callback(self.TOOL, events.PY_UNWIND, self._unwind)
        local = events.PY_START | events.PY_RESUME | events.PY_RETURN | events.PY_YIELD
        for code in (*self.stage_of, self.handle_run, self.work_item_run):
            mon.set_local_events(self.TOOL, code, local)
        mon.set_events(self.TOOL, events.PY_UNWIND)  # exceptions only: rare in a step

    def _unwind(self, code: types.CodeType, *_: Any) -> None:
        if code in self.stage_of or code is self.handle_run or code is self.work_item_run:
            self.leave(code)


def _context_stage(frame: types.FrameType, open_: contextvars.ContextVar[Any]) -> str | None:
    """The innermost open stage of the context a callback or work item is about to run in."""
    owner = frame.f_locals.get("self")
    context = getattr(owner, "_context", None)  # asyncio's Handle
    fn = getattr(owner, "fn", None)  # an executor's work item: partial(context.run, f, ...)
    if context is None and isinstance(fn, functools.partial):
        context = getattr(fn.func, "__self__", None)
    if not isinstance(context, contextvars.Context):
        return None
    found = context.get(open_, ())
    return found[-1] if found else None


class Window:
    """From the `start`-th model request to the `end`-th: process CPU, children's CPU, the
    stages; opened and closed by the model call's own start event."""

    def __init__(self, clock: StageClock, model_call: str, start: int, end: int) -> None:
        self.clock, self.start, self.end = clock, start, end
        self.requests = 0
        self.opened: tuple[float, float, float] | None = None
        self.figures: dict[str, float] | None = None
        self.model_code = code_of(model_call)

    def on_start(self, code: types.CodeType, *rest: Any) -> None:
        if code is self.model_code:
            self.requests += 1
            if self.requests == self.start:
                self.clock.restart()
                self.opened = (time.process_time(), children_cpu_s(), time.perf_counter())
            elif self.requests == self.end and self.opened is not None:
                self.close()
        self.clock.entered(code, sys._getframe(1))

    def close(self) -> None:
        cpu, children, wall = self.opened  # type: ignore[misc]
        staged = dict(self.clock.spent)
        total = time.process_time() - cpu
        figures = {**staged, "tool_process": children_cpu_s() - children}
        figures["other"] = total - sum(staged.values())
        figures["total_in_process"] = total
        figures["wall"] = time.perf_counter() - wall
        self.figures = figures


def children_cpu_s() -> float:
    """The CPU seconds of this process's children reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
