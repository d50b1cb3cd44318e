"""Every server's runs are walled: the agent's code never runs on the host as the server.

A server (`ml-intern web` and the Space, `ml-intern studio`, the team server's replicas and
`ml-intern worker`) holds secrets a person's run must never reach: its environment (database
URL, OAuth client secret, provider keys), its memory, and its files in `$ML_INTERN_HOME`
(threads, sign-in keys). Every server process builds its settings through
serve/server_settings.py and its tools through serve/studio.py's `SERVER`, and both pass
through here:

- `walled(settings)`: the sandbox is on whatever the config says (tools/local/sandbox.py:
  bubblewrap, a scrubbed environment that never holds `ML_INTERN_*`, `OAUTH_*`,
  `DATABASE_URL`..., its own PID namespace with a fresh `/proc`, credential places and
  `$ML_INTERN_HOME` behind empty stand-ins). Walls the config did not choose do not change
  approvals: code still asks as the config says (`SandboxSettings.still_ask`). Nothing in the
  config uncovers `$ML_INTERN_HOME` on a server (`allow_secret_paths`, `writable`).
- `walls_problem(settings)`: why the walls cannot go up here (no bubblewrap, no user
  namespaces, a workspace inside `$ML_INTERN_HOME`), or None. The server then still starts,
  says so loudly at start (the CLI's line and the server log), and every code-running tool
  answers the fix and runs nothing (`walled_catalog`, tools/local/sandbox_refusal.py).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from configs.environment import ml_intern_home
from tools.local.sandbox_refusal import refusing_code

if TYPE_CHECKING:
    from configs.settings import Settings
    from tools.catalog import ToolCatalog
    from tools.local.sandbox import Sandbox

# Said at start by the server's command and in its log ({names}: the tools, by name, in the log).
UNWALLED = (
    "the tools that run code{names} are OFF on this server: it runs the agent's code only "
    "inside its bubblewrap sandbox, which cannot start here ({problem}). Install bubblewrap "
    "(Debian/Ubuntu: `apt-get install bubblewrap`; in a container, also allow user "
    "namespaces) and restart; the other tools work."
)


def walled(settings: Settings) -> Settings:
    """`settings` with the sandbox on (approvals as the config chose), and no setting that
    would show `$ML_INTERN_HOME` inside it."""
    sandbox = settings.sandbox
    keep = functools.partial(_hides_home, home=ml_intern_home().resolve())
    walls = sandbox.model_copy(
        update={
            "mode": "local",
            "still_ask": sandbox.still_ask or sandbox.mode != "local",
            "writable": [path for path in sandbox.writable if keep(path)],
        }
    )
    approval = settings.approval.model_copy(
        update={"allow_secret_paths": [p for p in settings.approval.allow_secret_paths if keep(p)]}
    )
    return settings.model_copy(update={"sandbox": walls, "approval": approval})


def _hides_home(path: str, *, home: Path) -> bool:
    """False for a configured place that is `home`, lies inside it or holds it."""
    place = Path(os.path.expanduser(os.path.expandvars(path))).resolve()
    return not (place.is_relative_to(home) or home.is_relative_to(place))


def walls_problem(settings: Settings, workspace: Path) -> str | None:
    """Why the server's walls cannot go up for `workspace`, or None when they can (bubblewrap
    is tried for real, once per process and configuration)."""
    from tools.local.sandbox import Sandbox

    if not sys.platform.startswith("linux"):
        return f"this is {sys.platform}; bubblewrap needs Linux"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed"
    home = ml_intern_home().resolve()
    if workspace.resolve().is_relative_to(home):
        return f"the workspace {workspace} lies inside the server's own files ($ML_INTERN_HOME)"
    sandbox = Sandbox.from_settings(walled(settings).sandbox)
    assert sandbox is not None
    return _trial(sandbox)


@functools.cache
def _trial(sandbox: Sandbox) -> str | None:
    """bubblewrap started for real once with these walls: why it could not, or None."""
    from tools.local.sandbox import sandbox_problem

    return sandbox_problem(sandbox)


def walled_catalog(catalog: ToolCatalog, problem: str | None) -> ToolCatalog:
    """`catalog` as a server offers it: as it is when the walls go up, else with every
    code-running tool answering `problem` and its fix."""
    return catalog if problem is None else refusing_code(catalog, problem)


def start_warning(workspace: Path | None = None) -> str | None:
    """The loud line a server's command says at start when its code-running tools are off,
    or None. A config that cannot be read is said elsewhere (None here)."""
    from configs.settings import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError:
        return None
    problem = walls_problem(settings, workspace or Path.cwd())
    return None if problem is None else UNWALLED.format(names="", problem=problem)
