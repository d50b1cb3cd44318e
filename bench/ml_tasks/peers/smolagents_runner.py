"""smolagents (1.26.0) on one task, headless: the runner bench/ml_tasks/run.py starts with the
peer's own venv python (`--harness smolagents`; arguments: peer_protocol.py).

A `CodeAgent` with its default tools and prompts (`tools=[]`, `add_base_tools` at its default
False: a CodeAgent's base tools are web search and page visits, which reach nothing offline;
`final_answer` is always there), through `LiteLLMModel` at the OpenAI-compatible server. The
model writes Python that the agent's LocalPythonExecutor runs in this process, whose cwd is the
workspace. One setting beyond the defaults: `additional_authorized_imports=["*"]`, without
which the executor can import none of os, pathlib, csv, json or pandas and has no `open`, so it
could not read a file of the workspace at all; and that code imports what the other
harnesses' `python3` has (`--python-path`, behind the venv's own packages: peer_protocol.py),
not only what smolagents installs, so `import pandas` works here as it does in a command.
`max_steps` is `--steps` less one: at the limit smolagents makes one more call to ask for a
final answer, so at most `--steps` calls in all.
The one change to its prompts is ANSWER_SENTENCE, given as the agent's `instructions` (which
the system prompt places after its rules). The answer is what the agent hands back
(`final_answer`, or the answer asked for at the step limit).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peer_protocol import litellm_model_id, run_headless, with_agent_packages

ANSWER_SENTENCE = (
    "If the task asks a question, hand back the answer by calling final_answer with it."
)
EXITS = {"success": "done", "max_steps_error": "step limit"}


def run(args: argparse.Namespace, _own_stop_at: float) -> tuple[str, str]:
    """A CodeAgent on the task: (what it handed back, why it stopped)."""
    os.environ.setdefault("OPENAI_API_KEY", "sk-local-no-key")
    os.chdir(args.workspace)
    from smolagents import CodeAgent, LiteLLMModel

    with_agent_packages(args)  # after smolagents' own imports: its venv's versions first

    model = LiteLLMModel(model_id=litellm_model_id(args.model), api_base=args.base_url,
                         api_key=os.environ["OPENAI_API_KEY"])  # fmt: skip
    agent = CodeAgent(tools=[], model=model, max_steps=max(args.steps - 1, 1),
                      additional_authorized_imports=["*"], instructions=ANSWER_SENTENCE)  # fmt: skip
    result = agent.run(args.prompt_file.read_text(), return_full_result=True)
    output = "" if result.output is None else str(result.output)
    return output, EXITS.get(str(result.state), str(result.state))


if __name__ == "__main__":
    run_headless(run)
