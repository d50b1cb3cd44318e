"""The controller's broker: each worker asking for a kind hears where that kind listens."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fakes import zygote_broker


def test_workers_asking_at_once_each_hear_their_kind_or_why_it_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # set (not deleted) so that the broker `serve` names here is undone too: with none set
    # before, a deletion records nothing to restore and the later tests asked this one
    monkeypatch.setenv(zygote_broker.BROKER_ENV, "")
    assert zygote_broker.ask("cli") is None  # no controller: each process starts its own

    def broken() -> dict[str, str]:
        raise FileNotFoundError("no such interpreter")

    zygote_broker.serve(
        {"cli": lambda: {"path": "/z/cli.sock"}, "ml": lambda: {"path": "/z/ml.sock"},
         "fork": broken}
    )  # fmt: skip
    kinds = ["cli", "ml"] * 4
    with ThreadPoolExecutor(len(kinds)) as pool:
        answers = list(pool.map(zygote_broker.ask, kinds))
    assert answers == [{"path": f"/z/{kind}.sock"} for kind in kinds]
    with pytest.raises(RuntimeError, match="fork process: FileNotFoundError: no such interpreter"):
        zygote_broker.ask("fork")
    with pytest.raises(RuntimeError, match="KeyError"):
        zygote_broker.ask("gpu")
