"""Re-export-only packages load their names on first use, and give the same objects as before."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compat.lazy_packages import ReexportFinder

PACKAGE = {
    "__init__.py": '"""Doc."""\nfrom __future__ import annotations\n\n'
    "from .shapes import Circle as Circle, Square\nfrom .tools import hammer\n"
    "from . import colours\nfrom .nested import deep\n",
    "shapes.py": "class Circle: ...\nclass Square: ...\nLOADED = True\n",
    "tools.py": "def hammer(): return 'bang'\n",
    "colours.py": "RED = 'red'\n",
    "nested/__init__.py": "",
    "nested/deep.py": "DEPTH = 2\n",
    "later.py": "LATE = 1\n",
}
BUSY = {"__init__.py": "from .part import PART\nRAN = True\n", "part.py": "PART = 1\n"}


@pytest.fixture
def packages(tmp_path: Path) -> Iterator[str]:
    """Two packages under a prefix only this test's finder serves; all undone afterwards."""
    prefix = f"lazyprobe_{tmp_path.name.replace('-', '_')}"
    for name, files in ((f"{prefix}_lazy", PACKAGE), (f"{prefix}_busy", BUSY)):
        for path, text in files.items():
            (tmp_path / name / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / path).write_text(text)
    finder = ReexportFinder((prefix,))
    sys.path.insert(0, str(tmp_path))
    sys.meta_path.insert(0, finder)
    try:
        yield prefix
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith(prefix)]:
            del sys.modules[name]


def test_a_re_export_package_loads_each_name_when_asked(packages: str) -> None:
    import importlib

    package = importlib.import_module(f"{packages}_lazy")
    assert f"{packages}_lazy.shapes" not in sys.modules  # nothing ran at import

    shapes = importlib.import_module(f"{packages}_lazy.shapes")
    assert package.Circle is shapes.Circle and package.Square is shapes.Square
    assert package.hammer() == "bang"
    assert package.colours.RED == "red"
    assert package.deep.DEPTH == 2  # `from .nested import deep`: a submodule
    assert package.later.LATE == 1  # a submodule the __init__ never named
    assert not hasattr(package, "__wrapped__")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = package.nothing

    star: dict[str, object] = {}
    exec(f"from {packages}_lazy import *", star)
    assert {"Circle", "Square", "hammer", "colours", "deep"} <= set(star)
    assert {"Circle", "hammer", "colours"} <= set(dir(package))


def test_a_package_whose_init_does_more_runs_it_as_before(packages: str) -> None:
    import importlib

    package = importlib.import_module(f"{packages}_busy")
    assert package.RAN is True and package.PART == 1
    assert "__getattr__" not in vars(package)


SDK_NAMES = """
import json, sys, types
if sys.argv[1] == "lazy":
    from compat.lazy_packages import load_names_on_first_use
    load_names_on_first_use()
import openai
first = sum(m.startswith("openai.") for m in sys.modules)  # after `import openai` alone
import importlib
found = {}
for name in ("openai.types", "openai.types.chat", "openai.types.beta", "openai.resources",
             "langsmith.types"):
    package = importlib.import_module(name)
    names = [n for n in dir(package) if not n.startswith("_")]
    star = {}
    exec(f"from {name} import *", star)
    found[name] = {
        n: getattr(getattr(package, n), "__qualname__", type(getattr(package, n)).__name__)
        for n in names if not isinstance(getattr(package, n), types.ModuleType)
    }
    found[name + " *"] = sorted(n for n in star if not n.startswith("_"))
print(json.dumps({"names": found, "loaded": len(sys.modules), "openai_alone": first}))
"""


@pytest.fixture(scope="module")
def sdk_names() -> dict[str, dict[str, Any]]:
    """SDK_NAMES in a fresh interpreter each way, eager and lazy (~2.5 s of CPU each): what the
    two tests below read (the second one's count once cost two more interpreters)."""

    def names(mode: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", SDK_NAMES, mode], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return {"eager": names("eager"), "lazy": names("lazy")}


def test_the_sdks_generated_packages_give_every_name_as_before_with_fewer_modules(
    sdk_names: dict[str, dict[str, Any]],
) -> None:
    eager, lazy = sdk_names["eager"], sdk_names["lazy"]
    for package, found in eager["names"].items():
        assert found, package
        assert lazy["names"][package] == found, package
    # Laziness is real: importing the five packages above (and asking every name) loads what
    # the names need; importing only `openai` loads far less (see the next test's budget).
    assert lazy["loaded"] <= eager["loaded"]


def test_importing_openai_no_longer_imports_every_api_type(
    sdk_names: dict[str, dict[str, Any]],
) -> None:
    """The `openai.*` modules loaded by `import openai` alone, before SDK_NAMES asks a name."""
    lazy, eager = sdk_names["lazy"]["openai_alone"], sdk_names["eager"]["openai_alone"]
    assert int(lazy) < int(eager) * 0.6, (lazy, eager)


def test_an_sdk_outside_its_pin_loads_its_packages_as_it_always_did() -> None:
    """langsmith outside compat/langsmith.py's pin: its packages run their `__init__`, named
    in the log; openai's, within its pin, still load lazily."""
    out, err = run(
        "from compat import langsmith\n"
        "from compat.pins import Pin\n"
        "langsmith.PIN = Pin('langsmith', '<0.1')\n"
        f"{LAZY}\n"
        "import langsmith.types, openai.types\n"
        "print('__getattr__' in vars(langsmith.types), '__getattr__' in vars(openai.types))\n"
    )
    assert out.split() == ["False", "True"], err
    assert "langsmith" in err and "is outside <0.1" in err


LAZY = "from compat.lazy_packages import load_names_on_first_use; load_names_on_first_use()"


def run(probe: str) -> tuple[str, str]:
    """What `probe` prints to stdout and stderr in a fresh interpreter (it changes imports)."""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout, done.stderr
