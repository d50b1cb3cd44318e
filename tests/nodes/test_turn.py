"""The turn's counters are one typed map (`AgentState.turn`): every key the code reads or writes
is declared, every declared key is used, and a turn stored by an older checkpoint reads the
counters it lacks as unset."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Literal, get_args, get_origin, get_type_hints

from langchain_core.messages import AIMessage, HumanMessage

from graph.state import AgentState
from nodes.turn import turn_of
from tests.product_sources import parsed, walked

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("nodes", "adaptations", "graph")
TURN = get_type_hints(AgentState)["turn"]
DECLARED = set(get_type_hints(TURN))
# The Literal aliases declared with the turn: a key held in a variable is typed with one.
ALIASES = {
    name: set(get_args(value))
    for name, value in vars(sys.modules[TURN.__module__]).items()
    if get_origin(value) is Literal
}


def _is_channel(node: ast.expr) -> bool:
    """`x.get("turn")` or `x["turn"]`: the state's turn channel read raw."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        key = node.args[0]
        return node.func.attr == "get" and isinstance(key, ast.Constant) and key.value == "turn"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "turn"
    return False


def _is_turn(node: ast.expr) -> bool:
    """A variable named `turn`, the turn channel, or `(the channel or {})`."""
    if isinstance(node, ast.Name):
        return node.id == "turn"
    if isinstance(node, ast.BoolOp):
        return _is_channel(node.values[0])
    return _is_channel(node)


def _key_of(node: ast.AST) -> ast.expr | None:
    """The key expression of `turn[k]`, `turn.get(k)` / `.pop` / `.setdefault`, `k in turn`."""
    if isinstance(node, ast.Subscript) and _is_turn(node.value):
        return node.slice
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        getter = node.func.attr in ("get", "pop", "setdefault") and _is_turn(node.func.value)
        return node.args[0] if getter else None
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
        return node.left if _is_turn(node.comparators[0]) else None
    return None


def used_keys() -> tuple[dict[str, list[str]], list[str]]:
    """{key: where it is used} over nodes/, adaptations/ and graph/, and the uses whose key is
    not a string literal in a module that names none of the turn's key aliases."""
    used: dict[str, list[str]] = {}
    untyped: list[str] = []
    for path in sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")):
        tree = parsed(path)
        names = {n.id for n in walked(tree) if isinstance(n, ast.Name)}
        for node in walked(tree):
            if (key := _key_of(node)) is None:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                used.setdefault(key.value, []).append(where)
            elif aliases := names & set(ALIASES):
                for member in set().union(*(ALIASES[a] for a in aliases)):
                    used.setdefault(member, []).append(where)
            elif isinstance(key, ast.Name):  # `turn[i]` on a turn's messages is no counter
                untyped.append(f"{where} turn[{key.id}]")
    return used, untyped


def test_the_enumeration_sees_the_known_counters() -> None:
    used, _ = used_keys()
    assert {"iterations", "compactions", "doom_fires", "plan_reminders", "rules"} <= set(used)


def test_every_counter_the_code_uses_is_declared() -> None:
    used, untyped = used_keys()
    assert untyped == []
    assert {key: where for key, where in used.items() if key not in DECLARED} == {}


def test_every_declared_counter_is_used() -> None:
    used, _ = used_keys()
    assert DECLARED - set(used) == set()


def test_every_key_alias_names_declared_counters() -> None:
    # none today: every key is a literal (the rules keep theirs under `rules`)
    assert {name: keys - DECLARED for name, keys in ALIASES.items() if keys - DECLARED} == {}


def _state(turn: dict[str, object]) -> dict[str, object]:
    return {"messages": [HumanMessage("hi", id="u1"), AIMessage("hello")], "turn": turn}


def test_a_new_turn_starts_every_counter() -> None:
    turn = turn_of(_state({"id": "u0", "iterations": 7, "rules": {"cut-reply": {"sent": 1}}}))
    assert set(turn) == DECLARED
    assert turn["id"] == "u1" and turn["iterations"] == 0 and turn["rules"] == {}


def test_an_older_checkpoints_turn_reads_its_missing_counters_as_unset() -> None:
    stored = {"id": "u1", "iterations": 3, "compactions": 1, "doom_fires": 0, "plan_reminders": 1}
    turn = turn_of(_state(stored))
    assert set(turn) == DECLARED
    assert turn["iterations"] == 3 and turn["compactions"] == 1 and turn["plan_reminders"] == 1
    assert turn["rules"] == {}
    assert stored == {
        "id": "u1",
        "iterations": 3,
        "compactions": 1,
        "doom_fires": 0,
        "plan_reminders": 1,
    }  # the stored turn is not written through


def test_a_rules_memory_is_its_own_key_and_a_node_changing_it_does_not_write_through() -> None:
    stored = {"id": "u1", "iterations": 1, "rules": {"cut-reply": {"sent": 1}}, "cut_replies": 1}
    turn = turn_of(_state(stored))
    assert set(turn) == DECLARED  # a counter no longer declared (an older rule key) is dropped
    turn["rules"]["cut-reply"]["sent"] = 0
    turn["rules"]["empty-reply"] = {"sent": 1}
    assert stored["rules"] == {"cut-reply": {"sent": 1}}
