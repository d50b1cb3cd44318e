"""`python -m serve.aegra.schema`: the team server's tables, made once, before a replica starts.

Replicas that start together would each make the tables at start and collide (seen: Aegra's
migrations and LangGraph's checkpoint and store migrations each failed one of two replicas
with a UniqueViolation). So each `ml-intern web --redis` and `ml-intern worker` runs this
first, under the schema lock every ml-intern process takes (store/postgres_schema.py): ours
and LangGraph's checkpoint tables, the store's, Aegra's migrations (nothing to do when at
head), the one-run-per-thread index (compat/aegra.py), and the graph's default
assistant. The replica itself starts with its migrations off and finds every table made.
Reads Aegra's DATABASE_URL (as the replica will) and ML_INTERN_DATABASE_URL.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid5

from compat.aegra import ASSISTANT_SQL, VERSION_SQL
from store.database import database_url
from store.postgres_schema import ensure_checkpoint_schema, schema_lock


def main() -> None:
    from aegra_api.core.migrations import run_migrations_if_needed
    from langgraph.store.postgres import PostgresStore

    from compat.aegra import ONE_RUN_SQL

    url = database_url()
    if not url:
        raise SystemExit("ml-intern: the team server needs ML_INTERN_DATABASE_URL")
    ensure_checkpoint_schema(url)
    with schema_lock(url) as conn:
        with PostgresStore.from_conn_string(url) as store:
            store.setup()
        run_migrations_if_needed()
        conn.execute(ONE_RUN_SQL)
        make_assistant(conn)


GRAPH_ID = "ml_intern"


def make_assistant(conn: Any) -> None:
    """The graph's default assistant as Aegra makes it at start (the same id, name, text and
    owner), made here first: Aegra looks for it, then inserts it, and two replicas starting
    together both insert (seen: one exits on `assistant_pkey`)."""
    from aegra_api.constants import ASSISTANT_NAMESPACE_UUID

    assistant_id = str(uuid5(ASSISTANT_NAMESPACE_UUID, GRAPH_ID))
    description = f"Default assistant for graph '{GRAPH_ID}'"
    metadata = json.dumps({"created_by": "system"})
    conn.execute(ASSISTANT_SQL, (assistant_id, GRAPH_ID, description, GRAPH_ID, metadata))
    conn.execute(VERSION_SQL, (assistant_id, GRAPH_ID, description, GRAPH_ID, metadata))


if __name__ == "__main__":
    main()
