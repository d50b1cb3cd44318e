"""Who is asking the LangGraph API, and what they may touch, when people sign in.

`ml-intern web` names this file in its langgraph.json (`"auth": {"path": ".../web_auth.py:auth",
"disable_studio_auth": true}`) only when people sign in with Hugging Face (serve/oauth.py):

- Every API request is authenticated from the session cookie; without one it gets a 401.
- A thread (and each run on it) is stamped with its owner's identity when it is made, and every
  read, search, update, delete and run is filtered by it: another person's thread id answers
  404 and never shows in a search. Threads without an owner (the CLI's) match nobody. The
  owner is written into the thread index too, so the team server's replicas
  (serve/aegra/thread_adoption.py) give the thread to the same person.
- A thread id that already has history in the thread store (a CLI thread, say) cannot be
  claimed by making a thread with that id, nor by a run that creates its thread
  (`if_not_exists: "create"`).
- The graph's assistant can be read; everything else (editing assistants, crons, the store)
  is refused.
- Studio's own sign-in is off, so no header makes anyone the all-powerful Studio user.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth

from serve.sign_in_sessions import person_of
from store.checkpointer import default_db_path
from store.database import database_url
from store.postgres_connection import has_checkpoints
from store.sqlite_file import connect
from store.thread_index import ThreadIndex

OWNER = "owner"
STAMPED = frozenset({"create", "create_run", "update"})
CHECKPOINT_TABLES = frozenset({"checkpoints", "writes"})  # LangGraph's SQLite saver

auth = Auth()


@auth.authenticate
async def authenticate(headers: Mapping[Any, Any]) -> Auth.types.MinimalUserDict:
    person = await person_of(cookie_header(headers))
    if person is None:
        raise Auth.exceptions.HTTPException(
            status_code=401,
            detail="Sign in with Hugging Face first: open this server's page (/) and sign in.",
        )
    return {"identity": person.identity, "display_name": person.name, "is_authenticated": True}


def cookie_header(headers: Mapping[Any, Any]) -> str:
    """The `Cookie:` header: `langgraph dev` passes the headers as bytes, Aegra (the team
    server) as text."""
    value = headers.get(b"cookie", headers.get("cookie", b""))
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


@auth.on
async def refuse_the_rest(ctx: Auth.types.AuthContext, value: Any) -> bool:
    """Crons, the store, making or changing assistants: not for people on a shared server."""
    return False


@auth.on.assistants.read
async def read_the_assistant(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return True


@auth.on.assistants.search
async def search_assistants(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return True


@auth.on.threads
async def own_threads(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
    """Stamp what is made or changed with its owner; show each person only their own."""
    identity = ctx.user.identity
    creates = ctx.action == "create" or (
        ctx.action == "create_run"
        and isinstance(value, dict)
        and value.get("if_not_exists") == "create"
    )
    if creates and await asyncio.to_thread(has_history, value.get("thread_id")):
        raise Auth.exceptions.HTTPException(
            status_code=409, detail="A thread with that id already exists; make a new one."
        )
    if creates and value.get("thread_id"):
        await asyncio.to_thread(record_owner, str(value["thread_id"]), identity)
    if ctx.action in STAMPED and isinstance(value, dict):
        if not isinstance(value.get("metadata"), dict):
            value["metadata"] = {}
        value["metadata"][OWNER] = identity  # in place: the server keeps this very dict
    return {OWNER: identity}


def record_owner(thread_id: str, identity: str) -> None:
    """Blocking: the new thread's owner in the thread index, for every server to read."""
    with ThreadIndex(default_db_path()) as index:
        index.touch(thread_id, owner=identity)


def has_history(thread_id: Any) -> bool:
    """True if the thread store already holds a thread with this id (whoever made it): an
    index row, or checkpoints (a thread whose row is gone still has its conversation)."""
    if not thread_id:
        return False
    path, url = default_db_path(), database_url()
    if url is None and not path.exists():
        return False
    with ThreadIndex(path) as index:
        if index.get(str(thread_id)) is not None:
            return True
    if url is not None:
        return has_checkpoints(url, str(thread_id))
    with contextlib.closing(connect(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return any(
            db.execute(
                f"SELECT 1 FROM {table} WHERE thread_id = ? LIMIT 1", (str(thread_id),)
            ).fetchone()
            is not None
            for table in CHECKPOINT_TABLES & tables
        )
