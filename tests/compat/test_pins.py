"""The fence itself: a library that changed under a compat module is named, with its version and
the attribute, and nothing is patched."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from compat.pins import Hook, Pin, allowed, problems

HTTPX = Pin("httpx", ">=0.28,<0.29")


@pytest.fixture
def fake_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module of "httpx" whose function took (json) when the hook was written."""
    module = types.ModuleType("ml_intern_fake_lib")

    def encode(json: object, *, indent: int = 0) -> None: ...

    module.encode = encode  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_an_unchanged_library_has_no_problem(fake_module: types.ModuleType) -> None:
    hooks = [Hook(fake_module.__name__, "encode", ("json", "indent"))]
    assert problems(HTTPX, hooks) == [] and allowed(HTTPX, hooks)


def test_each_change_is_named_with_the_library_its_version_and_the_attribute(
    fake_module: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    from importlib.metadata import version

    installed = version("httpx")
    hooks = [
        Hook(fake_module.__name__, "encode", ("json",)),
        Hook(fake_module.__name__, "Encoder.dumps", ("self", "obj")),
        Hook("ml_intern_no_such_module", "x"),
    ]
    assert problems(Pin("httpx", "<0.1"), hooks) == [
        f"httpx {installed} is outside <0.1, the versions its compat module was written for: "
        "check each hook against this release, then move the pin",
        f"httpx {installed}: ml_intern_fake_lib.encode now takes (json, indent), written for "
        "(json)",
        f"httpx {installed}: ml_intern_fake_lib.Encoder.dumps is gone",
        f"httpx {installed}: ml_intern_no_such_module.x is gone",
    ]
    assert not allowed(HTTPX, hooks)
    assert "ml_intern_fake_lib.encode now takes" in caplog.text
    assert problems(Pin("ml-intern-no-such-library", ">=1"), []) == [
        "ml-intern-no-such-library is not installed"
    ]


def test_a_wrapper_of_ours_is_looked_through_to_the_library_s_own_signature(
    fake_module: types.ModuleType,
) -> None:
    import functools

    original = fake_module.encode

    @functools.wraps(original)
    def ours(*args: object, **kwargs: object) -> None: ...

    fake_module.encode = ours  # type: ignore[attr-defined]
    assert problems(HTTPX, [Hook(fake_module.__name__, "encode", ("json", "indent"))]) == []


def test_a_library_that_moved_an_attribute_is_left_as_it_is() -> None:
    """In a fresh process: httpx without its encoder; the patch refuses, httpx still works."""
    probe = (
        "import httpx._content as c; del c.encode_json;"
        "from compat import httpx as h; print(h.install());"
        "print(__import__('httpx').Request('GET', 'http://127.0.0.1:9').method)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "GET"], out.stderr
    assert "httpx._content.encode_json is gone; left as the library has it" in out.stderr


@pytest.mark.parametrize(
    ("version", "versions", "meets"),
    [
        ("1.105.3", ">=1.101,<1.106", True),
        ("1.106.0", ">=1.101,<1.106", False),
        ("1.2.21", ">=1.2.22,<1.3", False),
        ("0.11.1", "==0.11.1", True),
        ("0.11.2", "==0.11.1", False),
        ("0.11.3", "==0.11.*", True),
        ("0.12.0", "==0.11.*", False),
        ("2.0rc1", ">=2", True),
    ],
)
def test_a_version_meets_a_pin_as_pip_would_read_it(
    version: str, versions: str, meets: bool
) -> None:
    from compat.pins import within

    assert within(version, versions) is meets
