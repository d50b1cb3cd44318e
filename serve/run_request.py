"""A run request as a person may say it, and the run the server builds from it.

A client's run body is parsed into a `RunRequest`: new input (human messages), none (the
thread goes on with the step it had scheduled, as after a crash), or an answer to the
approval that is pending (`command.resume`, with the page's carried model,
effort and yolo switches as `command.update`), plus the harmless fields the page sends
(`assistant_id`, `stream_mode`, `on_disconnect`, its `metadata` mark, `context.mode` and
`context.front_end`). Every other field is refused by name (`RunRefused`, said as a 422):
an allowlist, so a field a new engine release adds is refused until someone allows it.

The body the engine receives is built here (`engine_body`), not passed through: no client
`config` at all (LangChain's `ensure_config` copies a top-level config key over the
engine's own configurable: `thread_id`, the signed-in person), a `context` naming the
thread in the path, the served workspace, and the operator's caps. A person may lower
`max_iterations` or `max_cost_usd`, never raise them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from configs.advice import FRONT_ENDS
from configs.model_profile import profile_of, unknown_model_message
from nodes.reasoning import EFFORTS

if TYPE_CHECKING:
    from configs.settings import Settings

ASSISTANT = "ml_intern"
MODES = ("interactive", "headless")
STREAM_MODES = ("values", "messages", "messages-tuple", "updates", "custom")
ON_DISCONNECT = ("cancel", "continue")
MULTITASK = ("reject", "enqueue")
METADATA = {"ml_intern_turn": ("user",)}  # undo's mark of a person's turn (graph/session.py)
CARRIED = frozenset({"model", "effort", "yolo"})  # serve/web_settings.py's `carried`
INPUT_KEYS = frozenset({"messages", "stop_reason", "compact_request", "model"})  # docs/web.md
# No "id": a message with an existing one's id replaces it (LangGraph's add_messages).
MESSAGE_KEYS = frozenset({"type", "role", "content"})
HUMAN = frozenset({"human", "user"})
CONTEXT_KEYS = frozenset(
    {"mode", "workspace", "thread_id", "max_iterations", "max_cost_usd", "front_end"}
)
INSTEAD = "send a message, or answer the approval the thread is waiting for"
# What each field a run request may carry in the engines' models becomes here, said when a
# client sends it: the run fields the page does not send, each refused with what to do.
REFUSED = {
    "config": "a run cannot say whose it is or which thread it acts on: the server builds "
    "its config from who is asking and the thread in the path; leave it out",
    "checkpoint": f"a run goes on from the thread's latest step; {INSTEAD}",
    "checkpoint_id": f"a run goes on from the thread's latest step; {INSTEAD}",
    "interrupt_before": "the graph decides where a run stops for approval; leave it out",
    "interrupt_after": "the graph decides where a run stops for approval; leave it out",
    "webhook": "a run here cannot call a webhook; follow it with its stream instead",
    "after_seconds": "a run here starts when it is sent; send it later instead",
    "durability": "the server decides when a run's steps are saved; leave it out",
    "checkpoint_during": "the server decides when a run's steps are saved; leave it out",
    "feedback_keys": "this server does not collect run feedback; leave it out",
    "on_completion": "a run here keeps its thread; leave it out",
    "stream": "stream with /runs/stream instead",
    "if_exists": "a run here acts on the thread in its path; leave it out",
}
RUN_FIELDS = frozenset(
    {
        "assistant_id",
        "input",
        "command",
        "context",
        "metadata",
        "stream_mode",
        "on_disconnect",
        "multitask_strategy",
        "stream_resumable",
        "stream_subgraphs",
        "if_not_exists",
    }
)


class RunRefused(ValueError):
    """A run request that asks for what a person may not: its sentence, said as a 422."""


@dataclass(frozen=True)
class OperatorCaps:
    """The operator's limits for one run (configs: `max_iterations`, `max_cost_usd`)."""

    max_iterations: int
    max_cost_usd: float | None


@dataclass(frozen=True)
class RunRequest:
    """What a person asked of a run: new input or an approval answer, and how to follow it."""

    thread_id: str
    input: dict[str, Any] | None = None
    resume: Any = None
    carried: dict[str, Any] = field(default_factory=dict)
    mode: str | None = None
    front_end: str | None = None
    max_iterations: int | None = None
    max_cost_usd: float | None = None
    following: dict[str, Any] = field(default_factory=dict)  # stream_mode, on_disconnect...

    @property
    def answers_approval(self) -> bool:
        return self.resume is not None

    @property
    def model(self) -> str | None:
        """The model the thread switches to with this run, if it asks for one."""
        return (self.input or self.carried).get("model") or None

    def engine_body(self, caps: OperatorCaps, workspace: Path | None) -> dict[str, Any]:
        """The body the engine runs: this request's words, the server's config and context.
        `workspace` None: the graph puts the signed-in person in their own folder."""
        context: dict[str, Any] = {
            "thread_id": self.thread_id,
            "max_iterations": min(self.max_iterations or caps.max_iterations, caps.max_iterations),
            "max_cost_usd": lower(self.max_cost_usd, caps.max_cost_usd),
        }
        if workspace is not None:
            context["workspace"] = str(workspace)
        if self.mode is not None:
            context["mode"] = self.mode
        if self.front_end is not None:
            context["front_end"] = self.front_end
        body: dict[str, Any] = {"assistant_id": ASSISTANT, "context": context, **self.following}
        if self.resume is not None:
            body["command"] = answer_command(self.resume, self.carried)
        else:  # None: the thread goes on with the step it had scheduled (after a crash)
            body["input"] = self.input
        return body


def answer_command(resume: Any, carried: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's command for an approval answer. The carried settings reach the thread
    before `approval_interrupt` judges its calls again, so yolo switched on rides in the
    answer instead, which the node applies after the person's decisions (a call they
    reject must not become one yolo runs unasked)."""
    carried = dict(carried)
    if carried.get("yolo"):
        del carried["yolo"]
        decisions = resume.get("decisions") if isinstance(resume, Mapping) else resume
        resume = {"decisions": decisions, "yolo": True}
    return {"resume": resume, **({"update": carried} if carried else {})}


def model_refusal(model_id: str, settings: Settings) -> str | None:
    """Blocking: why a run may not switch its thread to `model_id` (an id no provider serves,
    or one without prices under the operator's spend limit), or None. The page's picker
    checks more (the key, a probe) before the page carries a model."""
    from configs.model_prices import unpriced_message

    problem = unknown_model_message(model_id) or endpoint_problem(model_id, settings)
    capped = settings.max_cost_usd is not None
    if problem is None and capped and not profile_of(model_id, settings).priced:
        problem = unpriced_message(model_id)
    return None if problem is None else f"Not switched to {model_id}: {problem}"


def endpoint_problem(model_id: str, settings: Settings) -> str | None:
    """Why `model_id` would send a key to an endpoint meant for another provider, or None.
    The config's `api_base` serves every provider route (configs/model_routes.py `route`):
    the operator set it for their model's provider, so another provider's id would carry that
    provider's key (the server's `ANTHROPIC_API_KEY`, say) to the operator's endpoint."""
    asked = profile_of(model_id, settings)
    if not settings.api_base or asked.route.kind != "provider":
        return None
    ours = profile_of(settings.model_name, settings).provider
    if asked.provider == ours:
        return None
    return (
        f"this server sends {ours} requests to its own endpoint, and a {asked.provider} model would "
        f"send its key there: pick a {ours}/ model, or ask the operator to add one."
    )


def lower(asked: float | None, cap: float | None) -> float | None:
    if cap is None:
        return asked
    return cap if asked is None else min(asked, cap)


def parse_run(
    payload: Any, thread_id: str, caps: OperatorCaps, signed_in: bool, served: Path | None
) -> RunRequest:
    """The `RunRequest` in `payload` for the thread `thread_id`, or `RunRefused`. `served`:
    the folder this server works in (token mode), which a `context.workspace` must name;
    None where people sign in (each works in their own folder, whatever the page says)."""
    if not isinstance(payload, Mapping):
        raise RunRefused("A run request is a JSON object.")
    for key in payload:
        if key not in RUN_FIELDS:
            why = REFUSED.get(str(key), f"a run here takes only {', '.join(sorted(RUN_FIELDS))}")
            raise RunRefused(f'"{key}" is refused: {why}.')
    if payload.get("assistant_id") != ASSISTANT:
        raise RunRefused(f'"assistant_id" is "{ASSISTANT}" here: the server runs one graph.')
    if_not_exists = payload.get("if_not_exists", "reject")
    if if_not_exists not in ("reject", "create") or (signed_in and if_not_exists != "reject"):
        raise RunRefused(
            '"if_not_exists" is refused: a run here cannot create its thread; make it with '
            "POST /threads first."
        )
    given_input, command = payload.get("input"), payload.get("command")
    if given_input is not None and command is not None:
        raise RunRefused(
            f"A run carries new input or an answer to the approval, not both: {INSTEAD}."
        )
    limits = context_of(payload.get("context"), thread_id, caps, served)
    if command is None:  # no input either: the thread's scheduled step, as the graph left it
        given = None if given_input is None else human_input(given_input)
        return RunRequest(thread_id, input=given, following=following(payload), **limits)
    resume, carried = command_of(command)
    if limits.get("mode") == "headless":  # the node judges again as the answer comes in
        raise RunRefused(
            '"context.mode": "headless" is refused on an answer to the approval: its calls '
            "would be judged again with nobody to ask, past your decisions; leave it out."
        )
    return RunRequest(
        thread_id, resume=resume, carried=carried, following=following(payload), **limits
    )


def context_of(
    context: Any, thread_id: str, caps: OperatorCaps, served: Path | None
) -> dict[str, Any]:
    """What a person may say in `context`: the mode, the front end, lower caps."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise RunRefused('"context" must be an object.')
    for key in context:
        if key not in CONTEXT_KEYS:
            raise RunRefused(
                f'"context.{key}" is refused: the context of a run takes only '
                f"{', '.join(sorted(CONTEXT_KEYS))}."
            )
    if context.get("thread_id") not in (None, thread_id):
        raise RunRefused(
            '"context.thread_id" names another thread; a run acts only on the thread in its path.'
        )
    if context.get("mode") not in (None, *MODES):
        raise RunRefused(f'"context.mode" is one of {", ".join(MODES)}.')
    if context.get("front_end") not in (None, *FRONT_ENDS):
        raise RunRefused(f'"context.front_end" is one of {", ".join(FRONT_ENDS)}.')
    check_workspace(context.get("workspace"), served)
    return {
        "mode": context.get("mode"),
        "front_end": context.get("front_end"),
        "max_iterations": cap_asked(context, "max_iterations", caps.max_iterations),
        "max_cost_usd": cap_asked(context, "max_cost_usd", caps.max_cost_usd),
    }


def cap_asked(context: Mapping[str, Any], key: str, cap: float | None) -> Any:
    """A lower limit a person asked for (None: the operator's)."""
    asked = context.get(key)
    if asked is None:
        return None
    whole = key == "max_iterations"
    number = isinstance(asked, int) if whole else isinstance(asked, int | float)
    if isinstance(asked, bool) or not number or not math.isfinite(asked) or asked <= 0:
        kind = "a whole number" if whole else "a number"
        raise RunRefused(f'"context.{key}" must be {kind} above 0.')
    if cap is not None and asked > cap:
        raise RunRefused(
            f'"context.{key}" may not exceed the limit of this server, {cap:g}: ask for {cap:g} '
            "or less, or leave it out."
        )
    return asked


def check_workspace(workspace: Any, served: Path | None) -> None:
    """A token-mode run works in the served folder; the page names it (GET /web/info)."""
    if workspace is None or served is None:
        return
    if not isinstance(workspace, str) or Path(workspace).expanduser().resolve() != served:
        raise RunRefused(
            f'"context.workspace" is refused: runs here work in {served}; leave it out.'
        )


def human_input(given: Any) -> dict[str, Any]:
    """New input: the person's messages, nothing else of the thread's state."""
    if not isinstance(given, Mapping):
        raise RunRefused('"input" is {"messages": [...]}: your new messages.')
    for key in given:
        if key not in INPUT_KEYS:
            raise RunRefused(
                f'"input.{key}" is refused: the input of a run is your new messages; '
                "the graph keeps the rest of the thread."
            )
    for key in ("stop_reason", "compact_request"):
        if given.get(key) is not None:
            raise RunRefused(f'"input.{key}" is refused: only the graph sets it; send null.')
    if not isinstance(given.get("model", ""), str):
        raise RunRefused('"input.model" is a model id, as text.')
    messages = given.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RunRefused('"input.messages" is a list of your new messages.')
    for n, message in enumerate(messages, start=1):
        human_message(message, n)
    return {key: given[key] for key in given}


def human_message(message: Any, n: int) -> None:
    if isinstance(message, str):
        return
    if not isinstance(message, Mapping):
        raise RunRefused(f"Message {n} is refused: a message is text or an object.")
    # Both named kinds count: LangChain reads `role` before `type` (`_convert_to_message`), so
    # {"type": "human", "role": "system"} becomes a system message there.
    kinds = [message[key] for key in ("type", "role") if key in message]
    human = bool(kinds) and all(isinstance(kind, str) and kind in HUMAN for kind in kinds)
    if not human or not set(message) <= MESSAGE_KEYS:
        raise RunRefused(
            f"Message {n} is refused: new input is your own messages "
            '({"type": "human", "content": ...}); the graph adds the rest.'
        )
    content = message.get("content")
    parts = [content] if isinstance(content, str) else content
    if not isinstance(parts, list) or not all(text_part(part) for part in parts):
        raise RunRefused(
            f'Message {n}: its content is text, or a list of {{"type": "text", "text": ...}} '
            "parts (no images or files by address: the server would fetch them)."
        )


def text_part(part: Any) -> bool:
    if isinstance(part, str):
        return True
    return (
        isinstance(part, Mapping)
        and set(part) <= {"type", "text"}
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    )


def command_of(command: Any) -> tuple[Any, dict[str, Any]]:
    """An answer to the pending approval, and the settings the page carries with it."""
    if not isinstance(command, Mapping):
        raise RunRefused('"command" is {"resume": ...}: the answer to the pending approval.')
    for key in command:
        if key not in ("resume", "update"):
            raise RunRefused(
                f'"command.{key}" is refused: a run goes where the graph sends it; {INSTEAD}.'
            )
    if command.get("resume") is None:
        raise RunRefused('"command.resume" is the answer to the pending approval.')
    carried = command.get("update") or {}
    if not isinstance(carried, Mapping):
        raise RunRefused('"command.update" is an object: model, effort or yolo.')
    for key in carried:
        if key not in CARRIED:
            raise RunRefused(
                f'"command.update.{key}" is refused: an approval answer may carry only '
                f"{', '.join(sorted(CARRIED))}; the graph writes the rest of the thread."
            )
    if carried.get("effort") not in (None, "", *EFFORTS):
        raise RunRefused(f'"command.update.effort" is one of {", ".join(EFFORTS)}, or empty.')
    if not isinstance(carried.get("yolo", False), bool):
        raise RunRefused('"command.update.yolo" must be true or false.')
    if not isinstance(carried.get("model", ""), str):
        raise RunRefused('"command.update.model" is a model id, as text.')
    return command["resume"], dict(carried)


def following(payload: Mapping[str, Any]) -> dict[str, Any]:
    """How the client follows the run: stream modes, what a closed tab does, run metadata."""
    kept: dict[str, Any] = {}
    modes = payload.get("stream_mode")
    if modes is not None:
        listed = [modes] if isinstance(modes, str) else modes
        if not isinstance(listed, list) or any(mode not in STREAM_MODES for mode in listed):
            raise RunRefused(f'"stream_mode" takes {", ".join(STREAM_MODES)}.')
        kept["stream_mode"] = modes
    for key, allowed in (("on_disconnect", ON_DISCONNECT), ("multitask_strategy", MULTITASK)):
        if payload.get(key) is not None:
            if payload[key] not in allowed:
                raise RunRefused(f'"{key}" is one of {", ".join(allowed)} here.')
            kept[key] = payload[key]
    for key in ("stream_resumable", "stream_subgraphs"):
        if payload.get(key) is not None:
            if not isinstance(payload[key], bool):
                raise RunRefused(f'"{key}" must be true or false.')
            kept[key] = payload[key]
    metadata = payload.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, Mapping) or any(
            value not in METADATA.get(str(key), ()) for key, value in metadata.items()
        ):
            raise RunRefused(
                '"metadata" takes only {"ml_intern_turn": "user"}, the mark of a turn.'
            )
        kept["metadata"] = dict(metadata)
    return kept
