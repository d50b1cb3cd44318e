"""Git run by the agent on the host: no setting in a repository may make it run a program.

A repository's config (or a planted one) can name programs git runs by itself: hooks,
`core.fsmonitor`, `diff.external` and textconv filters, `core.sshCommand`, pagers, editors.
Every bash command on the host gets an environment that overrides those for each git it
starts, auto-approved read-only ones included. Settings given this way (GIT_CONFIG_COUNT)
weigh like `git -c` and beat every config file; the system config is not read at all.
"""

from __future__ import annotations

from collections.abc import Mapping

# key -> value: the neutral setting of each config-driven program.
NEUTRAL_CONFIG = {
    "core.hooksPath": "/dev/null",
    "core.fsmonitor": "false",
    "core.sshCommand": "ssh",
    "core.pager": "cat",
    "core.editor": "false",
    "sequence.editor": "false",
    "core.askPass": "",
    "safe.bareRepository": "explicit",
    "protocol.ext.allow": "never",
}
NEUTRAL_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    # Beats `diff.external`: git's own layout (header, unified diff) from the two files git
    # hands over; an unmerged path (one argument) is named, as git does.
    "GIT_EXTERNAL_DIFF": (
        'f() { if [ $# -lt 7 ]; then echo "* Unmerged path $1"; return 0; fi; '
        'echo "diff --git a/$1 b/$1"; diff -u --label "a/$1" --label "b/$1" -- "$2" "$5"; '
        "[ $? -le 1 ]; }; f"
    ),
    "GIT_PAGER": "cat",
    "GIT_ASKPASS": "",
    "GIT_SSH_COMMAND": "ssh",
    "GIT_EDITOR": "false",
    "GIT_TERMINAL_PROMPT": "0",
}


def neutral_git_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` plus the overrides, after any GIT_CONFIG_* pairs already there."""
    out = {k: v for k, v in env.items() if k not in NEUTRAL_ENV}
    count = out.get("GIT_CONFIG_COUNT", "0")
    start = int(count) if count.isdigit() else 0
    for n, (key, value) in enumerate(NEUTRAL_CONFIG.items(), start=start):
        out[f"GIT_CONFIG_KEY_{n}"] = key
        out[f"GIT_CONFIG_VALUE_{n}"] = value
    out["GIT_CONFIG_COUNT"] = str(start + len(NEUTRAL_CONFIG))
    return out | NEUTRAL_ENV
