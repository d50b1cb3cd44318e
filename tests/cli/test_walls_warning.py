"""The start-of-run warning for code that runs unasked and unwalled, per mode and sandbox."""

from __future__ import annotations

import pytest

from cli.walls_warning import unwalled_warning
from configs.settings import Settings


@pytest.mark.parametrize(
    ("headless", "yolo", "sandbox", "starts"),
    [
        (False, False, "off", None),  # code asks
        (False, True, "off", "yolo without --sandbox: "),
        (True, False, "off", "headless run without --sandbox: "),
        (True, True, "off", "headless run without --sandbox: "),
        (False, True, "local", None),  # the walls hold it
        (True, False, "local", None),
    ],
)
def test_warned_when_code_runs_unasked_outside_the_walls(
    headless: bool, yolo: bool, sandbox: str, starts: str | None
) -> None:
    settings = Settings(approval={"yolo": yolo}, sandbox={"mode": sandbox})
    warning = unwalled_warning(settings, headless=headless)
    if starts is None:
        assert warning is None
    else:
        assert warning is not None and warning.startswith(starts)
        assert "--sandbox" in warning.removeprefix(starts) and "\n" not in warning
