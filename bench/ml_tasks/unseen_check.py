"""The unseen-numbers check (adaptations/reply/unseen_numbers.py) replayed on kept exchanges: which final
answers it would have sent back, beside whether the run was solved (false alarms are solved
runs it flags).

    uv run python bench/ml_tasks/unseen_check.py RESULTS.jsonl EXCHANGES_DIR [...]

EXCHANGES_DIR is a run.py `--keep-exchanges` folder (…/ours/<task>/<repeat>/); RESULTS.jsonl
the rows run.py wrote (`--out`), for `solved`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from adaptations.reply.answer_now import ANSWER_NOW
from adaptations.reply.unseen_numbers import unseen_numbers
from configs.prompt import TODAY
from models.messages import note

RETOLD = ANSWER_NOW.partition("{")[0]
RUNTIME = TODAY.partition("{")[0]


def shown(requests: list[Path]) -> list[BaseMessage]:
    """Every request's messages: the model's own as AIMessage, the runtime note as the note it
    was, the rest as what it read; the retold calls of a tool-less request are left out (they quote the model's own arguments,
    and the harness checks the history, not that retelling)."""
    bodies = [json.loads(r.read_text()) for r in requests if r.read_text().startswith("{")]
    messages = [m for body in bodies for m in body.get("messages", [])]
    return [
        AIMessage(content=str(m.get("content") or ""))
        if m["role"] == "assistant" or str(m.get("content")).startswith(RETOLD)
        else note("runtime", m["content"])  # its date, workspace and plan show no number
        if str(m.get("content")).startswith(RUNTIME)
        else HumanMessage(content=json.dumps(m.get("content")))
        for m in messages
    ]


def main(results: Path, *folders: Path) -> None:
    solved = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        solved[(row["task"], str(row["repeat"]))] = row["solved"]
    flagged = alarms = answers = 0
    for folder in folders:
        for run in sorted(folder.glob("ours/*/*")):
            answer = (run / "answer.md").read_text() if (run / "answer.md").exists() else ""
            requests = sorted(run.glob("*-request.json"))
            if not answer.strip() or not requests:
                continue
            answers += 1
            unseen = unseen_numbers(answer, shown(requests))
            ok = solved.get((run.parent.name, run.name))
            flagged += bool(unseen)
            alarms += bool(unseen) and bool(ok)
            print(f"{run.parent.name:<18} solved={ok!s:<5} unseen={unseen} answer={answer[:80]!r}")
    print(json.dumps({"answers": answers, "flagged": flagged, "false_alarms": alarms}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), *map(Path, sys.argv[2:]))
