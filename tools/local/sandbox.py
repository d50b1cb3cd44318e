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
  value looks secret (tools/secrets.py), plus the names `sandbox.env_allow` lists, as they are;
  never ml-intern's own variables or a server's (NEVER_PASSED: `ML_INTERN_*`, `OAUTH_*`,
  `DATABASE_URL`...), whatever `env_allow` says.
- Unix sockets (reachable through the file system even without a network): `/tmp` and `/run`
  are private and empty (D-Bus, `systemd --user`, Docker, ssh-agent usually live there), and
  every other socket bound on the host (listed in /proc/net/unix, plus `$SSH_AUTH_SOCK`) is
  covered by /dev/null.
- Processes and network: its own PID namespace (host processes are invisible, so cannot be
  signalled) and, unless the network is allowed, its own network namespace with no route out.
  With the network allowed, host services on loopback and abstract Unix sockets (X11, some
  D-Bus setups) are reachable.

- Mounts: bubblewrap resolves each source by name, so a folder a sandboxed process swaps for a
  link while the next command starts could bring a host folder in; sources beneath the writable
  roots go by descriptor (sandbox_pins.py) and a command runs only once the host has checked
  every mount it got (sandbox_gate.py).

NVIDIA and DRI device nodes are passed through so local training still sees the GPU.

It never falls back to running unsandboxed: `sandbox_problem` is checked at start-up, and a
command that cannot be sandboxed fails with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from configs.workspace_env import PASSED_DOTENV
from tools.local.sandbox_gate import SandboxBreach
from tools.local.sandbox_git import BIND, HIDE, SHOW, Mount, depth, git_mounts, under
from tools.local.sandbox_pins import Pins, Wrapped
from tools.local.tree_scan import Findings, TreeScan
from tools.places import Walls, allowed_places, credential_place_names, visible_within
from tools.result_texts import tool_text
from tools.result_texts.sandbox import (
    INSTALL_HINT,
    NETWORK,
    NO_NETWORK,
    NOT_INSTALLED,
    PASSED_IN,
    WALLS,
)
from tools.secrets import mask_secrets, secret_env_names

if TYPE_CHECKING:
    from configs.sandbox_settings import SandboxSettings

GPU_DEVICES = ("/dev/nvidia*", "/dev/dri")
# Replaced by empty directories: where the host keeps its sockets (and scratch files).
PRIVATE_DIRS = ("/tmp", "/run", "/var/run")
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
HOST_PROC = "/proc"
# Never inside, not even through `env_allow`: ml-intern's own settings and a server's secrets
# (its database, queue, sign-in and session keys, Aegra's settings).
NEVER_PASSED = ("DATABASE_URL", "REDIS_URL", "PGPASSWORD", "PGPASSFILE")
NEVER_PASSED_PREFIXES = ("ML_INTERN_", "OAUTH_", "OPENID_", "AEGRA_", "LANGGRAPH_", "LANGSMITH_")


@dataclass(frozen=True)
class Sandbox:
    network: bool = False
    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    env_allow: tuple[str, ...] = ()
    # False: the walls were put up by a server, not chosen by the config, so code inside them
    # still asks for approval as it would without them (the tools' rule for code reads this).
    chosen: bool = True

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
            chosen=not settings.still_ask,
        )

    @property
    def walls(self) -> Walls:
        """What the file tools must respect so they stay inside the same walls. They run in
        ml-intern's own process, so the host's `/proc` (its environment and memory, a server's
        secrets) is hidden from them as it is from a sandboxed command, which has its own."""
        return Walls(self.writable, (*self.hidden, HOST_PROC))

    def describe(self) -> str:
        """One line for the model and the user: what a command can and cannot do."""
        net = tool_text("sandbox", NETWORK) if self.network else tool_text("sandbox", NO_NETWORK)
        names = ", ".join(self.env_allow)
        passed = tool_text("sandbox", PASSED_IN, names=names) if self.env_allow else ""
        return tool_text("sandbox", WALLS, passed=passed, network=net)

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """What a sandboxed command may see of `env`: ENV_PASSED minus anything secret-looking,
        plus the configured `env_allow` names as they are; never a NEVER_PASSED one. Start the
        `wrap`ped command with it (not as `--setenv`, which would show the values in the host's
        process list)."""
        secret = set(secret_env_names(env))
        passed = {
            name: value
            for name, value in env.items()
            if (name in ENV_PASSED or name.startswith(ENV_PASSED_PREFIXES))
            and name not in secret
            and mask_secrets(value, env) == value
        }
        allowed = (*self.env_allow, *PASSED_DOTENV)  # and the `.env` keys the user passes
        chosen = {name: env[name] for name in allowed if name in env}
        return {k: v for k, v in (passed | chosen).items() if not never_passed(k)}

    def roots(self, workspace: Path) -> list[str]:
        """The writable roots that exist, resolved: the workspace and `writable`."""
        return self._roots(workspace)[1]

    def _roots(self, workspace: Path) -> tuple[str | None, list[str]]:
        """The workspace resolved (None when it does not exist), and `roots()`."""
        top = _existing(str(workspace))
        return top, [p for p in (top, *map(_existing, self.writable)) if p]

    def wrap(
        self,
        argv: list[str],
        workspace: Path,
        found: Findings | None = None,
        repos: list[str] | None = None,
        channels: str | None = None,
        readable: list[str] | None = None,
        cwd: Path | None = None,
    ) -> Wrapped:
        """`argv` as a bubblewrap command line, run in `workspace`, with the descriptors its
        mounts name and the gate that holds it until its mounts are checked (sandbox_pins.py,
        sandbox_gate.py): start it with `pass_fds` and only `environment()`'s variables, then
        `close()` and `admit()` it (or `run()` it). `found` is the walk of `roots()`
        (tree_scan.py; walked here when not given); the git directories it guards are added
        to `repos`.
        `channels`: a private folder the host made (a Python kernel's sockets and connection
        file), bound read-write at the same path so both sides reach it. `readable`: folders
        the program needs to read (its interpreter's environment); shown read-only when they lie
        in a place the sandbox makes private (`/tmp`), else visible as they are. `cwd`: where
        it starts when not at the top of `workspace` (the walls are still the workspace's)."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            hint = tool_text("sandbox", INSTALL_HINT)
            raise SandboxUnavailable(tool_text("sandbox", NOT_INSTALLED, hint=hint))
        args = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc"]
        if not self.network:
            args.append("--unshare-net")
        top, roots = self._roots(workspace)
        private = _private_realpaths()  # each place resolved once a command, none remembered
        mounts = [(0, BIND, ["--ro-bind", "/", "/"]), (0, BIND, ["--dev", "/dev"])]
        mounts += [(0, BIND, ["--proc", "/proc"]), *_private_dirs(private)]
        for pattern in GPU_DEVICES:
            for device in sorted(glob.glob(pattern)):
                mounts.append((0, BIND, ["--dev-bind", device, device]))
        found = found if found is not None else TreeScan().scan(roots)
        hidden = sorted(set(_hidden_places(self.hidden, roots, found)))
        mounts += [(depth(root), BIND, ["--bind", root, root]) for root in roots]
        mounts += [*git_mounts(top, roots, hidden, found, repos)]
        mounts += [*self._hidden_mounts(roots, hidden, private)]
        if channels is not None:
            mounts.append((depth(channels), BIND, ["--bind", channels, channels]))
        for place in filter(None, map(_existing, readable or [])):
            if any(place == d or place.startswith(d + "/") for d in PRIVATE_DIRS):
                mounts.append((depth(place), SHOW, ["--ro-bind", place, place]))
        pins = Pins(roots)
        for _depth, _kind, mount in sorted(mounts, key=lambda m: m[:2]):
            args += pins.mount(mount)
        wrapped = pins.wrapped([*args, "--chdir", str(cwd or workspace)], argv, channels)
        wrapped.again = lambda: self.wrap(argv, workspace, found, repos, channels, readable, cwd)
        return wrapped

    def hidden_places(self, workspace: Path, found: Findings) -> list[str]:
        """The credential places (host sockets aside) `wrap` covers with stand-ins for a
        command started now in `workspace`, `found` being the walk of `roots()`: a process
        started earlier sees, unhidden, any of them that appeared since."""
        roots = self.roots(workspace)
        return sorted(set(_hidden_places(self.hidden, roots, found, sockets=False)))

    def _hidden_mounts(
        self, roots: list[str], hidden: list[str], private: list[str]
    ) -> Iterator[Mount]:
        """Empty stand-ins over credentials and host sockets the sandbox could otherwise see
        (`private`: the private directories, resolved)."""
        for place in hidden:
            if _reachable(place, roots, private):
                hide = ["--tmpfs", place] if os.path.isdir(place) else _dev_null(place)
                yield depth(place), HIDE, hide
        skills = _existing(str(visible_within()[0]))
        if skills is not None and _reachable(skills, roots, private):
            yield depth(skills), SHOW, ["--ro-bind", skills, skills]  # playbooks, no secrets


def never_passed(name: str) -> bool:
    """True for a variable no sandboxed program gets, whatever the config allows."""
    return name in NEVER_PASSED or name.startswith(NEVER_PASSED_PREFIXES)


def walls_unasked(sandbox: Sandbox | None) -> bool:
    """True when code inside `sandbox` runs without asking: the config chose the walls."""
    return sandbox is not None and sandbox.chosen


class SandboxUnavailable(Exception):
    """The sandbox was asked for but cannot run here; the message says how to fix it."""


def _existing(path: str) -> str | None:
    """`path` expanded and resolved, if it exists (bubblewrap cannot mount onto nothing)."""
    place = os.path.expanduser(os.path.expandvars(path))
    try:
        if place:  # one `stat` answers for most (missing); `realpath` would `lstat` each part
            os.stat(place)
    except FileNotFoundError:  # the kernel finds nothing there: neither would `realpath`
        return None
    except OSError:
        pass  # `realpath` decides (a file named with a trailing slash still resolves)
    try:  # as `Path.resolve(strict=True)` gives it, without pathlib's objects
        return os.path.realpath(place, strict=True)
    except OSError:  # missing, unreadable, or a loop of links
        return None


def _dev_null(place: str) -> list[str]:
    return ["--ro-bind", "/dev/null", place]


def _private_dirs(private: list[str]) -> list[Mount]:
    """Empty `/tmp` and `/run` (and `/var/run` when it is not a link to `/run`); the DNS
    configuration is put back when it lives under one of them (`private`, resolved:
    systemd-resolved keeps it under `/run`)."""
    mounts: list[Mount] = []
    for place in PRIVATE_DIRS:
        if os.path.isdir(place) and not os.path.islink(place):
            mounts.append((0, BIND, ["--tmpfs", place]))
    resolv = _existing("/etc/resolv.conf")
    if resolv is not None and any(under(resolv, p) for p in private):
        mounts.append((0, BIND, ["--ro-bind", resolv, resolv]))
    return mounts


def _private_realpaths() -> list[str]:
    return [p for place in PRIVATE_DIRS if (p := _existing(place))]


def _reachable(place: str, roots: list[str], private: list[str]) -> bool:
    """False when `place` is under a private directory (`private`: their real paths; already
    empty inside) and no writable root brings it back."""
    inside = any(under(place, p) for p in private)
    return not inside or any(under(place, root) for root in roots)


def _hidden_places(
    configured: tuple[str, ...], roots: list[str], found: Findings, sockets: bool = True
) -> Iterator[str]:
    """Existing credential places (tools/places.py), the files named like credentials the
    walk found under the roots, configured places and (with `sockets`) host sockets, resolved
    (each once, now: a place that appeared since the last command is hidden from this one)."""
    wanted = [*credential_place_names(), *configured, *found.secrets]
    if sockets:
        wanted += ["/var/run/docker.sock", "/run/docker.sock"]
    places = [_existing(path) for path in dict.fromkeys(wanted)]
    places += _host_sockets() if sockets else []  # resolved already
    allowed = allowed_places(Path(roots[0] if roots else "/"))
    for place in places:
        if place is None or place == "/" or place in roots:
            continue  # an ancestor of a root is hidden; the root is mounted again on top
        if allowed and any(Path(place).is_relative_to(a) for a in allowed):
            continue  # the user's config lets tools reach it
        yield place


def _host_sockets() -> list[str]:
    """Paths of the Unix sockets bound on this host (its network namespace's, per
    /proc/net/unix): a sandboxed command could connect to any of them, network or not. A
    socket bound with a relative path is found from its process's working directory."""
    try:
        lines = Path("/proc/net/unix").read_text(errors="replace").splitlines()[1:]
    except OSError:
        return []
    found, relative = set(), {}
    for line in lines:
        fields = line.split(maxsplit=7)
        if len(fields) < 8 or fields[7].startswith("@"):
            continue  # abstract: no file; unreachable without the host's network namespace
        if fields[7].startswith("/"):
            found.add(fields[7])
        else:
            relative[fields[6]] = fields[7]
    if relative:
        for pid, inode in _socket_owners(set(relative)):
            found.add(os.path.join(f"/proc/{pid}/cwd", relative[inode]))
    return [real for path in sorted(found) if (real := _existing_socket(path))]


def _socket_owners(inodes: set[str]) -> Iterator[tuple[str, str]]:
    """(pid, socket inode) for the processes holding one of `inodes` open."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                yield pid, link[8:-1]


def _existing_socket(path: str) -> str | None:
    """The real path of `path` when it is a socket now, else None."""
    try:
        real = os.path.realpath(path, strict=True)
        return real if stat.S_ISSOCK(os.stat(real).st_mode) else None
    except OSError:
        return None


def sandbox_problem(sandbox: Sandbox) -> str | None:
    """Why the sandbox cannot run on this machine, or None when it can (a real trial run)."""
    if not sys.platform.startswith("linux"):
        return (
            f"--sandbox needs Linux (bubblewrap); this is {sys.platform}, where ml-intern has no "
            "sandbox. Run without --sandbox (commands then ask for approval as usual)."
        )
    try:
        wrapped = sandbox.wrap(["/bin/true"], Path.cwd(), Findings())  # no walk: a trial run
    except SandboxUnavailable as error:
        return str(error)
    try:
        env = sandbox.environment(os.environ)
        done = wrapped.run(10, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    except (OSError, subprocess.TimeoutExpired, SandboxBreach) as error:
        return f"bubblewrap could not start ({error}); {tool_text('sandbox', INSTALL_HINT)}."
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:300] or f"exit code {done.returncode}"
        return (
            f"bubblewrap cannot create its namespaces here ({said}). In a container, allow "
            "user namespaces (e.g. `sysctl kernel.unprivileged_userns_clone=1`, or run the "
            "container with --privileged), or run without --sandbox."
        )
    return None
