"""The ML-task runner's runs of ours and the step profile's measured runs fork from the CLI
zygote (tests/fakes/cli_zygote.py): a fresh interpreter spends ~2.5 s of CPU importing what the
zygote already holds."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _bench_runs_fork_from_the_zygote(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import step_profile
    from bench.ml_tasks import run
    from tests.fakes.cli_zygote import UvRunPopen
    from tests.fakes.cli_zygote import run as zygote_run

    monkeypatch.setattr(run, "LAUNCH", UvRunPopen)
    monkeypatch.setattr(step_profile, "RUN", zygote_run)
