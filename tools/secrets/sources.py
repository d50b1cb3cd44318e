"""Where known secret values come from: `.env*` files at any depth in the workspace, credential
files (the home directory's credential places, and files named like credentials anywhere in
the workspace), the Hugging Face token. `refresh(workspace)` registers them with `KNOWN`
before a tool's output is masked; a file is read again only when its size or mtime changed.
A refresh that finds every file and folder it looked at last time unchanged (their stat marks,
tools/file_marks.py; the places still missing, tools/real_places.py) and the environment the
same ends there: one `stat` a path instead of the whole look.

The workspace is the agent's to write: it is walked by descriptor, each folder opened beneath
it and each file from its folder's descriptor with no link followed, non-blocking, checked on
the descriptor read from (a folder swapped for a link to a host folder mid-walk is not entered).
The home's credential places are the user's: read by name, a file's link followed. Each walk
skips `.git`, virtual environments, `node_modules` and caches, goes `MAX_WALK_DEPTH` folders
deep and stops after `MAX_ENTRIES` entries (a workspace holding a data set must not make every
tool call slow).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.file_marks import Mark, MarkedLooks, Marks, mark_of
from tools.places import CREDENTIAL_ENV_READ, credential_place_names
from tools.real_places import holds, presence
from tools.safe_paths import anchor_fd, open_at
from tools.safe_tree import MAX_WALK_DEPTH
from tools.secret_paths import has_secret_name
from tools.secrets.context import is_secret_setting, looks_random
from tools.secrets.known import KNOWN
from tools.secrets.names import MIN_SECRET_CHARS, dotenv_secret
from tools.secrets.rules import warm_up
from tools.settled_times import settled

MAX_ENTRIES = 20_000
MAX_FILE_BYTES = 1_000_000
_SKIP_DIRS = frozenset(
    {".git", ".hg", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache"}
    | {".pytest_cache", "site-packages", ".tox", ".cache", "wandb", "mlruns"}
)
_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO planted as `.env` never blocks
_seen: dict[str, tuple[int, int]] = {}
# What the token lookup reads besides its file (huggingface_hub's `get_token`).
_TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE")


@dataclass(frozen=True)
class _Look:
    """What a whole refresh looked at: the paths' marks, and the version under which the
    credential places it found missing stay so (None: some may not)."""

    marks: Marks
    missing_version: int | None

    def holds(self) -> bool:
        return (
            self.missing_version is not None
            and self.marks.unchanged()
            and holds(self.missing_version)
        )


@dataclass
class _Versions:
    """Filled in by `_credential_files`: the version under which the credential places it
    found missing stay so (tools/real_places.py `presence`)."""

    missing: int | None = None


_looks: MarkedLooks[_Look] = MarkedLooks(lambda look: look.marks)
_LINE = re.compile(
    r"""^\s*(?:export\s+)?["']?(?P<name>[A-Za-z_][\w.\-]*)["']?\s*(?:[:=]|\s)\s*(?P<value>.*?)\s*$"""
)
_URL_PASSWORD = re.compile(r"://[^\s:/@]*:([^\s@/]+)@")
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def refresh(workspace: Path | str | None) -> None:
    """Register the secrets of the workspace's and the home directory's credential files.
    Called in a worker thread, it also loads the rule set there: the LangGraph server refuses
    the blocking file reads of a first load on its event loop."""
    warm_up()
    key = (str(workspace or ""), tuple(map(os.environ.get, (*CREDENTIAL_ENV_READ, *_TOKEN_ENV))))
    last = _looks.get(key)
    if last is not None and last.holds():
        return
    marks, versions = Marks(), _Versions()
    _learn_home(marks, versions)
    if workspace:
        _learn_tree(Path(workspace), _may_hold_secrets, marks, links_followed=False)
    _register_hf_token(marks)
    # An OIDC token is exchanged, not read from a file: no mark says when it changes.
    held = versions.missing if not os.environ.get("HF_OIDC_RESOURCE") else None
    _looks.put(key, _Look(marks, held))  # refreshes run in several worker threads at once


def _learn_named(path: str, marks: Marks) -> None:
    """Register the secrets of the home's credential file `path`, opened by name (the user's:
    a link is followed, learning more only masks more)."""
    try:
        fd = os.open(path, _READ)
    except OSError:
        marks.add(path)
        return
    _learn(path, fd, marks)


def _learn(path: str, fd: int, marks: Marks) -> None:
    """Register the secrets of the file open at `fd` (closed here), unless it is unchanged
    since it was last read. It is checked on that descriptor, opened non-blocking: a FIFO or
    device is never read. Its mark is that descriptor's, taken before the read."""
    try:
        info = os.fstat(fd)
        marks.add(path, info)
        mark = (info.st_size, info.st_mtime_ns)
        if _seen.get(path) == mark or info.st_size > MAX_FILE_BYTES:
            return
        if not stat.S_ISREG(info.st_mode):
            return
        read_ns = time.time_ns()
        text = os.pread(fd, info.st_size, 0).decode("utf-8", errors="replace")
    except OSError:
        return
    finally:
        os.close(fd)
    name = path.rsplit("/", 1)[-1]
    if name.lower().endswith(".csv"):
        KNOWN.add_all(csv_values(text))
    else:
        KNOWN.add_all(credential_values(text, name))
    if settled(info.st_mtime_ns, read_ns):  # else a change in the same tick hides
        _seen[path] = mark


def masked_in(workspace: Path | str | None, text: str) -> str:
    """`text` masked with the workspace's secrets known (off the event loop: it reads files).
    The system prompt is the same text on every model call: it is masked again only when a
    secret became known (a new value, or a secret env variable changed) since it last was."""
    from tools.secrets import mask_seen

    refresh(workspace)
    return mask_seen(text)


def _learn_home(marks: Marks, versions: _Versions) -> None:
    """Register the secrets of the home's credential places (files, and folders walked)."""
    from configs.environment import ml_intern_home, user_config_dir

    own = {str(ml_intern_home()), str(user_config_dir())}  # ml-intern's own: not credentials
    # Most places do not exist: those found missing on a way that did not change since are
    # not looked at again (tools/real_places.py); the rest, one stat each. ml-intern's own are
    # not asked about: their way changes as it writes there, so they would be looked up anew.
    names = credential_place_names()
    found, versions.missing = presence(name for name in names if name not in own)
    present = set(found)
    for place in names:
        if place not in present and place not in own:
            continue
        try:
            info = os.stat(place)
        except OSError:
            marks.add(place)
            continue
        if stat.S_ISDIR(info.st_mode) and place not in own:
            _learn_tree(Path(place), _not_public, marks, links_followed=True)
        elif stat.S_ISREG(info.st_mode):
            _learn_named(place, marks)
        elif place not in own:  # something else: marked, so that a file there is seen
            marks.add(place, info)


def _not_public(name: str) -> bool:
    """In a credential folder everything counts but public keys and known hosts."""
    return not name.endswith((".pub", "known_hosts"))


def _may_hold_secrets(name: str) -> bool:
    """`.env*`, credential-named files, and CSVs (a console's credentials download)."""
    return name.startswith(".env") or has_secret_name(name) or name.lower().endswith(".csv")


def csv_values(text: str) -> list[tuple[str, str]]:
    """The random-looking cells of a CSV's secret columns (`Password`, `Secret access key`);
    nothing unless the header names one."""
    lines = text.splitlines()
    header = lines[0][:4096] if lines else ""
    columns = [c.strip() for c in header.split(",")]
    secret = [j for j, c in enumerate(columns) if is_secret_setting(c.replace(" ", "_"))]
    if len(columns) < 2 or not secret:
        return []
    found = []
    for line in lines[1:]:
        cells = line.split(",")
        if len(cells) == len(columns):
            found += [(columns[j], cells[j]) for j in secret if looks_random(cells[j])]
    return found


@dataclass
class _Walk:
    """One walk of `_learn_tree`: what it wants, where it marks, what it has seen so far."""

    wanted: Callable[[str], bool]
    marks: Marks
    links_followed: bool
    entries: int = 0


def _learn_tree(
    root: Path, wanted: Callable[[str], bool], marks: Marks, *, links_followed: bool
) -> None:
    """Register the secrets of the wanted files beneath the folder `root`, depth first, by
    descriptor: each folder opened from its parent's descriptor with no link followed (a link,
    or a folder swapped for one since it was listed, is not entered), each file from its
    folder's, non-blocking; a file that is a link is read through it only when
    `links_followed` (the home's credential folders: the user's own). Skips `_SKIP_DIRS`, goes
    `MAX_WALK_DEPTH` folders down, stops after `MAX_ENTRIES` entries; a folder is listed
    again only when its mark moved. Not `safe_tree.walk_at`: that stats every entry and lists
    every folder again, where a re-look here reads only the folders and files that changed."""
    with contextlib.ExitStack() as stack:
        try:
            fd = stack.enter_context(anchor_fd(root))
        except OSError:
            marks.add(str(root))
            return
        _learn_folder(fd, str(root), 0, _Walk(wanted, marks, links_followed))


def _learn_folder(fd: int, path: str, depth: int, walk: _Walk) -> bool:
    """`_learn_tree` in the folder open at `fd` (at `path`, `depth` folders down): its wanted
    files, then each subfolder's. False once the walk's `MAX_ENTRIES` are spent."""
    listing = _listing(fd, path, walk.wanted, walk.marks)
    walk.entries += listing.entries
    if walk.entries > MAX_ENTRIES:
        return False
    for name in listing.files:
        _learn_at(fd, name, os.path.join(path, name), walk)
    for name in listing.folders if depth < MAX_WALK_DEPTH else ():
        sub = os.path.join(path, name)
        try:
            child = open_at(fd, name, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # unreadable, or gone or a link since the listing: not entered
            walk.marks.add(sub)  # a stat, no open: made readable, its mark moves
            continue
        try:
            if not _learn_folder(child, sub, depth + 1, walk):
                return False
        finally:
            os.close(child)
    return True


def _learn_at(folder_fd: int, name: str, path: str, walk: _Walk) -> None:
    """Register the secrets of the file `name` (at `path`), opened from its folder's
    descriptor."""
    try:
        if walk.links_followed:
            fd = os.open(name, _READ, dir_fd=folder_fd)
        else:
            fd = open_at(folder_fd, name, _READ)
    except OSError:  # unreadable, gone, or (beneath the workspace) a link: not read
        walk.marks.add(path)  # a stat, no open: made readable, or a link's target appearing
        return
    _learn(path, fd, walk.marks)


@dataclass(frozen=True)
class _Listing:
    mark: Mark  # the folder's when listed
    listed_ns: int  # when it was listed: a change in the same clock tick keeps the times
    entries: int
    folders: tuple[str, ...]  # names, not `_SKIP_DIRS`
    files: tuple[str, ...]  # the wanted ones' names

    def still_true(self, info: os.stat_result) -> bool:
        changed_ns = max(info.st_mtime_ns, info.st_ctime_ns)
        return mark_of(info) == self.mark and settled(changed_ns, self.listed_ns)


_listings: dict[tuple[str, Callable[[str], bool]], _Listing] = {}


def _listing(fd: int, path: str, wanted: Callable[[str], bool], marks: Marks) -> _Listing:
    """The folder open at `fd` (at `path`) listed, or its listing kept while its mark stands
    (the same folder, nothing added, removed or renamed in it); marked with its `fstat`."""
    info = os.fstat(fd)
    marks.add(path, info)
    known = _listings.get((path, wanted))
    if known is not None and known.still_true(info):
        return known
    listed_ns, count, folders, files = time.time_ns(), 0, [], []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                count += 1
                if not _is_folder(entry):
                    files += [entry.name] if wanted(entry.name) else []
                elif entry.name not in _SKIP_DIRS:
                    folders.append(entry.name)
    except OSError:
        return _Listing(None, listed_ns, count, (), ())  # not kept: listed again next time
    listing = _Listing(mark_of(info), listed_ns, count, tuple(folders), tuple(files))
    _listings[(path, wanted)] = listing
    return listing


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a listed entry is a folder itself (a link to one is not)."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def credential_values(text: str, file_name: str = "") -> list[tuple[str, str]]:
    """(name, value) pairs worth masking in a credential or `.env` file: values of secret-named
    settings, random-looking values, URL passwords, JSON secrets, private key lines."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return list(_json_values(json.loads(text), file_name))
        except ValueError:
            pass
    found: list[tuple[str, str]] = []
    label = file_name or "credential-file"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        found += [(label, pw) for pw in _URL_PASSWORD.findall(line)]
        if _PEM_LINE.match(line):
            found.append(("private-key", line))
            continue
        match = _LINE.match(line)
        words = line.split()
        if len(words) >= 2 and words[0] in ("machine", "default") and words[1] not in "=:":
            # netrc on one line: its passwords and token-like words, never the line's rest as
            # one value named "machine" (every 12 characters of it, the host's, would be masked)
            pairs = itertools.pairwise(words)
            found += [(label, w) for prev, w in pairs if prev == "password" or dotenv_secret("", w)]
            continue
        if match is None:
            found += [(label, w) for w in words if dotenv_secret("", w)]
            continue
        name, value = match.group("name"), match.group("value").strip("\"'")
        secret = is_secret_setting(name) or dotenv_secret(name, value)
        if secret and len(value) >= MIN_SECRET_CHARS and not value.startswith("${"):
            found.append((name, value))
    return found


def _json_values(data: object, label: str, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _json_values(v, label, str(k))
    elif isinstance(data, list):
        for item in data:
            yield from _json_values(item, label, key)
    elif (
        isinstance(data, str)
        and len(data) >= MIN_SECRET_CHARS
        and (is_secret_setting(key) or dotenv_secret(key, data))
    ):
        yield (key or label, data)


def _register_hf_token(marks: Marks) -> None:
    """The Hugging Face token the Hub tools use (env or the saved login); its file marked."""
    try:
        from huggingface_hub import constants, get_token
    except ImportError:  # pragma: no cover - a dependency
        return
    marks.add(str(constants.HF_TOKEN_PATH))
    token = get_token()
    if token:
        KNOWN.add("HF_TOKEN", token)
