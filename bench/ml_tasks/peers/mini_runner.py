"""mini-swe-agent (2.4.6) on one task, headless: the runner bench/ml_tasks/run.py starts with
the peer's own venv python (`--harness mini` / `mini-text`; arguments: peer_protocol.py).

`--config default` is the configuration the `mini` command uses (mini.yaml: one `bash` tool,
native tool calls, LitellmModel); `--config text` is its text-based one (mini_textbased.yaml:
commands in ```mswea_bash_command blocks, LitellmTextbasedModel). Both run as a DefaultAgent
(no confirmations) in a LocalEnvironment whose cwd is the workspace, with `step_limit` the
allowed model calls and `wall_time_limit_seconds` just before the runner's own stop. The one change to
mini's prompt is ANSWER_SENTENCE, put right after the first place the prompt says how to
submit. The answer is mini's submission: what the submitting command printed after the
COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_protocol import TimeLimit, litellm_model_id, run_headless

MARKER = "<important>After this command, you cannot continue working on this task.</important>\n"
ANSWER_SENTENCE = (
    "   If the task asks a question, hand back the answer by printing it after that word in the "
    "same command: `echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && echo 'your answer'`.\n"
)
CONFIGS = {
    "default": ("mini.yaml", "litellm"),
    "text": ("mini_textbased.yaml", "litellm_textbased"),
}
EXITS = {"Submitted": "done", "LimitsExceeded": "step limit", "TimeExceeded": "time limit",
         "RepeatedFormatError": "format errors"}  # fmt: skip


def run(args: argparse.Namespace, own_stop_at: float) -> tuple[str, str]:
    """mini on the task: (its submission, why it stopped)."""
    os.environ.setdefault("MSWEA_SILENT_STARTUP", "1")
    os.environ.setdefault("MSWEA_COST_TRACKING", "ignore_errors")  # a local model has no price
    os.environ.setdefault("MSWEA_MODEL_RETRY_STOP_AFTER_ATTEMPT", "3")
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-no-key")
    import yaml
    from minisweagent.agents.default import DefaultAgent
    from minisweagent.config import builtin_config_dir
    from minisweagent.environments.local import LocalEnvironment
    from minisweagent.models import get_model

    file, model_class = CONFIGS[args.config]
    config = yaml.safe_load((builtin_config_dir / file).read_text())
    agent_config = {k: v for k, v in config["agent"].items() if k != "mode"}  # mode: interactive
    if MARKER not in agent_config["instance_template"]:
        raise SystemExit(f"{file} no longer says how to submit where the answer sentence goes")
    agent_config["instance_template"] = agent_config["instance_template"].replace(
        MARKER, MARKER + ANSWER_SENTENCE, 1
    )
    # mini checks its own wall limit between calls, a little before the runner's stop
    wall = max(int(own_stop_at - time.monotonic()) - 5, 1)
    agent_config.update(step_limit=args.steps, wall_time_limit_seconds=wall, cost_limit=0)
    model_config = {**config.get("model", {}), "model_class": model_class}
    kwargs = dict(model_config.get("model_kwargs") or {})
    kwargs.update(api_base=args.base_url, api_key=os.environ["OPENAI_API_KEY"])
    model_config["model_kwargs"] = kwargs
    model = get_model(litellm_model_id(args.model), model_config)
    # mini retries a failed call (tenacity catches BaseException too); the runner's stop is not
    # a failure to retry
    model.abort_exceptions = [*model.abort_exceptions, TimeLimit]
    env = LocalEnvironment(**{**config.get("environment", {}), "cwd": str(args.workspace)})
    info = DefaultAgent(model, env, **agent_config).run(args.prompt_file.read_text())
    status = str(info.get("exit_status") or "")
    return info.get("submission") or "", EXITS.get(status, status)


if __name__ == "__main__":
    run_headless(run)
