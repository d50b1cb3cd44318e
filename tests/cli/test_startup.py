"""Start-up: fast help, clean usage/config/credential errors (all before any heavy import)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.cli.conftest import Cli, cli_env
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e

HEAVY = ("litellm", "langchain", "langgraph", "prompt_toolkit", "rich")
FLAGS = ("--help", "--version")
# Each flag's run of the CLI in turn, its output caught, then what all of them imported: a
# heavy module imported by either is in the list.
HELP_PROBE = """
import contextlib, io, json, sys
import cli
shown = {{}}
for flag in {flags!r}:
    sys.argv = ["ml-intern", flag]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            cli.main()
        except SystemExit as exit:
            assert exit.code in (0, None), (flag, exit.code)
    shown[flag] = out.getvalue()
heavy = sorted(m for m in sys.modules if m.split(".")[0].startswith({heavy!r}))
print(json.dumps({{"shown": shown, "heavy": heavy}}))
"""


@pytest.fixture(scope="module")
def help_and_version(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One fresh interpreter runs `--help` then `--version` (each alone took one): what each
    printed, and the heavy modules imported by the two."""
    env = cli_env(tmp_path_factory.mktemp("help-and-version"))
    code = HELP_PROBE.format(flags=FLAGS, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("flag", FLAGS)
def test_help_and_version_import_nothing_heavy(help_and_version: dict[str, Any], flag: str) -> None:
    assert help_and_version["heavy"] == []
    shown = help_and_version["shown"][flag]
    if flag == "--help":
        for option in ("--resume", "--continue", "--output-format", "--max-cost", "threads list"):
            assert option in shown
    else:
        assert shown.startswith("ml-intern ")


def test_config_errors_exit_2_with_the_file_and_key(cli: Cli) -> None:
    bad_json = cli.cwd / "bad.json"
    bad_json.write_text('{"max_iterations": 3,}')
    done = cli.run("--config", str(bad_json), "hello")
    assert done.returncode == 2
    assert "bad.json" in done.stderr and "invalid JSON" in done.stderr
    assert "Traceback" not in done.stderr

    bad_value = cli.cwd / "bad-value.json"
    bad_value.write_text(json.dumps({"max_iterations": 0, "modle_name": "x"}))
    done = cli.run("--config", str(bad_value), "hello")
    assert done.returncode == 2
    assert "max_iterations" in done.stderr and "bad-value.json" in done.stderr

    done = cli.run("--config", str(cli.cwd / "missing.json"), "hello")
    assert done.returncode == 2 and "not found" in done.stderr

    missing_var = cli.cwd / "missing-var.json"
    missing_var.write_text(json.dumps({"api_base": "${NO_SUCH_VARIABLE_FOR_ML_INTERN}"}))
    done = cli.run("--config", str(missing_var), "hello")
    assert done.returncode == 2 and "NO_SUCH_VARIABLE_FOR_ML_INTERN" in done.stderr
    assert "missing-var.json" in done.stderr and "api_base" in done.stderr

    done = cli.run("--model", "no-such-model-anywhere", "hello")  # no provider serves it
    assert done.returncode == 2
    assert "unknown model 'no-such-model-anywhere'" in done.stderr
    assert "provider prefix" in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr

    done = cli.run("--model", "foo/bar", "hello")  # org/model: the HF router, which needs a token
    assert done.returncode == 1 and "HF_TOKEN is not set" in done.stderr
    assert "Hugging Face router" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors_exit_2(cli: Cli) -> None:
    done = cli.run("--resume", "nope", "hello")
    assert done.returncode == 2 and "threads list" in done.stderr
    done = cli.run("--continue", "--headless")
    assert done.returncode == 2 and "No thread was started" in done.stderr
    done = cli.run("--resume", "a", "--thread-id", "b", "hello")
    assert done.returncode == 2 and "cannot be used together" in done.stderr
    done = cli.run()  # no prompt and stdin is not a terminal
    assert done.returncode == 2 and "stdin is not a terminal" in done.stderr
    done = cli.run("--max-iterations", "0", "hello")
    assert done.returncode == 2


def test_missing_api_key_is_one_clean_line_exit_1(cli: Cli) -> None:
    del cli.env["OPENAI_API_KEY"]
    done = cli.run("--model", "openai/gpt-4o", "hello")
    assert done.returncode == 1
    assert "OPENAI_API_KEY" in done.stderr and "--model" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    cli.env["OPENAI_API_BASE"] = "http://127.0.0.1:9/v1"
    done = cli.run("--model", "openai/local", "hello")
    assert done.returncode == 1 and "placeholder" in done.stderr

    done = cli.run("hello")  # the default model is Anthropic's
    assert done.returncode == 1
    assert "ANTHROPIC_API_KEY" in done.stderr and "Traceback" not in done.stderr


# The CLI in a fresh interpreter that notes in LITELLM_MARK the moment litellm is imported
# (an import statement, not `importlib.util.find_spec`, which only looks for its files), run
# once for each argument list of the JSON in argv[1], in turn; then the exit code of each run,
# and whether the mark was there after each.
FIRST_REQUEST_PROBE = """
import json, os, sys
class Mark:
    def find_spec(self, name, path=None, target=None):
        frame, names = sys._getframe(1), set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        if name == "litellm" and "_find_and_load" in names:
            open(os.environ["LITELLM_MARK"], "a").write("imported\\n")
        return None
sys.meta_path.insert(0, Mark())
import cli
codes, marked = [], []
for args in json.loads(sys.argv[1]):
    sys.argv = ["ml-intern", *args]
    try:
        cli.main()
        codes.append(0)
    except SystemExit as exit:
        codes.append(exit.code if isinstance(exit.code, int) else int(exit.code is not None))
    marked.append(os.path.exists(os.environ["LITELLM_MARK"]))
print(json.dumps({"codes": codes, "marked": marked}))
"""
# The runs, in turn: a model on our own OpenAI-compatible path, then the default config's
# (Anthropic's) model.
FIRST_REQUEST_RUNS = (("--model", "openai/scripted", "hello"), ("--headless", "hello"))


@pytest.fixture(scope="module")
def first_requests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One fresh interpreter runs the CLI on each path of FIRST_REQUEST_RUNS in turn (each
    alone took one, ~1.4 s of CPU): each run's exit code, whether litellm had been imported
    when each server heard its first request, and after each run, and what the servers heard.

    A second run in the same process is as strict as a fresh one: litellm not imported by the
    first, whatever the second imports that imports it still imports it there."""
    root = tmp_path_factory.mktemp("first-requests")
    workspace, mark = root / "workspace", root / "litellm-imported"
    workspace.mkdir()
    seen: dict[str, list[bool]] = {"openai": [], "anthropic": []}

    def answer(path: str) -> Callable[[dict[str, object]], Turn]:
        def respond(_request: dict[str, object]) -> Turn:
            seen[path].append(mark.exists())
            return Turn(content="done")

        return respond

    env = {**cli_env(root), "LITELLM_MARK": str(mark), "ANTHROPIC_API_KEY": "sk-ant-test-launch"}
    with (
        ScriptedLLMServer(responder=answer("openai")) as openai,
        ScriptedAnthropicServer(
            responder=answer("anthropic"), api_key="sk-ant-test-launch"
        ) as anthropic,
    ):
        env |= {"OPENAI_API_BASE": openai.url, "ANTHROPIC_API_BASE": anthropic.url}
        done = subprocess.run(
            [sys.executable, "-c", FIRST_REQUEST_PROBE, json.dumps(FIRST_REQUEST_RUNS)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {**found, "seen": seen, "stderr": done.stderr, "anthropic_requests": anthropic.requests}


def test_the_openai_compatible_path_sends_its_first_request_without_litellm(
    first_requests: dict[str, Any],
) -> None:
    """`import litellm` is seconds of CPU; a plain first request on our own OpenAI-compatible
    path needs none of it (models/openai_chat_plain.py)."""
    assert first_requests["codes"][0] == 0, first_requests["stderr"]
    assert first_requests["seen"]["openai"] == [False]


def test_the_default_anthropic_model_sends_its_first_request_without_litellm(
    first_requests: dict[str, Any],
) -> None:
    """The default config's model (Anthropic's) takes our own Anthropic path for a plain
    first request (models/anthropic_chat.py): no `import litellm` before the server hears it."""
    assert not first_requests["marked"][0], "the run before this one imported litellm"
    assert first_requests["codes"][1] == 0, first_requests["stderr"]
    assert first_requests["seen"]["anthropic"] == [False]
    assert first_requests["anthropic_requests"][0]["model"] == "claude-sonnet-4-5-20250929"
