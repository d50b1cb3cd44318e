"""The sandbox's texts (tools/local/sandbox.py, sandbox_gate.py) and the git guard's notes
(tools/local/git_guard.py, git_quarantine.py), which follow a sandboxed command's output."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# sandbox (tools/local/sandbox.py): the line the runtime note gives, and why a command or a
# kernel did not run (in the bash texts' SANDBOX_DOWN and BREACH)
WALLS = (
    "bash and the python kernel run in a bubblewrap sandbox: the workspace is writable "
    "(.git config and hooks read-only, git init fails at its top; hooks and risky git config "
    "a command plants are moved out when it ends), the rest of the file system read-only, "
    "/tmp and /run private, credential files and host sockets hidden, no tokens or API keys "
    "in the environment{passed}, {network}"
)
PASSED_IN = " (passed in: {names})"  # {passed}, when names are let through
NETWORK = "network allowed"  # {network}
NO_NETWORK = "no network"  # {network}
NOT_INSTALLED = "bubblewrap is not installed: {hint}."
INSTALL_HINT = (  # {hint}
    "install bubblewrap (Debian/Ubuntu: `sudo apt install bubblewrap`; Fedora: `sudo dnf "
    "install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or run without --sandbox"
)
# A server's code-running tools where its walls cannot go up (tools/local/sandbox_refusal.py):
# the answer to a call, and the tool's description.
SERVER_UNWALLED = (
    "Not run: this server runs {name} only inside its bubblewrap sandbox, and the sandbox "
    "cannot start here ({problem}). Nothing ran. Whoever runs the server can install "
    "bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; in a container, also allow "
    "user namespaces) and restart it; until then no tool runs code on this server"
)
UNAVAILABLE_HERE = (
    "Unavailable on this server: it runs code only inside a bubblewrap sandbox, which cannot "
    "start here; a call answers why and runs nothing. Use the other tools."
)
SWAPPED = (
    "bubblewrap mounted {places}, which the walls did not ask for: a workspace folder was "
    "swapped for a link while the sandbox started. The command was not run; stop what swaps "
    "it and run it again"
)


# git_guard (tools/local/git_guard.py, git_quarantine.py): what a command planted for the
# user's own git, undone; {what} is hook, config, config.worktree or commondir
NOT_UNDONE = (
    "[ml-intern could not undo what this command planted in {path} ({error}): check it "
    "before running git there]"
)
UNCHECKED = "[ml-intern could not check these folders for planted git files: {names}{more}]"
MORE_UNCHECKED = " ..."  # {more}, past the first five
NOT_WRITTEN_BACK = "[ml-intern could not write back {path} ({error})]"
PUT_BACK = "[ml-intern put back the {what} of {path} as it was]"
REMOVED = (
    "[ml-intern removed the {what} {path}, which this command planted (not a file that can "
    "be kept): a later git command would have read it]"
)
NOT_MOVED = (
    "[ml-intern could not move away the {what} {path} ({error}): remove it before running "
    "git there]"
)
MOVED = (
    "[ml-intern moved the {what} {path}, which this command planted, to {target}: it would "
    "have let a later git command outside the sandbox run code]"
)


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "sandbox": (
        *(WALLS, PASSED_IN, NETWORK, NO_NETWORK, NOT_INSTALLED, INSTALL_HINT, SWAPPED),
        *(SERVER_UNWALLED, UNAVAILABLE_HERE),
    ),
    "git_guard": (
        NOT_UNDONE,
        UNCHECKED,
        MORE_UNCHECKED,
        NOT_WRITTEN_BACK,
        PUT_BACK,
        REMOVED,
        NOT_MOVED,
        MOVED,
    ),
}
