"""A stand-in for a peer agent's venv python, so the runner's peer path is tested without a
peer installed: `fake_peer.py RUNNER ARGS...` checks it was given a peer runner script, reads
ARGS as every runner does (peer_protocol.arguments), makes one chat completion at --base-url
with the prompt, and hands back the reply as its answer, the way a runner writes its result.

A reply of `crash` makes it fail as a peer can (a traceback, no result file). With
FAKE_PEER_SEEN set, it appends what it was given there (one JSON line a run); with
FAKE_PEER_IMPORT set to a module's name, it imports it as an agent's in-process code would
(after `with_agent_packages`, as the smolagents runner does) and says from where.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.ml_tasks.peers.peer_protocol import arguments, with_agent_packages, write_result


def main() -> None:
    runner, rest = Path(sys.argv[1]), sys.argv[2:]
    assert runner.name.endswith("_runner.py") and runner.is_file(), runner
    args = arguments(rest)
    body = {
        "model": args.model,
        "messages": [{"role": "user", "content": args.prompt_file.read_text()}],
    }
    request = urllib.request.Request(f"{args.base_url}/chat/completions",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as reply:
        answer = json.loads(reply.read())["choices"][0]["message"]["content"]
    if answer == "crash":
        raise RuntimeError("the peer fell over")
    seen = {"cwd": str(Path.cwd()), "steps": args.steps, "time_limit": args.time_limit,
            "config": args.config, "workspace": str(args.workspace), "runner": runner.name}  # fmt: skip
    with_agent_packages(args)
    if name := os.environ.get("FAKE_PEER_IMPORT"):
        try:
            seen["imported"] = importlib.import_module(name).__file__
        except ImportError as error:
            seen["imported"] = f"{type(error).__name__}: {error}"
    if os.environ.get("FAKE_PEER_SEEN"):
        with open(os.environ["FAKE_PEER_SEEN"], "a") as out:
            out.write(json.dumps(seen) + "\n")
    write_result(args.result, answer, "done")


if __name__ == "__main__":
    main()
