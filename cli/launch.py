"""From parsed flags to a running mode: settings, checks, thread choice, then headless or REPL.

Every problem found here is a usage, config or credentials problem: one clear line on
stderr and an exit code, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from cli.exit_codes import ExitCode
from cli.target import Target, thread_model
from configs.model_profile import model_problem, profile_of
from store.database import DatabaseError, database_url

if TYPE_CHECKING:
    from store.thread_index import ThreadIndex

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Providers whose key we can check before starting (litellm needs it set in the environment).


@dataclass(frozen=True)
class Flags:
    prompt: str | None = None
    model: str | None = None
    max_iterations: int | None = None
    no_stream: bool = False
    resume: str | None = None
    continue_: bool = False
    thread_id: str | None = None
    headless: bool = False
    yolo: bool = False
    output_format: str = "text"
    max_cost: float | None = None
    max_job_cost: float | None = None
    config: Path | None = None
    sandbox: bool = False
    effort: str | None = None


class UsageError(Exception):
    """Flags that do not fit together; exit code 2."""


class StartupFailure(Exception):
    """A problem that ends the command before or outside a turn: its sentence and exit code."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


def launch(flags: Flags) -> int:
    try:
        return start(flags)
    except StartupFailure as failure:
        return report_failure(failure, flags.output_format)


def start(flags: Flags) -> int:
    from cli.startup_heap import startup_heap

    with startup_heap():
        prepared = prepare(flags)
    if isinstance(prepared, int):
        return prepared
    settings, target, prompt, headless = prepared
    try:
        if headless:
            from cli.headless import run_headless

            return run_headless(
                settings, target, prompt, output_format=flags.output_format, model=flags.model
            )
        from cli.repl import run_repl

        return run_repl(settings, target, model=flags.model)
    except DatabaseError as error:  # the database went away: its sentence, not "internal"
        return fail(str(error), ExitCode.RUNTIME_ERROR)
    except Exception as error:  # the last line of defence: one line, no traceback
        if os.environ.get("ML_INTERN_DEBUG"):
            raise
        return fail(
            f"internal error: {type(error).__name__}: {error} "
            "(set ML_INTERN_DEBUG=1 for the traceback)",
            ExitCode.RUNTIME_ERROR,
        )


def prepare(flags: Flags) -> tuple[Any, Target, str | None, bool] | int:
    """Settings, thread and checks (an exit code on a problem); headless also imports the
    runtime here, while the collector is off."""
    import configs  # noqa: F401 - sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported
    from cli.config_command import ask_on_terminal
    from configs.effective import effective_settings
    from configs.settings import ConfigError

    try:
        headless = wants_headless(flags, stdin_is_tty=sys.stdin.isatty())
        prompt = read_prompt(flags.prompt)
        settings = effective_settings(
            flags.config,
            overrides(flags),
            project_dir=PROJECT_DIR,
            ask=None if headless else ask_on_terminal,
        )
        target = choose_thread(flags)
    except (UsageError, ConfigError) as error:
        return fail(str(error), ExitCode.USAGE_ERROR)
    except DatabaseError as error:
        return fail(str(error), ExitCode.RUNTIME_ERROR)
    chosen = flags.model or thread_model(target)
    settings = checked_settings(settings, chosen)
    from cli.walls_warning import unwalled_warning

    if (warning := unwalled_warning(settings, headless=headless)) is not None:
        print(f"ml-intern: warning: {warning}", file=sys.stderr)
    if headless:  # the REPL imports these behind its prompt instead
        from tools.secrets.rules import load_soon

        load_soon()  # the secret rules compile beside these imports, not before the first call
        from models.chat_model import through_litellm

        if through_litellm(chosen or settings.model_name, settings):
            import langchain_litellm  # noqa: F401 - seconds: our own path goes without it

        import graph.session  # noqa: F401
    return settings, target, prompt, headless


def checked_settings(settings: Any, chosen: str | None) -> Any:
    """Warnings said, the sandbox and the model (`chosen`, else the config's) checked: the
    settings a run starts with, or a StartupFailure."""
    for warning in settings.warnings:
        print(f"ml-intern: warning: {warning}", file=sys.stderr)
    if (problem := sandbox_problem_for(settings)) is not None:
        fail(problem, ExitCode.RUNTIME_ERROR)
    from cli.hf_token import token_for

    settings = with_default_model(settings, explicit=chosen is not None)
    model = chosen or settings.model_name
    if (found := model_problem(model, settings, token_for(model))) is not None:
        problem, kind = found
        fail(problem, ExitCode.USAGE_ERROR if kind == "usage" else ExitCode.RUNTIME_ERROR)
    # An unknown rule, one switched on that cannot serve the model, or an installed package's
    # rule that could not be loaded: said, and the run goes on without it. With no switches
    # and no package declaring rules there is none, and the registry (most of a second of
    # imports) is not loaded before the REPL's prompt shows.
    from adaptations.installed import declares_rules

    if settings.adaptations or declares_rules():
        from adaptations.resolve import switch_problems

        for problem in switch_problems(profile_of(model, settings), settings.adaptations):
            print(f"ml-intern: warning: {problem}", file=sys.stderr)
    return settings


def with_default_model(settings: Any, *, explicit: bool) -> Any:
    """With no model chosen anywhere, no key for the default and an HF token, the default
    becomes the router's (said once on stderr), so one token is enough to start."""
    from configs.model_profile import default_model
    from configs.settings import Settings

    configured = settings.model_name
    explicit = explicit or configured != Settings.model_fields["model_name"].default
    if explicit or os.environ.get(KEY_FOR_DEFAULT):
        return settings
    from tools.hub.client import hf_token

    model = default_model(configured, explicit=False, hf_token=hf_token(), env=os.environ)
    if model == configured:
        return settings
    print(
        f"ml-intern: {KEY_FOR_DEFAULT} is not set; using {model} through the Hugging Face "
        "router with your HF token (--model to choose another).",
        file=sys.stderr,
    )
    return settings.model_copy(update={"model_name": model})


KEY_FOR_DEFAULT = "ANTHROPIC_API_KEY"


def sandbox_problem_for(settings: Any) -> str | None:
    """When the sandbox is asked for (flag or config) it must work: never run unsandboxed."""
    from tools.local.sandbox import Sandbox, sandbox_problem

    sandbox = Sandbox.from_settings(settings.sandbox)
    return sandbox_problem(sandbox) if sandbox is not None else None


def fail(message: str, code: ExitCode) -> NoReturn:
    """End the command with `message` (`launch` reports it in the chosen output format)."""
    raise StartupFailure(message, code)


def report_failure(failure: StartupFailure, output_format: str) -> int:
    """One line on stderr; with json / stream-json also one error object on stdout, so a
    script reading stdout learns why nothing ran."""
    print(f"ml-intern: {failure}", file=sys.stderr)
    if output_format in ("json", "stream-json"):
        error = {"type": "error", "message": str(failure), "exit_code": int(failure.code)}
        print(json.dumps(error, ensure_ascii=False), flush=True)
    return int(failure.code)


def wants_headless(flags: Flags, *, stdin_is_tty: bool) -> bool:
    if flags.headless and flags.prompt is None and not (flags.resume or flags.continue_):
        raise UsageError("--headless without PROMPT needs --resume ID or --continue.")
    if flags.prompt is not None or flags.headless:
        return True
    if not stdin_is_tty:
        raise UsageError(
            'No PROMPT and stdin is not a terminal: pass PROMPT, or "-" to read it from stdin.'
        )
    return False


def read_prompt(prompt: str | None) -> str | None:
    if prompt != "-":
        return prompt
    text = sys.stdin.read().strip()
    if not text:
        raise UsageError('PROMPT "-" reads the task from stdin, but stdin was empty.')
    return text


def overrides(flags: Flags) -> dict[str, Any]:
    """Flags as settings overrides (None = not given, the config decides)."""
    return {
        "model_name": flags.model,
        "max_iterations": flags.max_iterations,
        "stream": False if flags.no_stream else None,
        "approval.yolo": True if flags.yolo else None,
        "max_cost_usd": flags.max_cost,
        "max_job_cost": flags.max_job_cost,
        "sandbox.mode": "local" if flags.sandbox else None,
        "reasoning_effort": flags.effort,
    }


def choose_thread(flags: Flags) -> Target:
    from configs.environment import ml_intern_home
    from store.thread_index import ThreadIndex

    chosen = [f for f, on in (("--resume", flags.resume), ("--continue", flags.continue_),
                              ("--thread-id", flags.thread_id)) if on]  # fmt: skip
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be used together; pick one.")
    home = ml_intern_home()
    if url := database_url():  # reach it (and make its schema ready) before anything runs
        from store.postgres_schema import ensure_schema

        ensure_schema(url)
    with ThreadIndex(home / "threads.sqlite") as index:
        return _existing_or_new(flags, index, home)


def _existing_or_new(flags: Flags, index: ThreadIndex, home: Path) -> Target:
    if flags.resume:
        from cli.threads import ThreadNotFound, find_thread

        try:  # the whole id, or a unique start of it
            return Target(find_thread(index, flags.resume).thread_id, resuming=True)
        except ThreadNotFound as missing:
            raise UsageError(str(missing)) from None
    if flags.continue_:
        cwd = str(Path.cwd().resolve())
        latest = index.latest(cwd)
        if latest is None:
            raise UsageError(
                f"No thread was started in {cwd} yet. Start one, or list all threads with: "
                "ml-intern threads list --all"
            )
        return Target(latest.thread_id, resuming=True)
    if flags.thread_id and index.get(flags.thread_id) is not None:
        raise UsageError(
            f"Thread {flags.thread_id!r} already exists; reopen it with --resume {flags.thread_id}."
        )
    return Target(flags.thread_id, resuming=False)
