"""Long training commands recorded as runs: a local `bash` command or an `hf_sandbox` exec.

A command that runs a training script (`python train_sft.py`, `accelerate launch`, `torchrun`,
`trl sft`...) and is still running after LONG_RUN_S becomes a run in the ledger, like a Job:
its command, the script's hash and copy when it is a workspace file (datasets, models and a
Trackio project named in it), start and end, the exit status, and the metrics parsed from
the output lines streamed (the first LOG_BURST lines, then at a bounded rate: a very chatty
command's metrics are sampled). A short command, or one that trains nothing, is no run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from graph.experiment_metrics import RunMetrics
from graph.experiment_trackio import merged, read_trackio, target_of
from store.experiments import Experiment, Ledger, experiment_id
from tools.call_context import CallContext, calling, current_call
from tools.hub.jobs_ledger import script_facts, trackio_target
from tools.outcome import outcome_of
from tools.safe_paths import read_bytes, rel_beneath

LONG_RUN_S = 60.0
SCRIPT_MAX_BYTES = 1 << 20  # a training script, not a dataset
FLUSH_S = 2.0
_TRAINING = re.compile(
    r"(?:^|[\s/=])[\w.-]*(?:train|finetune|fine_tune|fine-tune)[\w.-]*\.py\b"
    r"|\baccelerate\s+launch\b|\btorchrun\b|\bdeepspeed\b"
    r"|\btrl\s+(?:sft|dpo|grpo|kto|orpo|reward|ppo)\b"
)
_SCRIPT = re.compile(r"[\w./-]+\.py\b")


def trains(command: str) -> bool:
    """True when a shell command runs a training script or launcher (by pattern)."""
    return bool(_TRAINING.search(command))


def run_status(result: Any) -> str:
    """A finished command's status from the outcome its tool attached (tools/outcome.py):
    COMPLETED when it exited 0; ERROR when it failed, timed out or did not run."""
    found = outcome_of(result)
    return "COMPLETED" if found is not None and found.exit_code == 0 else "ERROR"


def command_of(tool: str, args: dict[str, Any]) -> str | None:
    """The shell command a call runs, if it is one this module watches."""
    if tool == "hf_sandbox" and args.get("operation") != "exec":
        return None
    command = args.get("command")
    return command if isinstance(command, str) and trains(command) else None


def new_run(call: CallContext, tool: str, args: dict[str, Any], command: str) -> Experiment:
    """Blocking (reads the script): the run a watched command becomes."""
    thread, call_id = call.thread_id, call.tool_call_id or ""
    script = next((s for s in _SCRIPT.findall(command) if trains(f" {s}")), None)
    where = "local" if tool == "bash" else f"sandbox {args.get('sandbox') or ''}".strip()
    source = workspace_script(call, script) if script and tool == "bash" else ""
    facts = script_facts(source)
    trackio = trackio_target({"script_args": words(command)}, source) if tool == "bash" else {}
    return Experiment(
        id=experiment_id(thread, call_id), thread_id=thread, call_id=call_id,
        kind="local" if tool == "bash" else "hf_sandbox",
        name=f"{Path(script).name if script else 'command'} ({where})",
        args={"command": command}, script=source or None, script_sha256=facts["script_sha256"],
        datasets=facts["datasets"], models=facts["models"], outputs=facts["outputs"] | trackio,
    )  # fmt: skip


def workspace_script(call: CallContext, script: str) -> str:
    """Blocking: the text of the script a command runs, when it is a file in the workspace
    (a copy outside it could be anyone's file, and `compare` shows scripts to the model)."""
    try:
        rel = rel_beneath(call.workspace, script)
        data = read_bytes(call.workspace, rel, SCRIPT_MAX_BYTES) if rel is not None else b""
        return data.decode(errors="replace")
    except (OSError, ToolException):
        return ""


def words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:  # unbalanced quotes: the plain words will do
        return command.split()


class CommandRun:
    """Hears one command's output lines; on a worker thread, keeps its run in the ledger."""

    def __init__(self, ledger: Ledger, call: CallContext, run: Experiment) -> None:
        self.ledger, self.forward, self.run = ledger, call.writer, run
        self.metrics = RunMetrics()
        self.saved, self.flushed = False, time.monotonic()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")

    def __call__(self, event: Any) -> None:
        line = event.get("line") if isinstance(event, dict) else None
        if event.get("type") == "tool_log" and isinstance(line, str):
            self.worker.submit(self.line, line)
        self.forward(event)

    def line(self, line: str) -> None:
        if self.metrics.add(line) and self.saved and time.monotonic() - self.flushed > FLUSH_S:
            self.flush()

    def save(self) -> None:
        """The command ran long: it becomes a run, with the metrics read so far."""
        self.run.metrics = self.metrics.to_json() if self.metrics.lines else {}
        self.ledger.save(self.run)
        self.saved = True

    def flush(self, trackio: dict[str, Any] | None = None) -> None:
        self.flushed = time.monotonic()
        if self.saved and (self.metrics.lines or trackio):
            self.ledger.update(self.run.id, metrics=merged(self.metrics.to_json(), trackio))

    def end(self, status: str) -> None:
        if not self.saved:
            return
        self.ledger.update(self.run.id, status=status, ended_at=time.time())
        target = target_of(self.run.outputs)
        trackio = asyncio.run(read_trackio(target, self.run.started_at)) if target else None
        self.flush(trackio)

    def close(self, status: str) -> None:
        """Blocking: the queued lines, the run's end, then the worker stops."""
        self.worker.submit(self.end, status).result()
        self.worker.shutdown(wait=True)
        self.ledger.close()


def watched(spec: Any, db: Path, long_run_s: float = LONG_RUN_S) -> Any:
    """The same tool spec; a training command that runs past `long_run_s` becomes a run."""
    original, tool = spec.tool.coroutine, spec.name

    async def coroutine(**args: Any) -> Any:
        call = current_call()
        command = command_of(tool, args)
        if command is None or not call.tool_call_id or not call.streaming:
            return await original(**args)
        run = await asyncio.to_thread(new_run, call, tool, args, command)
        watcher = CommandRun(Ledger(db), call, run)
        status = "ERROR"
        with calling(dataclasses.replace(call, writer=watcher)):
            task = asyncio.ensure_future(original(**args))
        try:
            done, _ = await asyncio.wait({task}, timeout=long_run_s)
            if not done:
                await asyncio.to_thread(lambda: watcher.worker.submit(watcher.save).result())
            result = await task
            status = run_status(result)
            return result
        except asyncio.CancelledError:
            status = "CANCELED"
            task.cancel()  # the command is stopped (its process group killed) before we go on
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise
        finally:
            await asyncio.to_thread(watcher.close, status)

    return dataclasses.replace(spec, tool=spec.tool.model_copy(update={"coroutine": coroutine}))
