"""The runtime note's examples for a small model, built from the request and the workspace's
listing: a here-document program over a table a question asks about (`example_table`), the
program that writes a file an order computes from a table (`example_order`), and the line
asking that a program pick the largest, most, lowest... thing (`example_pick`). Each is None
where its request is not of its kind; the rules that send them are in adaptations/shaping.py.

`files` is the note's listing of the workspace (configs/prompt.py `FILES`): one `path size`
line per file, `folder/ (...)` per folder.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from configs.suggested_paths import plain, python_heredoc

# With only the line above it ran `wc -l sales.csv` and answered the row count: a table in
# the listing gets a call to start from. Given `python3 -c "..."` it wrote the right filter
# but nested its quotes wrongly (a syntax error, then "0"): a here-document needs no quoting.
COMPUTE_EXAMPLE = "For {table}, `bash` with: " + python_heredoc(
    "import pandas as pd", "df = {read}", "print(<an expression over df>)"
)


# Why: asked which file is the largest, it globbed and answered with the first path printed
# (largest-file, dev): a program that sorts, or takes the max, picks by the numbers.
PICK_IN_PROGRAM = (
    "The request asks for the {word}: let a python3 program find it (`sorted`, `max` or "
    "`min` with a key, `.idxmax()`, `.idxmin()`) and print it with its value; do not pick it "
    "from printed lines yourself."
)
# An order to write a file from a table gets the program whole, written for the file's kind.
# Why: given one line of four ways to write, it wrote its metrics.json as JSON Lines; told
# "The file asked for, metrics.json, ...: `bash` with:", it `write`-ed the program into it.
ORDER_EXAMPLE = "To make {name} from {table}, run this with `bash`: " + python_heredoc(
    "import pandas as pd", "df = {read}", "{value}", "{write}"
)
# What the program computes and how it writes it, by the ordered file's suffix; each takes
# numpy's numbers as they come (json.dump alone refuses an int64).
ORDER_WRITES = {
    ".csv": ("out = <a frame computed from df>", "out.to_csv('{name}', index=False)"),
    ".jsonl": (
        "out = <a frame computed from df>",
        "out.to_json('{name}', orient='records', lines=True)",
    ),
    ".json": (
        "out = {{<each key asked for>: <its value computed from df>}}",
        "import json; json.dump(out, open('{name}', 'w'), default=lambda v: v.tolist())",
    ),
    ".txt": (
        "out = <a column, list or value computed from df>",
        "pd.Series(out).to_csv('{name}', index=False, header=False)",
    ),
}
# How pandas reads each kind of table the example can name, by its suffix.
TABLE_READERS = {
    ".csv": "pd.read_csv('{table}')",
    ".jsonl": "pd.read_json('{table}', lines=True)",
    ".parquet": "pd.read_parquet('{table}')",
}
# It wrote the right program for a file of ids with `f.write(f'{id}\n')`, but the JSON of its
# call turned that `\n` into a line break: a syntax error, twice. pandas and json write files
# with no `\n` to type.
WRITE_EXAMPLE = (
    "To write a file, end the program with <a frame or column>.to_csv('NAME', index=False) "
    "(header=False for values only) or json.dump(<a dict>, open('NAME', 'w'))."
)
_TABLE = re.compile(r"^(\S+(?:\.csv|\.jsonl|\.parquet)) ", re.MULTILINE)
# Each listed path (a line `path size...` or `folder/ (...)` of the workspace's files).
_LISTED = re.compile(r"^(\S+) (?:[\d.]+ [kMG]?B\b|\()", re.MULTILINE)
# A request speaks of a table when it names a listed one or says these words.
_TABLE_TALK = re.compile(r"\b(?:tables?|rows?|columns?|dataframes?|spreadsheets?|csv)\b", re.I)


# A superlative that measures (sizes, counts, ranks), not one that judges (`best`, `worst`,
# `cheapest`): `the most` / `the least` before a noun (not before an adjective, an adverb or
# `of`: "the most important", "the least tested"), `most often`; never `at least` / `at most`.
_EXTREME = re.compile(
    r"(?<!\bat )\b(largest|smallest|biggest|highest|lowest|longest|shortest|fewest"
    r"|most(?=\s+(?:often|common|frequent))"
    r"|(?<=\bthe )(?:most|least)"
    r"(?!\s+(?:\w+(?:ly|ive|ant|ent|ful|able|ible|ous|al|ed)|of)\b))\b",
    re.I,
)
_WHICH = re.compile(r"\bwhich\b", re.I)
_FILE_TALK = re.compile(r"\b(?:files?|folders?|director(?:y|ies)|workspace)\b", re.I)
# A listed file whose contents a program can rank: data, logs, lists, a folder.
_DATA_FILE = re.compile(r"\.(?:csv|tsv|jsonl?|parquet|log|txt)$|/$", re.I)


def asks_for_extreme(request: str, listed: Sequence[str]) -> str | None:
    """The measuring superlative (`largest`, `the most` before a noun...) of a question (a `?`)
    that asks which thing is it, about the workspace: it names one of the `listed` data files
    (a table, a log, a list, a folder) or speaks of files. None for a judgement ("the best
    way"), a question about code or settings (which line of train.py is most likely wrong), an
    order, or a `which` without a superlative."""
    if "?" not in request or not _WHICH.search(request):
        return None
    found = _EXTREME.search(request)
    if found is None:
        return None
    data = [f for f in listed if _DATA_FILE.search(f)]
    about_files = _FILE_TALK.search(request) or any(_names(request, f) for f in data)
    return found.group(1).lower() if about_files else None


def example_pick(files: str, request: str) -> str | None:
    """`PICK_IN_PROGRAM` for a question asking which listed thing is the most or least of
    something (`asks_for_extreme`; adaptations/shaping.py `PickInProgram`), else None."""
    word = asks_for_extreme(request, _LISTED.findall(files))
    return PICK_IN_PROGRAM.format(word=word) if word else None


def asks_about_table(request: str, tables: Sequence[str], listed: Sequence[str] = ()) -> bool:
    """`request` asks a question (it holds a `?`) about one of `tables`: it names one (or its
    file name), or it speaks of a table (rows, columns, a dataframe) and names none of the
    other `listed` files. An order that names a table (move it, ignore it, read it from a
    script) is no question about its contents, nor is a question about train.py's rows."""
    if "?" not in request:
        return False
    if any(_names(request, t) for t in tables):
        return True
    return bool(_TABLE_TALK.search(request)) and not any(_names(request, f) for f in listed)


# A file an order can ask written from a table's data (not inside a URL, not `x.csv.bak`).
_OUTPUT = re.compile(r"(?<![\w./:-])([\w./-]+\.(?:csv|jsonl?|txt))(?![\w-]|\.\w)", re.I)
# What makes an order about something else than a table's data: a file of code, docs, settings
# or an archive named; a script, test, README, commit or explanation asked for; a file moved.
_OTHER_FILE = re.compile(
    r"(?<![\w./-])[\w./-]+\.(?:py|sh|ipynb|md|rst|toml|ya?ml|cfg|ini|js|ts|zip|gz|tar)(?![\w-])",
    re.I,
)
_OTHER_WORK = re.compile(
    r"\b(?:scripts?|tests?|readme|commit|git|zip|explain|bugs?|fix)\b(?![./\w-])", re.I
)
_FILE_MOVE = re.compile(
    r"\b(?:move|copy|rename|delete|remove)\s+(?:the\s+)?(?:file\s+)?[\w./-]+\.\w+", re.I
)
# An output named as settings is written for the data, not computed from it.
_SETTINGS = re.compile(r"config|settings|hparams", re.I)


def orders_from_table(
    request: str, tables: Sequence[str], listed: Sequence[str]
) -> tuple[str, str] | None:
    """The listed table an order (no `?`) computes a new file from, and that file: it names
    one of `tables` and a .csv, .json, .jsonl or .txt file that is not `listed` and not named
    as settings (a config); it names no other listed file (a script to change) and no file of
    code, docs or settings, asks for no script, test, README, commit, fix or explanation, and
    moves no file. None otherwise."""
    if "?" in request or any(
        pattern.search(request) for pattern in (_OTHER_FILE, _OTHER_WORK, _FILE_MOVE)
    ):
        return None
    if any(_names(request, f) for f in listed if f not in tables):
        return None
    named = [t for t in tables if _names(request, t)]
    new = [
        f
        for f in _OUTPUT.findall(request)
        if not any(_names(f, known) for known in listed) and not _SETTINGS.search(f)
    ]
    return (named[0], new[0]) if named and new else None


def _names(request: str, path: str) -> bool:
    """`request` names `path` or its file name as a word of its own (`metadata.csv` does not
    name `data.csv`); a folder (`runs/`) only with its slash, as a bare word is ordinary."""
    folder = path.endswith("/")
    tail = path.rstrip("/").rsplit("/", 1)[-1] + ("/" if folder else "")
    return any(
        re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w-])", request) for name in {path, tail}
    )


def example_order(files: str, request: str) -> str | None:
    """The here-document example over the listed table an order computes a new file from
    (`orders_from_table`; adaptations/shaping.py `TableOrder`), else None."""
    ordered = orders_from_table(request, _plain_tables(files), _LISTED.findall(files))
    if ordered is None:
        return None
    table, name = ordered
    value, write = ORDER_WRITES[name[name.rindex(".") :].lower()]
    return ORDER_EXAMPLE.format(
        name=name,
        table=table,
        read=_reader(table),
        value=value.format(),
        write=write.format(name=name),
    )


def _plain_tables(files: str) -> list[str]:
    """The tables a listing of the workspace's files names whose names are plain (no code)."""
    return [t for t in _TABLE.findall(files) if plain(t)]


def _reader(table: str) -> str:
    """How pandas reads `table`, by its suffix (`TABLE_READERS`)."""
    return TABLE_READERS[table[table.rindex(".") :]].format(table=table)


def example_table(files: str, request: str) -> str | None:
    """The here-document example over a listed table (adaptations/shaping.py
    `TableExample`), when the `request` asks a question about a table (`asks_about_table`):
    over the first plain table the request names, else the first plain one listed in `files`.
    A name that is not plain would be code in the example: none is given."""
    tables = _plain_tables(files)
    listed = _LISTED.findall(files)
    if not tables or not asks_about_table(request, tables, listed):
        return None
    named = [t for t in tables if _names(request, t)]
    table = (named or tables)[0]
    return COMPUTE_EXAMPLE.format(table=table, read=_reader(table))
