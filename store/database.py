"""Which database holds the threads: SQLite under ML_INTERN_HOME, or PostgreSQL by URL.

`ML_INTERN_DATABASE_URL=postgresql://user:pw@host:5432/db` (or `--db URL`, which sets it for
this process and the servers it starts; a URL without its password takes it from PGPASSWORD
or ~/.pgpass, as libpq does) moves the checkpoints, the thread index, the run
locks and the experiment ledger into that database. The URL is shown only masked
(`postgresql://user:***@host:5432/db`), and a connection error names the host and port,
never the password.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

URL_ENV = "ML_INTERN_DATABASE_URL"
CONNECT_TIMEOUT_S = 10
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


class DatabaseError(RuntimeError):
    """The thread database cannot be used (down, refused the login, bad URL); ends the run."""


def database_url() -> str | None:
    """The PostgreSQL URL when one is set, else None (SQLite under ML_INTERN_HOME)."""
    url = os.environ.get(URL_ENV, "").strip()
    return url or None


def masked(url: str) -> str:
    """`url` with its password replaced by `***` (URL or `key=value` form)."""
    parts = urlsplit(url)
    if parts.scheme and parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    return _KEYWORD_PASSWORD.sub(r"\1***", url)


def location(home: Path) -> str:
    """Where threads are stored, fit to show anyone: the masked URL, or the SQLite file."""
    url = database_url()
    return f"PostgreSQL {masked(url)}" if url else f"SQLite {home / 'threads.sqlite'}"


def where(url: str) -> str:
    """`host:port` (or the socket directory) of `url`, for messages."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:
        return "(an unreadable URL)"
    return f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}"


def explain(url: str, error: Exception) -> DatabaseError:
    """A `DatabaseError` a person can act on, from a psycopg error; the password never in it."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    password = _password(url)
    if password:
        text = text.replace(password, "***")
    text = masked(text)
    place = where(url)
    if "password authentication failed" in text or "authentication" in text:
        advice = "it refused the login: check the user and password in the URL"
    elif "permission denied" in text or "must be owner" in text:
        advice = "the role may not create or write its tables: grant it, or use another role"
    elif "does not exist" in text:
        advice = "the database or role does not exist: create it, or fix the URL"
    elif "timeout" in text.lower():
        advice = f"no answer within {CONNECT_TIMEOUT_S} s: is the host reachable?"
    else:
        advice = "is PostgreSQL running there, and is the URL right?"
    return DatabaseError(
        f"Cannot use the thread database at {place} ({advice}). {text}. "
        f"Set {URL_ENV} or --db to a working postgresql:// URL, or unset it to use SQLite."
    )


def connect_kwargs() -> dict[str, Any]:
    """What every connection is opened with: a connect timeout, autocommit, no prepared
    statements (safe behind PgBouncer in transaction mode), and a name in pg_stat_activity."""
    return {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "autocommit": True,
        "prepare_threshold": None,
        "application_name": f"ml-intern:{socket.gethostname()[:40]}:{os.getpid()}",
        "keepalives": 1,  # a dead client's session (and its thread locks) ends within a minute
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }


def connect(url: str) -> Any:
    """One psycopg connection, or a `DatabaseError` naming host:port."""
    import psycopg

    try:
        return psycopg.connect(url, **connect_kwargs())
    except psycopg.Error as error:
        raise explain(url, error) from None


def has_password(url: str) -> bool:
    """True when `url` carries a password itself (rather than leaving it to PGPASSWORD or
    ~/.pgpass, which libpq reads when the URL has none)."""
    return _password(url) is not None


def _password(url: str) -> str | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        value = conninfo_to_dict(url).get("password")
    except Exception:
        return None
    return str(value) if value else None
