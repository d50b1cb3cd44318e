"""Where a server of `ml-intern web` / `studio` listens: a port that is free (or who holds it),
the address this process reaches it at, and the `Host` values it answers to."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import typer

from cli.exit_codes import ExitCode


def free_port() -> int:
    """A TCP port free on the loopback now, outside the ephemeral range (`unclaimed_port`)."""
    return unclaimed_port("127.0.0.1")


def unclaimed_port(host: str) -> int:
    """A port free on `host` now, picked below the kernel's ephemeral range, so that no
    outgoing connection is given it before a server binds it; the kernel's own pick when none
    of a few tries is free.

    Why: a CI run under load saw `--port 0` fail, "address already in use" (docs/lab/2026-11-30.md).
    """
    import random
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    start = ephemeral_start()
    for candidate in random.SystemRandom().sample(range(start // 2, start), 32):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux's 32768 where it cannot be read)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    return 32768


def local_url(host: str, port: int) -> str:
    """Where this process reaches a server bound to `host`."""
    local = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    return f"http://{f'[{local}]' if ':' in local else local}:{port}"


def claimable_port(host: str, port: int) -> int:
    """`port` if it is free on `host` (0: a free one, `unclaimed_port`); a taken port is an error
    naming it and its holder, never a silent move to another port."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    port = port or unclaimed_port(host)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            holder = port_holder(port)
            by = f" by {holder}" if holder else ""
            typer.echo(
                f"ml-intern: port {port} on {host} is already in use{by}. Stop that server, "
                "or choose another port with --port (--port 0 picks a free one).",
                err=True,
            )
            raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
        return int(probe.getsockname()[1])


def port_holder(port: int) -> str | None:
    """Which process listens on TCP `port` ("pid 123: its command line"), if this user may
    see it (Linux /proc); None when unknown."""
    pid = listening_pid(port)
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        return f"pid {pid}: {argv[:120]}"
    return None


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port` (its socket found in /proc/net/tcp, then among each
    process's descriptors), if this user may see it; None when unknown."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or not inodes:
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
    return None


def guard_env(host: str, port: int) -> dict[str, str]:
    """Bound to loopback, the server answers only to its own addresses (no DNS rebinding)
    and to those ML_INTERN_ALLOWED_HOSTS adds (a load balancer's on this machine); elsewhere a token or a sign-in guards it. Pages of other sites are refused either way."""
    from serve.origin_guard import HOSTS_ENV, ORIGINS_ENV, loopback_hosts

    # The page uses the REST API only; the v2 event-streaming WebSocket could start runs
    # past the checks an HTTP request goes through (thread lock, decision validation).
    env = {
        ORIGINS_ENV: "",
        "CORS_ALLOW_ORIGINS": f"http://127.0.0.1:{port}",
        "FF_V2_EVENT_STREAMING": "false",
    }
    if is_loopback(host):  # and a load balancer on this machine, if one is named
        extra = os.environ.get(HOSTS_ENV, "").strip(" ,")
        env[HOSTS_ENV] = ",".join(filter(None, (loopback_hosts(host, port), extra)))
    return env


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
