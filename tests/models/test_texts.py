"""The catalogue of what the model reads (models/texts.py): one entry per kind, and every
template in it listed under a kind."""

from __future__ import annotations

from typing import get_args

from models import texts
from models.messages import HeldKind, NoteKind


def test_every_kind_has_an_entry():
    assert set(texts.TEXTS) == set(get_args(NoteKind)) | set(get_args(HeldKind))


def test_every_template_is_listed_under_a_kind():
    listed = {id(t) for templates in texts.TEXTS.values() for t in templates}
    kept = {
        name: value
        for name, value in vars(texts).items()
        if name.isupper() and name not in {"TEXTS", "TOOL_TEXTS"} and isinstance(value, str | dict)
    }
    strings = {n: v for n, v in kept.items() if isinstance(v, str)}
    assert [n for n, v in strings.items() if id(v) not in listed] == []
    assert all(id(t) in listed for v in kept.values() if isinstance(v, dict) for t in v.values())


def test_templates_are_text():
    assert all(texts.TEXTS.values()), "a kind with no template: its text is written elsewhere"
    assert all(t and isinstance(t, str) for ts in texts.TEXTS.values() for t in ts)
