"""The catalogue of what the model reads: one entry per kind, the runtime's (models/texts.py)
and the rules' own (adaptations/registry.py `note_texts`, `held_texts`), and every template of
models/texts.py listed under a kind."""

from __future__ import annotations

from typing import get_args

from adaptations.registry import RULES, held_texts, note_texts
from models import texts
from models.messages import NoteKind

CATALOGUE = {**texts.TEXTS, **note_texts(), **held_texts()}


def test_every_kind_has_an_entry():
    assert set(texts.TEXTS) == set(get_args(NoteKind))
    assert len(CATALOGUE) == len(texts.TEXTS) + len(note_texts()) + len(held_texts())
    for rule in RULES:  # its check's note is listed with the templates it sends
        assert rule.note is None or rule.note in rule.notes, rule.name


def test_every_template_is_listed_under_a_kind():
    listed = {id(t) for templates in CATALOGUE.values() for t in templates}
    kept = {
        name: value
        for name, value in vars(texts).items()
        if name.isupper() and name not in {"TEXTS", "TOOL_TEXTS"} and isinstance(value, str | dict)
    }
    strings = {n: v for n, v in kept.items() if isinstance(v, str)}
    assert [n for n, v in strings.items() if id(v) not in listed] == []
    assert all(id(t) in listed for v in kept.values() if isinstance(v, dict) for t in v.values())


def test_templates_are_text():
    assert all(CATALOGUE.values()), "a kind with no template: its text is written elsewhere"
    assert all(t and isinstance(t, str) for ts in CATALOGUE.values() for t in ts)
