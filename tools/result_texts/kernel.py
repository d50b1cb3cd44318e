"""The Python kernel's texts (tools/kernel)."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# kernel (tools/kernel/pool.py, python.py, notebook.py, interpreter.py)
GONE_NOTE = (
    "[the Python kernel your earlier python calls in this thread used has ended (the session "
    "closed or was resumed): this is a fresh kernel, so re-run the imports and loading you need]"
)
STALE_NOTE = (
    "[this conversation was rewound (undo) since the kernel last ran: its variables may hold "
    "what the undone calls made; restart=true gives a fresh kernel, replay=true re-runs this "
    "thread's python calls]"
)
LATE_CREDENTIAL_NOTE = (
    "[kernel restarted: a credential file appeared since it started ({places}), and the "
    "sandbox hides such a file only from programs started after it appeared; every earlier "
    "variable is gone]"
)
STARTED_IN = "the interpreter it was started with: {interpreter}"
KERNEL_STARTED = "[kernel started: {interpreter}{walls}]"
INSIDE_SANDBOX = ", inside the sandbox"  # {walls}, under the sandbox
WITHHELD_NOTE = (
    "[a credential file appeared while this code ran ({places}); the kernel could read it, "
    "so its output is withheld and the kernel was stopped: the next call starts a fresh "
    "kernel that cannot]"
)
RUN_WITHHELD = (
    "[a credential file appeared while the notebook ran ({places}); its cells could read it, "
    "so their outputs are withheld, from this result and from the file: run it again, a "
    "fresh kernel cannot]"
)
WRITTEN_SINCE = (
    "{path} was made or changed after this session started, and without the sandbox a "
    "kernel never runs an interpreter that could have been written during the session (the "
    "approval shows the code, not the interpreter); it was passed over. To use it, start "
    "ml-intern again, or use --sandbox (there it runs inside the walls)"
)

# (tools/kernel/python.py): a cell's run
RESTARTED = "[kernel restarted: every earlier variable is gone]"
NOTHING_RUN = "Nothing run: pass the Python to run in `code`."
KERNEL_DOWN = "The Python kernel did not start: {error}"
CELL_NO_OUTPUT = "(no output)"
INTERRUPTED = (
    "[timed out after {timeout} s: the kernel was interrupted (KeyboardInterrupt), "
    "not restarted; variables from earlier calls are kept]"
)
KILLED_AFTER = (
    "[timed out after {timeout} s and still running {grace} s after the "
    "interrupt: the kernel was killed, its variables are lost; the next call starts a "
    "fresh kernel]"
)
DIED = (
    "[the kernel died while running this code ({how}{hint}): its variables are lost; "
    "the next call starts a fresh kernel]"
)
KILLED_BY = "killed by {signal}"  # {how}, by a signal
EXITED = "exit code {code}"  # {how}, otherwise
OUT_OF_MEMORY = ", often a sign it ran out of memory"  # {hint}, when SIGKILL ended it
CWD_MOVED = (
    "[the kernel's working directory is now {cwd}, not the workspace: relative "
    "paths in later calls resolve there; `import os; os.chdir(...)` to go back]"
)
# Why: IPython says only "incomplete input" for an unclosed bracket or an empty block.
COMPILER_SAYS = "[Python's compiler: {where}{reason}]"
COMPILER_LINE = "line {line}: "  # {where}, when the compiler names the line
MEMORY_CAP = (
    "[the kernel may use at most {mb:,} MiB (config kernel_memory_mb): "
    "free memory (`del` large objects) or load less; its other variables are kept]"
)


# figures (tools/kernel/figures.py)
NOT_SAVED = (
    "[image not saved: {folder} in the workspace is not a plain folder (a symlink or a file "
    "is there); figures are written only into a real folder: remove or rename it]"
)

NOT_AN_IMAGE = (
    "[image not saved: the kernel sent it as a {kind} image, but it is not one that can be read]"
)


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "kernel": (
        GONE_NOTE,
        STALE_NOTE,
        LATE_CREDENTIAL_NOTE,
        STARTED_IN,
        KERNEL_STARTED,
        INSIDE_SANDBOX,
        WITHHELD_NOTE,
        RUN_WITHHELD,
        WRITTEN_SINCE,
        RESTARTED,
        NOTHING_RUN,
        KERNEL_DOWN,
        CELL_NO_OUTPUT,
        INTERRUPTED,
        KILLED_AFTER,
        DIED,
        KILLED_BY,
        EXITED,
        OUT_OF_MEMORY,
        CWD_MOVED,
        MEMORY_CAP,
        COMPILER_SAYS,
        COMPILER_LINE,
    ),
    "figures": (NOT_SAVED, NOT_AN_IMAGE),
}
