"""The `settings-made` rule: a request that sets named values, once the files the turn wrote
hold them all, is answered (asked without tools, as `answer-now` asks); quiet otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from adaptations.hooks import ModelStep, Shape
from adaptations.registry import BY_NAME
from adaptations.reply.settings_made import asked_settings, holds
from adaptations.turn import new_turn
from configs.model_profile import profile_of
from tests.fakes.path_flipper import PathFlipper

REQUEST = (
    "In serve.toml, set the server's `max_batch_size` to 16 and its `timeout_s` to 30. "
    "Change nothing else in the file."
)
SMALL = profile_of("llamacpp/small", env={})
CONFIG = "[server]\nport = 8080\nmax_batch_size = {batch}\ntimeout_s = {timeout}\n"


def edited(path: str = "serve.toml", status: str = "success") -> list[AIMessage | ToolMessage]:
    call = {"name": "edit", "args": {"path": path}, "id": "e1", "type": "tool_call"}
    result = ToolMessage(content="Edited.", tool_call_id="e1", name="edit", status=status)
    return [AIMessage(content="", tool_calls=[call]), result]


def step(workspace: Path, request: str = REQUEST, calls: list | None = None) -> ModelStep:
    history = [HumanMessage(content=request), *(edited() if calls is None else calls)]
    return ModelStep(SMALL, Shape(), history, history, list(history), new_turn("t"), workspace)


@pytest.mark.parametrize(
    ("request_text", "wanted"),
    [
        (REQUEST, {"max_batch_size": "16", "timeout_s": "30"}),
        (
            "Set learning_rate to 3e-5 and `warmup` to 0.1 in config.yaml.",
            {"learning_rate": "3e-5", "warmup": "0.1"},
        ),
        ('Set `name` to "bert".', {"name": "bert"}),
        ("How many rows of sales.csv are in the north region?", {}),
        ("Convert data.json to csv and count the rows up to 100.", {}),
        ("Train the model for 3 epochs and push it to the Hub.", {}),
    ],
)
def test_the_settings_a_request_names(request_text: str, wanted: dict[str, str]) -> None:
    assert asked_settings(request_text) == wanted


def test_a_setting_is_held_by_a_line_of_its_own_in_any_notation() -> None:
    assert holds("timeout_s = 30\n", "timeout_s", "30")
    assert holds("  lr: 3.0e-5  # tuned\n", "lr", "3e-5")
    assert holds('"name": "bert",\n', "name", "bert") is False  # a trailing comma is JSON's
    assert holds("max_batch_size = 4\n", "max_batch_size", "16") is False
    assert holds("# timeout_s = 30 once\n", "timeout_s", "30") is False


def test_once_the_written_file_holds_every_setting_the_model_is_asked_to_answer(
    tmp_path: Path,
) -> None:
    (tmp_path / "serve.toml").write_text(CONFIG.format(batch=16, timeout=30))
    asked = step(tmp_path)
    BY_NAME["settings-made"].before_model(asked)
    assert asked.answer_now and asked.kwargs == {"tool_choice": "none"}
    assert "Do not call a tool." in str(asked.prompt[-1].content)
    reply = AIMessage(content="", tool_calls=[{"name": "write", "args": {}, "id": "w"}])
    assert BY_NAME["settings-made"].after_model(asked, reply).tool_calls == []


@pytest.mark.parametrize(
    ("batch", "timeout", "calls"),
    [
        (16, 120, None),  # one of the two still as it was
        (16, 30, []),  # set before the turn: nothing this turn wrote
        (16, 30, edited(status="error")),  # the edit failed
        (16, 30, edited(path="../serve.toml")),  # a place outside the workspace
    ],
)
def test_the_model_keeps_its_tools_until_the_turn_made_every_setting(
    tmp_path: Path, batch: int, timeout: int, calls: list | None
) -> None:
    (tmp_path / "serve.toml").write_text(CONFIG.format(batch=batch, timeout=timeout))
    asked = step(tmp_path, calls=calls)
    BY_NAME["settings-made"].before_model(asked)
    assert not asked.answer_now and asked.prompt == list(asked.history)


def test_a_link_in_place_of_the_written_file_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text(CONFIG.format(batch=16, timeout=30))
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.symlink(outside, workspace / "serve.toml")
    asked = step(workspace)
    BY_NAME["settings-made"].before_model(asked)
    assert not asked.answer_now


def test_a_request_naming_no_setting_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "serve.toml").write_text(CONFIG.format(batch=16, timeout=30))
    asked = step(tmp_path, request="What does serve.toml set the port to?")
    BY_NAME["settings-made"].before_model(asked)
    assert not asked.answer_now


def test_a_file_that_lost_lines_its_read_showed_is_not_done(tmp_path: Path) -> None:
    shown = CONFIG.format(batch=4, timeout=120)
    (tmp_path / "serve.toml").write_text("max_batch_size = 16\ntimeout_s = 30\n")  # the rest gone
    read = {"name": "read", "args": {"path": "serve.toml"}, "id": "r1", "type": "tool_call"}
    gutter = "".join(f"{n:6}\t{line}\n" for n, line in enumerate(shown.splitlines(), 1))
    calls = [
        AIMessage(content="", tool_calls=[read]),
        ToolMessage(content=gutter, tool_call_id="r1", name="read"),
        *edited(),
    ]
    asked = step(tmp_path, calls=calls)
    BY_NAME["settings-made"].before_model(asked)
    assert not asked.answer_now
    (tmp_path / "serve.toml").write_text(CONFIG.format(batch=16, timeout=30))  # the rest kept
    asked = step(tmp_path, calls=calls)
    BY_NAME["settings-made"].before_model(asked)
    assert asked.answer_now


def test_a_pipe_in_place_of_the_written_file_is_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "serve.toml")  # opened for reading, a pipe with no writer would block
    asked = step(tmp_path)
    BY_NAME["settings-made"].before_model(asked)
    assert not asked.answer_now


@pytest.mark.parametrize("flipped", ["serve.toml", "conf"])
def test_a_file_or_folder_flipping_to_a_link_out_is_never_read_through_it(
    tmp_path: Path, flipped: str
) -> None:
    """The agent flips the written file (or its folder) between the real one, which does not
    hold the settings, and a link to a copy outside the workspace that does, 2,000 times while
    the rule looks: it never reads the copy, so it never asks for the answer."""
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    (workspace / "conf").mkdir(parents=True)
    outside.mkdir()
    (workspace / "conf" / "serve.toml").write_text(CONFIG.format(batch=4, timeout=120))
    (outside / "serve.toml").write_text(CONFIG.format(batch=16, timeout=30))
    place = workspace / "conf" / "serve.toml" if flipped == "serve.toml" else workspace / "conf"
    link = place.with_name(f"{place.name}.swap")  # swapped with the real one, never missing
    link.symlink_to(outside / "serve.toml" if flipped == "serve.toml" else outside)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # the flips interleave with the looks, not 5 ms apart
    answered = 0
    try:
        with PathFlipper(place, link) as flipper:
            while not flipper.at_least(2000):
                asked = step(workspace, calls=edited(path="conf/serve.toml"))
                BY_NAME["settings-made"].before_model(asked)
                answered += asked.answer_now
    finally:
        sys.setswitchinterval(switch)
    assert answered == 0
