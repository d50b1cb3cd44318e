"""The local sandbox: the agent's shell commands run under bubblewrap (Linux).

What a command inside can reach, and why each hole is closed:

- Files: the host's file system read-only, except the workspace (and configured extra paths),
  which stays writable. The repositories in them keep their `.git` config and hooks read-only
  and `.git` in place, a `commondir` planted in them is removed when the command ends, and a
  workspace without `.git` cannot get one (sandbox_git.py): a hook or `core.fsmonitor` written
  there would run unsandboxed the next time the user runs git.
- Credentials: the home directory's credential locations (tools/secret_paths.py, plus a few
  more below), the files ml-intern keeps (`$ML_INTERN_HOME`: transcripts, Space sandbox keys;
  `~/.config/ml-intern` except its skills), the Hugging Face token wherever `HF_HOME` or
  `HF_TOKEN_PATH` puts it, files named by credential variables (`GOOGLE_APPLICATION_CREDENTIALS`,
  ...), the workspace's `.env` files and configured paths are hidden behind empty stand-ins.
- Environment: cleared, then only an allowlist passes (ENV_PASSED: path, locale, terminal and
  tool settings such as `HF_ENDPOINT` or `PIP_INDEX_URL`), minus any variable whose name or
  value looks secret (tools/secrets.py), plus the names `sandbox.env_allow` lists, as they are.
- Unix sockets (reachable through the file system even without a network): `/tmp` and `/run`
  are private and empty (D-Bus, `systemd --user`, Docker, ssh-agent usually live there), and
  every other socket bound on the host (listed in /proc/net/unix, plus `$SSH_AUTH_SOCK`) is
  covered by /dev/null.
- Processes and network: its own PID namespace (host processes are invisible, so cannot be
  signalled) and, unless the network is allowed, its own network namespace with no route out.
  With the network allowed, host services on loopback and abstract Unix sockets (X11, some
  D-Bus setups) are reachable.

NVIDIA and DRI device nodes are passed through so local training still sees the GPU.

It never falls back to running unsandboxed: `sandbox_problem` is checked at start-up, and a
command that cannot be sandboxed fails with the reason.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from configs.environment import ml_intern_home, user_config_dir
from tools.local.sandbox_git import BIND, HIDE, SHOW, Mount, depth, git_mounts, under
from tools.secret_paths import SECRET_HOME_PATHS
from tools.secrets import mask_secrets, secret_env_names

if TYPE_CHECKING:
    from configs.sandbox_settings import SandboxSettings

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `sudo apt install bubblewrap`; Fedora: `sudo dnf "
    "install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or run without --sandbox"
)
GPU_DEVICES = ("/dev/nvidia*", "/dev/dri")
# Replaced by empty directories: where the host keeps its sockets (and scratch files).
PRIVATE_DIRS = ("/tmp", "/run", "/var/run")
# Hidden besides SECRET_HOME_PATHS (relative to the home directory): keys, keyrings, package
# registry tokens, browser profiles (session cookies) and shell histories (pasted tokens).
MORE_HOME_SECRETS = (
    ".gnupg",
    ".pypirc",
    ".npmrc",
    ".kaggle",
    ".config/git/credentials",
    ".local/share/keyrings",
    ".password-store",
    ".mozilla",
    ".config/google-chrome",
    ".config/chromium",
    ".bash_history",
    ".zsh_history",
    ".python_history",
)
# Variables naming a credential file or directory: what they name is hidden too.
CREDENTIAL_PATH_VARS = (
    "HF_TOKEN_PATH",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "CLOUDSDK_CONFIG",
    "AZURE_CONFIG_DIR",
    "DOCKER_CONFIG",
    "KUBECONFIG",
    "NETRC",
    "SSH_AUTH_SOCK",
)
# The environment a sandboxed command gets (when set outside and not secret-looking): where
# programs are, locale and terminal, and tool settings that only say where to look.
ENV_PASSED = (
    *("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ"),
    *("TERM", "COLORTERM", "NO_COLOR", "PAGER", "GIT_PAGER", "PYTHONUNBUFFERED"),
    *("VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "PYTHONPATH", "LD_LIBRARY_PATH"),
    *("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CACHE_DIR", "UV_INDEX_URL", "UV_INDEX"),
    *("UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_CACHE_DIR", "UV_PYTHON"),
    *("HF_ENDPOINT", "HF_HOME", "HF_HUB_CACHE", "HF_DATASETS_CACHE", "HF_HUB_OFFLINE"),
    *("HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "TORCH_HOME"),
    *("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "OMP_NUM_THREADS", "CUDA_HOME"),
    *("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "SSL_CERT_FILE", "SSL_CERT_DIR"),
    *("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"),
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
    *("http_proxy", "https_proxy", "all_proxy", "no_proxy"),
)
ENV_PASSED_PREFIXES = ("LC_",)
_ENV_FILE = re.compile(r"^\.env(\..*)?$")
_ENV_TEMPLATE = (".example", ".sample", ".template", ".dist")


@dataclass(frozen=True)
class Sandbox:
    network: bool = False
    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    env_allow: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: SandboxSettings) -> Sandbox | None:
        """The sandbox the config asks for, or None when it is off."""
        if settings.mode != "local":
            return None
        return cls(
            settings.network,
            tuple(settings.writable),
            tuple(settings.hidden),
            tuple(settings.env_allow),
        )

    def describe(self) -> str:
        """One line for the model and the user: what a command can and cannot do."""
        net = "network allowed" if self.network else "no network"
        passed = f" (passed in: {', '.join(self.env_allow)})" if self.env_allow else ""
        return (
            "bash runs in a bubblewrap sandbox: the workspace is writable (.git config and hooks "
            "read-only, git init fails at its top, repositories made inside are not guarded), "
            "the rest of the file system read-only, /tmp and /run private, "
            "credential files and host sockets hidden, no tokens or API keys in the "
            f"environment{passed}, {net}"
        )

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """What a sandboxed command may see of `env`: ENV_PASSED minus anything secret-looking,
        plus the configured `env_allow` names as they are. Start the `wrap`ped command with it
        (not as `--setenv`, which would show the values in the host's process list)."""
        secret = set(secret_env_names(env))
        passed = {
            name: value
            for name, value in env.items()
            if (name in ENV_PASSED or name.startswith(ENV_PASSED_PREFIXES))
            and name not in secret
            and mask_secrets(value, env) == value
        }
        return passed | {name: env[name] for name in self.env_allow if name in env}

    def wrap(self, argv: list[str], workspace: Path, repos: list[str] | None = None) -> list[str]:
        """`argv` as a bubblewrap command line, run in `workspace`; start it with only
        `environment()`'s variables. The git directories it guards are added to `repos`
        (watch them with sandbox_git.CommondirWatch)."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable(f"bubblewrap is not installed: {INSTALL_HINT}.")
        args = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc"]
        if not self.network:
            args.append("--unshare-net")
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *_private_dirs()]
        for pattern in GPU_DEVICES:
            for device in sorted(glob.glob(pattern)):
                args += ["--dev-bind", device, device]
        roots = [p for path in (str(workspace), *self.writable) if (p := _existing(path))]
        hidden = sorted(set(_hidden_places(self.hidden, roots)))
        mounts = [(depth(root), BIND, ["--bind", root, root]) for root in roots]
        mounts += [*git_mounts(_existing(str(workspace)), roots, hidden, repos)]
        mounts += [*self._hidden_mounts(roots, hidden)]
        for _depth, _kind, mount in sorted(mounts, key=lambda m: m[:2]):
            args += mount
        return [*args, "--chdir", str(workspace), "--", *argv]

    def _hidden_mounts(self, roots: list[str], hidden: list[str]) -> Iterator[Mount]:
        """Empty stand-ins over credentials and host sockets the sandbox could otherwise see."""
        for place in hidden:
            if _reachable(place, roots):
                hide = ["--tmpfs", place] if os.path.isdir(place) else _dev_null(place)
                yield depth(place), HIDE, hide
        skills = _existing(str(user_config_dir() / "skills"))
        if skills is not None and _reachable(skills, roots):
            yield depth(skills), SHOW, ["--ro-bind", skills, skills]  # playbooks, no secrets


class SandboxUnavailable(Exception):
    """The sandbox was asked for but cannot run here; the message says how to fix it."""


def _existing(path: str) -> str | None:
    """`path` expanded and resolved, if it exists (bubblewrap cannot mount onto nothing)."""
    place = Path(os.path.expanduser(os.path.expandvars(path)))
    try:
        resolved = place.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return str(resolved)


def _dev_null(place: str) -> list[str]:
    return ["--ro-bind", "/dev/null", place]


def _private_dirs() -> list[str]:
    """Empty `/tmp` and `/run` (and `/var/run` when it is not a link to `/run`); the DNS
    configuration is put back when it lives under `/run` (systemd-resolved)."""
    args: list[str] = []
    for place in PRIVATE_DIRS:
        if os.path.isdir(place) and not os.path.islink(place):
            args += ["--tmpfs", place]
    resolv = _existing("/etc/resolv.conf")
    if resolv is not None and any(under(resolv, p) for p in _private_realpaths()):
        args += ["--ro-bind", resolv, resolv]
    return args


def _private_realpaths() -> list[str]:
    return [p for place in PRIVATE_DIRS if (p := _existing(place))]


def _reachable(place: str, roots: list[str]) -> bool:
    """False when `place` is under a private directory (already empty inside) and no writable
    root brings it back."""
    private = any(under(place, p) for p in _private_realpaths())
    return not private or any(under(place, root) for root in roots)


def _hidden_places(configured: tuple[str, ...], roots: list[str]) -> Iterator[str]:
    """Existing credential locations, ml-intern's own files and host sockets, resolved."""
    env = os.environ
    home = Path(env.get("HOME") or Path.home())
    wanted = [str(home / place) for place in (*SECRET_HOME_PATHS, *MORE_HOME_SECRETS)]
    wanted += [str(ml_intern_home()), str(user_config_dir()), *configured]
    hf_home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or str(home / ".cache"), "huggingface"
    )
    wanted += [os.path.join(hf_home, name) for name in ("token", "stored_tokens")]
    for name in CREDENTIAL_PATH_VARS:
        wanted += [path for path in env.get(name, "").split(os.pathsep) if path]
    wanted += ["/var/run/docker.sock", "/run/docker.sock", *_host_sockets()]
    for root in roots:
        wanted += [str(p) for p in Path(root).glob(".env*") if _secret_env_file(p.name)]
    for path in wanted:
        place = _existing(path)
        if place is not None and place != "/" and place not in roots:
            yield place  # an ancestor of a root is hidden; the root is mounted again on top


def _secret_env_file(name: str) -> bool:
    return bool(_ENV_FILE.match(name)) and not name.endswith(_ENV_TEMPLATE)


def _host_sockets() -> list[str]:
    """Paths of the Unix sockets bound on this host (its network namespace's, per
    /proc/net/unix): a sandboxed command could connect to any of them, network or not."""
    try:
        lines = Path("/proc/net/unix").read_text(errors="replace").splitlines()[1:]
    except OSError:
        return []
    found = set()
    for line in lines:
        fields = line.split(maxsplit=7)
        if len(fields) == 8 and fields[7].startswith("/"):
            found.add(fields[7])
    return [path for path in sorted(found) if _is_socket(path)]


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def sandbox_problem(sandbox: Sandbox) -> str | None:
    """Why the sandbox cannot run on this machine, or None when it can (a real trial run)."""
    if not sys.platform.startswith("linux"):
        return (
            f"--sandbox needs Linux (bubblewrap); this is {sys.platform}, where ml-intern has no "
            "sandbox. Run without --sandbox (commands then ask for approval as usual)."
        )
    try:
        argv = sandbox.wrap(["/bin/true"], Path.cwd())
    except SandboxUnavailable as error:
        return str(error)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=sandbox.environment(os.environ),
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start ({error}); {INSTALL_HINT}."
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:300] or f"exit code {done.returncode}"
        return (
            f"bubblewrap cannot create its namespaces here ({said}). In a container, allow "
            "user namespaces (e.g. `sysctl kernel.unprivileged_userns_clone=1`, or run the "
            "container with --privileged), or run without --sandbox."
        )
    return None
