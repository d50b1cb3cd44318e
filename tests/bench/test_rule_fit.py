"""bench/rule_fit.py counts tokens with the model's own tokenizer, its llama.cpp server's
`POST /tokenize` (a local fake here, tests/fakes/tokenize_server.py), and with none answering
says so and measures nothing."""

from __future__ import annotations

import pytest

from bench import rule_fit
from tests.fakes.scholar_server import closed_url
from tests.fakes.tokenize_server import FakeTokenizer, fake_tokens


def test_tokens_are_the_model_servers_count() -> None:
    text = "warmup_ratio = 0.063\n"
    with FakeTokenizer() as tokenizer:
        assert rule_fit.model_tokens(text, tokenizer.url) == len(fake_tokens(text)) == 6
    assert tokenizer.texts == [text]


def test_the_tokenizer_url_is_given_never_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RULE_FIT_TOKENIZER", raising=False)
    with pytest.raises(rule_fit.NoTokenizer, match="--tokenizer URL"):
        rule_fit.tokenizer_url(None)
    monkeypatch.setenv("RULE_FIT_TOKENIZER", "http://127.0.0.1:1/v1/")
    assert rule_fit.tokenizer_url(None) == "http://127.0.0.1:1"
    assert rule_fit.tokenizer_url("http://127.0.0.1:2") == "http://127.0.0.1:2"


def test_with_no_tokenizer_answering_nothing_is_measured_or_recorded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RULE_FIT_TOKENIZER", closed_url())
    assert rule_fit.main([]) == 1
    out, err = capsys.readouterr()
    assert "no tokenizer answers at" in err and "nothing recorded" in err
    assert '"bench"' not in out  # no summary: nothing appended to bench/results
    with FakeTokenizer() as tokenizer:  # a server that is not a tokenizer: said, not guessed
        assert rule_fit.main(["--tokenizer", f"{tokenizer.url}/nothing-here"]) == 1
    assert "no tokenizer answers at" in capsys.readouterr().err


@pytest.mark.timeout(600)  # two headless turns through the graph, on a loaded machine
def test_a_fit_rule_is_measured_on_the_request_sent() -> None:
    with FakeTokenizer() as tokenizer:
        pair = {on: rule_fit.measure("core-toolset", on, tokenizer.url) for on in (True, False)}
    assert pair[True] < pair[False]  # every tool's schema, without it
    assert any('"parameters"' in text for text in tokenizer.texts)  # the schemas counted
