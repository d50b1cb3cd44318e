"""hf_inspect_dataset against the local dataset viewer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tools.hub.datasets import chat_summary, datasets_spec, describe_type

INSPECT = datasets_spec().tool


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


async def test_chat_dataset_shows_splits_schema_samples_roles_and_parquet(hub: FakeHub) -> None:
    result = await invoke(INSPECT, dataset="acme/chat-data", sample_rows=2)
    text = result.content
    assert result.status == "success"
    assert "| default | train | 5 | 2.0 KB |" in text and "| default | test | 2 |" in text
    assert "- messages: list of {content: string, role: string}" in text
    assert "## Sample rows (default/train, 2 shown)" in text
    assert "… [" in text  # the 400-char answer is cut
    assert "messages: keys ['content', 'role']; roles user (5), assistant (5)" in text
    assert "## Parquet files (2, 3.7 KB)" in text
    viewer = {r.path for r in hub.requests}
    assert {"/is-valid", "/splits", "/parquet", "/size", "/info", "/first-rows"} <= viewer
    assert "/statistics" not in viewer
    assert hub.bearers() == {f"Bearer {hub.token}"}


async def test_class_labels_statistics_and_the_config_alias(hub: FakeHub) -> None:
    result = await invoke(
        INSPECT, dataset="acme/imdb-mini", config="plain_text", split="test", statistics=True
    )
    text = result.content
    assert "- label: ClassLabel (0=neg, 1=pos)" in text
    assert "## Sample rows (plain_text/test, 2 shown)" in text
    assert "## Statistics (plain_text/test, 2 rows)" in text
    assert hub.sent_to("/first-rows")[-1].query["split"] == ["test"]


async def test_an_unknown_split_lists_the_choices(hub: FakeHub) -> None:
    result = await invoke(INSPECT, dataset="acme/imdb-mini", split="validation")
    assert result.status == "error"
    assert result.content == "No split 'validation'; choose one of: train, test."


async def test_an_unknown_dataset_points_to_the_repo_files(hub: FakeHub) -> None:
    result = await invoke(INSPECT, dataset="nobody/nothing")
    assert result.status == "error"
    assert "not found (404)" in result.content and "hf_repo_files" in result.content


async def test_viewer_calls_run_concurrently(hub: FakeHub) -> None:
    await invoke(INSPECT, dataset="acme/imdb-mini")  # warm up: imports, TLS setup
    hub.delay = (r"^/(is-valid|splits|parquet|size|info|first-rows)$", 0.3)
    started = time.monotonic()
    result = await invoke(INSPECT, dataset="acme/chat-data")
    elapsed = time.monotonic() - started
    assert result.status == "success"
    assert elapsed < 1.2, f"six 0.3 s viewer calls took {elapsed:.2f} s: not concurrent"


async def test_the_viewer_url_comes_from_the_environment(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub() as viewer:
        monkeypatch.setenv("ML_INTERN_DATASETS_SERVER_URL", viewer.url)
        result = await invoke(INSPECT, dataset="acme/imdb-mini")
        assert "acme/imdb-mini" in result.content
        assert viewer.sent_to("/splits") and not hub.sent_to("/splits")
        assert viewer.bearers() == {f"Bearer {hub.token}"}  # the viewer is allowed the token


@pytest.mark.parametrize(
    ("feature", "text"),
    [
        ({"dtype": "int64", "_type": "Value"}, "int64"),
        ({"names": ["a", "b"], "_type": "ClassLabel"}, "ClassLabel (0=a, 1=b)"),
        (
            {"feature": {"dtype": "float32", "_type": "Value"}, "_type": "Sequence"},
            "list of float32",
        ),
        ([{"role": {"dtype": "string", "_type": "Value"}}], "list of {role: string}"),
        ({"_type": "Image"}, "Image"),
    ],
)
def test_feature_types_read_as_short_phrases(feature: object, text: str) -> None:
    assert describe_type(feature) == text


def test_chat_summary_knows_sharegpt_style_rows() -> None:
    rows = [{"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}]
    assert chat_summary(rows) == [
        "conversations: keys ['from', 'value']; roles human (1), gpt (1); 2-2 turns per row in the sample"
    ]
