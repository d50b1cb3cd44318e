"""`--db URL`: the PostgreSQL database for threads, on `ml-intern`, `web` and `studio`.

The URL reaches the servers `ml-intern web` and `studio` start through their environment,
never their command line. A password in `--db` is on this process's command line, which
`ps` shows every user of the machine: it is accepted, with a warning naming the ways
PostgreSQL's own client library (libpq) takes a password instead.
"""

from __future__ import annotations

import os

import typer

DB_OPTION = typer.Option(
    "--db",
    metavar="URL",
    help="PostgreSQL URL (postgresql://user@host:5432/db) for threads, run locks and "
    "experiments, instead of SQLite under ML_INTERN_HOME. Same as ML_INTERN_DATABASE_URL; "
    "keep the password out of it (PGPASSWORD or ~/.pgpass): `ps` shows command lines.",
)
PASSWORD_SHOWN = (
    "ml-intern: the password in --db is visible to other users of this machine (`ps` shows "
    "command lines). Set ML_INTERN_DATABASE_URL instead, or leave the password out of the URL "
    "and put it in PGPASSWORD or ~/.pgpass (PostgreSQL's password file)."
)


def use_database(url: str | None) -> None:
    """Make `--db` this process's database, and the database of the servers it starts."""
    if url:
        from store.database import URL_ENV, has_password

        os.environ[URL_ENV] = url
        if has_password(url):
            typer.echo(PASSWORD_SHOWN, err=True)
