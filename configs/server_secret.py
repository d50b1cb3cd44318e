"""The server's secret, and the keys ml-intern derives from it: one lookup for all of them.

`shared_secret()` is ML_INTERN_SESSION_SECRET when set, else the OAuth client secret the Space
gives every process it starts (OAUTH_CLIENT_SECRET), else None: the same in every replica and
worker of a server. Sign-in derives its keys from it (store/sign_in_keys.py).

`server_secret()` never says None: without either variable it is a key file in
ML_INTERN_HOME (`home_secret`), created once, so every process on that home (a CLI thread
resumed by another process, a replica or worker sharing the home) has the same secret. A random
secret of one process would not do: a call approved before a crash must still verify after it.

`derived_key(label)` is a 32-byte key (HKDF-SHA256) of `server_secret()` for one purpose; each
purpose has its own label, so a key that leaks for one opens none of the others.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from configs.environment import ml_intern_home

SECRET_ENV = "ML_INTERN_SESSION_SECRET"
CLIENT_SECRET_ENV = "OAUTH_CLIENT_SECRET"
KEY_FILE = "server.key"
KEY_BYTES = 32
SALT = b"ml-intern server v1"


def shared_secret(env: Mapping[str, str] | None = None) -> bytes | None:
    """ML_INTERN_SESSION_SECRET, else OAUTH_CLIENT_SECRET, else None."""
    env = os.environ if env is None else env
    value = env.get(SECRET_ENV) or env.get(CLIENT_SECRET_ENV)
    return value.encode() if value else None


def server_secret(env: Mapping[str, str] | None = None) -> bytes:
    """`shared_secret`, else the key file of ML_INTERN_HOME (`home_secret`)."""
    return shared_secret(env) or home_secret(ml_intern_home(env))


def derived_key(label: str, env: Mapping[str, str] | None = None) -> bytes:
    """The key for `label`'s purpose, derived from `server_secret()`."""
    return _derived(server_secret(env), label)


def home_secret(home: Path) -> bytes:
    """The 32 random bytes of `home`/server.key, created on first use.

    Race-safe: each process writes its candidate to a file of its own (O_CREAT|O_EXCL, mode
    0600) and hard-links it to the key's name, which only the first link gets; everyone then
    reads that one. A reader never sees a half-written key. Kept for the process's life.
    """
    where = str(home)
    if where not in _HOME_SECRETS:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = home / KEY_FILE
        if not os.path.lexists(path):
            _create(path)
        _HOME_SECRETS[where] = _read(path)
    return _HOME_SECRETS[where]


def secret_at_hand(env: Mapping[str, str] | None = None) -> bool:
    """True when `server_secret()` reads no file (a variable, or a key already read): an event
    loop may call it then; else call it in a thread the first time."""
    return shared_secret(env) is not None or str(ml_intern_home(env)) in _HOME_SECRETS


_HOME_SECRETS: dict[str, bytes] = {}


def _create(path: Path) -> None:
    candidate = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(8)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its key
            os.link(candidate, path)  # atomic: only the first link gets the name
    finally:
        candidate.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as key_file:
        info = os.fstat(key_file.fileno())
        data = key_file.read(KEY_BYTES + 1) if stat.S_ISREG(info.st_mode) else b""
    if len(data) != KEY_BYTES:
        raise RuntimeError(
            f"{path} is not a key ml-intern wrote. Delete it and start again (calls approved "
            "before then will be asked again), or set ML_INTERN_SESSION_SECRET."
        )
    return data


@functools.cache
def _derived(secret: bytes, label: str) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = f"ml-intern {label}".encode()
    return HKDF(algorithm=SHA256(), length=32, salt=SALT, info=info).derive(secret)
