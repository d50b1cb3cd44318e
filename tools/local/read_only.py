"""Which shell commands only read: an allowlist of programs, each with the flags known to be
safe. A flag not listed (one that runs a program, reads a list of files or writes one, such as
`sort --compress-program`, `sort --files0-from`, `find -exec`, `nvidia-smi -r`) makes the
command ask; so does any program not listed (`xargs`, `awk`, `env`...), and any shell feature
that could chain, redirect, substitute or expand (`;`, `&`, `>`, `<`, `` ` ``, `$`, `{`).

Paths are judged apart: bash's rule also asks when a word names a place outside the workspace
or a credential place (tools/places.py).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

# Anything that can chain, redirect, substitute or expand makes a command need a human.
_UNSAFE = re.compile(r"[;&`<>${}\n\\]")
_NUMBER = re.compile(r"^-\d+$")


@dataclass(frozen=True)
class Flags:
    """A program's known-safe flags: `short` letters (combinable), `short_value` letters that
    take a value (`-n 5`, `-n5`), long flags without and with a value (`--lines=5`)."""

    short: str = ""
    short_value: str = ""
    long: frozenset[str] = frozenset()
    long_value: frozenset[str] = frozenset()
    operand: Callable[[str], bool] | None = lambda _word: True  # None: no operands at all
    numbers: bool = False  # `head -20`

    def allows(self, words: list[str]) -> bool:
        i = 0
        while i < len(words):
            word = words[i]
            i += 1
            if word == "--":
                return self.operand is not None and all(map(self.operand, words[i:]))
            if word.startswith("--"):
                name, eq, _ = word.partition("=")
                if eq and name not in self.long_value:
                    return False
                if not eq and name not in self.long:
                    if name not in self.long_value:
                        return False
                    i += 1  # the value is the next word
            elif word.startswith("-") and len(word) > 1:
                if self.numbers and _NUMBER.match(word):
                    continue
                taken = self._short(word[1:])
                if taken is None:
                    return False
                i += taken
            elif self.operand is None or not self.operand(word):
                return False
        return i <= len(words)

    def _short(self, letters: str) -> int | None:
        """How many following words the letters take as a value; None if one is unknown."""
        for n, letter in enumerate(letters):
            if letter in self.short_value:
                return 0 if letters[n + 1 :] else 1
            if letter not in self.short:
                return None
        return 0


def _long(*names: str) -> frozenset[str]:
    return frozenset(f"--{name}" for name in names)


_HEAD = Flags("qvz", "nc", _long("quiet", "verbose"), _long("lines", "bytes"), numbers=True)
_GREP_LONG = _long(
    *("recursive", "dereference-recursive", "ignore-case", "invert-match", "word-regexp"),
    *("line-regexp", "count", "line-number", "files-with-matches", "files-without-match"),
    *("no-filename", "with-filename", "only-matching", "quiet", "silent", "extended-regexp"),
    *("fixed-strings", "perl-regexp", "basic-regexp", "text", "null", "no-messages"),
)
_GREP_VALUE = _long(
    *("include", "exclude", "exclude-dir", "color", "colour", "max-count", "after-context"),
    *("before-context", "context", "regexp", "binary-files"),
)
_GIT_LOG_LONG = _long(
    *("oneline", "graph", "decorate", "all", "stat", "shortstat", "name-only", "name-status"),
    *("follow", "reverse", "no-merges", "merges", "first-parent", "patch", "no-color", "cached"),
    *("staged", "numstat", "summary", "abbrev-commit", "no-patch", "word-diff", "check"),
)
_GIT_LOG_VALUE = _long(
    *("format", "pretty", "since", "until", "after", "before", "author", "committer"),
    *("grep", "max-count", "skip", "date", "unified", "color", "stat", "abbrev", "diff-filter"),
)
_GIT_LOG = Flags("pnsuUw", "nU", _GIT_LOG_LONG, _GIT_LOG_VALUE, numbers=True)
# git subcommand -> its read-only flags.
GIT_READ_ONLY: dict[str, Flags] = {
    "status": Flags(
        "sbuz", "", _long("short", "branch", "long", "ignored", "porcelain"), _long("porcelain")
    ),
    "log": _GIT_LOG,
    "diff": _GIT_LOG,
    "show": _GIT_LOG,
    "blame": Flags("lsnwe", "L", _long("show-email", "line-porcelain", "porcelain")),
    "rev-parse": Flags(
        "q",
        "",
        _long(
            *("show-toplevel", "git-dir", "is-inside-work-tree", "abbrev-ref", "short"),
            *("show-prefix", "show-cdup", "verify", "symbolic-full-name", "git-common-dir"),
        ),
        _long("short"),
    ),
    "branch": Flags(
        "arv", "", _long("all", "remotes", "list", "verbose", "show-current"), operand=None
    ),
    "remote": Flags("v", "", _long("verbose"), operand=None),
}
# program -> its read-only flags.
READ_ONLY: dict[str, Flags] = {
    "ls": Flags(
        "1aAlhHtrSRdFpiGnsucxXvkLgmQ",
        "",
        _long(
            *("all", "almost-all", "human-readable", "reverse", "recursive", "directory"),
            *("classify", "inode", "size", "numeric-uid-gid", "group-directories-first", "si"),
            "full-time",
        ),
        _long("color", "sort", "time-style", "format", "width", "block-size", "ignore", "hide"),
    ),
    "cat": Flags("nAbeEsTtuv", "", _long("number", "show-all", "number-nonblank", "squeeze-blank")),
    "head": _HEAD,
    "tail": Flags("qvzfF", "ncs", _HEAD.long | _long("follow"), _HEAD.long_value, numbers=True),
    "wc": Flags("lwcmL", "", _long("lines", "words", "bytes", "chars", "max-line-length")),
    "pwd": Flags("LP", operand=None),
    "echo": Flags("neE"),
    "which": Flags("a"),
    "whoami": Flags(operand=None),
    "nproc": Flags("", "", _long("all"), _long("ignore"), operand=None),
    "hostname": Flags("fsiIdA", operand=None),  # an operand would set the host's name
    "date": Flags("uR", "dr", _long("utc", "rfc-email"), _long("date", "reference", "rfc-3339"),
                  operand=lambda word: word.startswith("+")),  # any other operand sets the clock
    "uname": Flags("asnrvmpio", operand=None),
    "df": Flags("hHiklTaP", "tx", _long("human-readable", "si", "inodes", "local", "print-type",
                "all", "total"), _long("type", "exclude-type", "block-size", "output")),
    "du": Flags("hsacSkmLxbHD0l", "dBt", _long("human-readable", "summarize", "all", "total",
                "apparent-size", "si", "one-file-system", "bytes", "null"),
                _long("max-depth", "block-size", "threshold", "exclude")),
    "free": Flags("bkmghltw", "", _long("human", "total", "wide", "mega", "giga", "kilo", "bytes"),
                  operand=None),
    "file": Flags("bLhiNk", "", _long("brief", "mime", "mime-type", "mime-encoding", "dereference",
                  "no-dereference")),
    "stat": Flags("Lft", "c", _long("dereference", "file-system", "terse"), _long("format", "printf")),
    "grep": Flags("rRiIvwxcnlLhHoqsEFGPzaU", "ABCemd", _GREP_LONG, _GREP_VALUE, numbers=True),
    "rg": Flags(
        "iIvwxcnlLHoqsFSuU.N",
        "ABCegmtTM",
        _long(*("hidden", "no-ignore", "files", "count", "line-number", "ignore-case"),
              *("smart-case", "fixed-strings", "word-regexp", "files-with-matches", "no-heading"),
              *("heading", "json", "vimgrep", "stats", "follow", "type-list", "only-matching")),
        _long(*("glob", "type", "type-not", "max-count", "max-depth", "context", "regexp"),
              *("after-context", "before-context", "color", "sort", "max-filesize")),
    ),
    "diff": Flags(
        "uqrNwbBiyaets",
        "UCxI",
        _long(*("brief", "recursive", "new-file", "ignore-all-space", "ignore-space-change"),
              *("ignore-case", "side-by-side", "text", "expand-tabs", "report-identical-files")),
        _long("unified", "context", "exclude", "ignore-matching-lines", "color", "label", "width"),
    ),
    "sort": Flags(
        "bdfghiMnRrsuVcz",
        "kt",
        _long(*("reverse", "numeric-sort", "human-numeric-sort", "unique", "ignore-case"),
              *("version-sort", "general-numeric-sort", "month-sort", "stable", "check"),
              *("zero-terminated", "dictionary-order", "ignore-leading-blanks", "random-sort")),
        _long("key", "field-separator"),
    ),
    "nvidia-smi": Flags(
        "Lqx",
        "idl",
        _long("list-gpus", "query", "xml-format"),
        _long(*("query-gpu", "query-compute-apps", "query-accounted-apps", "format", "id"),
              *("display", "loop", "loop-ms")),
        operand=None,
    ),
}  # fmt: skip
# find: the tests that take a value, then every test and action that only looks;
# operands come first.
FIND_VALUE = frozenset(
    [
        "-amin",
        "-atime",
        "-cmin",
        "-ctime",
        "-group",
        "-ilname",
        "-iname",
        "-inum",
        "-ipath",
        "-iregex",
        "-iwholename",
        "-links",
        "-lname",
        "-maxdepth",
        "-mindepth",
        "-mmin",
        "-mtime",
        "-name",
        "-newer",
        "-path",
        "-perm",
        "-regex",
        "-regextype",
        "-samefile",
        "-size",
        "-type",
        "-user",
        "-wholename",
        "-xtype",
    ]
)
FIND_TESTS = FIND_VALUE | frozenset(
    [
        "!",
        "(",
        ")",
        "-H",
        "-L",
        "-P",
        "-a",
        "-and",
        "-depth",
        "-empty",
        "-executable",
        "-false",
        "-follow",
        "-ls",
        "-mount",
        "-nogroup",
        "-noleaf",
        "-not",
        "-nouser",
        "-o",
        "-or",
        "-print",
        "-print0",
        "-prune",
        "-quit",
        "-readable",
        "-true",
        "-writable",
        "-xdev",
    ]
)
VERSION_ONLY = frozenset({"python", "python3", "pip", "pip3", "uv", "node", "nvcc"})


def is_read_only_command(command: str) -> bool:
    """True for a simple pipeline whose every program is on the allowlist with safe flags."""
    if not command.strip() or _UNSAFE.search(command):
        return False
    return all(_read_only_segment(segment) for segment in command.split("|"))


def _read_only_segment(segment: str) -> bool:
    try:
        words = shlex.split(segment)
    except ValueError:
        return False
    if not words:
        return False
    program, rest = os.path.basename(words[0]), words[1:]
    if program == "git":
        flags = GIT_READ_ONLY.get(rest[0]) if rest else None
        return flags is not None and flags.allows(rest[1:])
    if program == "find":
        return _find_reads(rest)
    if program in VERSION_ONLY:
        return rest in (["--version"], ["-V"], ["version"])
    flags = READ_ONLY.get(program)
    return flags is not None and flags.allows(rest)


def _find_reads(words: list[str]) -> bool:
    """Paths, then only tests and printing actions (`-exec`, `-delete`, `-fprint` ask)."""
    expression = False
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in FIND_TESTS:
            expression = True
            skip = word in FIND_VALUE
        elif expression or word.startswith("-"):
            return False
    return not skip
