"""A call whose arguments do not fit the tool's schema: the model reads one sentence naming
each problem, from the catalogue, and nothing runs."""

from __future__ import annotations

from pathlib import Path

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.hub_server import invoke
from tools.hub.jobs import jobs_spec
from tools.hub.sandbox_space import sandbox_space_spec
from tools.hub.trackio_metrics import trackio_spec
from tools.local.file_edits import ReadRegistry
from tools.local.read import read_spec


async def test_argument_problems_snapshot(tmp_path: Path) -> None:
    calls = [
        (jobs_spec().tool, {"operation": "run", "image": "x", "command": ["y"], "flavor": "h9"}),
        (jobs_spec().tool, {"operation": "run", "image": "x", "command": ["y"], "timeout": "soon"}),
        (sandbox_space_spec().tool, {"operation": "create", "flavor": "h100-mega"}),
        (trackio_spec().tool, {"space": "not a space"}),
        (read_spec(ReadRegistry()).tool, {}),
    ]
    texts = []
    for tool, args in calls:
        result = await invoke(tool, tmp_path, **args)
        assert result.status == "error", result.content
        texts.append(f"## {tool.name} {args}\n{result.content}\n")
    assert "unknown flavor 'h9'; choose one of cpu-basic" in texts[0]
    assert "timeout must look like" in texts[1] and "'h100-mega'" in texts[2]
    assert "Fix them and call `read` again." in texts[4]
    check_snapshot("argument_problems.md", "\n".join(texts))
