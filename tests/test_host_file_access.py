"""Host code touches what the agent can write only through tools/safe_paths.py.

The test reads every product module's code (AST) and lists each function that opens, reads,
writes, stats, lists or moves a path **by name** (builtin `open`, `os.*` and `os.path.*` file
calls, `shutil.*`, and Path's file methods). Each such function must be in `BY_NAME` below with
the reason its paths are not the agent's to plant (ml-intern's own files, the user's config,
credential places read for masking, the sandbox's set-up...). A new tool or note that reads a
workspace file by name fails here until it goes through tools/safe_paths.py (by descriptor,
beneath the workspace, no link followed, non-blocking, checked on the descriptor it reads) or
someone writes down why its path is safe to touch by name. Entries that no longer touch files
by name fail too, so the list stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_import_graph import PACKAGES, ROOT

SAFE_MODULES = {"tools/safe_paths.py", "tools/safe_tree.py"}  # the one way: by descriptor
_OS = {"open", "stat", "lstat", "scandir", "listdir", "walk", "readlink", "unlink", "remove"}
_OS |= {"mkdir", "makedirs", "rename", "replace", "chmod", "rmdir", "mkfifo", "symlink"}
_OS |= {"link", "truncate", "utime", "fdopen"}
_OS_PATH = {"exists", "isfile", "isdir", "islink", "getsize", "lexists", "realpath", "getmtime"}
_PATH_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "stat", "lstat"}
_PATH_METHODS |= {"exists", "is_file", "is_dir", "is_symlink", "iterdir", "glob", "rglob"}
_PATH_METHODS |= {"touch", "mkdir", "unlink", "rmdir", "readlink", "symlink_to", "chmod", "rename"}

OWN = "ml-intern's own files (ML_INTERN_HOME, its config folder, the thread store): the sandbox hides them"
CONFIG = "configuration, prompts, skills and price lists ml-intern ships or the user's config names"
USER_NAMED = "a file the user named on the command line or in the config, not the agent"
CREDENTIALS = "credential places outside the workspace, read only to learn values to mask"
SANDBOX = "the sandbox's set-up on the host (mount table, /proc, sockets) before agent code runs"
KERNEL = "the kernel's private runtime folder and marks under ML_INTERN_HOME, out of the sandbox's reach"
EDITOR = "the editor's buffer API (EditorFiles), not the disk"
SERVER = "the server's own state and static assets under ML_INTERN_HOME or the package"
EXISTENCE = "only asks whether a name exists (no content read, no blocking open)"
GIT_REPO = "a git directory outside the writable roots, or the bundled skills' repository"
