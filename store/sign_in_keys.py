"""The keys of sign-in: the same in every replica and worker of a server, with no new setting.

`key(purpose)` is a 32-byte key derived (HKDF-SHA256) from one secret: ML_INTERN_SESSION_SECRET
when set, else the OAuth client secret the Space gives every process it starts
(OAUTH_CLIENT_SECRET), looked up by configs/server_secret.py. Each purpose has its own label,
so a key that leaks for one purpose opens none of the others: `cookie` signs session cookies
(serve/sign_in_sessions.py), `session id` and `login` key the hashes a session id and a
login's state are stored under, `hub token` and `verifier` encrypt what is stored
(store/sign_in_store.py). Without either secret (nobody signs in), a random secret of this
process's own stands in: its cookies work here only.
Changing the secret signs everyone out (their cookies and stored tokens no longer open).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from configs.server_secret import CLIENT_SECRET_ENV as CLIENT_SECRET_ENV
from configs.server_secret import SECRET_ENV as SECRET_ENV
from configs.server_secret import shared_secret

PURPOSES = frozenset({"cookie", "session id", "login", "hub token", "verifier"})
SALT = b"ml-intern sign-in v1"
_PROCESS_SECRET = secrets.token_bytes(32)


def key(purpose: str, env: Mapping[str, str] | None = None) -> bytes:
    """The key for `purpose` (one of PURPOSES), derived from the shared secret."""
    if purpose not in PURPOSES:
        raise ValueError(f"no sign-in key for {purpose!r}")
    return _derived(shared_secret(env) or _PROCESS_SECRET, purpose)


@functools.cache
def _derived(secret: bytes, purpose: str) -> bytes:
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = f"ml-intern sign-in {purpose}".encode()
    return HKDF(algorithm=SHA256(), length=32, salt=SALT, info=info).derive(secret)


def keyed_hash(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value` under `purpose`'s key, in hex: what a secret is stored under,
    useless without the key (a dump cannot even check a guess)."""
    return hmac.new(key(purpose), value.encode(), hashlib.sha256).hexdigest()


def seal(purpose: str, plaintext: str, bound: bytes) -> bytes:
    """`plaintext` encrypted (AES-256-GCM, a random 96-bit nonce first) under `purpose`'s key,
    bound to `bound`: it opens only with the same bytes (the row it belongs to)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(key(purpose)).encrypt(nonce, plaintext.encode(), bound)


def unseal(purpose: str, sealed: bytes, bound: bytes) -> str | None:
    """What `seal` encrypted, or None when it was altered, moved to another row, or sealed
    under another secret."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key(purpose)).decrypt(sealed[:12], sealed[12:], bound).decode()
    except (InvalidTag, ValueError):
        return None
