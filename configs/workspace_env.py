"""The workspace's `.env`: read for the agent's programs, never for ml-intern itself.

What the agent can write is hostile to the host, and a workspace `.env` is such a file. Its
values never enter `os.environ` (so `ML_INTERN_CLI_CONFIG`, `ML_INTERN_HOME`, `HF_ENDPOINT`,
proxies, `LD_PRELOAD` or `PYTHONPATH` written there configure nothing of ml-intern); they
reach the programs the agent starts (bash, the kernel) only for the names the user lists in
the config's `dotenv.allow`, and never for the names `reserved` answers True for, listed or
not. Every value it defines is still masked (`masking_environ`). ml-intern's own keys (a
provider's API key) belong in the user's `.env`, `~/.config/ml-intern/.env`
(configs/environment.py), or the shell.

Example::

    read_workspace_dotenv(Path("/work/project"))   # after configs.environment loads the user's
    pass_dotenv(["WANDB_PROJECT", "LD_PRELOAD"])    # LD_PRELOAD is reserved: never passed
    program_environ()["WANDB_PROJECT"]              # what bash and the kernel start with
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DOTENV_MAX_BYTES = 1 << 20
# name -> value of every key the workspace `.env` defines (for masking and passing).
WORKSPACE_DOTENV: dict[str, str] = {}
# name -> value of the keys passed to the agent's programs (allowed and not reserved).
PASSED_DOTENV: dict[str, str] = {}

# ml-intern's own names, the loader's and the shell's: never from a workspace file.
_RESERVED_PREFIXES = ("ML_INTERN_", "XDG_", "LD_", "DYLD_", "PYTHON", "LITELLM_", "GIT_")
_RESERVED_PREFIXES += ("HF_HUB_", "HUGGINGFACE_", "BASH_FUNC_", "SSL_")
_RESERVED_NAMES = frozenset(
    {"HF_ENDPOINT", "HF_HOME", "HF_INFERENCE_ENDPOINT", "HF_TOKEN_PATH", "HF_API_ENDPOINT"}
    | {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY", "SOCKS_PROXY"}
    | {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"}
    | {"HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "PWD", "OLDPWD", "IFS", "ENV", "BASH_ENV"}
    | {"SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "PERL5OPT", "RUBYOPT", "JAVA_TOOL_OPTIONS"}
    | {"SSH_AUTH_SOCK", "GNUPGHOME", "KUBECONFIG", "DOCKER_HOST"}
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reserved(name: str) -> bool:
    """True for a name no workspace `.env` may set even when the user allows it: ml-intern's
    (`ML_INTERN_*`), places and endpoints (`XDG_*`, `HF_ENDPOINT`, `HF_HUB_*`), proxies and CA
    bundles, the loader's and interpreters' (`LD_*`, `PYTHON*`, `NODE_OPTIONS`), the shell's
    (`BASH_ENV`, `IFS`), git's, and every search path (a name ending in `PATH`)."""
    upper = name.upper()
    return (
        not _NAME.fullmatch(name)
        or upper in _RESERVED_NAMES
        or upper.startswith(_RESERVED_PREFIXES)
        or upper.endswith("PATH")
        or upper.endswith("_PROXY")
    )


def read_workspace_dotenv(workspace: Path) -> set[str]:
    """Read `workspace/.env` (a planted link, FIFO or special file is skipped) into
    `WORKSPACE_DOTENV`; nothing enters `os.environ` and nothing is passed yet. Returns the
    names it defines."""
    from dotenv import dotenv_values

    from configs.regular_file import read_regular

    try:
        data = read_regular(Path(workspace).resolve() / ".env", DOTENV_MAX_BYTES)
    except OSError:
        data = None
    if data is None:
        return set()
    # Not interpolated: `${NAME}` expands from ml-intern's own environment (provider keys,
    # the server's secret), which would hand them to the agent's programs under an allowed name.
    text = io.StringIO(data.decode("utf-8", errors="replace"))
    values = dotenv_values(stream=text, interpolate=False)
    found = {name: value for name, value in values.items() if name and value is not None}
    WORKSPACE_DOTENV.update(found)
    return set(found)


def pass_dotenv(allowed: Iterable[str]) -> list[str]:
    """Pass the `allowed` keys the workspace `.env` defines to the agent's programs (replacing
    what was passed before); returns the allowed names refused as reserved."""
    refused = sorted({name for name in allowed if reserved(name)})
    PASSED_DOTENV.clear()
    PASSED_DOTENV.update(
        {
            name: WORKSPACE_DOTENV[name]
            for name in allowed
            if name in WORKSPACE_DOTENV and not reserved(name)
        }
    )
    return refused


def program_environ(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment the agent's programs start from: `env` (default: this process's) plus
    the passed `.env` keys; a variable the user's own environment sets wins."""
    env = os.environ if env is None else env
    return {**PASSED_DOTENV, **env}


def masking_environ() -> Mapping[str, str]:
    """This process's environment plus every workspace `.env` value, for masking: a value
    defined there is masked like one in the environment, passed or not."""
    if not WORKSPACE_DOTENV:
        return os.environ
    return {**WORKSPACE_DOTENV, **os.environ}


def workspace_config_request(workspace: Path) -> Path | None:
    """The config file the workspace `.env` names in `ML_INTERN_CLI_CONFIG` (relative to the
    workspace), if any: a workspace file asking for a config, judged as one (configs/trust.py)."""
    raw = WORKSPACE_DOTENV.get("ML_INTERN_CLI_CONFIG", "").strip()
    if not raw:
        return None
    path = Path(os.path.expanduser(raw))
    return path if path.is_absolute() else Path(workspace).resolve() / path


class DotenvSettings(BaseModel):
    """Which keys of the workspace's `.env` the agent's programs get.

    `allow`: the names passed to bash and the Python kernel, such as `["WANDB_PROJECT"]`; a key
    not listed stays out, and ml-intern's own names, `XDG_*`, `HF_*` endpoints, proxies, `LD_*`,
    `PYTHON*`, `GIT_*` and names ending in `PATH` never pass. The workspace's `.env` sets
    nothing of ml-intern itself."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    allow: list[str] = Field(default_factory=list)
