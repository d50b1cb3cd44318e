"""May this tool touch this path? The one answer every file tool, bash's approval and the
sandbox's mount table ask.

Three kinds of place:

- credential places (`credential_places`): where tokens and keys live on this machine, the home
  directory's (CREDENTIAL_HOME_PLACES), the files credential variables name, the Hugging Face
  token wherever `HF_HOME` puts it, ml-intern's own files, and any file named like a credential
  store at any depth (`is_secret_name`: `.env*` except templates, `.netrc`, SSH keys...).
  Without the sandbox a tool asks a human every time, in any mode; with it they are hidden
  (bash sees empty stand-ins; the file tools refuse them); searches never go into them. The
  config's `approval.allow_secret_paths` lifts this for what it lists.
- git metadata (`is_git_metadata`): a `.git` directory or file, anything in a git directory
  (`HEAD` with `objects/` or `commondir`), a file named `HEAD` or `commondir`, or a `config`
  with git sections. Writing there asks a human in every mode, yolo included, whatever the tool:
  a hook or `core.fsmonitor` planted there runs on the host at the user's next git command.
- the workspace and, under the sandbox, the writable roots: free inside; outside, a write
  asks (no sandbox) or is refused (sandbox), a read asks.

`Walls` is the sandbox's side: None when the sandbox is off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from configs.environment import ml_intern_home, user_config_dir
from tools.real_places import held_real_paths, holds
from tools.safe_paths import head_at

Access = Literal["read", "write"]
Need = Literal["auto", "ask", "never_auto"]

# Relative to the home directory: the credential places of ML work and the tools around it.
CREDENTIAL_HOME_PLACES = (
    *(".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".oci", ".kube", ".docker"),
    *(".config/containers/auth.json", ".config/gh", ".config/hub", ".netrc", ".git-credentials"),
    *(".config/git/credentials", ".cache/huggingface/token", ".cache/huggingface/stored_tokens"),
    *(".huggingface/token", ".kaggle", ".config/kaggle", ".modal.toml", ".runpod", ".vast_api_key"),
    *(".config/vastai", ".lambda_cloud", ".config/lambda", ".databrickscfg", ".vault-token"),
    *(".pgpass", ".my.cnf", ".pypirc", ".npmrc", ".yarnrc.yml", ".cargo/credentials"),
    *(".cargo/credentials.toml", ".gem/credentials", ".m2/settings.xml", ".gradle/gradle.properties"),
    *(".terraform.d/credentials.tfrc.json", ".config/rclone", ".s3cfg", ".boto", ".mc"),
    *(".config/ngrok", ".ngrok2", ".config/op", ".local/share/keyrings", ".password-store"),
    *(".local/share/jupyter/runtime", ".mozilla", ".config/google-chrome", ".config/chromium"),
    *(".bash_history", ".zsh_history", ".python_history", ".psql_history", ".mysql_history"),
    *(".node_repl_history", ".sqlite_history", ".ipython/profile_default/history.sqlite"),
)  # fmt: skip
# Variables naming a credential file or directory (a list of paths for some).
CREDENTIAL_PATH_VARS = (
    *("HF_TOKEN_PATH", "GOOGLE_APPLICATION_CREDENTIALS", "AWS_SHARED_CREDENTIALS_FILE"),
    *("AWS_CONFIG_FILE", "CLOUDSDK_CONFIG", "AZURE_CONFIG_DIR", "DOCKER_CONFIG", "KUBECONFIG"),
    *("NETRC", "SSH_AUTH_SOCK", "KAGGLE_CONFIG_DIR", "PGPASSFILE", "DATABRICKS_CONFIG_FILE"),
    *("MODAL_CONFIG_PATH", "NPM_CONFIG_USERCONFIG", "PIP_CONFIG_FILE", "VAULT_TOKEN_PATH"),
)
ENV_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")
# File names that hold credentials wherever they are (the workspace included).
_SECRET_NAME = re.compile(
    r"^(\.env(rc)?|\.env\..+|\.netrc|_netrc|\.pgpass|\.git-credentials|\.pypirc|\.npmrc"
    r"|\.vault-token|\.databrickscfg|\.modal\.toml|kaggle\.json|id_(rsa|dsa|ecdsa|ed25519)(_sk)?)$"
)
_allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Walls:
    """The sandbox, as far as paths go: where commands may write besides the workspace, and
    what the config hides besides the credential places."""

    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()


def allow_secret_paths(paths: tuple[str, ...] | list[str]) -> None:
    """The user's explicit exceptions (`approval.allow_secret_paths`), for this process."""
    global _allowed
    _allowed = tuple(paths)


def allowed_places(workspace: Path) -> list[Path]:
    """The places `approval.allow_secret_paths` lists, resolved now (`workspace`: where
    relative ones start): a path inside one of them is allowed."""
    return [resolve(place, workspace) for place in _allowed]


def home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def resolve(path: str | os.PathLike[str], workspace: Path) -> Path:
    """`path` (`~` and `$VARS` expanded, relative to the workspace) with every symlink and
    `..` resolved, the way the operating system will follow it."""
    target = Path(_absolute(path, workspace))
    try:
        return target.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(target))


def _absolute(path: str | os.PathLike[str], workspace: Path) -> str:
    """`path` with `~` and `$VARS` expanded, relative to the workspace; links not followed."""
    text = os.fspath(path)
    if text.startswith("/") and "$" not in text:
        return text  # nothing to expand (every credential place, asked on every call)
    target = os.path.expanduser(os.path.expandvars(text))
    return target if os.path.isabs(target) else os.path.join(workspace, target)


def credential_places(env: Mapping[str, str] | None = None) -> list[Path]:
    """Every credential location of this machine as absolute paths, existing or not. The
    masking can read the files among them to learn secret values (tools/secrets.py)."""
    env = os.environ if env is None else env
    base = Path(env.get("HOME") or Path.home())
    places = [base / place for place in CREDENTIAL_HOME_PLACES]
    hf_home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or str(base / ".cache"), "huggingface"
    )
    places += [Path(hf_home) / "token", Path(hf_home) / "stored_tokens"]
    for name in CREDENTIAL_PATH_VARS:
        places += [Path(p).expanduser() for p in env.get(name, "").split(os.pathsep) if p]
    cargo = env.get("CARGO_HOME")
    if cargo:
        places += [Path(cargo) / "credentials", Path(cargo) / "credentials.toml"]
    places += [ml_intern_home(env), user_config_dir(env)]
    return places


# What `credential_places` reads of the environment (configs/environment.py's homes included).
_ENV_READ = ("HOME", "HF_HOME", "XDG_CACHE_HOME", "CARGO_HOME", "ML_INTERN_HOME", "XDG_DATA_HOME")
_ENV_READ += ("XDG_CONFIG_HOME", *CREDENTIAL_PATH_VARS)
CREDENTIAL_ENV_READ = _ENV_READ  # what `credential_place_names` reads of the environment
_named: dict[tuple[str | None, ...], tuple[str, ...]] = {}


def credential_place_names() -> tuple[str, ...]:
    """`credential_places()` of this process's environment, as strings; built again only
    when a variable it reads changed (every tool call asks, twice)."""
    key = tuple(map(os.environ.get, _ENV_READ))
    found = _named.get(key)
    if found is None:
        found = tuple(map(str, credential_places()))
        if len(_named) >= 16:
            _named.clear()
        _named[key] = found
    return found


def visible_within(env: Mapping[str, str] | None = None) -> list[Path]:
    """Places inside credential places that hold nothing secret: the user's skills and the
    spill files the model is told to read (the sandbox shows only the skills)."""
    return [user_config_dir(env) / "skills", ml_intern_home(env) / "spill"]


def is_secret_name(name: str) -> bool:
    """True for a file named like a credential store (`.env`, `.env.local`, `.envrc`, `.netrc`,
    an SSH key...); `.env.example` and other templates are not."""
    return bool(_SECRET_NAME.match(name)) and not name.endswith(ENV_TEMPLATE_SUFFIXES)


class SecretMap:
    """The credential places, resolved once, for checking many paths (a search's walk).
    Their real paths come from tools/real_places.py: looked up again only where a directory
    on their way changed. `version`: under which they all hold (None: one was resolved anew,
    a link or a recent change on its way)."""

    def __init__(self, workspace: Path, walls: Walls | None = None) -> None:
        allowed = [_absolute(place, workspace) for place in _allowed]
        visible = visible_within()
        hidden = [*credential_place_names(), *(walls.hidden if walls else ())]
        named = [*allowed, *map(str, visible), *(_absolute(p, workspace) for p in hidden)]
        real, self.version = held_real_paths(named)
        split = len(allowed) + len(visible)
        self.allowed = real[: len(allowed)]
        self.visible = {*visible, *real[len(allowed) : split]}
        self.places = set(real[split:])  # resolved: their real paths

    def covers(self, target: Path) -> bool:
        """True when the resolved `target` is or is inside a credential place, or is named
        like one, and the user's config does not allow it."""
        if any(target.is_relative_to(place) for place in self.allowed):
            return False
        chain = [target, *target.parents]
        if any(folder in self.visible for folder in chain):
            return False
        return is_secret_name(target.name) or any(folder in self.places for folder in chain)


_maps: dict[tuple[object, ...], SecretMap] = {}


def secret_map(workspace: Path, walls: Walls | None = None) -> SecretMap:
    """`SecretMap(workspace, walls)`, made again only when its places may resolve otherwise now:
    a variable naming them, the allowed list, or a directory on their ways changed (the map is
    kept under its `version`; every tool call asks, its approval too)."""
    key = (str(workspace), walls, credential_place_names(), _allowed)
    known = _maps.get(key)
    if known is not None and known.version is not None and holds(known.version):
        return known
    made = SecretMap(workspace, walls)
    if made.version is not None:
        if len(_maps) >= 64:
            _maps.clear()
        _maps[key] = made
    return made


def is_secret(target: Path, workspace: Path | None = None) -> bool:
    """True when the resolved `target` is, or is inside, a credential place, or is named like
    one, unless the user's config allows it."""
    return secret_map(workspace or Path.cwd()).covers(target)


_GIT_SECTION = re.compile(
    r"^\s*\[\s*(core|include|includeif|alias|diff|filter|credential)\b", re.I | re.M
)


def is_git_dir(folder: Path) -> bool:
    """True for a directory git would take as a git directory: `HEAD` plus `objects` and
    `refs`, or `HEAD` plus a `commondir` naming where those are."""
    return (folder / "HEAD").is_file() and (
        (folder / "commondir").exists()
        or ((folder / "objects").is_dir() and (folder / "refs").is_dir())
    )


def is_git_metadata(target: Path, content: str | None = None) -> bool:
    """True when writing `target` (resolved) could change what git runs: anything in a `.git`
    or another git directory, a `HEAD` or `commondir` file, or a `config` with git sections."""
    if ".git" in target.parts or target.name in {"HEAD", "commondir", "gitdir"}:
        return True
    in_config = (content or "") + "\n" + _head(target) if target.name.startswith("config") else ""
    if target.name in {"config", "config.worktree"} and _GIT_SECTION.search(in_config):
        return True
    return any(is_git_dir(folder) for folder in target.parents)


def _head(path: Path) -> str:
    """The first 64 KiB of the resolved `path` as text, read by descriptor (a FIFO or device
    planted there gives nothing, and never blocks the approval)."""
    return head_at(Path("/"), path.relative_to("/"), 65536).decode("utf-8", errors="replace")


def writable_roots(workspace: Path, walls: Walls) -> list[Path]:
    """Where a sandboxed tool may write: the workspace and the configured writable paths."""
    return [workspace.resolve(), *(resolve(path, workspace) for path in walls.writable)]


def is_hidden(target: Path, workspace: Path, walls: Walls | None) -> bool:
    """True for a place tools must not read or search: a credential place, or (sandbox) a
    place the config hides."""
    return secret_map(workspace, walls).covers(target)


def need(
    path: str, workspace: Path, access: Access, walls: Walls | None, content: str | None = None
) -> Need:
    """What a file tool's call on `path` needs before it runs. Calls the tool will refuse
    (`refusal`) need nothing: they only return the reason."""
    target = resolve(path, workspace)
    if access == "write" and is_git_metadata(target, content):
        return "never_auto"
    if is_hidden(target, workspace, walls):
        return "never_auto" if walls is None else "auto"
    if walls is not None and access == "write":
        return "auto"  # inside the writable roots it runs; outside it is refused
    return "auto" if target.is_relative_to(workspace.resolve()) else "ask"


def editor_serves(target: Path, workspace: Path, walls: Walls | None) -> bool:
    """True when an editor (its buffers) may stand in for the disk for the resolved `target`:
    inside the workspace, no credential or hidden place, no git metadata. Elsewhere the file
    tools use the disk under the approvals above, and the editor never hears of the path."""
    return (
        target.is_relative_to(workspace.resolve())
        and not is_hidden(target, workspace, walls)
        and not is_git_metadata(target)
    )


def refusal(target: Path, workspace: Path, access: Access, walls: Walls | None) -> str | None:
    """Why a tool must not touch the resolved `target` even with approval, or None. Only the
    sandbox refuses: hidden places, and writes outside the writable roots."""
    if walls is None:
        return None
    if is_hidden(target, workspace, walls):
        return (
            f"{target} is hidden by the sandbox (a credential or private place): tools do not "
            "read or change it. If you need it, ask the user to add it to "
            "`approval.allow_secret_paths` in the config."
        )
    if access == "write" and not any(
        target.is_relative_to(r) for r in writable_roots(workspace, walls)
    ):
        return (
            f"{target} is outside the places the sandbox lets tools write (the workspace and "
            "`sandbox.writable`). Write inside the workspace instead."
        )
    return None
