"""Which environment variables hold secrets: one broad rule on the words of a name.

A name is split at `_` into words. It is secret when a word is one of `SECRET_WORDS` (`KEY`,
`TOKEN`, `PASS`, `PIN`, ...) or ends in one of `SECRET_ENDINGS` (`PGPASSWORD`, `HFTOKEN`,
`MYAPIKEY`), or when a loaded `.env` file defined it with a token-like value. So `KAGGLE_KEY`,
`WANDB_API_KEY`, `AWS_SESSION_TOKEN` and `PIN` are secret; `TOKENIZERS_PARALLELISM`,
`KEYBOARD_LAYOUT` and `MAX_TOKENS` are not. A secret variable is kept from child processes the
user did not hand it to; its value is masked when it is at least `MIN_SECRET_CHARS` long
(a 4-digit `PIN` is withheld, never masked: masking every `1234` would wreck training logs).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping

from configs.environment import DOTENV_NAMES
from configs.workspace_env import masking_environ

SECRET_NAMES = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GITHUB_TOKEN",
    "SLACK_BOT_TOKEN",
    "ML_INTERN_DATABASE_URL",  # a PostgreSQL URL may carry the password
    "DATABASE_URL",
)
SECRET_WORDS = frozenset(
    {"KEY", "KEYS", "TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "PWD", "PIN"}
    | {"APIKEY", "CREDENTIAL", "CREDENTIALS", "CREDS", "AUTH", "PRIVATE", "DSN", "SALT"}
    | {"SIGNATURE", "SIGNING", "COOKIE", "WEBHOOK", "PAT"}
)
SECRET_ENDINGS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY")
# Variables that hold a place or a switch, not a secret, whatever their words say.
NOT_SECRET = frozenset({"PWD", "OLDPWD", "SSH_AUTH_SOCK", "GPG_AGENT_INFO", "SESSION_MANAGER"})
# A name ending in one of these holds a place, not a secret.
PLACE_WORDS = frozenset({"PATH", "DIR", "FILE", "HOME", "ROOT", "SOCK", "SOCKET", "CACHE"})
MIN_SECRET_CHARS = 8
_DOTENV_NAME_HINTS = ("KEY", "SECRET", "TOKEN", "PASS", "AUTH", "CRED", "PRIVATE", "SALT")
_DOTENV_NAME_HINTS += ("SIGN", "DSN")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]{16,}")


@functools.lru_cache(maxsize=16384)
def is_secret_name(name: str) -> bool:
    """The rule above, on one variable name."""
    upper = name.upper()
    if upper in NOT_SECRET:
        return False
    if upper in SECRET_NAMES:
        return True
    words = [w for w in re.split(r"[_\-.]", upper) if w]
    if words and words[-1] in PLACE_WORDS:
        return False  # `HF_TOKEN_PATH`, `TIKTOKEN_CACHE_DIR`: where something is
    return any(w in SECRET_WORDS or w.endswith(SECRET_ENDINGS) for w in words)


def secret_env_names(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Names of environment variables whose values must never be shown or logged: the known
    ones, secret-looking names, and token-like values a loaded `.env` file defined."""
    env = masking_environ() if env is None else env
    extra = sorted(
        name
        for name in env
        if name not in SECRET_NAMES
        and (is_secret_name(name) or (name in DOTENV_NAMES and dotenv_secret(name, env[name])))
    )
    return (*SECRET_NAMES, *extra)


def dotenv_secret(name: str, value: str) -> bool:
    """A `.env` value worth masking: a secret-ish name, or a token-like value (a run of 16+
    letters and digits mixing both). `MODEL=Qwen/Qwen2.5-0.5B-Instruct`, `DATA_DIR=/data`
    and UUIDs stay readable."""
    if len(value) < MIN_SECRET_CHARS:
        return False
    if any(hint in name.upper() for hint in _DOTENV_NAME_HINTS):
        return True
    return any(
        any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
        for run in _ALNUM_RUN.findall(value)
    )


def secret_env_values(env: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, value) of the secret variables in use, longest value first, each value once."""
    env = masking_environ() if env is None else env
    found: dict[str, str] = {}
    for name in sorted(secret_env_names(env)):
        value = (env.get(name) or "").strip()
        if len(value) >= MIN_SECRET_CHARS and not _existing_path(value):
            found.setdefault(value, name)
    return sorted(((name, value) for value, name in found.items()), key=lambda p: -len(p[1]))


@functools.lru_cache(maxsize=4096)
def _existing_path(value: str) -> bool:
    """A path on this machine (`GOOGLE_APPLICATION_CREDENTIALS=/keys/sa.json`) is where a
    secret is, not the secret: masking it would hide ordinary paths in every output."""
    return value.startswith(("/", "~")) and os.path.exists(os.path.expanduser(value))


def without_secrets(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` minus its secret variables: what a child process the user did not hand a token
    to may inherit (proxies, CA bundles, locale and tool managers keep working)."""
    env = os.environ if env is None else env
    secret = set(secret_env_names(env))
    return {k: v for k, v in env.items() if k not in secret and "CREDENTIAL" not in k.upper()}
