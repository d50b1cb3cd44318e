"""`--db URL`: the PostgreSQL database for threads, on `ml-intern`, `web` and `studio`."""

from __future__ import annotations

import os

import typer

DB_OPTION = typer.Option(
    "--db",
    metavar="URL",
    help="PostgreSQL URL (postgresql://user:pw@host:5432/db) for threads, run locks and "
    "experiments, instead of SQLite under ML_INTERN_HOME. Same as ML_INTERN_DATABASE_URL; "
    "prefer the variable when the URL holds a password (argv is visible to `ps`).",
)


def use_database(url: str | None) -> None:
    """Make `--db` this process's database, and the database of the servers it starts."""
    if url:
        from store.database import URL_ENV

        os.environ[URL_ENV] = url
