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

from tests.product_sources import parsed
from tests.test_import_graph import PACKAGES, ROOT

SAFE_MODULES = {"tools/safe_paths.py", "tools/safe_tree.py", "tools/safe_moves.py"}  # by descriptor
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
KERNEL = (
    "the kernel's private runtime folder and marks under ML_INTERN_HOME, out of the sandbox's reach"
)
EDITOR = "the editor's buffer API (EditorFiles), not the disk"
SERVER = "the server's own state and static assets under ML_INTERN_HOME or the package"
CREDENTIAL_WAYS = (
    "lstat of the folders on the way to a credential place (no content read, no open): a change"
    " there only makes the place be resolved again"
)
EXISTENCE = "only asks whether a name exists (no content read, no blocking open)"
MARKS = (
    "stat of a name only, to notice a change (tools/file_marks.py): no content read, no open; a"
    " change only makes the reader look again, as it did before"
)
GIT_REPO = "a git directory outside the writable roots, or the bundled skills' repository"
MEMORY = "PIL or nbformat reading bytes already in memory, not a path"
PROC = "/proc and /sys of processes ml-intern started"
REMOTE = "runs inside the Hub sandbox Space, not on the user's machine"
IN_KERNEL = "runs as the kernel process (the agent's code's side of the walls), never in the host"
LISTING = "lists names under the workspace (os.walk/glob never follow links) and reads no content"
INTERPRETER = "metadata of the workspace interpreter (exists, ctime, realpath); the host never reads it and it runs inside the walls"
NOT_A_FILE = (
    "a method named like a file call on something else (a session, a thread, an editor, cells)"
)
BELOW_TOOLS = (
    "configs sits below tools/: one no-follow, non-blocking open checked on its descriptor"
)
OWN_TRACKIO = "Trackio's local databases under its cache folder, not the workspace"
DIR_ENTRY = "a DirEntry of a folder listed through its descriptor (fstatat on that folder)"
ANCHOR = (
    "opens the workspace or writable root itself: the trusted anchor the rest is opened beneath"
)
MOUNTS = "decides bubblewrap's git mounts by name (existence only); their sources go by descriptor (sandbox_pins.py) and what got mounted is checked before the command runs (sandbox_gate.py)"
RESOLVE = (
    "resolves a name only to decide whether it lies beneath a root; what follows goes by descriptor"
)
SPILL = "spill files under ML_INTERN_HOME that the host itself wrote"
INSTALLED = (
    "installed libraries' own files (package folders, dist-info): code the host imports anyway"
)


def _call_kind(call: ast.Call) -> str | None:
    """What a call does to a file by name, or None (also None for a call on a descriptor:
    `dir_fd=` given, or `open(x.fd, ...)`)."""
    if any(k.arg in ("dir_fd", "src_dir_fd", "dst_dir_fd") for k in call.keywords):
        return None
    f = call.func
    if isinstance(f, ast.Name) and f.id == "open":
        first = call.args[0] if call.args else None
        on_fd = isinstance(first, ast.Attribute) and first.attr == "fd"
        return None if on_fd else "open"
    if not isinstance(f, ast.Attribute):
        return None
    owner = f.value
    if isinstance(owner, ast.Name) and owner.id == "os":
        first = call.args[0] if call.args else None
        if f.attr == "scandir" and isinstance(first, ast.Name) and "fd" in first.id:
            return None  # a listing through a descriptor
        return f"os.{f.attr}" if f.attr in _OS else None
    if isinstance(owner, ast.Name) and owner.id == "shutil":
        return None if f.attr == "which" else f"shutil.{f.attr}"
    if isinstance(owner, ast.Attribute) and getattr(owner.value, "id", "") == "os":
        return f"os.path.{f.attr}" if owner.attr == "path" and f.attr in _OS_PATH else None
    return f".{f.attr}" if f.attr in _PATH_METHODS else None


class _Finder(ast.NodeVisitor):
    """Collects `rel:Qual.name` -> by-name file calls for one module."""

    def __init__(self, rel: str, found: dict[str, set[str]]) -> None:
        self.rel, self.found = rel, found
        self.stack: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if kind := _call_kind(node):
            where = f"{self.rel}:{'.'.join(self.stack) or '<module>'}"
            self.found.setdefault(where, set()).add(kind)
        self.generic_visit(node)


def by_name_calls() -> dict[str, set[str]]:
    """`module/path.py:Qual.name` -> the by-name file calls made there."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        folder = ROOT / package
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            rel = path.relative_to(ROOT).as_posix()
            if rel not in SAFE_MODULES:
                _Finder(rel, found).visit(parsed(path))
    return found


def test_every_by_name_file_call_is_known_and_says_why_its_path_is_not_the_agents() -> None:
    unknown = {
        where: sorted(kinds) for where, kinds in by_name_calls().items() if where not in BY_NAME
    }
    assert not unknown, (
        "These functions touch files by name. If the agent can write the path (the workspace, a "
        "writable root, a runtime folder it can reach), go through tools/safe_paths.py; if not, "
        f"add the function to BY_NAME with the reason:\n{unknown}"
    )


def test_no_entry_outlives_its_code() -> None:
    stale = sorted(set(BY_NAME) - set(by_name_calls()))
    assert not stale, f"These no longer touch files by name; take them out of BY_NAME: {stale}"


def test_the_finder_sees_the_calls_an_attack_would_use() -> None:
    code = "def f(p, d):\n    open(p)\n    p.read_text()\n    os.stat(p)\n    os.path.isfile(p)\n"
    code += "    shutil.copy(p, d)\n    os.open(p, 0, dir_fd=d)\n    open(h.fd, 'rb')\n"
    code += "    os.scandir(fd)\n    os.replace(a, b, src_dir_fd=d, dst_dir_fd=d)\n"
    calls = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)]
    kinds = {k for c in calls if (k := _call_kind(c))}
    assert kinds == {"open", ".read_text", "os.stat", "os.path.isfile", "shutil.copy"}


BY_NAME: dict[str, str] = {
    "nodes/prompt_files.py:_inputs": CONFIG,  # the user's skills; the project's by descriptor
    "nodes/prompt_files.py:skills_and_memory": MARKS,
    # the import path less the working directory and the workspace (adaptations/installed.py)
    "adaptations/installed.py:_declaring": INSTALLED,
    "cli/acp/agent.py:MlInternAgent._open": NOT_A_FILE,
    "compat/aegra.py:quick_run_waits.wait_for_completion": NOT_A_FILE,  # Redis EXISTS
    "cli/acp/agent.py:MlInternAgent._session": NOT_A_FILE,
    "cli/acp/linked_files.py:link_reader.read": EDITOR,
    "cli/headless.py:_run": NOT_A_FILE,
    "cli/config_command.py:trust": USER_NAMED,
    "cli/hf_token.py:maybe_ask_hf_token": OWN,
    "cli/hf_token.py:should_ask": OWN,
    "cli/repl.py:Repl.__init__": OWN,
    "cli/repl.py:Repl.ensure_session": NOT_A_FILE,
    "cli/server_address.py:ephemeral_start": PROC,
    "cli/server_address.py:listening_pid": PROC,
    "cli/server_address.py:port_holder": PROC,
    "cli/studio.py:OneServer.start": OWN,
    "cli/studio.py:langgraph_program": CONFIG,
    "cli/studio.py:wait_until_up": OWN,
    "cli/studio.py:write_config": OWN,
    "cli/thread_commands.py:fork": NOT_A_FILE,
    "cli/thread_fork.py:copy_workspace": USER_NAMED,
    "cli/thread_fork.py:fork_thread": NOT_A_FILE,
    "cli/threads.py:export": USER_NAMED,
    "cli/threads.py:folder_of": EXISTENCE,
    "cli/threads.py:with_session": NOT_A_FILE,
    "cli/web.py:read_token": USER_NAMED,
    "cli/team_server.py:TeamReplica.start": OWN,
    "cli/team_server.py:write_team_config": OWN,
    "cli/web.py:write_web_config": OWN,
    "configs/memory.py:memory_folders": EXISTENCE,
    "configs/model_profile.py:_price_list": CONFIG,
    "configs/prompt.py:_template": CONFIG,
    "configs/regular_file.py:read_regular": BELOW_TOOLS,
    "configs/effective.py:effective_settings": EXISTENCE,
    "configs/server_secret.py:home_secret": OWN,
    "configs/rule_failures.py:_write": OWN,
    "compat/lazy_packages.py:lazy_problems": INSTALLED,
    "compat/pins.py:Pin.installed": INSTALLED,
    "configs/server_secret.py:_create": OWN,
    "configs/server_secret.py:_read": OWN,
    "configs/trust.py:record_trust": OWN,
    "configs/trust.py:_records": OWN,
    "configs/settings.py:_read_layer": CONFIG,
    "configs/settings.py:_user_config_path": CONFIG,
    "configs/settings.py:load_settings": CONFIG,
    "configs/skills.py:beside": CONFIG,  # bundled and user skills; the project's: tools/skills.py
    "configs/skills.py:_read_skill": CONFIG,
    "configs/skills.py:_read_skill_cached": CONFIG,
    "configs/skills.py:_skill_files": CONFIG,
    "configs/skills.py:read_own_skill": CONFIG,
    "graph/session.py:Session._run_events": OWN,
    "graph/session.py:Session.delete": OWN,
    "graph/session.py:Session.send": OWN,
    "graph/session.py:Session.set_model": OWN,
    "graph/thread_runs.py:visible_runs": OWN,
    "nodes/compact.py:shorten_result": SPILL,
    "nodes/execute_tools.py:cap_output": SPILL,
    "nodes/tool_images.py:_data_url": MEMORY,
    "tools/kernel/image_strip.py:stripped": MEMORY,
    "tools/kernel/ipykernel_launcher.py:main": IN_KERNEL,
    "serve/auth.py:has_history": SERVER,
    "serve/auth.py:record_owner": SERVER,
    "serve/route_allowlist.py:write_table": SERVER,
    "serve/studio.py:touch_workspace": SERVER,
    "serve/thread_books.py:record_new": SERVER,
    "serve/web_actions.py:recent_models": SERVER,
    "serve/web_session.py:perform": NOT_A_FILE,
    "serve/web_settings.py:apply": NOT_A_FILE,
    "serve/web_settings.py:remember_model": SERVER,
    "store/checkpointer.py:_file_bytes": OWN,
    "store/checkpointer.py:prune": OWN,
    "store/experiments.py:Ledger.points_of": OWN,
    "store/message_store.py:MessageStoreSaver.__init__": OWN,
    "store/postgres_saver.py:open_postgres_checkpointer": NOT_A_FILE,
    "store/sqlite_file.py:SharedConnection.absent": OWN,
    "store/sqlite_file.py:connect": OWN,
    "store/thread_index.py:ThreadIndex.record_fork": OWN,
    "store/thread_lock.py:ThreadLock.acquire": OWN,
    "tools/call_context.py:CallContext.resolve": SERVER,
    "tools/external/mcp_connection.py:McpConnection._log_size": OWN,
    "tools/external/mcp_connection.py:McpConnection._stderr_since": OWN,
    "tools/external/mcp_connection.py:open_errlog": OWN,
    "tools/hub/jobs_watch.py:_forget": OWN,
    "tools/hub/jobs_watch.py:_remember": OWN,
    "tools/hub/jobs_watch.py:followed_before": OWN,
    "tools/hub/sandbox_app.py:RuntimeHandler.read_file": REMOTE,
    "tools/hub/sandbox_app.py:RuntimeHandler.write_file": REMOTE,
    "tools/hub/sandbox_app.py:main": REMOTE,
    "tools/hub/sandbox_app.py:take_key": REMOTE,
    "tools/hub/sandbox_lifecycle.py:app_files": CONFIG,
    "tools/hub/sandbox_records.py:_write": OWN,
    "tools/hub/sandbox_records.py:forget": OWN,
    "tools/hub/sandbox_records.py:thread_sandboxes": OWN,
    "tools/hub/trackio_local.py:_database": OWN_TRACKIO,
    "tools/hub/trackio_local.py:read_projects": OWN_TRACKIO,
    "tools/kernel/interpreter.py:candidates": INTERPRETER,
    "tools/kernel/interpreter.py:made_since": INTERPRETER,
    "tools/kernel/interpreter.py:own_version": INTERPRETER,
    "tools/kernel/freeze.py:members": PROC,
    "tools/kernel/freeze.py:state": PROC,
    "tools/kernel/memory.py:group_rss": PROC,
    "tools/kernel/notebook.py:_edit_file": NOT_A_FILE,
    "tools/kernel/pool.py:_mark_started": KERNEL,
    "tools/kernel/pool.py:_take_mark": KERNEL,
    "tools/kernel/pool.py:rewound": KERNEL,
    "tools/kernel/runtime.py:KernelRuntime.pin_sockets": KERNEL,
    "tools/kernel/runtime.py:KernelRuntime.remove": KERNEL,
    "tools/kernel/runtime.py:_private_folder": KERNEL,
    "tools/kernel/runtime.py:make_runtime": KERNEL,
    "tools/local/sandbox_pins.py:vanished_mount": SANDBOX,
    "tools/local/file_checks.py:secret_filter.hidden": EXISTENCE,
    "tools/local/file_edits.py:edit_file": EDITOR,
    "tools/local/file_edits.py:write_file": EDITOR,
    "tools/local/kept_lines.py:current_text": EDITOR,
    "tools/local/read.py:read_file": EDITOR,
    "tools/local/sandbox.py:Sandbox._hidden_mounts": SANDBOX,
    "tools/local/sandbox.py:Sandbox.wrap": SANDBOX,
    "tools/local/sandbox.py:_host_sockets": SANDBOX,
    "tools/local/sandbox.py:_existing": SANDBOX,
    "tools/local/sandbox.py:_existing_socket": SANDBOX,
    "tools/local/sandbox.py:_private_dirs": SANDBOX,
    "tools/local/sandbox_gate.py:_host_mounts": PROC,
    "tools/local/sandbox.py:_socket_owners": SANDBOX,
    "tools/places.py:is_git_dir": EXISTENCE,
    "tools/file_marks.py:mark": MARKS,
    "tools/real_places.py:_mark": CREDENTIAL_WAYS,
    "tools/real_places.py:_remember": CREDENTIAL_WAYS,
    "tools/secret_paths.py:_paths": LISTING,
    "tools/secrets/masked_log.py:MaskedLog.sink": OWN,
    "tools/secrets/masked_log.py:_Copier.run": OWN,
    "tools/secrets/names.py:_existing_path": EXISTENCE,
    # the home's credential places; the workspace is walked and read by descriptor
    "tools/secrets/sources.py:_learn_home": CREDENTIALS,
    "tools/secrets/sources.py:_learn_named": CREDENTIALS,
    "tools/secrets/sources.py:_is_folder": DIR_ENTRY,
    "store/workspace_restore.py:RestoreMarker.left_over": OWN,
    "store/workspace_restore.py:RestoreMarker.begin": OWN,
    "store/workspace_restore.py:RestoreMarker.end": OWN,
    "store/workspace_tree.py:Tree._walk": ANCHOR,
    "store/workspace_tree.py:Tree._list": DIR_ENTRY,
    "tools/local/git_guard.py:_git_dir_of": RESOLVE,
    "tools/local/git_guard.py:_find_heads": DIR_ENTRY,
    "tools/local/git_guard.py:_look": DIR_ENTRY,
    "tools/local/git_quarantine.py:Quarantine.take": OWN,
    "tools/local/sandbox_git.py:git_mounts": MOUNTS,
    "tools/local/sandbox_git.py:_Guard.entry": MOUNTS,
    "tools/local/sandbox_git.py:_Guard.git_dir": MOUNTS,
    "tools/local/sandbox_git.py:_resolved": MOUNTS,
    "tools/local/tree_scan.py:_list": DIR_ENTRY,
}
